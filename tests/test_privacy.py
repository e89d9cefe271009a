"""Numbers, bodies and secrets stay out of logs at INFO."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from hotline.logs import RedactSecrets
from hotline.runtime import Runtime
from hotline.sms.outbound import queue_sms
from tests.conftest import TwilioWebhooks
from workers.sms import send_sms


def test_receiving_and_sending_log_no_number_or_body(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    run_jobs: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    twilio_webhooks.sms("+996555123456", "My recruiter Ak-Jol took my passport")
    with state.sessions() as session:
        message = queue_sms(session, "twilio", "+996555123456", "Reply about Ak-Jol")
        session.commit()
    state.queues.enqueue(send_sms, message.id, "twilio")
    run_jobs()

    assert "555123456" not in caplog.text
    assert "passport" not in caplog.text
    assert "Reply about" not in caplog.text


def test_callback_token_is_blanked_in_access_logs() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '"POST /africastalking/sms?token=%s HTTP/1.1"',
        ("s3cr3t",),
        None,
    )
    RedactSecrets().filter(record)
    assert "s3cr3t" not in record.getMessage()
