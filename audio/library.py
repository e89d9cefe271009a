"""The prompt library: which audio plays for each prompt in each language.

Texts come from ``audio/prompts.yaml``; machine-voiced placeholders ship in ``audio/library/``
with a manifest, so the IVR speaks out of the box; a staff recording in the database replaces the
placeholder for its prompt and language. Audio is named by its sha256 so the IVR can put it in a
URL that is cached forever: the manifest is held in memory and a recording's checksum costs one
small query (no WAV bytes), because the IVR asks for it on every webhook.
"""

from __future__ import annotations

import difflib
import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from audio.pipeline import PreparedAudio, join_wavs
from hotline.config import LANGUAGES
from hotline.db import utcnow
from hotline.models import PromptRecording

PACKAGE_DIR = Path(__file__).resolve().parent
PROMPTS_FILE = PACKAGE_DIR / "prompts.yaml"
LIBRARY_DIR = PACKAGE_DIR / "library"
MANIFEST_NAME = "manifest.json"
DIGIT_GAP_MS = 120  # between digits of one number: heard as a list, not a word
GROUP_GAP_MS = 450  # where the written number has a space, dash, slash or dot
DIGIT_SEPARATORS = frozenset(" -/.:")
FALLBACK_LANGUAGE = "ru"  # written by hand, complete, and spoken by every provider's voice


class PromptSource(enum.StrEnum):
    RECORDED = "recorded"  # a person's voice, uploaded by staff; final
    PLACEHOLDER = "placeholder"  # espeak-ng, shipped with the package; wants replacing


class PromptState(enum.StrEnum):
    RECORDED = "recorded"  # a person's voice plays
    PLACEHOLDER = "placeholder"  # the machine voice plays until someone records it
    MISSING = "missing"  # nothing plays: no recording and no placeholder (regenerate them)


class UnknownPrompt(LookupError):
    """A prompt id or language the library has no text for; the message suggests near names."""


class PromptMissing(LookupError):
    """No audio at all for a prompt the IVR needs (placeholders not regenerated)."""


@dataclass(frozen=True)
class PromptAudio:
    """The audio that plays for one prompt in one language (fetch bytes with ``wav``)."""

    prompt_id: str
    language: str
    checksum: str
    duration_ms: int
    source: PromptSource


@dataclass(frozen=True)
class PromptWords:
    """What a prompt says in one language, or the Russian that stands in where it says nothing.

    The simulator shows these words beside the audio, so staff read what the caller hears;
    ``fallback`` lets the page say when the language's own text is missing.
    """

    text: str
    language: str  # the language of ``text``: the one asked for, or FALLBACK_LANGUAGE
    fallback: bool  # the language asked for has no text of its own


@dataclass(frozen=True)
class PromptStatus:
    """One cell of the prompt x language matrix shown by ``hotline audio check``."""

    prompt_id: str
    language: str
    state: PromptState
    text: str
    machine_drafted: bool  # the text itself was drafted by a machine and wants a human review

    @property
    def needs_recording(self) -> bool:
        return self.state is not PromptState.RECORDED


@dataclass(frozen=True)
class Placeholder:
    """A manifest entry: a synthesized WAV committed under ``audio/library/<language>/``."""

    prompt_id: str
    language: str
    text: str
    duration_ms: int
    checksum: str
    machine_drafted: bool
    voice: str = ""  # the espeak-ng voice that spoke it

    @property
    def relative_path(self) -> str:
        return f"{self.language}/{self.prompt_id}.wav"

    def as_audio(self) -> PromptAudio:
        return PromptAudio(
            self.prompt_id, self.language, self.checksum, self.duration_ms, PromptSource.PLACEHOLDER
        )


@dataclass(frozen=True)
class PromptTexts:
    """``prompts.yaml``: every prompt's text per language, and which texts a machine drafted."""

    texts: Mapping[str, Mapping[str, str]]
    machine_drafted: frozenset[tuple[str, str]]

    @classmethod
    def read(cls, path: Path = PROMPTS_FILE) -> PromptTexts:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts = {
            str(prompt_id): {str(lang): str(text).strip() for lang, text in (by_lang or {}).items()}
            for prompt_id, by_lang in (raw.get("prompts") or {}).items()
        }
        return cls(texts, _drafted_cells(raw.get("machine_drafted") or [], texts))

    def is_drafted(self, prompt_id: str, language: str) -> bool:
        return (prompt_id, language) in self.machine_drafted


