"""Prompt audio is served from content-hashed URLs: cacheable for a year, revalidated by ETag."""

from __future__ import annotations

import io
import wave

import pytest
from flask.testing import FlaskClient

from hotline.runtime import Runtime
from hotline.web.audio import prompt_source


def _path(state: Runtime, prompt_id: str, language: str) -> str:
    with state.sessions() as session:
        url = prompt_source(state, session).prompt_url(prompt_id, language)
    assert url is not None
    return url.removeprefix(state.settings.public_base_url)


def test_a_prompt_is_a_cacheable_8khz_wav_with_an_etag(client: FlaskClient, state: Runtime) -> None:
    path = _path(state, "main_menu", "ky")
    first = client.get(path)

    assert first.status_code == 200
    assert first.mimetype == "audio/wav"
    assert "max-age=31536000" in first.headers["Cache-Control"]
    assert first.headers["ETag"]
    with wave.open(io.BytesIO(first.data)) as audio:
        assert (audio.getframerate(), audio.getnchannels()) == (8000, 1)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_spoken_digits_are_served_the_same_way(client: FlaskClient, state: Runtime) -> None:
    with state.sessions() as session:
        url = prompt_source(state, session).digits_url("14523", "uz")
    assert url is not None
    response = client.get(url.removeprefix(state.settings.public_base_url))
    assert response.status_code == 200
    with wave.open(io.BytesIO(response.data)) as audio:
        assert audio.getnframes() / audio.getframerate() > 1.0  # five digits take a while


@pytest.mark.parametrize(
    "path",
    [
        "/audio/ky/../../etc/passwd.0123456789abcdef.wav",
        "/audio/ky/main_menu.0000000000000000.wav",
        "/audio/xx/main_menu.0123456789abcdef.wav",
        "/audio/ky/no_such_prompt.0123456789abcdef.wav",
        "/audio/ky/digits/12a4.0123456789abcdef.wav",
        "/audio/ky/%2e%2e%2fsecret.0123456789abcdef.wav",
    ],
)
def test_anything_else_is_a_404(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_new_recording_reaches_processes_that_cached_the_old_ones(state: Runtime) -> None:
    """Menu steps read recordings from a per-process cache; storing one moves every process on."""
    from pydub.generators import Sine

    from audio.pipeline import prepare_recording
    from hotline.web.audio import recordings_changed
    from tests.audio.test_library import wav_bytes

    before = _path(state, "main_menu", "ky")  # cached from here on
    tone = Sine(440, sample_rate=8000).to_audio_segment(600, -6.0).set_sample_width(2)
    with state.sessions() as session:
        state.prompt_library.store(
            session, "main_menu", "ky", prepare_recording(wav_bytes(tone), "take.wav"), "take.wav"
        )
        session.commit()
    assert _path(state, "main_menu", "ky") == before  # nobody said so yet

    recordings_changed(state.redis)

    assert _path(state, "main_menu", "ky") != before
