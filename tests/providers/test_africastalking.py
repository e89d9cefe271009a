"""The Africa's Talking adapter against a loopback server playing its REST API."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hotline.config import Settings
from hotline.providers.africastalking import AfricasTalkingProvider
from hotline.providers.base import (
    Gather,
    OutboundCall,
    OutboundSms,
    Play,
    ProviderError,
    Record,
    Say,
    VoiceScript,
    WebhookRejected,
    WebhookRequest,
)
from tests.conftest import AT_API_KEY, AT_USERNAME
from tests.fakes.provider_api import FakeAfricasTalkingApi


@pytest.fixture
def provider(fake_africastalking: FakeAfricasTalkingApi, tmp_path) -> AfricasTalkingProvider:  # type: ignore[no-untyped-def]
    return AfricasTalkingProvider(
        Settings(
            instance_path=tmp_path,
            at_username=AT_USERNAME,
            at_api_key=AT_API_KEY,
            at_sender_id="HOTLINE",
            at_callback_token="secret",
            at_api_url=fake_africastalking.url,
            at_voice_url=fake_africastalking.url,
        )
    )


def test_send_sms_posts_username_recipient_and_sender(
    provider: AfricasTalkingProvider, fake_africastalking: FakeAfricasTalkingApi
) -> None:
    sent = provider.send_sms(OutboundSms(to="+998901234567", body="Salom! Qoʻngʻiroq qiling"))

    [request] = fake_africastalking.sent()
    assert request.path == "/version1/messaging"
    assert request.headers["apiKey"] == AT_API_KEY
    assert request.value("username") == AT_USERNAME
    assert request.value("to") == "+998901234567"
    assert request.value("from") == "HOTLINE"
    assert request.value("message") == "Salom! Qoʻngʻiroq qiling"
    assert sent.provider_id.startswith("ATXid_")


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (502, True)])
def test_server_errors_are_retryable(
    provider: AfricasTalkingProvider,
    fake_africastalking: FakeAfricasTalkingApi,
    status: int,
    retryable: bool,
) -> None:
    fake_africastalking.faults.queue.append(status)
    with pytest.raises(ProviderError) as raised:
        provider.send_sms(OutboundSms(to="+998901234567", body="hi"))
    assert raised.value.retryable is retryable


def test_malformed_number_is_permanent(provider: AfricasTalkingProvider) -> None:
    with pytest.raises(ProviderError) as raised:
        provider.send_sms(OutboundSms(to="998-90", body="hi"))
    assert raised.value.retryable is False


def test_place_call_uses_the_voice_api(
    provider: AfricasTalkingProvider, fake_africastalking: FakeAfricasTalkingApi
) -> None:
    placed = provider.place_call(
        OutboundCall(to="+998901234567", caller_id="+254711000000", answer_url="https://h/a")
    )
    [request] = fake_africastalking.sent()
    assert request.path == "/call"
    assert (request.value("from"), request.value("to")) == ("+254711000000", "+998901234567")
    assert placed.provider_call_id.startswith("ATVId_")


def test_voice_xml_escapes_text_and_urls(provider: AfricasTalkingProvider) -> None:
    script = VoiceScript(
        (
            Gather(action="https://h/v?a=1&b=2", prompts=(Say("</Say><Reject/>", "ru"),)),
            Play("https://h/p.wav?x=<1>"),
            Record(action="https://h/r"),
        )
    )
    body = provider.render_voice(script).body
    root = ET.fromstring(body)

    digits = root.find("GetDigits")
    assert digits is not None
    assert digits.get("callbackUrl") == "https://h/v?a=1&b=2"
    assert digits.find("Say").text == "</Say><Reject/>"  # type: ignore[union-attr]
    assert root.find("Reject") is None
    assert root.find("Play").get("url") == "https://h/p.wav?x=<1>"  # type: ignore[union-attr]


def test_callback_token_is_required(provider: AfricasTalkingProvider) -> None:
    def request(query: dict[str, str]) -> WebhookRequest:
        return WebhookRequest(url="https://h/at", form={}, query=query)

    assert provider.verify_webhook(request({"token": "secret"}))
    assert not provider.verify_webhook(request({"token": "secreT"}))
    assert not provider.verify_webhook(request({}))


def test_unknown_delivery_status_is_rejected(provider: AfricasTalkingProvider) -> None:
    webhook = WebhookRequest(url="u", form={"id": ["x"], "status": ["Exploded"]}, query={})
    with pytest.raises(WebhookRejected):
        provider.parse_delivery_report(webhook)
