"""Retention: old texts are blanked and old recordings deleted; statistics and recent data stay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import func, select, update

from hotline.config import Settings
from hotline.db import utcnow
from hotline.models import (
    CallbackRequest,
    Case,
    CaseStatus,
    Direction,
    Message,
    MessageStatus,
    VerificationRecord,
)
from hotline.privacy import REMOVED, RetentionCounts, RetentionPolicy, apply_retention
from hotline.runtime import Runtime
from tests.privacy.people import REPORT, a_person
from tests.processes import run_hotline
from workers.privacy import enqueue_daily_retention


def policy(text_days: int = 365, recording_days: int = 180) -> RetentionPolicy:
    return RetentionPolicy(now=utcnow(), text_days=text_days, recording_days=recording_days)


def test_texts_older_than_the_age_are_blanked_and_recent_ones_kept(state: Runtime) -> None:
    with state.sessions() as session:
        old = a_person(session, "+996555000001", days_ago=400)
        recent = a_person(session, "+996555000002", days_ago=10)

        counts = apply_retention(session, policy())

        bodies = {
            (cid, body) for cid, body in session.execute(select(Message.contact_id, Message.body))
        }
        assert bodies == {
            (old.contact_id, REMOVED),
            (recent.contact_id, f"REPORT {REPORT}"),
            (recent.contact_id, "Thank you, case R-00001"),
        }
        callbacks = dict(session.execute(select(CallbackRequest.id, CallbackRequest.notes)).all())
        assert callbacks == {old.request_id: None, recent.request_id: "Lives in Moscow, dorm 4"}
    assert counts.message_bodies == 2
    assert counts.callback_notes == 1


def test_statistics_survive_the_blanking(state: Runtime) -> None:
    with state.sessions() as session:
        a_person(session, days_ago=400)

        apply_retention(session, policy())

        outbound = session.scalars(
            select(Message).where(Message.direction == Direction.OUTBOUND)
        ).one()
        assert (outbound.status, outbound.segments, outbound.body) == (
            MessageStatus.DELIVERED,
            2,
            REMOVED,
        )
        assert session.scalar(select(func.count()).select_from(Message)) == 2


def test_messages_a_job_still_needs_are_left_until_final(state: Runtime) -> None:
    with state.sessions() as session:
        a_person(session, days_ago=400)
        session.execute(
            update(Message)
            .where(Message.direction == Direction.OUTBOUND)
            .values(status=MessageStatus.QUEUED)
        )
        session.commit()

        apply_retention(session, policy())

        queued = session.scalars(select(Message).where(Message.status == MessageStatus.QUEUED))
        assert [m.body for m in queued] == ["Thank you, case R-00001"]


def test_recordings_of_closed_cases_go_after_their_own_shorter_age(state: Runtime) -> None:
    with state.sessions() as session:
        closed = a_person(session, "+996555000001", days_ago=200)
        still_open = a_person(session, "+996555000002", days_ago=200, case_status=CaseStatus.OPEN)

        counts = apply_retention(session, policy(text_days=365, recording_days=180))

        cases = {c.id: c for c in session.scalars(select(Case))}
        assert (cases[closed.case_id].recording, cases[closed.case_id].recording_url) == (
            None,
            None,
        )
        assert cases[closed.case_id].text == REPORT  # the report's words keep the longer age
        assert cases[still_open.case_id].recording == b"RIFF-audio"  # staff are working on it
    assert (counts.case_recordings, counts.case_reports, counts.open_cases_past_age) == (1, 0, 1)


def test_old_agency_checks_no_longer_say_who_asked_or_what_they_wrote(state: Runtime) -> None:
    with state.sessions() as session:
        a_person(session, days_ago=400)

        apply_retention(session, policy())

        check = session.scalars(select(VerificationRecord)).one()
        assert (check.contact_id, check.query, check.verdict) == (None, REMOVED, "unknown")


def test_a_second_run_changes_nothing(state: Runtime) -> None:
    with state.sessions() as session:
        a_person(session, days_ago=400)
        first = apply_retention(session, policy())

        second = apply_retention(session, policy())

    assert first.message_bodies == 2
    assert second == RetentionCounts()


def test_a_dry_run_counts_and_changes_nothing(state: Runtime) -> None:
    with state.sessions() as session:
        a_person(session, days_ago=400)

        counts = apply_retention(session, policy(), dry_run=True)

        assert REMOVED not in session.scalars(select(Message.body)).all()
    assert counts.as_dict() == {
        "message_bodies": 2,
        "case_reports": 1,
        "case_recordings": 1,
        "callback_notes": 1,
        "verifications": 1,
        "open_cases_past_age": 0,
    }


def test_many_rows_go_in_batches_and_all_of_them_are_done(state: Runtime) -> None:
    old = utcnow() - dt.timedelta(days=400)
    with state.sessions() as session:
        session.add_all(
            Message(direction=Direction.INBOUND, provider="twilio", phone="+996555000001",
                    body=f"text {n}", status=MessageStatus.PROCESSED, created_at=old)
            for n in range(25)
        )  # fmt: skip
        session.commit()

        counts = apply_retention(session, policy(), batch_size=4)

        assert set(session.scalars(select(Message.body))) == {REMOVED}
    assert counts.message_bodies == 25


def test_the_command_prints_what_it_would_change(state: Runtime, settings: Settings) -> None:
    with state.sessions() as session:
        a_person(session, days_ago=40)

    dry = run_hotline(settings, "privacy", "retention", "--days", "30", "--dry-run")
    kept = run_hotline(settings, "privacy", "retention")

    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    assert json.loads(dry.stdout)["message_bodies"] == 2
    assert json.loads(kept.stdout)["message_bodies"] == 0  # 40 days is within RETENTION_DAYS


def test_the_sweep_queues_retention_once_a_day(
    state: Runtime, run_jobs: Callable[[], None]
) -> None:
    with state.sessions() as session:
        a_person(session, days_ago=400)
    now = utcnow()

    first = enqueue_daily_retention(state, now)
    again = enqueue_daily_retention(state, now + dt.timedelta(minutes=1))
    run_jobs()

    assert (first, again) == (True, False)
    assert enqueue_daily_retention(state, now + dt.timedelta(days=1))
    with state.sessions() as session:
        assert set(session.scalars(select(Message.body))) == {REMOVED}
