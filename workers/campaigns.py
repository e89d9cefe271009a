"""Campaign jobs: a dispatcher that hands out batches, and batch senders.

``dispatch_campaign`` runs every few seconds while a campaign sends: it settles recipients a
dead worker left ``sending``, leases the due ``pending`` ones in batches to ``send_batch``
jobs on the ``default`` queue (replies on ``high`` go first), and marks the campaign done when
every recipient is final. A lease that expires (its worker died) makes the recipients due
again; claiming each one before its provider call keeps a second batch from texting twice.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from typing import Any

from sqlalchemy import func, select, update

from hotline.db import utcnow
from hotline.models import Campaign, CampaignState, Recipient, RecipientStatus
from hotline.queues import DEFAULT, Queues
from hotline.runtime import runtime
from sms_campaigns.audience import enrol_drip
from sms_campaigns.pacing import TokenBucket
from sms_campaigns.sending import Sender, reconcile, send_recipient
from workers.sms import status_callback_url

BATCH_SIZE = 200
LEASE = dt.timedelta(seconds=60)
DISPATCH_EVERY = dt.timedelta(seconds=5)
DRIP_EVERY = dt.timedelta(hours=1)
BATCH_SECONDS = 45  # a batch stops before its lease runs out; the rest become due again
STATE_CHECK_EVERY = 20  # recipients between checks for pause or cancel


def schedule_dispatch(campaign_id: int, at: dt.datetime, queues: Queues | None = None) -> None:
    """Dispatch at ``at`` (one job per campaign and second, however often it is asked)."""
    (queues or runtime().queues).enqueue(
        dispatch_campaign,
        campaign_id,
        queue=DEFAULT,
        job_id=f"campaign-{campaign_id}-dispatch-{at:%Y%m%d%H%M%S}",
        at=at,
    )


def dispatch_campaign(campaign_id: int) -> dict[str, Any]:
    state = runtime()
    now = utcnow()
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.state not in (
            CampaignState.SCHEDULED,
            CampaignState.SENDING,
        ):
            return {"campaign_id": campaign_id, "dispatched": 0}
        if now < campaign.send_at:
            schedule_dispatch(campaign_id, campaign.send_at)
            return {
                "campaign_id": campaign_id,
                "dispatched": 0,
                "waiting_until": str(campaign.send_at),
            }
        campaign.state = CampaignState.SENDING
        if campaign.drip_stage:
            enrol_drip(session, campaign, now)
        session.commit()
        reconcile(session, campaign, state.provider_named(campaign.provider), now)
        # Enough for three dispatch rounds at the campaign's rate: workers never run dry.
        share = int(campaign.rate_per_second * DISPATCH_EVERY.total_seconds() * 3) + BATCH_SIZE
        due = list(
            session.scalars(
                select(Recipient.id)
                .where(
                    Recipient.campaign_id == campaign_id,
                    Recipient.status == RecipientStatus.PENDING,
                    (Recipient.not_before.is_(None)) | (Recipient.not_before <= now),
                )
                .order_by(Recipient.id)
                .limit(share)
            )
        )
        for start in range(0, len(due), 1000):
            session.execute(
                update(Recipient)
                .where(Recipient.id.in_(due[start : start + 1000]))
                .values(not_before=now + LEASE)
            )
        open_count = session.scalar(
            select(func.count())
            .select_from(Recipient)
            .where(
                Recipient.campaign_id == campaign_id,
                Recipient.status.in_([RecipientStatus.PENDING, RecipientStatus.SENDING]),
            )
        )
        if not open_count and not campaign.drip_stage:
            campaign.state = CampaignState.DONE
            campaign.finished_at = now
        drip = campaign.drip_stage is not None
        session.commit()
    round_id = uuid.uuid4().hex[:12]  # each round's batches are new jobs, whatever the clock
    for start in range(0, len(due), BATCH_SIZE):
        batch = due[start : start + BATCH_SIZE]
        state.queues.enqueue(
            send_batch,
            campaign_id,
            batch,
            queue=DEFAULT,
            job_id=f"campaign-{campaign_id}-batch-{batch[0]}-{round_id}",
            timeout=BATCH_SECONDS + 60,
        )
    if open_count:
        schedule_dispatch(campaign_id, now + DISPATCH_EVERY)
    elif drip:
        schedule_dispatch(campaign_id, now + DRIP_EVERY)  # look for newly due contacts
    return {"campaign_id": campaign_id, "dispatched": len(due), "open": open_count}


def send_batch(campaign_id: int, recipient_ids: list[int]) -> dict[str, Any]:
    """Send a leased batch, pacing through the campaign's shared token bucket."""
    state = runtime()
    deadline = time.monotonic() + BATCH_SECONDS
    outcomes: dict[str, int] = {}
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return {"campaign_id": campaign_id, "outcomes": outcomes}
        sender = Sender(
            provider=state.provider_named(campaign.provider),
            redis=state.redis,
            bucket=TokenBucket(state.redis, f"campaign:{campaign_id}", campaign.rate_per_second),
            status_callback=status_callback_url(state.settings.public_base_url, campaign.provider),
            rng=random.Random(),  # noqa: S311 - jitter, not secrets
        )
        for position, recipient_id in enumerate(recipient_ids):
            if position % STATE_CHECK_EVERY == 0:
                session.refresh(campaign)
                if campaign.state != CampaignState.SENDING:
                    break
            outcome = send_recipient(session, campaign, recipient_id, sender, utcnow(), deadline)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "out-of-time":
                break
    return {"campaign_id": campaign_id, "outcomes": outcomes}
