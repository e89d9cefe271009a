"""Campaigns end to end in one process: audience, windows, exactly-once sending, reports."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from typing import cast

import pytest
from sqlalchemy import select, update

from hotline.db import utcnow
from hotline.models import Campaign, Contact, Recipient, RecipientStatus
from hotline.providers.base import OutboundSms, Provider, SentSms
from hotline.queues import DEFAULT
from hotline.runtime import Runtime
from sms_campaigns.audience import enrol
from sms_campaigns.definition import CampaignDefinitionError, parse_campaign
from sms_campaigns.lifecycle import approve, create_campaign, launch, status_report
from sms_campaigns.pacing import TokenBucket
from sms_campaigns.sending import Sender, reconcile, send_recipient
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi
from tests.sms_campaigns.builders import CAMPAIGN, NOON, make_contacts, new_campaign, run_campaign
from workers.campaigns import MAX_WAITING_BATCHES, dispatch_campaign


def statuses(state: Runtime, campaign_id: int) -> Counter[str]:
    with state.sessions() as session:
        rows = session.scalars(select(Recipient.status).where(Recipient.campaign_id == campaign_id))
        return Counter(str(status) for status in rows)


def test_a_bad_definition_lists_every_problem() -> None:
    with pytest.raises(CampaignDefinitionError) as raised:
        parse_campaign("name: ''\nmessages: {fr: hi}\nsend_window: '20:00-09:00'\nholdout: 2\n")
    problems = " | ".join(raised.value.problems)
    for expected in ("name", "unknown language 'fr'", "send_window", "holdout"):
        assert expected in problems


@pytest.mark.usefixtures("daytime")
def test_every_eligible_contact_is_texted_exactly_once_despite_provider_errors(
    state: Runtime, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    with state.sessions() as session:
        make_contacts(session, 300)
        make_contacts(session, 20, opted_out=True)
        make_contacts(session, 20, consent_date=None)
    fake_twilio.faults.random_share = {500: 0.05, 429: 0.03}
    campaign_id = new_campaign(state)

    run_campaign(state, run_jobs, campaign_id)

    texted = Counter(m["to"] for m in fake_twilio.messages)
    assert len(texted) == 300
    assert max(texted.values()) == 1
    counts = statuses(state, campaign_id)
    assert counts == Counter({"sent": 300})
    with state.sessions() as session:
        opted_out = set(session.scalars(select(Contact.phone).where(Contact.opted_out)))
        no_consent = set(
            session.scalars(select(Contact.phone).where(Contact.consent_date.is_(None)))
        )
    assert not (opted_out | no_consent) & set(texted)


@pytest.mark.usefixtures("daytime")
def test_languages_fall_back_and_the_holdout_is_never_texted(
    state: Runtime, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    with state.sessions() as session:
        make_contacts(session, 400)
    campaign_id = new_campaign(state, CAMPAIGN + "holdout: 0.25\n")
    run_campaign(state, run_jobs, campaign_id)

    counts = statuses(state, campaign_id)
    assert counts["sent"] + counts["holdout"] == 400
    assert 60 < counts["holdout"] < 140
    with state.sessions() as session:
        languages = Counter(
            session.scalars(select(Recipient.language).where(Recipient.campaign_id == campaign_id))
        )
    assert set(languages) == {"ky", "ru", "uz"}  # kaa speakers get the first fallback (ru)
    assert languages["ru"] == 200


def test_send_windows_follow_each_recipients_clock(
    state: Runtime, fake_twilio: FakeTwilioApi
) -> None:
    with state.sessions() as session:
        make_contacts(session, 1, region="Bishkek")
        make_contacts(session, 1, region="Tashkent", phone="+998901234567", country="UZ")
        make_contacts(session, 1, region="Moscow", phone="+79161234567", country="RU")
    campaign_id = new_campaign(state)
    # 14:30 UTC: 20:30 in Bishkek (closed), 19:30 in Tashkent (open), 17:30 in Moscow (open).
    evening = dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC)
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        sender = Sender(
            state.provider_named("twilio"),
            state.redis,
            TokenBucket(state.redis, "test", 100),
            None,
            random.Random(1),
        )
        outcomes = {}
        for recipient in session.scalars(select(Recipient).order_by(Recipient.id)).all():
            outcomes[recipient.timezone] = send_recipient(
                session, campaign, recipient.id, sender, evening
            )
        bishkek = session.scalars(
            select(Recipient).where(Recipient.timezone == "Asia/Bishkek")
        ).one()
    assert outcomes == {
        "Asia/Bishkek": "deferred",
        "Asia/Tashkent": "sent",
        "Europe/Moscow": "sent",
    }
    # Bishkek's next window opens at 09:00 local = 03:00 UTC the next day.
    assert bishkek.not_before == dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)


def test_send_at_in_the_future_waits(state: Runtime, run_jobs: Callable[[], None]) -> None:
    with state.sessions() as session:
        make_contacts(session, 3)
    later = utcnow() + dt.timedelta(days=1)
    campaign_id = new_campaign(
        state, now=utcnow(), send_at=later, send_until=later + dt.timedelta(days=3)
    )
    result = dispatch_campaign(campaign_id)
    assert result["dispatched"] == 0
    assert statuses(state, campaign_id) == Counter({"pending": 3})


def test_a_number_that_unsubscribed_at_twilio_is_opted_out(
    state: Runtime, fake_twilio: FakeTwilioApi
) -> None:
    with state.sessions() as session:
        make_contacts(session, 1)
    campaign_id = new_campaign(state)
    fake_twilio.faults.queue.append(400)
    fake_twilio.answer_override = {"code": 21610, "message": "unsubscribed", "status": 400}
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        recipient = session.scalars(select(Recipient)).one()
        sender = Sender(
            state.provider_named("twilio"), state.redis, TokenBucket(state.redis, "t", 50), None,
            random.Random(1),
        )  # fmt: skip
        assert send_recipient(session, campaign, recipient.id, sender, NOON) == "failed"
        assert session.scalars(select(Contact)).one().opted_out


def test_a_crash_after_the_provider_took_the_message_is_settled_without_resending(
    state: Runtime, fake_twilio: FakeTwilioApi
) -> None:
    with state.sessions() as session:
        make_contacts(session, 2)
    campaign_id = new_campaign(state)
    now = NOON
    provider = state.provider_named("twilio")
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        first, second = session.scalars(select(Recipient).order_by(Recipient.id)).all()
        # The first went out, then the worker died before storing Twilio's id.
        provider.send_sms(
            __import__("hotline.providers.base", fromlist=["OutboundSms"]).OutboundSms(
                to=first.phone, body=campaign.messages[first.language]
            )
        )
        for recipient in (first, second):
            recipient.status = RecipientStatus.SENDING
            recipient.claimed_at = now - dt.timedelta(minutes=5)
            recipient.attempts = 1
        session.commit()
        outcome = reconcile(session, campaign, provider, now)
        assert outcome == {"sent": 1, "resend": 1, "unknown": 0}
        assert first.status == RecipientStatus.SENT
        assert first.provider_id == fake_twilio.messages[0]["sid"]
        assert second.status == RecipientStatus.PENDING
    assert len(fake_twilio.messages) == 1


@pytest.mark.usefixtures("daytime")
def test_delivery_reports_update_recipients_in_order_only(
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    twilio_webhooks: TwilioWebhooks,
) -> None:
    with state.sessions() as session:
        make_contacts(session, 1)
    campaign_id = new_campaign(state)
    run_campaign(state, run_jobs, campaign_id)
    [sent] = fake_twilio.sent()
    callback = sent.value("StatusCallback") or ""
    assert "?recipient=" in callback
    path = callback.removeprefix("https://hotline.example.org")
    sid = fake_twilio.messages[0]["sid"]
    for status in ("delivered", "sent", "queued"):
        assert (
            twilio_webhooks.post(path, {"MessageSid": sid, "MessageStatus": status}).status_code
            == 200
        )
    assert statuses(state, campaign_id) == Counter({"delivered": 1})


def test_status_report_has_counts_segments_and_cost(state: Runtime) -> None:
    with state.sessions() as session:
        make_contacts(session, 8)
    campaign_id = new_campaign(state)
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        report = status_report(session, campaign, 0.05, utcnow())
    assert report["state"] == "scheduled"
    assert report["counts"]["pending"] == 8
    assert report["segments"]["ru"]["encoding"] == "UCS-2"
    assert report["segments"]["uz"]["encoding"] == "GSM-7"
    assert report["estimated_cost"] == pytest.approx(8 * 0.05)


def test_enrolment_counts_and_holds_out_with_large_ids(state: Runtime) -> None:
    """The hold-out hash must not overflow 32-bit integers on PostgreSQL."""
    with state.sessions() as session:
        make_contacts(session, 20)
        session.execute(update(Contact).values(id=Contact.id + 2_000_000_000))
        session.commit()
    for _ in range(3):  # later campaigns have larger ids in the hash too
        campaign_id = new_campaign(state, CAMPAIGN + "holdout: 0.5\n")
        assert sum(statuses(state, campaign_id).values()) == 20


def test_launch_reports_how_many_recipients_it_enrolled(state: Runtime) -> None:
    with state.sessions() as session:
        make_contacts(session, 7)
        campaign = create_campaign(session, parse_campaign(CAMPAIGN), "twilio", NOON)
        approve(session, campaign, "boss@hotline.example", NOON)
        assert launch(session, campaign, NOON) == 7


def test_a_campaign_never_enrols_more_than_its_approver_saw(state: Runtime) -> None:
    """Campaigns bypass the spend gate; their own cap is the audience that was approved."""
    with state.sessions() as session:
        make_contacts(session, 5)
        campaign = create_campaign(session, parse_campaign(CAMPAIGN), "twilio", NOON)
        approve(session, campaign, "boss@hotline.example", NOON)
        make_contacts(session, 3)  # imported after the approval

        assert campaign.recipient_cap == 5
        assert launch(session, campaign, NOON) == 5
        make_contacts(session, 2)
        assert enrol(session, campaign, NOON) == 0  # a later enrolment (a drip's) stops there too
        assert status_report(session, campaign, 0.05, NOON)["recipient_cap"] == 5


class ReportsBeforeAnswering:
    """A carrier whose delivery report reaches us before its API has answered the send."""

    def __init__(self, carrier: Provider, webhooks: TwilioWebhooks) -> None:
        self._carrier = carrier
        self._webhooks = webhooks

    def __getattr__(self, name: str) -> object:
        return getattr(self._carrier, name)

    def send_sms(self, sms: OutboundSms) -> SentSms:
        sent = self._carrier.send_sms(sms)
        path = (sms.status_callback or "").removeprefix("https://hotline.example.org")
        report = {"MessageSid": sent.provider_id, "MessageStatus": "delivered"}
        assert self._webhooks.post(path, report).status_code == 200
        return sent


def test_a_delivery_report_that_outruns_the_send_is_kept(
    state: Runtime, fake_twilio: FakeTwilioApi, twilio_webhooks: TwilioWebhooks
) -> None:
    with state.sessions() as session:
        make_contacts(session, 1)
    campaign_id = new_campaign(state)
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        recipient_id = session.scalars(select(Recipient.id)).one()
        sender = Sender(
            cast(Provider, ReportsBeforeAnswering(state.provider_named("twilio"), twilio_webhooks)),
            state.redis,
            TokenBucket(state.redis, "outrun", 50),
            "https://hotline.example.org/twilio/status",
            random.Random(1),
        )
        assert send_recipient(session, campaign, recipient_id, sender, NOON) == "sent"
    with state.sessions() as session:
        recipient = session.get(Recipient, recipient_id)
        assert recipient is not None
        assert recipient.status == RecipientStatus.DELIVERED  # not moved back to sent
        assert recipient.provider_id == fake_twilio.messages[0]["sid"]


@pytest.mark.usefixtures("daytime")
def test_dispatch_leases_nothing_while_workers_have_a_backlog(state: Runtime) -> None:
    with state.sessions() as session:
        make_contacts(session, 30)
    campaign_id = new_campaign(state)
    waiting = state.queues.queue(DEFAULT)
    for n in range(MAX_WAITING_BATCHES):
        waiting.enqueue(print, job_id=f"backlog-{n}")

    assert dispatch_campaign(campaign_id)["dispatched"] == 0
    waiting.empty()
    assert dispatch_campaign(campaign_id)["dispatched"] == 30


@pytest.mark.parametrize(("rate", "accepted"), [(10_000, True), (10_001, False), (0, False)])
def test_the_sending_rate_is_bounded(rate: int, accepted: bool) -> None:
    text = CAMPAIGN.replace("rate_per_second: 500", f"rate_per_second: {rate}")
    if accepted:
        assert parse_campaign(text).rate_per_second == rate
    else:
        with pytest.raises(CampaignDefinitionError, match="rate_per_second"):
            parse_campaign(text)


@pytest.mark.parametrize(
    ("days", "accepted"), [(1, True), (3650, True), (0, False), (3651, False), (10**12, False)]
)
def test_recent_activity_is_looked_for_within_ten_years(days: int, accepted: bool) -> None:
    text = CAMPAIGN + f"audience:\n  active_within_days: {days}\n"
    if accepted:
        assert parse_campaign(text).audience["active_within_days"] == days
    else:  # a date that far back does not exist: refused here, not a crash when sending
        with pytest.raises(CampaignDefinitionError, match="active_within_days"):
            parse_campaign(text)
