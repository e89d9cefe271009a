"""A campaign's life: draft, approval by a second person, launch, pause, resume, cancel.

Each transition checks the state it starts from, so a double click or a repeated command is a
clear error, not a second launch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.models import Campaign, CampaignState, Recipient, RecipientStatus
from hotline.sms.segments import count_segments
from sms_campaigns.audience import audience_size, enrol, enrol_drip
from sms_campaigns.definition import DEFAULT_DEADLINE, DRIP_DEADLINE, CampaignSpec
from sms_campaigns.timezones import parse_window


class CampaignStateError(ValueError):
    """The campaign is not in a state that allows this."""


def create_campaign(
    session: Session, spec: CampaignSpec, provider: str, now: dt.datetime, by: str | None = None
) -> Campaign:
    opens, closes = parse_window(spec.send_window)
    send_at = spec.send_at or now
    campaign = Campaign(
        name=spec.name,
        messages=spec.messages,
        fallback_order=spec.fallback_order,
        audience=spec.audience,
        send_at=send_at,
        send_until=spec.send_until
        or send_at + (DRIP_DEADLINE if spec.drip_stage else DEFAULT_DEADLINE),
        window_start=opens.strftime("%H:%M"),
        window_end="24:00" if closes == dt.time.max else closes.strftime("%H:%M"),
        rate_per_second=spec.rate_per_second,
        holdout=spec.holdout,
        state=CampaignState.DRAFT,
        created_by=by,
        provider=provider,
        created_at=now,
        drip_stage=spec.drip_stage,
        drip_days=spec.drip_days,
    )
    session.add(campaign)
    session.flush()
    return campaign


def _require(campaign: Campaign, *states: CampaignState) -> None:
    if campaign.state not in states:
        allowed = " or ".join(str(s) for s in states)
        raise CampaignStateError(f"campaign {campaign.id} is {campaign.state}, not {allowed}")


def approve(session: Session, campaign: Campaign, by: str | None, now: dt.datetime) -> None:
    """A second person approves; the author cannot approve their own campaign.

    The approval covers the audience the approver sees now, and no more: that size becomes the
    campaign's recipient cap, its own cost cap, since campaigns bypass the spend gate that
    bounds every text someone else's action triggers.
    """
    _require(campaign, CampaignState.DRAFT)
    if by and campaign.created_by and by == campaign.created_by:
        raise CampaignStateError("a campaign needs approval by someone other than its author")
    campaign.approved_by = by or "single-operator"
    campaign.recipient_cap = audience_size(session, campaign.audience, now)
    campaign.state = CampaignState.APPROVED


def launch(session: Session, campaign: Campaign, now: dt.datetime) -> int:
    """Enrol the audience and schedule sending; returns the number of recipients added."""
    _require(campaign, CampaignState.APPROVED)
    added = (
        enrol_drip(session, campaign, now) if campaign.drip_stage else enrol(session, campaign, now)
    )
    campaign.state = CampaignState.SCHEDULED
    campaign.launched_at = now
    return added


def pause(campaign: Campaign) -> None:
    _require(campaign, CampaignState.SCHEDULED, CampaignState.SENDING)
    campaign.state = CampaignState.PAUSED


def resume(campaign: Campaign) -> None:
    _require(campaign, CampaignState.PAUSED)
    campaign.state = CampaignState.SENDING


def cancel(session: Session, campaign: Campaign, now: dt.datetime) -> None:
    """Stop for good: recipients not yet texted are skipped, with the reason recorded."""
    _require(
        campaign,
        CampaignState.DRAFT,
        CampaignState.APPROVED,
        CampaignState.SCHEDULED,
        CampaignState.SENDING,
        CampaignState.PAUSED,
    )
    session.execute(
        update(Recipient)
        .where(Recipient.campaign_id == campaign.id, Recipient.status == RecipientStatus.PENDING)
        .values(status=RecipientStatus.SKIPPED, error="cancelled", updated_at=now)
    )
    campaign.state = CampaignState.CANCELLED
    campaign.finished_at = now


OPEN_STATUSES = (RecipientStatus.PENDING, RecipientStatus.SENDING)


def finish_if_complete(session: Session, campaign_id: int, now: dt.datetime) -> bool:
    """Mark a sending campaign done once no recipient is open; True if this call finished it.

    Called by the dispatcher and by every batch as it ends, so the campaign reaches its final
    state with the last text sent, not one dispatch round later: a ``--burst`` worker that
    leaves no job behind leaves no campaign ``sending`` either. One conditional UPDATE, so
    batches ending together finish it once. A drip campaign stays open for new contacts.
    """
    still_open = (
        select(Recipient.id)
        .where(Recipient.campaign_id == campaign_id, Recipient.status.in_(OPEN_STATUSES))
        .exists()
    )
    finished = session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.state == CampaignState.SENDING,
            Campaign.drip_stage.is_(None),
            ~still_open,
        )
        .values(state=CampaignState.DONE, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(finished.rowcount)  # type: ignore[attr-defined]


def counts(session: Session, campaign_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Recipient.status, func.count())
        .where(Recipient.campaign_id == campaign_id)
        .group_by(Recipient.status)
    )
    found = {str(status): int(count) for status, count in rows}
    return {str(status): found.get(str(status), 0) for status in RecipientStatus}


@dataclass(frozen=True)
class LanguagePreview:
    language: str
    recipients: int
    encoding: str
    segments: int
    cost: float


def preview(
    session: Session, campaign: Campaign, price_per_segment: float, now: dt.datetime
) -> list[LanguagePreview]:
    """Per language: audience (or enrolled recipients), segments per message and cost."""
    if campaign.state in (CampaignState.DRAFT, CampaignState.APPROVED):
        sizes = _audience_by_language(session, campaign, now)
    else:
        rows = session.execute(
            select(Recipient.language, func.count())
            .where(
                Recipient.campaign_id == campaign.id,
                Recipient.status != RecipientStatus.HOLDOUT,
            )
            .group_by(Recipient.language)
        )
        sizes = {str(language): int(count) for language, count in rows}
    result = []
    for language, text in campaign.messages.items():
        count = count_segments(text)
        size = sizes.get(language, 0)
        cost = round(size * count.segments * price_per_segment, 2)
        result.append(LanguagePreview(language, size, count.encoding, count.segments, cost))
    return result


def _audience_by_language(session: Session, campaign: Campaign, now: dt.datetime) -> dict[str, int]:
    from hotline.models import Contact
    from sms_campaigns.audience import audience_filter, holdout_column, language_column

    language = language_column(campaign)
    rows = session.execute(
        select(language, func.count())
        .select_from(Contact)
        .where(*audience_filter(campaign.audience, now), ~holdout_column(campaign))
        .group_by(language)
    )
    return {str(code): int(count) for code, count in rows}


def status_report(
    session: Session, campaign: Campaign, price_per_segment: float, now: dt.datetime
) -> dict[str, Any]:
    """``hotline campaigns status ID --json``: state, counts per recipient status, segments."""
    languages = preview(session, campaign, price_per_segment, now)
    by_status = counts(session, campaign.id)
    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": str(campaign.state),
        "counts": by_status,
        "segments": {
            p.language: {"encoding": p.encoding, "segments": p.segments, "recipients": p.recipients}
            for p in languages
        },
        "estimated_cost": round(sum(p.cost for p in languages), 2),
        "recipient_cap": campaign.recipient_cap,
        "audience": audience_size(session, campaign.audience, now)
        if campaign.state in (CampaignState.DRAFT, CampaignState.APPROVED)
        else sum(by_status.values()),
    }
