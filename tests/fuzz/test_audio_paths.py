"""Audio and static routes serve their own files only, whatever the path tries to climb to."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from hotline.runtime import Runtime
from hotline.web.audio import prompt_source
from tests.fuzz.conftest import CASES, fuzz_settings
from tests.fuzz.hostile import PATH_PAYLOADS
from tests.fuzz.probes import Probe, send, served_from_our_folders

AUDIO_RULE = "/audio/<language>/<prompt_id>.<version>.wav"
TRAVERSALS = [
    "/audio/ky/../../etc/passwd.0123456789abcdef.wav",
    "/audio/ky/%2e%2e%2f%2e%2e%2fetc%2fpasswd.0123456789abcdef.wav",
    "/audio/..%2f..%2f/main_menu.0123456789abcdef.wav",
    "/audio/ky/..%5c..%5cwindows%5cwin.0123456789abcdef.wav",
    "/audio/ky/%2fetc%2fpasswd.0123456789abcdef.wav",
    "/audio/ky/main_menu%00.0123456789abcdef.wav",
    "/audio/ky/main_menu.0123456789abcdef%00.wav",
    "/audio/ky/main_menu.0123456789abcdef%0a.wav",
    "/audio/ky/digits/123%0a.0123456789abcdef.wav",
    "/audio/ky/digits/..%2f1.0123456789abcdef.wav",
    "/audio/%2e%2e/digits/1.0123456789abcdef.wav",
    "/audio/ky/C:%5cWindows%5cwin.0123456789abcdef.wav",
    "/static/../config.py",
    "/static/..%2fconfig.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static//etc/passwd",
    "/static/..%5c__init__.py",
    "/static/console.css%00.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_a_path_that_climbs_out_is_not_found(client: FlaskClient, path: str) -> None:
    answer = send(client, Probe(AUDIO_RULE, "GET", path))

    assert answer.status_code in (400, 404, 308), answer.status_code


@fuzz_settings(CASES)
@given(
    language=st.sampled_from(["ky", "ru", "..", "%2e%2e", "ky%2f.."]),
    name=st.sampled_from(PATH_PAYLOADS + ("main_menu", "welcome", "digits/1")).map(
        lambda text: text.replace("/", "%2f") if text != "digits/1" else text
    ),
    prefix=st.sampled_from(["/audio", "/static"]),
)
def test_whatever_is_served_comes_from_our_folders(
    client: FlaskClient, language: str, name: str, prefix: str
) -> None:
    path = f"{prefix}/{language}/{name}.0123456789abcdef.wav"
    answer = send(client, Probe(AUDIO_RULE, "GET", path))

    if answer.status_code == 200:
        assert served_from_our_folders(path, answer.get_data())


SUFFIXES = ("%0A", "%0D", "%00", "%20", "%2F..", "/..", "%5C", ".", "~", "%C2%B2", "%EF%BC%91")


@pytest.fixture
def real_urls(state: Runtime) -> list[str]:
    """Paths that serve audio today: a prompt and a spoken number."""
    with state.sessions() as session:
        prompts = prompt_source(state, session)
        urls = [prompts.prompt_url("main_menu", "ky"), prompts.digits_url("123", "uz")]
    return [url.removeprefix(state.settings.public_base_url) for url in urls if url]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_real_audio_url_with_a_stray_suffix_is_not_found(
    client: FlaskClient, real_urls: list[str], suffix: str
) -> None:
    """``$`` in a regex matches before a final newline: "123\\n" once reached the synthesiser."""
    assert len(real_urls) == 2
    for url in real_urls:
        stem, version, extension = url.rsplit(".", 2)
        for path in (f"{stem}{suffix}.{version}.{extension}", f"{stem}.{version}{suffix}.wav"):
            answer = send(client, Probe(AUDIO_RULE, "GET", path))
            assert answer.status_code in (400, 404), path
