"""Cases for hotline staff: reports of suspicious recruiters and trafficking."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.models import Case

MAX_REPORT_LENGTH = 1600


def open_case(
    session: Session,
    *,
    contact_id: int | None,
    source: str,
    text: str,
    message_id: int | None = None,
    kind: str = "recruiter",
) -> Case:
    case = Case(
        contact_id=contact_id,
        source=source,
        kind=kind,
        text=text[:MAX_REPORT_LENGTH],
        message_id=message_id,
    )
    session.add(case)
    session.flush()
    return case
