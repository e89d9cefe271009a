"""A text that came in through a provider that cannot send is still answered."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.models import Direction, Message, MessageStatus
from hotline.runtime import Runtime
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A newcomer's set-up: the console provider, and Twilio's token only to sign webhooks."""
    return dataclasses.replace(settings, provider="console", twilio_account_sid="")


def test_a_reply_to_a_text_through_an_unconfigured_twilio_lands_in_the_console_outbox(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    assert twilio_webhooks.sms("+996555123456", "HELP").status_code == 200
    run_jobs()

    outbox = state.settings.instance_path / "console_outbox.jsonl"
    [entry] = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    with state.sessions() as session:
        reply = session.scalars(
            select(Message).where(Message.direction == Direction.OUTBOUND)
        ).one()
    assert entry["to"] == "+996555123456"
    assert entry["body"] == reply.body
    assert (reply.provider, reply.status) == ("console", MessageStatus.SENT)
    assert fake_twilio.requests == []
