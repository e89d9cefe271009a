"""``hotline worker --burst`` in its own process: forks, opens fresh connections, sends."""

from __future__ import annotations

from hotline.config import Settings
from hotline.models import Message, MessageStatus
from hotline.runtime import Runtime
from hotline.sms.outbound import queue_sms
from tests.fakes.provider_api import FakeTwilioApi
from tests.processes import run_hotline
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
