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
