"""Builders for campaign tests: contacts in bulk, a launched campaign, running it to the end."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Campaign, Contact, Recipient
from hotline.queues import DEFAULT
from hotline.runtime import Runtime
from sms_campaigns.definition import parse_campaign
from sms_campaigns.lifecycle import approve, create_campaign, launch
from workers.campaigns import dispatch_campaign

CAMPAIGN = """
name: UK seasonal work
messages:
  ky: "Улуу Британияга мезгилдик жумуш: агенттикке акча төлөбөңүз."
  ru: "Сезонная работа в Великобритании: не платите агентам."
  uz: "Buyuk Britaniyada mavsumiy ish: agentlarga pul to'lamang."
send_window: "09:00-20:00"
rate_per_second: 500
"""
ALL_DAY = """
name: Registration rules reminder
messages:
  ky: "Орусияга келгенде 30 күндө каттоодон өтүңүз."
  ru: "В России встаньте на учёт в течение 30 дней."
  uz: "Rossiyada 15 kun ichida ro'yxatdan o'ting."
  kaa: "Rossiyada 15 kún ishinde dizimnen ótiń."
send_window: "00:00-24:00"
rate_per_second: {rate}
"""  # a template: ALL_DAY.format(rate=...)
CONSENT = dt.date(2026, 1, 1)
NOON = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # midday in Central Asia: windows open


def make_contacts(session: Session, count: int, **overrides: object) -> None:
    languages = ["ky", "ru", "uz", "kaa"]
    start = 555_100_000 + session.query(Contact).count()
    rows = [
        {
            "phone": f"+996{start + n}",
            "country": "KG",
            "language": languages[n % 4],
            "consent_date": CONSENT,
            "opted_out": False,
            "created_at": utcnow(),
            **overrides,
        }
        for n in range(count)
    ]
    session.execute(insert(Contact), rows)
    session.commit()


def new_campaign(
    state: Runtime, text: str = CAMPAIGN, now: dt.datetime = NOON, **changes: object
) -> int:
    spec = parse_campaign(text)
    with state.sessions() as session:
        campaign = create_campaign(session, spec, "twilio", now - dt.timedelta(hours=1))
        for key, value in changes.items():
            setattr(campaign, key, value)
        approve(session, campaign, "second@hotline.example", now)
        launch(session, campaign, now)
        session.commit()
        return campaign.id


def queue_campaign(state: Runtime, text: str) -> int:
    """Launch a campaign now and queue its first dispatch, for real worker processes to run."""
    campaign_id = new_campaign(state, text, now=utcnow())
    state.queues.enqueue(dispatch_campaign, campaign_id, queue=DEFAULT)
    return campaign_id


def recipient_counts(state: Runtime, campaign_id: int) -> Counter[str]:
    """How many of the campaign's recipients are in each status."""
    with state.sessions() as session:
        rows = session.execute(
            select(Recipient.status, func.count())
            .where(Recipient.campaign_id == campaign_id)
            .group_by(Recipient.status)
        )
        return Counter({str(status): int(count) for status, count in rows})


def run_campaign(state: Runtime, run_jobs: Callable[[], None], campaign_id: int) -> None:
    """Dispatch and work batches until the campaign is done (what the scheduler would do)."""
    for _ in range(40):
        dispatch_campaign(campaign_id)
        run_jobs()
        with state.sessions() as session:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            if campaign.state == "done":
                return
            # Skip waiting: make retries and leases due now.
            session.execute(
                update(Recipient)
                .where(Recipient.campaign_id == campaign_id)
                .values(not_before=None, claimed_at=utcnow() - dt.timedelta(minutes=5))
            )
            session.commit()
    pytest.fail("campaign did not finish")
