"""Acceptance: a campaign through real Redis and two RQ worker processes.

The loopback Twilio answers 5% of sends with 500 and some with 429. Every eligible recipient
must be texted exactly once, opted-out and no-consent contacts never, and the counts must add
up; the same holds when one worker is killed with SIGKILL mid-run and another started. On
PostgreSQL 10,000 contacts; on SQLite (the embedded default, with the embedded Redis on the
embedded leg) 2,000.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.models import Campaign, Contact
from hotline.runtime import Runtime
from tests.fakes.provider_api import FakeTwilioApi
from tests.processes import start_hotline
from tests.sms_campaigns.builders import ALL_DAY, make_contacts, queue_campaign, recipient_counts

ELIGIBLE = {"postgresql": 10_000, "sqlite": 2_000}
pytestmark = pytest.mark.slow
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
on_both = pytest.mark.parametrize("database_url", ["postgresql", "sqlite"], indirect=True)


@pytest.fixture
def eligible(state: Runtime) -> int:
    return ELIGIBLE[state.engine.dialect.name]


def _worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return start_hotline(settings, log, "worker")


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=60)


def _launch(state: Runtime, eligible: int) -> int:
    with state.sessions() as session:
        make_contacts(session, eligible)
        make_contacts(session, 150, opted_out=True)
        make_contacts(session, 150, consent_date=None)
    return queue_campaign(state, ALL_DAY.format(rate=1000))


def _wait_until_done(state: Runtime, campaign_id: int, minutes: float) -> None:
    deadline = time.monotonic() + minutes * 60
    while time.monotonic() < deadline:
        with state.sessions() as session:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            if campaign.state == "done":
                return
        time.sleep(1)
    pytest.fail(f"campaign not done in {minutes} minutes: {recipient_counts(state, campaign_id)}")


def _assert_exactly_once(
    state: Runtime, campaign_id: int, fake_twilio: FakeTwilioApi, eligible: int
) -> None:
    texted = Counter(message["to"] for message in fake_twilio.messages)
    duplicates = {number: n for number, n in texted.items() if n > 1}
    assert duplicates == {}
    with state.sessions() as session:
        excluded = set(
            session.scalars(
                select(Contact.phone).where(
                    Contact.opted_out.is_(True) | Contact.consent_date.is_(None)
                )
            )
        )
    assert not excluded & set(texted)
    counts = recipient_counts(state, campaign_id)
    assert sum(counts.values()) == eligible
    assert counts["sent"] == len(texted) == eligible
    assert set(counts) == {"sent"}


@on_postgresql
def test_ten_thousand_recipients_texted_exactly_once_by_two_workers(
    state: Runtime, settings: Settings, fake_twilio: FakeTwilioApi, tmp_path: Path, eligible: int
) -> None:
    fake_twilio.faults.random_share = {500: 0.05, 429: 0.02}
    campaign_id = _launch(state, eligible)
    workers = [_worker(settings, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        _wait_until_done(state, campaign_id, minutes=8)
    finally:
        for worker in workers:
            _stop(worker)
    _assert_exactly_once(state, campaign_id, fake_twilio, eligible)


@on_both
def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(
    state: Runtime, settings: Settings, fake_twilio: FakeTwilioApi, tmp_path: Path, eligible: int
) -> None:
    fake_twilio.faults.random_share = {500: 0.05, 429: 0.02}
    campaign_id = _launch(state, eligible)
    workers = [_worker(settings, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        deadline = time.monotonic() + 300
        while recipient_counts(state, campaign_id)["sent"] < eligible // 3:
            assert time.monotonic() < deadline, "sending never got going"
            time.sleep(0.2)
        _stop(workers[0], signal.SIGKILL)
        workers[0] = _worker(settings, tmp_path / "worker-restarted.log")
        _wait_until_done(state, campaign_id, minutes=10)
    finally:
        for worker in workers:
            _stop(worker)
    _assert_exactly_once(state, campaign_id, fake_twilio, eligible)
