"""The Twilio adapter against a loopback server playing Twilio's REST API."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hotline.config import Settings
from hotline.providers.base import (
    Dial,
    Gather,
    OutboundCall,
    OutboundSms,
    Play,
    ProviderError,
    Say,
    VoiceScript,
)
from hotline.providers.twilio import TwilioProvider
from tests.conftest import TWILIO_SID
from tests.fakes.provider_api import FakeTwilioApi


@pytest.fixture
def provider(fake_twilio: FakeTwilioApi, tmp_path) -> TwilioProvider:  # type: ignore[no-untyped-def]
    return TwilioProvider(
        Settings(
            instance_path=tmp_path,
            provider="twilio",
            twilio_account_sid=TWILIO_SID,
            twilio_auth_token="twilio-test-token",
            twilio_from="+15005550006",
            twilio_api_url=fake_twilio.url,
        )
    )


def test_send_sms_posts_the_message_form(
    provider: TwilioProvider, fake_twilio: FakeTwilioApi
) -> None:
    sent = provider.send_sms(
        OutboundSms(
            to="+996555123456", body="Салам!", status_callback="https://h.example/s?message=7"
        )
    )

    [request] = fake_twilio.sent()
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request.value("To") == "+996555123456"
    assert request.value("From") == "+15005550006"
    assert request.value("Body") == "Салам!"
    assert request.value("StatusCallback") == "https://h.example/s?message=7"
    assert sent.provider_id.startswith("SM")
    assert sent.status == "sent"


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (401, False)]
)
def test_send_errors_say_whether_to_retry(
    provider: TwilioProvider, fake_twilio: FakeTwilioApi, status: int, retryable: bool
) -> None:
    fake_twilio.faults.queue.append(status)

    with pytest.raises(ProviderError) as raised:
        provider.send_sms(OutboundSms(to="+996555123456", body="hi"))

    assert raised.value.retryable is retryable


def test_invalid_number_is_permanent(provider: TwilioProvider) -> None:
    with pytest.raises(ProviderError) as raised:
        provider.send_sms(OutboundSms(to="996555", body="hi"))
    assert raised.value.retryable is False
    assert raised.value.code == "21211"


def test_unreachable_api_is_retryable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    provider = TwilioProvider(
        Settings(
            instance_path=tmp_path,
            twilio_account_sid=TWILIO_SID,
            twilio_auth_token="t",
            twilio_from="+15005550006",
            twilio_api_url="http://127.0.0.1:9",
        )
    )
    with pytest.raises(ProviderError) as raised:
        provider.send_sms(OutboundSms(to="+996555123456", body="hi"))
    assert raised.value.retryable is True


def test_place_call_points_twilio_at_our_answer_url(
    provider: TwilioProvider, fake_twilio: FakeTwilioApi
) -> None:
    placed = provider.place_call(
        OutboundCall(to="+996555123456", caller_id="+996312000000", answer_url="https://h/a")
    )

    [request] = fake_twilio.sent()
    assert request.path.endswith("/Calls.json")
    assert (request.value("To"), request.value("From"), request.value("Url")) == (
        "+996555123456",
        "+996312000000",
        "https://h/a",
    )
    assert placed.provider_call_id.startswith("CA")


def test_twiml_escapes_caller_text_and_nests_prompts(provider: TwilioProvider) -> None:
    script = VoiceScript(
        (
            Gather(action="https://h/v?node=a&x=1", prompts=(Play("https://h/p.wav"),)),
            Say("<Hangup/> & 'quotes'", "ru"),
            Dial(("+996555000111",), caller_id="+996312000000"),
        )
    )
    root = ET.fromstring(provider.render_voice(script).body)

    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("action") == "https://h/v?node=a&x=1"
    assert gather.find("Play").text == "https://h/p.wav"  # type: ignore[union-attr]
    assert root.find("Say").text == "<Hangup/> & 'quotes'"  # type: ignore[union-attr]
    assert root.find("Hangup") is None
    assert root.find("Dial/Number").text == "+996555000111"  # type: ignore[union-attr]
