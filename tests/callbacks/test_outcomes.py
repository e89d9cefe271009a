"""Asking for a callback, what the agent reports afterwards, stale attempts, service levels."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks import request_callback
from hotline.callbacks.legs import RETRY_SPACING
from hotline.callbacks.outcomes import (
    OutcomeError,
    record_outcome,
    service_levels,
    settle_stale_attempts,
)
from hotline.callbacks.placing import start_next_attempt
from hotline.models import (
    Agent,
    AgentStatus,
    AttemptStatus,
    CallbackAttempt,
    CallbackEvent,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
    Case,
    Contact,
)
from hotline.runtime import Runtime
from hotline.staffing import StaffedHours

BISHKEK = ZoneInfo("Asia/Bishkek")
HOURS = StaffedHours.parse("09:00-18:00", "mon-sat", "Asia/Bishkek")
NOW = dt.datetime(2026, 11, 25, 5, 0, tzinfo=dt.UTC)  # Wednesday 11:00 in Bishkek
CALLER = "+996555123456"


def contact(session: Session, phone: str = CALLER) -> Contact:
    existing = session.scalars(select(Contact).where(Contact.phone == phone)).first()
    if existing is not None:
        return existing
    created = Contact(phone=phone)
    session.add(created)
    session.flush()
    return created


def ask(
    session: Session,
    at: dt.datetime = NOW,
    reason: str = "general",
    source: CallbackSource = CallbackSource.SMS,
    phone: str = CALLER,
    language: str | None = "ky",
) -> CallbackRequest:
    return request_callback(session, contact(session, phone), source, language, at, reason=reason)


def add_agent(
    session: Session, phone: str = "+996700000001", status: AgentStatus = AgentStatus.AVAILABLE
) -> Agent:
    agent = Agent(name=f"Agent {phone[-2:]}", phone=phone, languages=["ky", "ru"], status=status)
    session.add(agent)
    session.flush()
    return agent


def history(session: Session, request: CallbackRequest) -> list[tuple[str, str]]:
    return [
        (event.status, event.detail)
        for event in session.scalars(
            select(CallbackEvent)
            .where(CallbackEvent.request_id == request.id)
            .order_by(CallbackEvent.id)
        )
    ]


# --- Asking for a callback --------------------------------------------------------------------


def test_a_first_ask_opens_a_request_with_its_history(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session, source=CallbackSource.MISSED_CALL)
        session.commit()

        assert (request.phone, request.source, request.language, request.reason) == (
            CALLER,
            CallbackSource.MISSED_CALL,
            "ky",
            "general",
        )
        assert (request.status, request.requests, request.attempts) == (CallbackStatus.OPEN, 1, 0)
        assert request.created_at == NOW
        assert history(session, request) == [("open", "requested (missed_call)")]


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("general", "general", "general"),
        ("general", "urgent", "urgent"),  # an urgent ask raises the reason
        ("general", "trafficking", "trafficking"),
        ("urgent", "general", "urgent"),  # and a calmer one never lowers it
        ("trafficking", "urgent", "trafficking"),
    ],
)
def test_asking_again_while_open_merges_into_the_open_request(
    state: Runtime, first: str, second: str, reason: str
) -> None:
    with state.sessions() as session:
        request = ask(session, reason=first)
        again = ask(
            session, NOW + dt.timedelta(minutes=5), reason=second, source=CallbackSource.IVR
        )
        session.commit()

        assert again.id == request.id
        assert session.scalars(select(CallbackRequest.id)).all() == [request.id]
        assert (again.requests, again.reason) == (2, reason)
        assert again.updated_at == NOW + dt.timedelta(minutes=5)
        assert history(session, again) == [
            ("open", "requested (sms)"),
            ("open", "asked again (ivr)"),
        ]


def test_asking_while_being_called_merges_and_keeps_the_first_language(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session, language=None)
        request.status = CallbackStatus.CALLING
        again = ask(session, language="uz")
        third = ask(session, language="ru")

        assert again.id == third.id == request.id
        assert (third.requests, third.language, third.status) == (3, "uz", CallbackStatus.CALLING)


def test_asking_after_the_request_closed_opens_a_new_one(state: Runtime) -> None:
    with state.sessions() as session:
        first = ask(session)
        record_outcome(session, first.id, "reached", "wages", None, NOW)
        second = ask(session, NOW + dt.timedelta(days=1))

        assert second.id != first.id
        assert (second.status, second.requests) == (CallbackStatus.OPEN, 1)


def test_an_unknown_reason_is_taken_as_general(state: Runtime) -> None:
    with state.sessions() as session:
        assert ask(session, reason="whatever").reason == "general"


# --- What the agent reports -------------------------------------------------------------------


def test_reached_closes_the_request_as_reached(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session)
        request.status = CallbackStatus.CALLING
        later = NOW + dt.timedelta(minutes=12)

        done = record_outcome(session, request.id, "reached", "wages", " unpaid for May ", later)

        assert (done.status, done.outcome, done.topic, done.notes) == (
            CallbackStatus.REACHED,
            "reached",
            "wages",
            "unpaid for May",
        )
        assert done.closed_at == later
        assert history(session, done)[-1] == ("reached", "agent: reached")


def test_a_wrong_number_closes_the_request(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session)

        done = record_outcome(session, request.id, "wrong_number", None, None, NOW, by="aida")

        assert (done.status, done.outcome, done.closed_at) == (
            CallbackStatus.CLOSED,
            "wrong_number",
            NOW,
        )
        assert history(session, done)[-1] == ("closed", "aida: wrong number")


def test_no_answer_after_reached_counts_a_missed_call_and_reopens(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session)
        record_outcome(session, request.id, "reached", None, None, NOW)
        corrected = NOW + dt.timedelta(minutes=3)

        done = record_outcome(session, request.id, "no_answer", None, "voicemail", corrected)

        assert (done.status, done.outcome, done.attempts) == (CallbackStatus.OPEN, "no_answer", 1)
        assert done.next_attempt_at == corrected + RETRY_SPACING[0]
        assert done.closed_at is None  # open again
        assert history(session, done)[-1] == (
            "open",
            "agent: not the caller; trying again later",
        )


def test_no_answer_on_an_open_request_is_only_noted(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session)

        done = record_outcome(session, request.id, "no_answer", None, None, NOW)

        assert (done.status, done.attempts, done.outcome) == (CallbackStatus.OPEN, 0, "no_answer")
        assert history(session, done)[-1] == ("open", "agent: no_answer")


@pytest.mark.parametrize(
    ("result", "topic", "known_request", "message"),
    [
        ("spoke", None, True, "result must be one of reached, no_answer, wrong_number"),
        ("reached", "weather", True, "topic must be one of agency"),
        ("reached", "wages", False, "no callback request"),
    ],
    ids=["unknown-result", "unknown-topic", "unknown-request"],
)
def test_an_outcome_that_cannot_be_recorded_is_refused(
    state: Runtime, result: str, topic: str | None, known_request: bool, message: str
) -> None:
    with state.sessions() as session:
        request = ask(session)
        request_id = request.id if known_request else request.id + 1000

        with pytest.raises(OutcomeError, match=message):
            record_outcome(session, request_id, result, topic, None, NOW)

        assert (request.status, request.outcome) == (CallbackStatus.OPEN, None)


def test_a_trafficking_topic_opens_a_trafficking_case(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session)
        caller = contact(session)

        record_outcome(session, request.id, "reached", "trafficking", "passport taken", NOW)
        session.commit()

        case = session.scalars(select(Case)).one()
        assert (case.kind, case.source, case.contact_id) == ("trafficking", "callback", caller.id)
        assert case.text == f"Callback {request.id}: passport taken"
        assert history(session, request)[-1] == ("reached", f"case {case.case_no} opened")


def test_other_topics_open_no_case(state: Runtime) -> None:
    with state.sessions() as session:
        request = ask(session)

        record_outcome(session, request.id, "reached", "documents", None, NOW)

        assert session.scalars(select(Case)).all() == []


# --- Attempts the provider never reported on --------------------------------------------------


def test_a_placing_attempt_older_than_two_minutes_is_settled_as_lost(state: Runtime) -> None:
    with state.sessions() as session:
        stale_agent = add_agent(session, "+996700000001")
        ask(session, NOW, phone="+996555000001")
        session.commit()
        stale_id = start_next_attempt(session, HOURS, "twilio", NOW)
        fresh_agent = add_agent(session, "+996700000002")
        ask(session, NOW, phone="+996555000002")
        session.commit()
        fresh_id = start_next_attempt(session, HOURS, "twilio", NOW + dt.timedelta(minutes=1))
        sweep = NOW + dt.timedelta(minutes=2, seconds=30)

        finished = settle_stale_attempts(session, sweep)

        stale = session.get(CallbackAttempt, stale_id)
        fresh = session.get(CallbackAttempt, fresh_id)
        assert stale is not None
        assert fresh is not None
        assert [(done.request_id, done.gave_up, done.agent_freed) for done in finished] == [
            (stale.request_id, False, True)
        ]
        assert (stale.status, stale.ended_at) == (AttemptStatus.LOST, sweep)
        assert (stale_agent.status, stale_agent.current_attempt_id) == (AgentStatus.AVAILABLE, None)
        lost = session.get(CallbackRequest, stale.request_id)
        assert lost is not None
        assert (lost.status, lost.next_attempt_at, lost.attempts) == (
            CallbackStatus.OPEN,
            sweep,  # ring again at once: the caller missed nothing
            0,
        )

        assert fresh.status == AttemptStatus.PLACING  # left alone
        assert (fresh_agent.status, fresh_agent.current_attempt_id) == (
            AgentStatus.ON_CALL,
            fresh_id,
        )
        waiting = session.get(CallbackRequest, fresh.request_id)
        assert waiting is not None
        assert waiting.status == CallbackStatus.CALLING


def test_a_settled_request_is_rung_again_by_the_freed_agent(state: Runtime) -> None:
    with state.sessions() as session:
        add_agent(session)
        ask(session, NOW)
        session.commit()
        first = start_next_attempt(session, HOURS, "twilio", NOW)
        sweep = NOW + dt.timedelta(minutes=3)
        settle_stale_attempts(session, sweep)

        second = start_next_attempt(session, HOURS, "twilio", sweep)

        assert second is not None
        assert second != first


# --- Service levels ---------------------------------------------------------------------------


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


def handmade(
    session: Session,
    agent: Agent,
    created: dt.datetime,
    status: CallbackStatus,
    waited_minutes: int | None,
    attempts: tuple[AttemptStatus, ...] = (),
) -> None:
    """A request as the day left it, with its finished attempts."""
    request = CallbackRequest(
        phone=f"+99655500{len(session.scalars(select(CallbackRequest)).all()):04d}",
        source=CallbackSource.SMS,
        language="ky",
        status=status,
        created_at=created,
        first_attempt_at=(
            None if waited_minutes is None else created + dt.timedelta(minutes=waited_minutes)
        ),
    )
    session.add(request)
    session.flush()
    for status_of_attempt in attempts:
        session.add(
            CallbackAttempt(
                request_id=request.id,
                agent_id=agent.id,
                provider="twilio",
                status=status_of_attempt,
                started_at=created,
                updated_at=created,
            )
        )
    session.flush()


def test_service_levels_per_day_in_the_hotline_zone(state: Runtime) -> None:
    connected, missed = AttemptStatus.CONNECTED, AttemptStatus.CALLER_NO_ANSWER
    with state.sessions() as session:
        agent = add_agent(session)
        # Before the report's window: not counted.
        handmade(session, agent, utc(20, 5), CallbackStatus.REACHED, 5, (connected,))
        # Tuesday 24th in Bishkek.
        handmade(session, agent, utc(24, 3), CallbackStatus.REACHED, 10, (connected,))
        handmade(
            session,
            agent,
            utc(24, 4),
            CallbackStatus.GAVE_UP,
            30,
            (missed, AttemptStatus.AGENT_MISSED, missed, missed),  # the agent's miss: not a call
        )
        handmade(session, agent, utc(24, 6), CallbackStatus.CLOSED, 80)
        # Wednesday 25th in Bishkek (01:00 there, still the 24th in UTC).
        handmade(session, agent, utc(24, 19), CallbackStatus.OPEN, None)
        handmade(session, agent, utc(25, 5), CallbackStatus.REACHED, 20, (connected,))
        session.commit()

        report = service_levels(session, BISHKEK, since=utc(23, 0))

    assert report == [
        {
            "day": "2026-11-24",
            "requests": 3,
            "attempted": 3,
            "minutes_to_first_attempt": {"median": 30.0, "max": 80.0},
            "reached": 1,
            "share_reached": 0.333,
            "attempts_per_request": 1.33,  # (1 + 3 + 0) / 3
            "still_open": 0,
            "refused": 0,
        },
        {
            "day": "2026-11-25",
            "requests": 2,
            "attempted": 1,
            "minutes_to_first_attempt": {"median": 20.0, "max": 20.0},
            "reached": 1,
            "share_reached": 1.0,  # of the closed ones; one is still waiting
            "attempts_per_request": 0.5,
            "still_open": 1,
            "refused": 0,
        },
    ]


def test_service_levels_of_a_quiet_fortnight_are_empty(state: Runtime) -> None:
    with state.sessions() as session:
        assert service_levels(session, BISHKEK, since=utc(1, 0)) == []
