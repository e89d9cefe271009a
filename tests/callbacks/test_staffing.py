"""Staffed hours in Bishkek, who takes which callback, and when the caller is told to expect it.

The hotline works 09:00-18:00 Monday to Saturday in Asia/Bishkek (UTC+6); many callers are in
Moscow (UTC+3). Every instant here is explicit UTC, so no test depends on the real clock.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks import request_callback
from hotline.callbacks.notices import expected_call
from hotline.callbacks.placing import start_next_attempt
from hotline.models import (
    Agent,
    AgentStatus,
    AttemptStatus,
    CallbackAttempt,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
    Contact,
)
from hotline.runtime import Runtime
from hotline.sms.replies import ReplyBook
from hotline.staffing import StaffedHours

HOURS = StaffedHours.parse("09:00-18:00", "mon-sat", "Asia/Bishkek")
MOSCOW_CALLER = "+79161234567"
BISHKEK_CALLER = "+996555123456"
SEOUL_CALLER = "+821012345678"


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in November 2026 (the 25th is a Wednesday, the 29th a Sunday)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


OPEN = utc(25, 5)  # Wednesday 11:00 in Bishkek, 08:00 in Moscow
CLOSED = utc(25, 12, 30)  # Wednesday 18:30 in Bishkek, 15:30 in Moscow


def add_agent(
    session: Session,
    name: str,
    languages: list[str],
    status: AgentStatus = AgentStatus.AVAILABLE,
    shift: tuple[str, str] = ("", ""),
) -> Agent:
    agent = Agent(
        name=name,
        phone=f"+99670000{len(session.scalars(select(Agent)).all()):04d}",
        languages=languages,
        status=status,
        shift_days=shift[0],
        shift_hours=shift[1],
    )
    session.add(agent)
    session.flush()
    return agent


def ask(
    session: Session,
    phone: str,
    language: str | None,
    at: dt.datetime,
    reason: str = "general",
) -> CallbackRequest:
    contact = Contact(phone=phone)
    session.add(contact)
    session.flush()
    return request_callback(session, contact, CallbackSource.SMS, language, at, reason=reason)


def taken(session: Session, attempt_id: int | None) -> tuple[str, str]:
    """Who was rung for which caller: (agent's name, caller's number)."""
    assert attempt_id is not None, "no attempt was started"
    attempt = session.get(CallbackAttempt, attempt_id)
    assert attempt is not None
    agent = session.get(Agent, attempt.agent_id)
    request = session.get(CallbackRequest, attempt.request_id)
    assert agent is not None
    assert request is not None
    return agent.name, request.phone


# --- Staffed hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "is_open"),
    [
        (utc(25, 2, 59), False),  # 08:59 in Bishkek
        (utc(25, 3, 0), True),  # 09:00: opens
        (utc(25, 11, 59), True),  # 17:59
        (utc(25, 12, 0), False),  # 18:00: closed
        (utc(25, 20, 0), False),  # Thursday 02:00 in Bishkek, still Wednesday in UTC
        (utc(28, 5, 0), True),  # Saturday 11:00
        (utc(29, 5, 0), False),  # Sunday 11:00
        (utc(29, 23, 30), False),  # Monday 05:30 in Bishkek, Sunday in UTC
        (utc(30, 3, 0), True),  # Monday 09:00
    ],
)
def test_the_hotline_is_open_by_the_bishkek_clock(instant: dt.datetime, is_open: bool) -> None:
    assert HOURS.is_open(instant) is is_open


@pytest.mark.parametrize(
    ("instant", "opening"),
    [
        (utc(25, 5), utc(25, 5)),  # open now: now
        (utc(25, 1), utc(25, 3)),  # Wednesday 07:00: at 09:00 the same day
        (utc(25, 12, 30), utc(26, 3)),  # Wednesday evening: Thursday 09:00
        (utc(25, 20), utc(26, 3)),  # after midnight in Bishkek, before it in UTC
        (utc(28, 12, 30), utc(30, 3)),  # Saturday evening: Monday, not Sunday
        (utc(29, 5), utc(30, 3)),  # Sunday
        (utc(29, 23, 30), utc(30, 3)),  # already Monday in Bishkek: later that morning
    ],
)
def test_next_opening_skips_the_night_and_sunday(
    instant: dt.datetime, opening: dt.datetime
) -> None:
    assert HOURS.next_opening(instant) == opening


# --- Who takes which callback -----------------------------------------------------------------


def test_nobody_is_rung_while_the_hotline_is_closed(state: Runtime) -> None:
    with state.sessions() as session:
        add_agent(session, "Aida", ["ky", "ru"])
        request = ask(session, MOSCOW_CALLER, "ru", utc(25, 11))
        session.commit()

        assert start_next_attempt(session, HOURS, "twilio", CLOSED) is None

        assert request.status == CallbackStatus.OPEN
        assert session.scalars(select(CallbackAttempt)).all() == []
        assert session.scalars(select(Agent.status)).all() == [AgentStatus.AVAILABLE]


def test_when_open_the_request_and_the_agent_are_claimed(state: Runtime) -> None:
    with state.sessions() as session:
        aida = add_agent(session, "Aida", ["ky", "ru"])
        request = ask(session, MOSCOW_CALLER, "ru", utc(25, 4))
        session.commit()

        attempt_id = start_next_attempt(session, HOURS, "twilio", OPEN)

        assert taken(session, attempt_id) == ("Aida", MOSCOW_CALLER)
        attempt = session.get(CallbackAttempt, attempt_id)
        assert attempt is not None
        assert (attempt.status, attempt.provider, attempt.started_at) == (
            AttemptStatus.PLACING,
            "twilio",
            OPEN,
        )
        session.refresh(request)
        assert request.status == CallbackStatus.CALLING
        assert request.first_attempt_at == OPEN
        session.refresh(aida)
        assert aida.status == AgentStatus.ON_CALL
        assert aida.current_attempt_id == attempt_id
        assert start_next_attempt(session, HOURS, "twilio", OPEN) is None  # nobody left free


def test_a_kyrgyz_request_waits_for_the_busy_kyrgyz_speaker(state: Runtime) -> None:
    with state.sessions() as session:
        add_agent(session, "Aida", ["ky", "ru"], AgentStatus.ON_CALL)
        add_agent(session, "Ivan", ["ru"])
        ask(session, BISHKEK_CALLER, "ky", utc(25, 4))
        session.commit()

        assert start_next_attempt(session, HOURS, "twilio", OPEN) is None

        ask(session, MOSCOW_CALLER, "ru", utc(25, 4, 30))  # asked later, but Ivan speaks it
        session.commit()
        assert taken(session, start_next_attempt(session, HOURS, "twilio", OPEN)) == (
            "Ivan",
            MOSCOW_CALLER,
        )


@pytest.mark.parametrize(
    ("speaker_status", "speaker_shift"),
    [
        (AgentStatus.AWAY, ("", "")),
        (AgentStatus.AVAILABLE, ("", "14:00-18:00")),  # her shift starts at 14:00
    ],
    ids=["speaker-away", "speaker-off-shift"],
)
def test_a_kyrgyz_request_goes_to_anyone_free_when_no_speaker_is_on_shift(
    state: Runtime, speaker_status: AgentStatus, speaker_shift: tuple[str, str]
) -> None:
    with state.sessions() as session:
        add_agent(session, "Aida", ["ky"], speaker_status, speaker_shift)
        add_agent(session, "Ivan", ["ru"])
        ask(session, BISHKEK_CALLER, "ky", utc(25, 4))
        session.commit()

        assert taken(session, start_next_attempt(session, HOURS, "twilio", OPEN)) == (
            "Ivan",
            BISHKEK_CALLER,
        )


@pytest.mark.parametrize(
    ("shift", "off_shift", "on_shift"),  # (days, hours)
    [
        (("", "14:00-18:00"), utc(25, 5), utc(25, 8)),  # 11:00, then 14:00
        (("", "09:00-12:00"), utc(25, 6), utc(25, 5)),  # 12:00 is past the end
        (("mon-fri", ""), utc(28, 5), utc(30, 5)),  # Saturday, then Monday
    ],
    ids=["afternoons", "mornings", "weekdays"],
)
def test_an_agent_is_not_rung_outside_their_own_shift(
    state: Runtime, shift: tuple[str, str], off_shift: dt.datetime, on_shift: dt.datetime
) -> None:
    with state.sessions() as session:
        add_agent(session, "Aida", ["ky", "ru"], shift=shift)
        ask(session, BISHKEK_CALLER, "ky", utc(25, 2))
        session.commit()
        assert HOURS.is_open(off_shift)  # the hotline is staffed; Aida is not

        assert start_next_attempt(session, HOURS, "twilio", off_shift) is None
        assert taken(session, start_next_attempt(session, HOURS, "twilio", on_shift)) == (
            "Aida",
            BISHKEK_CALLER,
        )


@pytest.mark.parametrize("reason", ["trafficking", "urgent"])
def test_urgent_and_trafficking_requests_come_before_older_general_ones(
    state: Runtime, reason: str
) -> None:
    with state.sessions() as session:
        add_agent(session, "Aida", ["ky", "ru"])
        ask(session, MOSCOW_CALLER, "ru", utc(25, 1))
        ask(session, BISHKEK_CALLER, "ru", utc(25, 4, 55), reason=reason)
        session.commit()

        assert taken(session, start_next_attempt(session, HOURS, "twilio", OPEN)) == (
            "Aida",
            BISHKEK_CALLER,
        )


def test_a_request_is_not_rung_again_before_its_retry_time(state: Runtime) -> None:
    with state.sessions() as session:
        add_agent(session, "Aida", ["ru"])
        request = ask(session, MOSCOW_CALLER, "ru", utc(25, 3))
        request.next_attempt_at = OPEN + dt.timedelta(minutes=15)
        session.commit()

        assert start_next_attempt(session, HOURS, "twilio", OPEN) is None
        later = OPEN + dt.timedelta(minutes=15)
        assert taken(session, start_next_attempt(session, HOURS, "twilio", later)) == (
            "Aida",
            MOSCOW_CALLER,
        )


# --- When to expect the call ------------------------------------------------------------------


@pytest.fixture(scope="module")
def replies() -> ReplyBook:
    """The same reply texts as ``state.sms_content.replies``, without a database."""
    return ReplyBook.load()


@pytest.mark.parametrize(
    ("phone", "now", "date", "time"),
    [
        (MOSCOW_CALLER, CLOSED, "26.11", "06:00"),  # 09:00 in Bishkek is 06:00 in Moscow
        (BISHKEK_CALLER, CLOSED, "26.11", "09:00"),
        (SEOUL_CALLER, CLOSED, "26.11", "12:00"),
        (MOSCOW_CALLER, utc(28, 12, 30), "30.11", "06:00"),  # Saturday evening: Monday
        (MOSCOW_CALLER, utc(25, 20), "26.11", "06:00"),  # Thursday 02:00 Bishkek: same morning
    ],
)
def test_the_caller_is_told_the_next_opening_by_their_own_clock(
    replies: ReplyBook, phone: str, now: dt.datetime, date: str, time: str
) -> None:
    text = expected_call(replies, HOURS, now, phone, "ru")

    assert date in text
    assert time in text
    assert text == f" {date} после {time} по вашему времени"


def test_a_number_from_an_unknown_country_is_told_bishkek_time(replies: ReplyBook) -> None:
    text = expected_call(replies, HOURS, CLOSED, "+12025550143", "ky")

    assert "26.11" in text
    assert "09:00" in text


def test_nothing_is_said_about_when_while_the_hotline_is_open(replies: ReplyBook) -> None:
    assert expected_call(replies, HOURS, OPEN, MOSCOW_CALLER, "ru") == ""
