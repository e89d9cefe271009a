"""``hotline worker --burst`` in its own process: forks, opens fresh connections, sends."""

from __future__ import annotations

import os
import subprocess
import sys

from hotline.config import Settings
from hotline.models import Message, MessageStatus
from hotline.runtime import Runtime
from hotline.sms.outbound import queue_sms
from tests.conftest import TWILIO_SID, TWILIO_TOKEN
from tests.fakes.provider_api import FakeTwilioApi
from workers.sms import send_sms


def _environment(settings: Settings) -> dict[str, str]:
    return os.environ | {
        "INSTANCE_PATH": str(settings.instance_path),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "HOTLINE_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": settings.twilio_from,
        "TWILIO_API_URL": settings.twilio_api_url,
    }


def test_burst_worker_sends_queued_messages_and_exits(
    state: Runtime, settings: Settings, fake_twilio: FakeTwilioApi
) -> None:
    with state.sessions() as session:
        ids = [queue_sms(session, "twilio", f"+99655512345{i}", "Салам").id for i in range(3)]
        session.commit()
    for message_id in ids:
        state.queues.enqueue(send_sms, message_id, "twilio", job_id=f"send-{message_id}")

    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "worker", "--burst"],
        env=_environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert len(fake_twilio.sent()) == 3
    with state.sessions() as session:
        statuses = {session.get(Message, i).status for i in ids}  # type: ignore[union-attr]
    assert statuses == {MessageStatus.SENT}
