"""Drip messages N days after a stage, campaign results against the hold-out, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hotline.config import Settings
from hotline.models import CallSession, Campaign, Contact, Recipient, VerificationRecord
from hotline.runtime import Runtime
from sms_campaigns.results import campaign_results
from tests.fakes.provider_api import FakeTwilioApi
from tests.processes import run_hotline
from tests.sms_campaigns.builders import (
    CAMPAIGN,
    NOON,
    make_contacts,
    new_campaign,
    run_campaign,
)

DRIP = CAMPAIGN.replace("name: UK seasonal work", "name: On arrival") + (
    "drip: {stage: departing, days: 3}\n"
)


@pytest.mark.usefixtures("daytime")
def test_drip_texts_each_contact_three_days_after_departing(
    state: Runtime, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    today = NOON.date()
    with state.sessions() as session:
        make_contacts(session, 1, stage="departing", stage_since=today - dt.timedelta(days=3))
        make_contacts(session, 1, stage="departing", stage_since=today - dt.timedelta(days=1))
        make_contacts(session, 1, stage="abroad", stage_since=today - dt.timedelta(days=3))
        make_contacts(session, 1, stage="departing", stage_since=today - dt.timedelta(days=90))
    campaign_id = new_campaign(state, DRIP)

    from workers.campaigns import dispatch_campaign

    dispatch_campaign(campaign_id)
    run_jobs()
    assert len(fake_twilio.messages) == 1  # only the one whose third day it is

    with state.sessions() as session:  # two days later the second contact's day comes
        session.execute(
            update(Contact)
            .where(Contact.stage_since == today - dt.timedelta(days=1))
            .values(stage_since=today - dt.timedelta(days=3))
        )
        session.commit()
    dispatch_campaign(campaign_id)
    run_jobs()
    dispatch_campaign(campaign_id)
    run_jobs()
    assert len(fake_twilio.messages) == 2
    with state.sessions() as session:
        assert session.get(Campaign, campaign_id).state == "sending"  # type: ignore[union-attr]


@pytest.mark.usefixtures("daytime")
def test_results_compare_the_texted_with_the_holdout(
    state: Runtime, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    with state.sessions() as session:
        make_contacts(session, 200)
    campaign_id = new_campaign(state, CAMPAIGN + "holdout: 0.5\n")
    run_campaign(state, run_jobs, campaign_id)
    with state.sessions() as session:
        texted = session.scalars(
            select(Recipient.contact_id).where(Recipient.status == "sent")
        ).all()
        for contact_id in texted[:20]:  # a tenth of the texted called afterwards
            session.add(
                CallSession(
                    provider="twilio",
                    provider_call_id=f"CA{contact_id:032d}",
                    phone="+996555000000",
                    contact_id=contact_id,
                    path=[],
                    started_at=NOON + dt.timedelta(days=2),
                )
            )
        session.add(
            VerificationRecord(
                channel="sms",
                contact_id=texted[0],
                query="x",
                verdict="not_found",
                created_at=NOON + dt.timedelta(days=20),  # after the 14 days: not counted
            )
        )
        session.commit()
        report = campaign_results(session, session.get(Campaign, campaign_id))  # type: ignore[arg-type]

    outcome = report["called_or_checked"]
    assert outcome["texted"]["acted"] == 20
    assert outcome["holdout"]["acted"] == 0
    assert outcome["uplift"] == pytest.approx(20 / len(texted), abs=1e-3)
    assert report["counts"]["sent"] + report["counts"]["holdout"] == 200


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_hotline(settings, "campaigns", *args)


def test_the_campaigns_command_from_file_to_status(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    with state.sessions() as session:
        make_contacts(session, 12)
    definition = tmp_path / "campaign.yaml"
    definition.write_text(CAMPAIGN, encoding="utf-8")

    created = _cli(settings, "create", str(definition), "--by", "author@hotline.example")
    assert created.returncode == 0, created.stderr
    campaign_id = created.stdout.strip()
    own = _cli(settings, "approve", campaign_id, "--by", "author@hotline.example")
    assert own.returncode != 0
    assert "someone other than its author" in own.stderr
    assert _cli(settings, "approve", campaign_id, "--by", "boss@hotline.example").returncode == 0
    launched = _cli(settings, "launch", campaign_id)
    assert launched.returncode == 0, launched.stderr
    assert _cli(settings, "launch", campaign_id).returncode != 0  # no second launch
    assert _cli(settings, "pause", campaign_id).returncode == 0
    assert _cli(settings, "resume", campaign_id).returncode == 0

    status = json.loads(_cli(settings, "status", campaign_id, "--json").stdout)
    assert {"state", "counts", "segments", "estimated_cost"} <= set(status)
    assert status["counts"]["pending"] == 12
    assert status["state"] == "sending"
    assert _cli(settings, "cancel", campaign_id).returncode == 0
    cancelled = json.loads(_cli(settings, "status", campaign_id, "--json").stdout)
    assert cancelled["state"] == "cancelled"
    assert cancelled["counts"]["skipped"] == 12


def test_a_bad_campaign_file_lists_its_problems(settings: Settings, tmp_path: Path) -> None:
    definition = tmp_path / "bad.yaml"
    definition.write_text("name: x\nmessages: {fr: bonjour}\nrate_per_second: -1\n")
    result = _cli(settings, "create", str(definition))
    assert result.returncode == 1
    assert "unknown language 'fr'" in result.stderr
    assert "rate_per_second" in result.stderr
    assert "Traceback" not in result.stderr
