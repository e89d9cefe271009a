"""Retention: blank old texts and delete old recordings, keeping what statistics need.

After ``RETENTION_DAYS`` an SMS keeps its direction, status, segments and dates but not its
words; a closed case keeps its kind and source but not the report; an agency check keeps its
verdict but no longer says who asked or what they wrote. After ``RECORDING_RETENTION_DAYS`` a
closed case's voice report is deleted. Cases still open or in review keep everything: staff
are working on them (the counts say how many are waiting past the age).

Each kind of row is changed in batches by ascending id, committed one by one, so a million old
messages never sit in one transaction and a run that stops half-way keeps its progress. Rows
already changed are not matched again: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.models import (
    CallbackRequest,
    CallbackStatus,
    Case,
    CaseStatus,
    Message,
    MessageStatus,
    VerificationRecord,
)

REMOVED = "[removed]"  # what a blanked text reads, so staff see that it was there
BATCH_SIZE = 1000
# Messages a job may still read (to answer or to send): left alone until they are final.
IN_FLIGHT = (MessageStatus.RECEIVED, MessageStatus.QUEUED, MessageStatus.SENDING)
OPEN_CASES = (CaseStatus.OPEN, CaseStatus.IN_REVIEW)
FINAL_CALLBACKS = (
    CallbackStatus.REACHED,
    CallbackStatus.GAVE_UP,
    CallbackStatus.CLOSED,
    CallbackStatus.CANCELLED,
)


@dataclass(frozen=True)
class RetentionPolicy:
    """How old a text or a recording may get, as of ``now``."""

    now: dt.datetime
    text_days: int
    recording_days: int

    @property
    def text_cutoff(self) -> dt.datetime:
        return self.now - dt.timedelta(days=self.text_days)

    @property
    def recording_cutoff(self) -> dt.datetime:
        return self.now - dt.timedelta(days=self.recording_days)


@dataclass(frozen=True)
class RetentionCounts:
    """Rows changed (or, in a dry run, that would be) per kind."""

    message_bodies: int = 0
    case_reports: int = 0
    case_recordings: int = 0
    callback_notes: int = 0
    verifications: int = 0
    open_cases_past_age: int = 0  # kept: staff still work on them

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def apply_retention(
    session: Session,
    policy: RetentionPolicy,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> RetentionCounts:
    """Blank and delete what is past its age; commit after every batch (see the module)."""
    text_cutoff, recording_cutoff = policy.text_cutoff, policy.recording_cutoff

    def apply(
        column: InstrumentedAttribute[Any], where: ColumnElement[bool], values: dict[str, Any]
    ) -> int:
        if dry_run:
            return int(session.scalar(select(func.count(column)).where(where)) or 0)
        return _in_batches(session, column, where, values, batch_size)

    counts = RetentionCounts(
        message_bodies=apply(
            Message.id,
            and_(
                Message.created_at < text_cutoff,
                Message.status.not_in(IN_FLIGHT),
                Message.body != REMOVED,
            ),
            {"body": REMOVED},
        ),
        case_reports=apply(
            Case.id,
            and_(
                Case.created_at < text_cutoff,
                Case.status == CaseStatus.CLOSED,
                Case.text != REMOVED,
                Case.text != "",
            ),
            {"text": REMOVED},
        ),
        case_recordings=apply(
            Case.id,
            and_(
                Case.created_at < recording_cutoff,
                Case.status == CaseStatus.CLOSED,
                or_(Case.recording_url.is_not(None), Case.recording.is_not(None)),
            ),
            {"recording_url": None, "recording": None},
        ),
        callback_notes=apply(
            CallbackRequest.id,
            and_(
                CallbackRequest.created_at < text_cutoff,
                CallbackRequest.status.in_(FINAL_CALLBACKS),
                CallbackRequest.notes.is_not(None),
            ),
            {"notes": None},
        ),
        verifications=apply(
            VerificationRecord.id,
            and_(
                VerificationRecord.created_at < text_cutoff,
                VerificationRecord.contact_id.is_not(None),
            ),
            {"contact_id": None, "query": REMOVED},
        ),
        open_cases_past_age=int(
            session.scalar(
                select(func.count(Case.id)).where(
                    Case.status.in_(OPEN_CASES),
                    or_(
                        Case.created_at < text_cutoff,
                        and_(
                            Case.created_at < recording_cutoff,
                            Case.recording_url.is_not(None),
                        ),
                    ),
                )
            )
            or 0
        ),
    )
    return counts


def _in_batches(
    session: Session,
    id_column: InstrumentedAttribute[Any],
    where: ColumnElement[bool],
    values: dict[str, Any],
    batch_size: int,
) -> int:
    """Update the matching rows ``batch_size`` ids at a time, committing each batch."""
    table = id_column.class_
    changed, after = 0, 0
    while True:
        ids = list(
            session.scalars(
                select(id_column)
                .where(where, id_column > after)
                .order_by(id_column)
                .limit(batch_size)
            )
        )
        if not ids:
            return changed
        session.execute(
            update(table).where(id_column.in_(ids)).values(**values),
            execution_options={"synchronize_session": False},
        )
        session.commit()
        session.expire_all()  # objects the caller holds read the new values (nothing pending)
        changed, after = changed + len(ids), ids[-1]