def _drafted_cells(
    entries: Iterable[Any], texts: Mapping[str, Mapping[str, str]]
) -> frozenset[tuple[str, str]]:
    """Read ``machine_drafted`` entries: a language, a prompt id, or ``prompt_id.language``."""
    cells: set[tuple[str, str]] = set()
    for entry in map(str, entries):
        prompt_id, _, language = entry.rpartition(".")
        if prompt_id and language in LANGUAGES:
            cells.add((prompt_id, language))
        elif entry in LANGUAGES:
            cells.update((prompt, entry) for prompt in texts)
        elif entry in texts:
            cells.update((entry, lang) for lang in LANGUAGES)
    return frozenset(cells)


class PromptLibrary:
    """Prompt texts, shipped placeholders and staff recordings, resolved per prompt and language.

    Build one per process with ``load()`` and keep it: the manifest and texts stay in memory, so
    a placeholder's checksum costs nothing; WAV bytes are read only when served.
    """

    def __init__(
        self,
        texts: PromptTexts,
        placeholders: Iterable[Placeholder],
        library_dir: Path = LIBRARY_DIR,
    ) -> None:
        self.prompt_texts = texts
        self.placeholders = {(p.prompt_id, p.language): p for p in placeholders}
        self.library_dir = library_dir

    @classmethod
    def load(
        cls, prompts_file: Path = PROMPTS_FILE, library_dir: Path = LIBRARY_DIR
    ) -> PromptLibrary:
        """Read ``prompts.yaml`` and the placeholder manifest (empty if none was generated)."""
        manifest = library_dir / MANIFEST_NAME
        entries = json.loads(manifest.read_text("utf-8"))["prompts"] if manifest.exists() else []
        placeholders = [
            Placeholder(
                prompt_id=e["prompt_id"],
                language=e["language"],
                text=e["text"],
                duration_ms=int(e["duration_ms"]),
                checksum=e["checksum"],
                machine_drafted=bool(e.get("machine_drafted", False)),
                voice=e.get("voice", ""),
            )
            for e in entries
        ]
        return cls(PromptTexts.read(prompts_file), placeholders, library_dir)

    @property
    def prompt_ids(self) -> list[str]:
        return list(self.prompt_texts.texts)

    def text(self, prompt_id: str, language: str) -> str | None:
        """The words of a prompt, as the placeholder speaks them and a recording should."""
        return self.prompt_texts.texts.get(prompt_id, {}).get(language) or None

    def words(self, prompt_id: str, language: str) -> PromptWords:
        """The prompt's own text in the language; the Russian only where that text is missing."""
        own = self.text(prompt_id, language)
        if own is not None:
            return PromptWords(own, language, fallback=False)
        russian = self.text(prompt_id, FALLBACK_LANGUAGE) or ""
        return PromptWords(russian, FALLBACK_LANGUAGE, fallback=True)

    def require(self, prompt_id: str, language: str) -> None:
        """Raise ``UnknownPrompt`` unless the prompt has a text in that language."""
        if language not in LANGUAGES:
            raise UnknownPrompt(f"unknown language {language!r} (one of {', '.join(LANGUAGES)})")
        if prompt_id not in self.prompt_texts.texts:
            near = difflib.get_close_matches(prompt_id, self.prompt_ids, n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise UnknownPrompt(f"unknown prompt {prompt_id!r}{hint}")
        if self.text(prompt_id, language) is None:
            raise UnknownPrompt(f"prompt {prompt_id!r} has no {language} text in prompts.yaml")

    def lookup(self, session: Session, prompt_id: str, language: str) -> PromptAudio | None:
        """What plays for the prompt: the staff recording if any, else the placeholder."""
        row = session.execute(
            select(PromptRecording.checksum, PromptRecording.duration_ms).where(
                PromptRecording.prompt_id == prompt_id, PromptRecording.language == language
            )
        ).one_or_none()
        if row is not None:
            return PromptAudio(
                prompt_id, language, row.checksum, row.duration_ms, PromptSource.RECORDED
            )
        placeholder = self.placeholders.get((prompt_id, language))
        return placeholder.as_audio() if placeholder else None

    def wav(self, session: Session, prompt_id: str, language: str, checksum: str) -> bytes | None:
        """The WAV with this checksum, or None once it no longer exists.

        A placeholder stays servable after a recording replaces it, so a URL handed to the
        provider a moment before an import still plays.
        """
        recorded = session.execute(
            select(PromptRecording.wav).where(
                PromptRecording.prompt_id == prompt_id,
                PromptRecording.language == language,
                PromptRecording.checksum == checksum,
            )
        ).scalar_one_or_none()
        if recorded is not None:
            return recorded
        placeholder = self.placeholders.get((prompt_id, language))
        if placeholder is None or placeholder.checksum != checksum:
            return None
        return self.placeholder_wav(placeholder)

    def placeholder_wav(self, placeholder: Placeholder) -> bytes:
        """Read from disk each time: the OS caches it, and the library is too big to hold."""
        return (self.library_dir / placeholder.relative_path).read_bytes()

    def status(self, session: Session) -> list[PromptStatus]:
        """Every prompt x language, in prompts.yaml order, with what plays for it."""
        rows = session.execute(select(PromptRecording.prompt_id, PromptRecording.language))
        recorded = {(prompt_id, language) for prompt_id, language in rows}
        cells = []
        for prompt_id, by_language in self.prompt_texts.texts.items():
            for language in LANGUAGES:
                if (prompt_id, language) in recorded:
                    state = PromptState.RECORDED
                elif (prompt_id, language) in self.placeholders:
                    state = PromptState.PLACEHOLDER
                else:
                    state = PromptState.MISSING
                drafted = self.prompt_texts.is_drafted(prompt_id, language)
                cells.append(
                    PromptStatus(prompt_id, language, state, by_language.get(language, ""), drafted)
                )
        return cells

    def store(
        self,
        session: Session,
        prompt_id: str,
        language: str,
        prepared: PreparedAudio,
        source_name: str,
    ) -> PromptRecording:
        """Save a prepared recording for the prompt, replacing an earlier one."""
        self.require(prompt_id, language)
        row = session.execute(
            select(PromptRecording).where(
                PromptRecording.prompt_id == prompt_id, PromptRecording.language == language
            )
        ).scalar_one_or_none()
        if row is None:
            row = PromptRecording(prompt_id=prompt_id, language=language)
            session.add(row)
        row.wav = prepared.wav
        row.checksum = prepared.checksum
        row.duration_ms = prepared.duration_ms
        row.source_name = source_name[:200]
        row.recorded_at = utcnow()
        session.flush()
        return row

    def digit_wavs(self, session: Session, language: str) -> dict[str, bytes]:
        """WAV of each digit 0-9 in the language (recordings over placeholders), one query."""
        ids = [f"digit_{d}" for d in "0123456789"]
        rows = session.execute(
            select(PromptRecording.prompt_id, PromptRecording.wav).where(
                PromptRecording.language == language, PromptRecording.prompt_id.in_(ids)
            )
        )
        found = {prompt_id[-1]: wav for prompt_id, wav in rows}
        for digit in "0123456789":
            placeholder = self.placeholders.get((f"digit_{digit}", language))
            if digit not in found and placeholder is not None:
                found[digit] = self.placeholder_wav(placeholder)
        return found


def speak_digits(digits: str, language: str, library: PromptLibrary, session: Session) -> bytes:
    """A WAV saying the number digit by digit, as licence numbers and dates are read out.

    The same digits and the same digit recordings always give the same bytes, so the result can
    be cached under its checksum. Spaces, dashes, slashes and dots become a longer pause.
    """
    wavs = library.digit_wavs(session, language)
    pieces: list[bytes] = []
    gaps: list[int] = []
    gap = 0
    for char in digits:
        if char in DIGIT_SEPARATORS:
            gap = GROUP_GAP_MS if pieces else 0
            continue
        if char not in "0123456789":
            raise ValueError(
                f"cannot speak {char!r}: only digits and {''.join(sorted(DIGIT_SEPARATORS))!r}"
            )
        if char not in wavs:
            raise PromptMissing(f"no audio for digit_{char} in {language}")
        pieces.append(wavs[char])
        gaps.append(gap or DIGIT_GAP_MS)
        gap = 0
    if not pieces:
        raise ValueError(f"no digits to speak in {digits!r}")
    return join_wavs(pieces, gaps).wav
