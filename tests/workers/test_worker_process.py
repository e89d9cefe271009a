"""``hotline worker --burst`` in its own process: opens fresh connections, sends, finishes."""

from __future__ import annotations

from hotline.config import Settings
from hotline.models import Campaign, Message, MessageStatus
from hotline.runtime import Runtime
from hotline.sms.outbound import queue_sms
from tests.fakes.provider_api import FakeTwilioApi
from tests.processes import run_hotline
from tests.sms_campaigns.builders import ALL_DAY, make_contacts, queue_campaign, recipient_counts
from workers.sms import send_sms


def test_burst_worker_sends_queued_messages_and_exits(
    state: Runtime, settings: Settings, fake_twilio: FakeTwilioApi
) -> None:
    with state.sessions() as session:
        ids = [queue_sms(session, "twilio", f"+99655512345{i}", "Салам").id for i in range(3)]
        session.commit()
    for message_id in ids:
        state.queues.enqueue(send_sms, message_id, "twilio", job_id=f"send-{message_id}")

    result = run_hotline(settings, "worker", "--burst")

    assert result.returncode == 0, result.stderr
    assert len(fake_twilio.sent()) == 3
    with state.sessions() as session:
        statuses = {session.get(Message, i).status for i in ids}  # type: ignore[union-attr]
    assert statuses == {MessageStatus.SENT}


def _queues_empty(state: Runtime) -> bool:
    return all(queue.count == 0 for queue in state.queues.all())


def test_burst_workers_run_again_and_again_bring_a_campaign_to_its_end(
    state: Runtime, settings: Settings, fake_twilio: FakeTwilioApi
) -> None:
    """Until the queues are empty, as someone without a long-running worker would do."""
    with state.sessions() as session:
        make_contacts(session, 40)
    campaign_id = queue_campaign(state, ALL_DAY.format(rate=100))

    for _ in range(5):
        result = run_hotline(settings, "worker", "--burst")
        assert result.returncode == 0, result.stderr
        if _queues_empty(state):
            break

    assert _queues_empty(state)
    assert recipient_counts(state, campaign_id) == {"sent": 40}
    assert len(fake_twilio.sent()) == 40
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        assert (campaign.state, campaign.finished_at is not None) == ("done", True)
