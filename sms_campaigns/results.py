"""What a campaign achieved: delivery, replies, and the uplift over its hold-out group.

The hotline cares whether people who got the message then called or checked an agency more
than comparable people who did not; the hold-out group, chosen at random at launch, is that
comparison.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from hotline.models import (
    CallSession,
    Campaign,
    Direction,
    Message,
    Recipient,
    RecipientStatus,
    VerificationRecord,
)
from sms_campaigns.lifecycle import counts

FOLLOW_UP = dt.timedelta(days=14)
ATTEMPTED = (
    RecipientStatus.SENT,
    RecipientStatus.DELIVERED,
    RecipientStatus.UNDELIVERED,
    RecipientStatus.FAILED,
)


def _share(
    session: Session, campaign: Campaign, group: list[RecipientStatus], act: Any
) -> dict[str, Any]:
    members = select(func.count()).where(
        Recipient.campaign_id == campaign.id, Recipient.status.in_(group)
    )
    acted = members.where(act)
    size = int(session.scalar(members) or 0)
    done = int(session.scalar(acted) or 0)
    return {"contacts": size, "acted": done, "rate": round(done / size, 4) if size else None}


def campaign_results(session: Session, campaign: Campaign) -> dict[str, Any]:
    start = campaign.launched_at or campaign.send_at
    end = start + FOLLOW_UP
    by_status = counts(session, campaign.id)
    attempted = sum(by_status[str(s)] for s in ATTEMPTED)
    delivered = by_status[str(RecipientStatus.DELIVERED)]
    called_or_checked = exists().where(
        CallSession.contact_id == Recipient.contact_id,
        CallSession.started_at >= start,
        CallSession.started_at < end,
    ) | exists().where(
        VerificationRecord.contact_id == Recipient.contact_id,
        VerificationRecord.created_at >= start,
        VerificationRecord.created_at < end,
    )
    texted = [RecipientStatus.SENT, RecipientStatus.DELIVERED]
    replied = exists().where(
        Message.contact_id == Recipient.contact_id,
        Message.direction == Direction.INBOUND,
        Message.created_at >= start,
        Message.created_at < end,
    )
    reached = _share(session, campaign, texted, called_or_checked)
    control = _share(session, campaign, [RecipientStatus.HOLDOUT], called_or_checked)
    uplift = (
        round(reached["rate"] - control["rate"], 4)
        if reached["rate"] is not None and control["rate"] is not None
        else None
    )
    return {
        "id": campaign.id,
        "state": str(campaign.state),
        "counts": by_status,
        "delivery_rate": round(delivered / attempted, 4) if attempted else None,
        "replies": _share(session, campaign, texted, replied)["acted"],
        "follow_up_days": FOLLOW_UP.days,
        "called_or_checked": {"texted": reached, "holdout": control, "uplift": uplift},
    }
