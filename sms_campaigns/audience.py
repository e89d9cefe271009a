"""Who a campaign may text, and enrolling them as recipients in one SQL statement.

Opted-out contacts and contacts without consent are never in an audience. Enrolment is an
``INSERT ... SELECT`` so a million contacts never pass through Python; the control group is
chosen by a hash of the contact and campaign ids, so it is stable if enrolment is repeated.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from hotline.db import UtcDateTime
from hotline.models import (
    CallSession,
    Campaign,
    Contact,
    Recipient,
    RecipientStatus,
    VerificationRecord,
)
from sms_campaigns.timezones import zone_column

HOLDOUT_BUCKETS = 10_000
log = logging.getLogger(__name__)


def eligible_contacts() -> Select[Contact]:
    """Contacts that may receive campaign messages: not opted out, with consent."""
    return select(Contact).where(Contact.opted_out.is_(False), Contact.consent_date.is_not(None))


def audience_filter(audience: dict[str, Any], now: dt.datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Contact.opted_out.is_(False),
        Contact.consent_date.is_not(None),
    ]
    for field in ("language", "region", "destination", "stage", "gender"):
        values = audience.get(field)
        if values:
            column = getattr(Contact, field)
            if field == "region":
                conditions.append(func.lower(column).in_([v.lower() for v in values]))
            else:
                conditions.append(column.in_(values))
    days = audience.get("active_within_days")
    if days:
        since = now - dt.timedelta(days=int(days))
        activity = audience.get("activity") or ["verified", "called"]
        active: list[ColumnElement[bool]] = []
        if "verified" in activity:
            active.append(
                exists().where(
                    VerificationRecord.contact_id == Contact.id,
                    VerificationRecord.created_at >= since,
                )
            )
        if "called" in activity:
            active.append(
                exists().where(
                    CallSession.contact_id == Contact.id, CallSession.started_at >= since
                )
            )
        conditions.append(or_(*active))
    return conditions


def language_column(campaign: Campaign) -> ColumnElement[str]:
    """The contact's language if the campaign speaks it, else the first fallback it has."""
    spoken = [language for language in campaign.messages]
    fallback = next((x for x in campaign.fallback_order if x in spoken), spoken[0])
    return case((Contact.language.in_(spoken), Contact.language), else_=literal(fallback))


def holdout_column(campaign: Campaign) -> ColumnElement[bool]:
    threshold = int(campaign.holdout * HOLDOUT_BUCKETS)
    # 64-bit arithmetic: PostgreSQL would overflow 32-bit integers for large ids.
    contact_id = cast(Contact.id, BigInteger)
    bucket = ((contact_id + campaign.id * 104_729) * 7_919) % HOLDOUT_BUCKETS
    return bucket < threshold


def enrol_drip(session: Session, campaign: Campaign, now: dt.datetime) -> int:
    """Enrol contacts whose day has come: ``drip_days`` after entering ``drip_stage``.

    Only contacts who entered the stage since the campaign started (less the delay) count,
    so launching a drip does not text everyone who ever passed through the stage.
    """
    assert campaign.drip_stage is not None
    assert campaign.drip_days is not None
    delay = dt.timedelta(days=campaign.drip_days)
    started = (campaign.launched_at or now) - delay
    extra = [
        Contact.stage == campaign.drip_stage,
        Contact.stage_since <= (now - delay).date(),
        Contact.stage_since >= started.date(),
    ]
    return enrol(session, campaign, now, extra)


def enrol(
    session: Session,
    campaign: Campaign,
    now: dt.datetime,
    extra: list[ColumnElement[bool]] | None = None,
) -> int:
    """Add every eligible contact as a recipient (once); return how many were added.

    Never past the campaign's recipient cap (the audience its approver saw): the first
    contacts by id fill what is left, and the rest wait for a new approval.
    """
    room = _room_under_cap(session, campaign)
    if room == 0:
        return 0
    already = exists().where(
        Recipient.campaign_id == campaign.id, Recipient.contact_id == Contact.id
    )
    status = case(
        (holdout_column(campaign), literal(str(RecipientStatus.HOLDOUT))),
        else_=literal(str(RecipientStatus.PENDING)),
    )
    chosen = select(
        literal(campaign.id),
        Contact.id,
        Contact.phone,
        language_column(campaign),
        zone_column(),
        status,
        literal(0),
        literal(1),
        literal(now, UtcDateTime()),
    ).where(and_(*audience_filter(campaign.audience, now), *(extra or [])), ~already)
    if room is not None:
        chosen = chosen.order_by(Contact.id).limit(room)
    result = session.execute(
        insert(Recipient)
        .execution_options(preserve_rowcount=True)
        .from_select(
            [
                "campaign_id",
                "contact_id",
                "phone",
                "language",
                "timezone",
                "status",
                "attempts",
                "segments",
                "updated_at",
            ],
            chosen,
        )
    )
    added = int(getattr(result, "rowcount", 0) or 0)
    if room is not None and added == room:
        log.warning(
            "campaign %s reached its approved cap of %s recipients; others wait for approval",
            campaign.id,
            campaign.recipient_cap,
        )
    return added


def _room_under_cap(session: Session, campaign: Campaign) -> int | None:
    """Recipients the approval still covers, or None for a campaign approved without a cap."""
    if campaign.recipient_cap is None:
        return None
    enrolled = session.scalar(
        select(func.count()).select_from(Recipient).where(Recipient.campaign_id == campaign.id)
    )
    return max(campaign.recipient_cap - int(enrolled or 0), 0)


def audience_size(session: Session, audience: dict[str, Any], now: dt.datetime) -> int:
    query = select(func.count()).select_from(Contact).where(*audience_filter(audience, now))
    return int(session.scalar(query) or 0)
