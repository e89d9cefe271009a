"""Builders for campaign tests: contacts in bulk, a launched campaign, running it to the end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Campaign, Contact, Recipient
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
        approve(campaign, "second@hotline.example")
        launch(session, campaign, now)
        session.commit()
        return campaign.id


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
