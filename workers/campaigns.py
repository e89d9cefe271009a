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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select, update

from hotline.db import utcnow
from hotline.models import Campaign, CampaignState, Recipient, RecipientStatus
from hotline.queues import DEFAULT, Queues
from hotline.runtime import runtime
from sms_campaigns.audience import enrol_drip
from sms_campaigns.lifecycle import OPEN_STATUSES, finish_if_complete
from sms_campaigns.pacing import TokenBucket
from sms_campaigns.sending import (
    Sender,
    backoff,
    chunk_size,
    provider_failing,
    reconcile,
    release,
    send_chunk,
)
from workers.sms import status_callback_url

BATCH_SIZE = 1000  # most recipients in one batch job; ten seconds' worth at lower rates
MAX_WAITING_BATCHES = 32  # batch jobs queued and not started: no more are leased past this
LEASE = dt.timedelta(seconds=60)
DISPATCH_EVERY = dt.timedelta(seconds=5)
DRIP_EVERY = dt.timedelta(hours=1)
BATCH_SECONDS = 45  # a batch stops before its lease runs out; the rest become due again
CONCURRENT_CALLS = 32  # provider calls in flight per worker process


def batch_size(rate_per_second: float) -> int:
    """Big batches amortize a job's start; small rates get ten seconds' worth per job."""
    return max(20, min(BATCH_SIZE, int(rate_per_second * 10)))


def schedule_dispatch(campaign_id: int, at: dt.datetime, queues: Queues | None = None) -> None:
    """Dispatch at ``at`` (one job per campaign and second, however often it is asked)."""
    (queues or runtime().queues).enqueue(
        dispatch_campaign,
        campaign_id,
        queue=DEFAULT,
        job_id=f"{_DISPATCH_PREFIX.format(campaign_id)}{at:%Y%m%d%H%M%S}",
        at=at,
    )


_DISPATCH_PREFIX = "campaign-{}-dispatch-"


def restart_dispatch(now: dt.datetime) -> list[int]:
    """Dispatch each launched campaign that has no dispatch job left; returns their ids.

    Each dispatch schedules the next, so the chain breaks when Redis restarts empty or a
    worker dies inside ``dispatch_campaign`` (RQ moves its job out of the started registry
    once the dead worker's heartbeat runs out). The housekeeping sweep calls this every
    minute; a chain that is alive has a job scheduled, queued or running.
    """
    state = runtime()
    with state.sessions() as session:
        launched = session.execute(
            select(Campaign.id, Campaign.send_at).where(
                Campaign.state.in_([CampaignState.SCHEDULED, CampaignState.SENDING])
            )
        ).all()
    if not launched:
        return []
    queue = state.queues.queue(DEFAULT)
    jobs = {
        *queue.scheduled_job_registry.get_job_ids(),
        *queue.get_job_ids(),
        *queue.started_job_registry.get_job_ids(),
    }
    restarted = []
    for campaign_id, send_at in launched:
        prefix = _DISPATCH_PREFIX.format(campaign_id)
        if not any(job_id.startswith(prefix) for job_id in jobs):
            schedule_dispatch(campaign_id, max(now, send_at), state.queues)
            restarted.append(campaign_id)
    return restarted


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
        # Enough for three dispatch rounds at the campaign's rate, so workers never run dry,
        # but not past what the workers have not started yet: leases must not run out queued.
        size = batch_size(campaign.rate_per_second)
        room = max(0, MAX_WAITING_BATCHES - state.queues.queue(DEFAULT).count) * size
        share = min(int(campaign.rate_per_second * DISPATCH_EVERY.total_seconds() * 3) + size, room)
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
            .where(Recipient.campaign_id == campaign_id, Recipient.status.in_(OPEN_STATUSES))
        )
        drip = campaign.drip_stage is not None
        session.commit()
        if not open_count:
            finish_if_complete(session, campaign_id, now)
    round_id = uuid.uuid4().hex[:12]  # each round's batches are new jobs, whatever the clock
    for start in range(0, len(due), size):
        batch = due[start : start + size]
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
    """Send a leased batch in chunks, pacing through the campaign's shared token bucket."""
    state = runtime()
    deadline = time.monotonic() + BATCH_SECONDS
    outcomes: Counter[str] = Counter()
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return {"campaign_id": campaign_id, "outcomes": {}}
        sender = Sender(
            provider=state.provider_named(campaign.provider),
            redis=state.redis,
            bucket=TokenBucket(state.redis, f"campaign:{campaign_id}", campaign.rate_per_second),
            status_callback=status_callback_url(state.settings.public_base_url, campaign.provider),
            rng=random.Random(),  # noqa: S311 - jitter, not secrets
            pool=_provider_calls(),
        )
        size = chunk_size(campaign.rate_per_second)
        for start in range(0, len(recipient_ids), size):
            session.refresh(campaign)  # paused or cancelled since the last chunk?
            if campaign.state != CampaignState.SENDING:
                break
            chunk = recipient_ids[start : start + size]
            outcome = send_chunk(session, campaign, chunk, sender, utcnow(), deadline).values()
            outcomes.update(outcome)
            if outcomes["out-of-time"]:
                break
            if provider_failing(outcome):
                # Spend no more attempts (each try counts) while the provider is down; the
                # rest are due again after a first backoff instead of the whole lease.
                rest = recipient_ids[start + size :]
                release(session, rest, utcnow() + backoff(1, sender.rng))
                outcomes["released"] += len(rest)
                break
        finished = finish_if_complete(session, campaign_id, utcnow())
    return {"campaign_id": campaign_id, "outcomes": dict(outcomes), "finished": finished}


_pool: ThreadPoolExecutor | None = None


def _provider_calls() -> ThreadPoolExecutor:
    """Threads for provider calls, made on first use in each worker process (never forked)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=CONCURRENT_CALLS, thread_name_prefix="provider")
    return _pool
