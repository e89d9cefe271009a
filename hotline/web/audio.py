"""Prompt audio for the IVR: content-hashed URLs, and the routes that serve them.

A URL names the audio's checksum, so it can be cached for a year: a new recording gets a new
URL. Where a prompt has no audio at all the call falls back to the provider's Russian
text-to-speech (see ``ivr_menus.render``), never silence.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid

import redis
from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from audio.library import FALLBACK_LANGUAGE, PromptLibrary, PromptWords, speak_digits
from hotline.config import LANGUAGES
from hotline.models import PromptRecording
from hotline.runtime import Runtime, request_session, runtime

blueprint = Blueprint("audio", __name__)

HASH_LENGTH = 16
YEAR = 365 * 24 * 3600
# \Z, not $: "$" also matches before a final newline, and "123\n" reached speak_digits (a 500).
_HASH = re.compile(rf"^[0-9a-f]{{{HASH_LENGTH}}}\Z")
_DIGITS = re.compile(r"^[0-9]{1,20}\Z")
DIGIT_PROMPTS = tuple(f"digit_{digit}" for digit in range(10))


RECORDINGS_VERSION_KEY = "hotline:prompts:version"
RECORDINGS_CACHE_SECONDS = 60.0  # the longest a missed version bump can leave a process stale

Recorded = dict[tuple[str, str], str]
_recorded_cache: dict[str, tuple[float, Recorded]] = {}


def recordings_changed(connection: redis.Redis) -> None:
    """Tell every process that a staff recording was stored; call it after the commit.

    Each process keeps the recordings' checksums under the version it read, so a menu step
    costs a Redis GET instead of a query. A new version after the commit means a process that
    reads it also reads the new rows; versions are random, so a Redis that restarted empty
    never hands out one a process already cached.
    """
    try:
        connection.set(RECORDINGS_VERSION_KEY, uuid.uuid4().hex)
    except redis.RedisError:
        pass  # processes fall back to the database, and caches expire within a minute


def _recorded_checksums(session: Session, connection: redis.Redis | None) -> Recorded:
    version: str | None = None
    if connection is not None:
        try:
            found = connection.get(RECORDINGS_VERSION_KEY)
            if found is None:  # a Redis that restarted empty: a new version for everyone
                connection.set(RECORDINGS_VERSION_KEY, uuid.uuid4().hex, nx=True)
                found = connection.get(RECORDINGS_VERSION_KEY)
            version = str(found)
        except redis.RedisError:
            version = None
    now = time.monotonic()
    if version is not None:
        cached = _recorded_cache.get(version)
        if cached is not None and now - cached[0] < RECORDINGS_CACHE_SECONDS:
            return cached[1]
    rows = session.execute(
        select(PromptRecording.prompt_id, PromptRecording.language, PromptRecording.checksum)
    )
    recorded = {(p, lang): checksum for p, lang, checksum in rows}
    if version is not None:
        _recorded_cache.clear()
        _recorded_cache[version] = (now, recorded)
    return recorded


class LibraryPrompts:
    """The IVR's view of the prompt library for one request.

    With ``redis`` the recordings' checksums come from this process's cache while the version in
    Redis stands (see ``recordings_changed``); without it, one query per request.
    """

    def __init__(
        self,
        library: PromptLibrary,
        session: Session,
        base_url: str,
        redis_connection: redis.Redis | None = None,
    ) -> None:
        self._library = library
        self._session = session
        self._base_url = base_url
        self._redis = redis_connection
        self._recorded: Recorded | None = None

    def checksum(self, prompt_id: str, language: str) -> str | None:
        """The checksum of what plays now: a staff recording, else the placeholder."""
        if self._recorded is None:
            self._recorded = _recorded_checksums(self._session, self._redis)
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
        if not _DIGITS.match(digits):
            return None
        checksums = [self.checksum(prompt, language) for prompt in DIGIT_PROMPTS]
        if any(checksums[int(d)] is None for d in set(digits)):
            return None
        version = hashlib.sha256("".join(c or "-" for c in checksums).encode()).hexdigest()
        return f"{self._base_url}/audio/{language}/digits/{digits}.{version[:HASH_LENGTH]}.wav"

    def fallback_text(self, prompt_id: str) -> str:
        """The Russian the provider's text-to-speech reads where a prompt has no audio."""
        return self._library.text(prompt_id, FALLBACK_LANGUAGE) or ""

    def words(self, prompt_id: str, language: str) -> PromptWords:
        """The prompt's words in the caller's language, for a person reading along."""
        return self._library.words(prompt_id, language)


def prompt_source(state: Runtime, session: Session) -> LibraryPrompts:
    return LibraryPrompts(
        state.prompt_library, session, state.settings.public_base_url, state.redis
    )


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
