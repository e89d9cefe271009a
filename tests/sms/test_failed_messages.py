"""A failed outbound message always says why, and the log says it too (the number masked)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from hotline.db import utcnow
from hotline.models import Message, MessageStatus
from hotline.providers.base import DeliveryReport
from hotline.providers.twilio import TwilioProvider
from hotline.runtime import Runtime
from hotline.sms.delivery import apply_delivery_report
from hotline.sms.outbound import deliver_sms, queue_sms, settle_stuck_sends
from tests.fakes.provider_api import FakeTwilioApi

PHONE = "+996555123456"


def _queued(state: Runtime, provider: str = "twilio") -> int:
    with state.sessions() as session:
        message = queue_sms(session, provider, PHONE, "Салам")
        session.commit()
        return message.id


def _message(state: Runtime, message_id: int) -> Message:
    with state.sessions() as session:
        found = session.get(Message, message_id)
        assert found is not None
        session.expunge(found)
        return found


def _assert_logged_masked(caplog: pytest.LogCaptureFixture, *words: str) -> None:
    [line] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "+996***56" in line
    assert "555123456" not in line
    for word in words:
        assert word in line


def test_a_number_twilio_refuses_keeps_its_code_and_reason(
    state: Runtime, fake_twilio: FakeTwilioApi, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = _queued(state)
    fake_twilio.faults.queue.append(400)
    fake_twilio.answer_override = {"code": 21211, "message": "Invalid 'To' Phone Number"}

    with state.sessions() as session, caplog.at_level("WARNING"):
        outcome = deliver_sms(session, state.provider_named("twilio"), message_id, None)

    failed = _message(state, message_id)
    assert outcome.status == "failed"
    assert (failed.status, failed.error_code) == (MessageStatus.FAILED, "21211")
    assert failed.error_reason == "Twilio answered 400"
    _assert_logged_masked(caplog, "Twilio answered 400", "21211")


def test_a_twilio_without_an_account_sid_fails_naming_the_empty_setting(
    state: Runtime, fake_twilio: FakeTwilioApi, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = _queued(state)
    unconfigured = TwilioProvider(
        dataclasses.replace(state.settings, provider="console", twilio_account_sid="")
    )

    with state.sessions() as session, caplog.at_level("WARNING"):
        outcome = deliver_sms(session, unconfigured, message_id, None)

    failed = _message(state, message_id)
    assert outcome.status == "failed"
    assert failed.error_code == "not_configured"
    assert failed.error_reason == "twilio is not configured: TWILIO_ACCOUNT_SID is empty"
    assert fake_twilio.requests == []
    _assert_logged_masked(caplog, "TWILIO_ACCOUNT_SID is empty")


def test_a_failed_delivery_report_is_kept_as_the_reason(
    state: Runtime, fake_twilio: FakeTwilioApi, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = _queued(state)
    with state.sessions() as session:
        deliver_sms(session, state.provider_named("twilio"), message_id, None)
    sid = _message(state, message_id).provider_id
    assert sid is not None

    with state.sessions() as session, caplog.at_level("WARNING"):
        apply_delivery_report(session, "twilio", DeliveryReport(sid, "failed", "30008"))
        session.commit()

    failed = _message(state, message_id)
    assert failed.status == MessageStatus.FAILED
    assert failed.error_reason == "twilio reported it failed (error 30008)"
    _assert_logged_masked(caplog, "30008")


def test_a_send_nobody_can_settle_says_why_it_was_not_sent_again(
    state: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = _queued(state, provider="africastalking")  # it cannot list what it sent
    with state.sessions() as session:
        stuck = session.get(Message, message_id)
        assert stuck is not None
        stuck.status = MessageStatus.SENDING
        stuck.updated_at = utcnow() - dt.timedelta(hours=1)
        session.commit()

    with state.sessions() as session, caplog.at_level("WARNING"):
        settled = settle_stuck_sends(session, state.provider_named, utcnow())

    failed = _message(state, message_id)
    assert settled["unknown"] == 1
    assert failed.error_code == "outcome_unknown"
    assert failed.error_reason is not None
    assert "not sent again" in failed.error_reason
    _assert_logged_masked(caplog, "not sent again")
