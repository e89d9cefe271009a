"""The prompts page: what callers hear per prompt and language, and recordings uploaded by staff."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from pydub.generators import Sine
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from audio.pipeline import ffmpeg_path
from hotline.models import AuditEntry, PromptRecording
from hotline.runtime import Runtime
from tests.web.console.conftest import form_token

Login = Callable[..., FlaskClient]


def take(container: str, seconds: float = 1.5) -> bytes:
    """A tone as a phone app or a studio would save it: 44.1 kHz stereo WAV, or MP3."""
    tone = Sine(440, sample_rate=44100).to_audio_segment(seconds * 1000, -6.0)
    buffer = io.BytesIO()
    tone.set_channels(2).set_sample_width(2).export(buffer, format="wav")  # no ffmpeg needed
    if container == "wav":
        return buffer.getvalue()
    encoder = [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "-"]
    encoded = subprocess.run(  # pydub's own export leaves temporary files open
        [*encoder, "-f", container, "-"], input=buffer.getvalue(), capture_output=True, check=True
    )
    return encoded.stdout


def silence() -> bytes:
    """A second of nothing to hear, as a muted microphone records."""
    buffer = io.BytesIO()
    Sine(440).to_audio_segment(1000, -120.0).export(buffer, format="wav")
    return buffer.getvalue()


def cell(page: str, prompt_id: str, language: str) -> str:
    """The matrix cell of one prompt in one language, as HTML."""
    row = re.search(rf'<tr id="prompt-{prompt_id}">(.*?)</tr>', page, re.S)
    assert row is not None, f"no row for {prompt_id}"
    cells = re.findall(r"<td.*?</td>", row.group(1), re.S)
    return str(cells[["ky", "ru", "uz", "kaa"].index(language)])


def upload(
    client: FlaskClient, prompt_id: str, language: str, data: bytes, name: str
) -> TestResponse:
    """Post a recording from the upload form, as a browser sends it."""
    token = form_token(client, "/console/prompts")
    form = {"csrf_token": token, "prompt": prompt_id, "language": language,
            "file": FileStorage(io.BytesIO(data), name)}  # fmt: skip
    # Encoded in memory: the test client spools a body over 500 KB to a file it leaves open.
    boundary, body = encode_multipart(form)
    return client.post("/console/prompts/upload", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip


def recordings(state: Runtime) -> int:
    with state.sessions() as session:
        return session.scalar(select(func.count()).select_from(PromptRecording)) or 0


def cells(state: Runtime) -> int:
    """Prompts times languages: what the page counts."""
    return len(state.prompt_library.prompt_ids) * 4


def test_every_prompt_starts_as_a_playable_placeholder(login_as: Login, state: Runtime) -> None:
    page = login_as("viewer").get("/console/prompts").get_data(as_text=True)

    library = state.prompt_library
    for prompt_id in library.prompt_ids:
        for language in ("ky", "ru", "uz", "kaa"):
            shown = cell(page, prompt_id, language)
            assert ">placeholder<" in shown
            assert f'src="/audio/{language}/{prompt_id}.' in shown
    assert f"0 of {cells(state)} prompts recorded by a person" in page


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("take.mp3", lambda: take("mp3")),
        # 20 s of CD-quality WAV: 3.5 MB, over the 2 MB that other forms accept
        ("studio.wav", lambda: take("wav", seconds=20.0)),
    ],
)
def test_an_uploaded_recording_replaces_the_placeholder_and_plays(
    login_as: Login, state: Runtime, name: str, data: Callable[[], bytes]
) -> None:
    client = login_as("admin")

    answer = upload(client, "main_menu", "ky", data(), name)

    assert answer.status_code == 302
    page = client.get("/console/prompts").get_data(as_text=True)
    shown = cell(page, "main_menu", "ky")
    assert ">recorded<" in shown
    assert ">placeholder<" in cell(page, "main_menu", "ru")
    with state.sessions() as session:
        stored = session.scalars(select(PromptRecording)).one()
        audited = session.scalars(select(AuditEntry.action)).all()
    assert (stored.prompt_id, stored.language, stored.source_name) == ("main_menu", "ky", name)
    assert "prompt_upload" in audited
    player = re.search(r'src="([^"]+)"', shown)
    assert player is not None
    assert player.group(1) == f"/audio/ky/main_menu.{stored.checksum[:16]}.wav"
    served = client.get(player.group(1))
    assert served.status_code == 200
    assert served.data == stored.wav


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.pdf", lambda: b"%PDF-1.4 not a recording" * 40, "is not audio in a format"),
        ("take.mp3", lambda: b"\xff\xfb" + bytes(4000), "take.mp3"),
        ("empty.wav", lambda: b"", "empty"),
        ("hush.wav", lambda: silence(), "silent"),
    ],
)
def test_a_file_that_is_not_usable_audio_is_refused_and_nothing_stored(
    login_as: Login, state: Runtime, name: str, data: Callable[[], bytes], reason: str
) -> None:
    client = login_as("admin")

    answer = upload(client, "main_menu", "ky", data(), name)

    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "rejected, nothing stored" in page
    assert reason in page
    assert recordings(state) == 0


@pytest.mark.parametrize(
    ("prompt_id", "language", "reason"),
    [("no_such_prompt", "ky", "unknown prompt"), ("main_menu", "en", "unknown language")],
)
def test_an_unknown_prompt_or_language_is_refused(
    login_as: Login, state: Runtime, prompt_id: str, language: str, reason: str
) -> None:
    answer = upload(login_as("admin"), prompt_id, language, take("wav"), "take.wav")

    assert answer.status_code == 400
    assert reason in answer.get_data(as_text=True)
    assert recordings(state) == 0


def test_a_file_over_the_upload_limit_gets_a_clear_413(login_as: Login, state: Runtime) -> None:
    answer = upload(login_as("admin"), "main_menu", "ky", bytes(33 * 1024 * 1024), "huge.wav")

    assert answer.status_code == 413
    assert "save it as MP3" in answer.get_data(as_text=True)
    assert recordings(state) == 0


@pytest.mark.parametrize("role", ["viewer", "campaign_manager"])
def test_others_see_the_matrix_but_may_not_upload(
    login_as: Login, state: Runtime, role: str
) -> None:
    client = login_as(role)
    page = client.get("/console/prompts")

    assert page.status_code == 200
    assert 'action="/console/prompts/upload"' not in page.get_data(as_text=True)
    assert upload(client, "main_menu", "ky", take("wav"), "take.wav").status_code == 403
    assert recordings(state) == 0


def test_the_menu_tree_shows_every_node_and_links_the_simulator(
    login_as: Login, state: Runtime
) -> None:
    page = login_as("viewer").get("/console/prompts/menu").get_data(as_text=True)

    menu = state.ivr_menu
    for node_id, node in menu.nodes.items():
        assert page.count(f'<li id="node-{node_id}">') == 1, node_id
        for prompt_id in node.prompt_ids():
            assert f'href="/console/prompts#prompt-{prompt_id}"' in page
    assert 'href="/simulator"' in page
    main = page.split('<li id="node-main">', 1)[1]
    assert re.search(r"<kbd>1</kbd> &rarr;<ul>\s*<li id=\"node-check_agency\">", main)


def test_the_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/console/prompts", "/console/prompts/menu"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/console/login")


def test_strangers_keep_the_small_body_limit_on_the_upload_route(client: FlaskClient) -> None:
    three_megabytes = b"x" * (3 * 1024 * 1024)
    answer = client.post("/console/prompts/upload", data=three_megabytes,
                         content_type="application/octet-stream")  # fmt: skip
    assert answer.status_code == 413
