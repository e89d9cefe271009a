"""A person the hotline has known for a while: texts, calls, a callback, a report, a campaign."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import (
    CallbackAttempt,
    CallbackEvent,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
    CallSession,
    Campaign,
    Case,
    CaseStatus,
    Contact,
    Direction,
    Message,
    MessageStatus,
    Recipient,
    RecipientStatus,
    VerificationRecord,
)
from hotline.models.agents import Agent

PHONE = "+996555123456"
REPORT = "Recruiter Ak-Jol kept my passport in Osh"


@dataclass(frozen=True)
class Person:
    contact_id: int
    campaign_id: int
    case_id: int
    request_id: int


def a_text(
    session: Session,
    body: str,
    direction: Direction = Direction.INBOUND,
    status: MessageStatus = MessageStatus.PROCESSED,
) -> None:
    """One more text to or from ``PHONE``, outside what ``a_person`` made."""
    session.add(
        Message(direction=direction, provider="twilio", phone=PHONE, body=body, status=status)
    )


def a_person(
    session: Session,
    phone: str = PHONE,
    days_ago: int = 0,
    case_status: CaseStatus = CaseStatus.CLOSED,
) -> Person:
    """One of everything the hotline stores about ``phone``, made ``days_ago`` days ago."""
    at = utcnow() - dt.timedelta(days=days_ago)
    contact = Contact(
        phone=phone,
        country="KG",
        language="ky",
        region="Osh",
        stage="abroad",
        destination="RU",
        gender="f",
        consent_date=at.date(),
        created_at=at,
    )
    session.add(contact)
    session.flush()
    inbound = Message(
        direction=Direction.INBOUND,
        provider="twilio",
        provider_id=f"SM{phone}{days_ago}",
        contact_id=contact.id,
        phone=phone,
        body=f"REPORT {REPORT}",
        status=MessageStatus.PROCESSED,
        created_at=at,
        updated_at=at,
    )
    reply = Message(
        direction=Direction.OUTBOUND,
        provider="twilio",
        contact_id=contact.id,
        phone=phone,
        body="Thank you, case R-00001",
        status=MessageStatus.DELIVERED,
        segments=2,
        created_at=at,
        updated_at=at,
    )
    session.add_all([inbound, reply])
    session.flush()
    case = Case(
        contact_id=contact.id,
        source="sms",
        text=REPORT,
        message_id=inbound.id,
        recording_url="https://api.twilio.com/recordings/RE1",
        recording=b"RIFF-audio",
        status=case_status,
        created_at=at,
    )
    call = CallSession(
        provider="twilio",
        provider_call_id=f"CA{phone}{days_ago}",
        contact_id=contact.id,
        phone=phone,
        path=["main", "report"],
        duration_seconds=95,
        started_at=at,
    )
    request = CallbackRequest(
        contact_id=contact.id,
        phone=phone,
        source=CallbackSource.IVR,
        status=CallbackStatus.REACHED,
        notes="Lives in Moscow, dorm 4",
        created_at=at,
        updated_at=at,
    )
    check = VerificationRecord(
        channel="sms",
        contact_id=contact.id,
        query="Ak-Jol Travel",
        verdict="unknown",
        created_at=at,
    )
    campaign = Campaign(
        name="Winter",
        messages={"ky": "Саламатсызбы"},
        fallback_order=["ky"],
        audience={},
        send_at=at,
        send_until=at,
        window_start="09:00",
        window_end="20:00",
        rate_per_second=10,
        provider="twilio",
    )
    agent = Agent(name="Aida", phone="+996700" + phone[-6:], languages=["ky"])
    session.add_all([case, call, request, check, campaign, agent])
    session.flush()
    session.add_all(
        [
            CallbackEvent(request_id=request.id, at=at, status="reached", detail="agent: reached"),
            CallbackAttempt(
                request_id=request.id,
                agent_id=agent.id,
                provider="twilio",
                started_at=at,
                updated_at=at,
            ),
            Recipient(
                campaign_id=campaign.id,
                contact_id=contact.id,
                phone=phone,
                language="ky",
                timezone="Asia/Bishkek",
                status=RecipientStatus.DELIVERED,
                segments=1,
                updated_at=at,
            ),
        ]
    )
    session.commit()
    return Person(contact.id, campaign.id, case.id, request.id)
