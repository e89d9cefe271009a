"""Prompt audio for the IVR: content-hashed URLs, and the routes that serve them.

A URL names the audio's checksum, so it can be cached for a year: a new recording gets a new
URL. Where a prompt has no audio at all the call falls back to the provider's Russian
text-to-speech (see ``ivr_menus.render``), never silence.
"""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from audio.library import PromptLibrary, speak_digits
from hotline.config import LANGUAGES
from hotline.models import PromptRecording
from hotline.runtime import Runtime, request_session, runtime

blueprint = Blueprint("audio", __name__)

HASH_LENGTH = 16
YEAR = 365 * 24 * 3600
_HASH = re.compile(rf"^[0-9a-f]{{{HASH_LENGTH}}}$")
_DIGITS = re.compile(r"^[0-9]{1,20}$")
DIGIT_PROMPTS = tuple(f"digit_{digit}" for digit in range(10))


class LibraryPrompts:
    """The IVR's view of the prompt library for one request (one query for recordings)."""

    def __init__(self, library: PromptLibrary, session: Session, base_url: str) -> None:
        self._library = library
        self._session = session
        self._base_url = base_url
        self._recorded: dict[tuple[str, str], str] | None = None

    def checksum(self, prompt_id: str, language: str) -> str | None:
        """The checksum of what plays now: a staff recording, else the placeholder."""
        if self._recorded is None:
            rows = self._session.execute(
                select(
                    PromptRecording.prompt_id, PromptRecording.language, PromptRecording.checksum
                )
            )
            self._recorded = {(p, lang): checksum for p, lang, checksum in rows}
        recorded = self._recorded.get((prompt_id, language))
        if recorded:
            return recorded
        placeholder = self._library.placeholders.get((prompt_id, language))
        return placeholder.checksum if placeholder else None

    def prompt_url(self, prompt_id: str, language: str) -> str | None:
        checksum = self.checksum(prompt_id, language)
        if checksum is None:
            return None
        return f"{self._base_url}/audio/{language}/{prompt_id}.{checksum[:HASH_LENGTH]}.wav"

    def digits_url(self, digits: str, language: str) -> str | None:
        checksums = [self.checksum(prompt, language) for prompt in DIGIT_PROMPTS]
        needed = {int(d) for d in digits if d.isdigit()}
        if not _DIGITS.match(digits) or any(checksums[d] is None for d in needed):
            return None
        version = hashlib.sha256("".join(c or "-" for c in checksums).encode()).hexdigest()
        return f"{self._base_url}/audio/{language}/digits/{digits}.{version[:HASH_LENGTH]}.wav"

    def fallback_text(self, prompt_id: str) -> str:
        return self._library.text(prompt_id, "ru") or ""


def prompt_source(state: Runtime, session: Session) -> LibraryPrompts:
    return LibraryPrompts(state.prompt_library, session, state.settings.public_base_url)


def _wav_response(wav: bytes, etag: str) -> Response:
    """Long-lived, revalidatable audio: the URL changes whenever the audio does."""
    response = Response(wav, mimetype="audio/wav")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    response.make_conditional(request)
    return response


@blueprint.get("/audio/<language>/<prompt_id>.<version>.wav")
def prompt_audio(language: str, prompt_id: str, version: str) -> ResponseReturnValue:
    state = runtime()
    library = state.prompt_library
    if language not in LANGUAGES or prompt_id not in library.prompt_texts.texts:
        abort(404)
    if not _HASH.match(version):
        abort(404)
    session = request_session()
    current = prompt_source(state, session).checksum(prompt_id, language)
    candidates = [current] if current and current.startswith(version) else []
    placeholder = library.placeholders.get((prompt_id, language))
    if placeholder and placeholder.checksum.startswith(version):
        candidates.append(placeholder.checksum)
    for checksum in candidates:
        wav = library.wav(session, prompt_id, language, checksum)
        if wav is not None:
            return _wav_response(wav, checksum)
    abort(404)


@blueprint.get("/audio/<language>/digits/<digits>.<version>.wav")
def digits_audio(language: str, digits: str, version: str) -> ResponseReturnValue:
    state = runtime()
    if language not in LANGUAGES or not _DIGITS.match(digits) or not _HASH.match(version):
        abort(404)
    session = request_session()
    expected = prompt_source(state, session).digits_url(digits, language)
    if expected is None or not expected.endswith(f"/{digits}.{version}.wav"):
        abort(404)
    wav = _cached_digits(state, session, language, digits, version)
    return _wav_response(wav, hashlib.sha256(wav).hexdigest())


_DIGIT_CACHE: dict[tuple[str, str, str], bytes] = {}
_DIGIT_CACHE_LIMIT = 2048


def _cached_digits(
    state: Runtime, session: Session, language: str, digits: str, version: str
) -> bytes:
    """Spoken numbers, cached per process under the digit recordings' version."""
    key = (language, digits, version)
    wav = _DIGIT_CACHE.get(key)
    if wav is None:
        wav = speak_digits(digits, language, state.prompt_library, session)
        if len(_DIGIT_CACHE) >= _DIGIT_CACHE_LIMIT:
            _DIGIT_CACHE.clear()
        _DIGIT_CACHE[key] = wav
    return wav
