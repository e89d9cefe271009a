"""A text typed into the CLI or the simulator is answered exactly as one from a carrier."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from hotline.agencies.registry_file import demo_registry_csv, parse_registry_csv
from hotline.agencies.registry_import import import_registry
from hotline.db import utcnow
from hotline.models import Contact, Direction, Message, MessageStatus
from hotline.runtime import Runtime
from hotline.sms.typed import MAX_LENGTH, TypedReply, TypedTextRejected, reply_to, text_in
from tests.fakes.provider_api import FakeTwilioApi


def _outbox(state: Runtime) -> list[dict[str, str]]:
    path = state.settings.instance_path / "console_outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def reply_to_now(state: Runtime, message_id: int) -> TypedReply:
    with state.sessions() as session:
        found = reply_to(session, message_id)
    assert found is not None
    return found


def _load_demo_registry(state: Runtime) -> None:
    with state.session_scope() as session:
        rows = parse_registry_csv(demo_registry_csv())
        import_registry(session, rows, utcnow().date(), source_name="demo.csv", demo=True)


def test_an_agency_name_typed_in_gets_its_verdict_in_the_console_outbox(
    state: Runtime, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    _load_demo_registry(state)

    typed = text_in(state, "0555 123 456", "Ак-Жол Тревел")
    assert reply_to_now(state, typed.message_id).status == "waiting"
    run_jobs()

    [entry] = _outbox(state)
    assert entry["to"] == typed.phone == "+996555123456"
    assert "KG-0145-23" in entry["body"]
    reply = reply_to_now(state, typed.message_id)
    assert (reply.status, reply.body) == ("sent", entry["body"])
    assert fake_twilio.requests == []  # HOTLINE_PROVIDER is twilio: the console still answers


def test_stop_typed_in_opts_the_number_out_as_a_real_text_does(
    state: Runtime, run_jobs: Callable[[], None]
) -> None:
    text_in(state, "+996555123456", "STOP")
    run_jobs()

    with state.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        text = session.scalars(select(Message).where(Message.direction == Direction.INBOUND)).one()
    assert contact.opted_out
    assert (text.provider, text.status) == ("console", MessageStatus.PROCESSED)


def test_a_text_answered_without_a_reply_says_why(
    state: Runtime, run_jobs: Callable[[], None]
) -> None:
    typed = text_in(state, "+12025550123", "HELP")  # the US is not in SMS_REPLY_COUNTRIES
    run_jobs()

    reply = reply_to_now(state, typed.message_id)
    assert reply.status == "none"
    assert "SMS_REPLY_COUNTRIES" in (reply.reason or "")
    assert _outbox(state) == []


@pytest.mark.parametrize(
    ("sender", "body", "problem"),
    [
        ("hello", "HELP", "not a phone number"),
        ("+996 1", "HELP", "not a"),
        ("+996555123456", "  ", "empty"),
        ("+996555123456", "x" * (MAX_LENGTH + 1), "longer than"),
        ("+996555123456", "bad \udcff byte", "not valid Unicode"),
    ],
)
def test_a_bad_number_or_text_is_refused_and_nothing_is_stored(
    state: Runtime, sender: str, body: str, problem: str
) -> None:
    with pytest.raises(TypedTextRejected, match=problem):
        text_in(state, sender, body)

    with state.sessions() as session:
        assert session.scalars(select(Message)).all() == []


def test_only_typed_texts_are_looked_up(state: Runtime) -> None:
    with state.sessions() as session:
        assert reply_to(session, 12345) is None
