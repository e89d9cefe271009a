"""The simulator's SMS pane: a typed text is answered as a real one, on console deployments."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from flask_babel import force_locale
from jinja2.ext import babel_extract
from sqlalchemy import func, select

from hotline import create_app
from hotline.config import Settings
from hotline.models import Contact, Message
from hotline.runtime import Runtime, runtime
from hotline.web.console import TRANSLATIONS
from hotline.web.simulator_sms import TEXTS_PER_MINUTE, sms_pane

TEMPLATE = Path(__file__).resolve().parents[2] / "hotline" / "templates" / "simulator_sms.html"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The embedded default's provider: nothing a typed text causes reaches a real phone."""
    return dataclasses.replace(settings, provider="console")


def _send(client: FlaskClient, sender: str, text: str) -> Any:
    return client.post("/simulator/sms", json={"from": sender, "text": text})


def _poll(client: FlaskClient, ticket: str) -> Any:
    return client.get(f"/simulator/sms/{ticket}")


def _outbox(state: Runtime) -> list[dict[str, str]]:
    path = state.settings.instance_path / "console_outbox.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def test_the_page_offers_the_pane_with_its_own_script(client: FlaskClient) -> None:
    page = client.get("/simulator").get_data(as_text=True)

    assert 'id="sms-form"' in page
    assert 'src="/static/simulator_sms.js"' in page
    assert 'data-key="*"' in page  # the phone is still there beside it
    script = client.get("/static/simulator_sms.js")
    assert script.status_code == 200
    script.close()


def test_a_typed_text_gets_its_reply_shown_once_a_worker_answers(
    client: FlaskClient, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    sent = _send(client, "0555 123 456", "HELP")
    assert sent.status_code == 202
    ticket = sent.get_json()["ticket"]
    assert sent.get_json()["phone"] == "+996555123456"
    assert _poll(client, ticket).get_json()["status"] == "waiting"

    run_jobs()

    answer = _poll(client, ticket).get_json()
    [entry] = _outbox(state)
    assert answer == {"status": "sent", "reply": entry["body"], "reason": None}
    assert entry["to"] == "+996555123456"


def test_stop_from_the_pane_opts_the_number_out(
    client: FlaskClient, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    _send(client, "+996555123456", "STOP")
    run_jobs()

    with state.sessions() as session:
        assert session.scalars(select(Contact)).one().opted_out


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"from": "hello", "text": "HELP"}, "not a phone number"),
        ({"from": "+996555123456", "text": ""}, "empty"),
        ({"from": "+996555123456", "text": "x" * 1601}, "longer than 1600"),
        ({"from": 996555123456, "text": "HELP"}, "must be strings"),
        ({"text": "HELP"}, "must be strings"),
        (["+996555123456", "HELP"], "JSON object"),
    ],
)
def test_a_bad_number_or_text_gets_a_400_and_nothing_is_stored(
    client: FlaskClient, state: Runtime, body: Any, problem: str
) -> None:
    answer = client.post("/simulator/sms", json=body)

    assert answer.status_code == 400
    assert problem in answer.get_json()["error"]
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_form_post_is_not_taken(client: FlaskClient) -> None:
    answer = client.post("/simulator/sms", data={"from": "+996555123456", "text": "STOP"})
    assert answer.status_code == 400  # a cross-site form cannot send JSON


@pytest.mark.parametrize("ticket", ["1", "garbage", "x" * 500, "eyJhIjoxfQ.abc.def"])
def test_a_reply_is_read_only_with_the_ticket_its_text_got(
    client: FlaskClient, ticket: str
) -> None:
    _send(client, "+996555123456", "HELP")

    answer = _poll(client, ticket)

    assert answer.status_code == 404
    assert "ticket" in answer.get_json()["error"]


def test_texts_are_rate_limited_per_client(client: FlaskClient) -> None:
    codes = [_send(client, "+996555123456", "HELP").status_code for _ in range(TEXTS_PER_MINUTE)]
    refused = _send(client, "+996555123456", "HELP")

    assert codes == [202] * TEXTS_PER_MINUTE
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"


def test_with_redis_away_the_pane_answers_503_not_500(settings: Settings, state: Runtime) -> None:
    """Nothing answers where Redis should be: the rate limit cannot count, the pane says so."""
    away = create_app(settings.replace(redis_url="redis://127.0.0.1:1/15"))
    try:
        answer = _send(away.test_client(), "+996555123456", "HELP")
    finally:
        runtime(away).engine.dispose()

    assert answer.status_code == 503
    assert "error" in answer.get_json()


def test_with_a_real_carrier_the_pane_is_off(settings: Settings) -> None:
    twilio = create_app(dataclasses.replace(settings, provider="twilio"))
    client = twilio.test_client()
    try:
        page = client.get("/simulator").get_data(as_text=True)
        refused = _send(client, "+996555123456", "STOP")
        polled = _poll(client, "anything")
    finally:
        runtime(twilio).engine.dispose()

    assert 'id="sms-form"' not in page
    assert "HOTLINE_PROVIDER is not console" in page
    assert (refused.status_code, polled.status_code) == (404, 404)


def test_every_word_of_the_pane_has_a_russian_translation(app: Any) -> None:
    with (TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        russian = {message.id for message in read_po(po) if message.id and message.string}
    with TEMPLATE.open("rb") as source:
        found = babel_extract(source, ("_", "gettext"), [], {})
        wanted = {text for _, _, text, _ in found if isinstance(text, str)}
    assert sorted(text for text in wanted if text not in russian) == []

    with app.test_request_context("/simulator"):
        with force_locale("en"):
            english = sms_pane()["messages"]
        with force_locale("ru"):
            in_russian = sms_pane()["messages"]
    words = [key for key, value in english.items() if isinstance(value, str)]
    assert [key for key in words if in_russian[key] == english[key]] == []
