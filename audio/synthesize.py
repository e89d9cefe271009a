"""Regenerate the placeholder prompts and their manifest from ``prompts.yaml`` with espeak-ng.

Run ``python -m audio.synthesize`` after editing prompt texts (espeak-ng is needed only here,
never at run time: ``apt-get install espeak-ng``). Placeholders go through the same pipeline as
staff recordings, so a machine voice and a human one play at the same level and format.
``--check`` only verifies that the committed files match the texts (for CI).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from audio.library import (
    LIBRARY_DIR,
    MANIFEST_NAME,
    PROMPTS_FILE,
    Placeholder,
    PromptLibrary,
    PromptTexts,
)
from audio.pipeline import FRAME_RATE, checksum, prepare_recording
from hotline.config import LANGUAGES

# espeak-ng has no Karakalpak. Kazakh, its nearest relative, reads it well once the Latin
# spelling is put in Kazakh Cyrillic (the numbers are nearly the same words); the Uzbek voice
# spells out any word with w or ı letter by letter.
VOICES = {"ky": "ky", "ru": "ru", "uz": "uz", "kaa": "kk"}
KARAKALPAK_TO_KAZAKH = {
    **{"sh": "ш", "ch": "ч", "a": "а", "á": "ә", "b": "б", "c": "ц", "d": "д", "e": "е"},
    **{"f": "ф", "g": "г", "ǵ": "ғ", "h": "һ", "x": "х", "ı": "ы", "i": "і", "j": "ж"},
    **{"k": "к", "q": "қ", "l": "л", "m": "м", "n": "н", "ń": "ң", "o": "о", "ó": "ө"},
    **{"p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "ú": "ү", "v": "в", "w": "у"},
    **{"y": "й", "z": "з"},
}
# What espeak-ng misreads, rewritten the way a speaker says it (the manifest keeps the real text).
# U+02BC (the Uzbek tutuq belgisi) makes it spell the word letter by letter; the Kyrgyz voice
# reads Cyrillic capitals as English letter names.
SPOKEN_FORMS = {"uz": {"\u02bc": "'"}, "ky": {"СМС": "эс-эм-эс"}}
WORDS_PER_MINUTE = 160  # a little slower than espeak's 175, for phone lines


def synthesize(text: str, voice: str) -> bytes:
    """Speak ``text`` with espeak-ng and return its WAV (22.05 kHz, before the pipeline)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory(prefix="hotline-espeak-") as folder:
        target = Path(folder) / "speech.wav"
        subprocess.run(  # noqa: S603 - fixed binary; the text goes through stdin
            [espeak, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(target), "--stdin"],
            input=text.encode("utf-8"),
            check=True,
            capture_output=True,
            timeout=60,
        )
        return target.read_bytes()


def speakable(text: str, language: str) -> str:
    """The text as espeak-ng should be given it, so the placeholder says what the text says."""
    for written, spoken in SPOKEN_FORMS.get(language, {}).items():
        text = text.replace(written, spoken)
    return karakalpak_in_cyrillic(text) if language == "kaa" else text


def karakalpak_in_cyrillic(text: str) -> str:
    """Spell Latin Karakalpak in Kazakh Cyrillic, digraphs first, keeping capitals."""
    letters = []
    index = 0
    while index < len(text):
        for size in (2, 1):
            written = text[index : index + size]
            spoken = KARAKALPAK_TO_KAZAKH.get(written.lower())
            if spoken is not None:
                letters.append(spoken.upper() if written[0].isupper() else spoken)
                index += size
                break
        else:
            letters.append(text[index])
            index += 1
    return "".join(letters)


def espeak_version() -> str:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return "espeak-ng (not installed)"
    found = subprocess.run(  # noqa: S603 - fixed binary
        [espeak, "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    version = re.search(r"\d+\.\d+(\.\d+)?", found.stdout)
    return f"espeak-ng {version.group(0) if version else '(unknown version)'}"


def regenerate(texts: PromptTexts, library_dir: Path = LIBRARY_DIR) -> list[Placeholder]:
    """Write one WAV per prompt and language, the manifest, and remove files nobody needs."""
    made: list[Placeholder] = []
    for prompt_id, by_language in texts.texts.items():
        for language in LANGUAGES:
            text = by_language.get(language)
            if not text:
                continue
            voice = VOICES[language]
            speech = synthesize(speakable(text, language), voice)
            prepared = prepare_recording(speech, f"{prompt_id}.wav")
            entry = Placeholder(
                prompt_id=prompt_id,
                language=language,
                text=text,
                duration_ms=prepared.duration_ms,
                checksum=prepared.checksum,
                machine_drafted=texts.is_drafted(prompt_id, language),
                voice=voice,
            )
            target = library_dir / entry.relative_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(prepared.wav)
            made.append(entry)
    kept = {library_dir / p.relative_path for p in made}
    for stale in library_dir.glob("*/*.wav"):
        if stale not in kept:
            stale.unlink()
    write_manifest(made, library_dir)
    return made


def write_manifest(placeholders: list[Placeholder], library_dir: Path = LIBRARY_DIR) -> None:
    manifest = {
        "format": f"WAV, {FRAME_RATE} Hz, mono, 16-bit PCM",
        "generator": espeak_version(),
        "prompts": [
            {
                "prompt_id": p.prompt_id,
                "language": p.language,
                "text": p.text,
                "duration_ms": p.duration_ms,
                "checksum": p.checksum,
                "source": "placeholder",
                "machine_drafted": p.machine_drafted,
                "voice": p.voice,
            }
            for p in placeholders
        ],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    (library_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")


def problems(library: PromptLibrary) -> list[str]:
    """What is out of date between prompts.yaml, the manifest and the WAV files."""
    found = []
    for prompt_id, by_language in library.prompt_texts.texts.items():
        for language in LANGUAGES:
            text = by_language.get(language)
            placeholder = library.placeholders.get((prompt_id, language))
            if not text:
                found.append(f"{prompt_id}/{language}: no text")
            elif placeholder is None:
                found.append(f"{prompt_id}/{language}: no placeholder")
            elif placeholder.text != text:
                found.append(f"{prompt_id}/{language}: placeholder speaks an older text")
    for (prompt_id, language), placeholder in library.placeholders.items():
        path = library.library_dir / placeholder.relative_path
        if prompt_id not in library.prompt_texts.texts:
            found.append(f"{prompt_id}/{language}: placeholder for a prompt that is gone")
        if not path.exists() or checksum(path.read_bytes()) != placeholder.checksum:
            found.append(f"{prompt_id}/{language}: {path.name} does not match the manifest")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audio.synthesize", description=__doc__)
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 if stale")
    args = parser.parse_args(argv)
    if not args.check:
        made = regenerate(PromptTexts.read(PROMPTS_FILE))
        size = sum((LIBRARY_DIR / p.relative_path).stat().st_size for p in made)
        seconds = sum(p.duration_ms for p in made) / 1000
        print(f"{len(made)} placeholders, {seconds:.0f} s of audio, {size / 1e6:.1f} MB")
    stale = problems(PromptLibrary.load())
    for line in stale:
        print(line, file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
