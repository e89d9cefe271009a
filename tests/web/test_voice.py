"""Voice webhooks: the menu through signed Twilio requests and Africa's Talking callbacks."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import create_app
from hotline.config import Settings
from hotline.models import CallbackRequest, Contact
from hotline.runtime import Runtime, runtime
from tests.conftest import AT_TOKEN, PUBLIC_BASE_URL, TwilioWebhooks

CALLER = "+996555123456"


class TwilioCall:
    """One caller's call: follows the Gather actions the way Twilio would."""

    def __init__(self, webhooks: TwilioWebhooks, caller: str = CALLER) -> None:
        self.webhooks = webhooks
        self.sid = "CA" + uuid.uuid4().hex
        self.caller = caller
        self.document: ET.Element | None = None

    def post(self, url: str, **fields: str) -> ET.Element:
        path = url.removeprefix(PUBLIC_BASE_URL)
        form = {"CallSid": self.sid, "From": self.caller, "To": "+996312000000", **fields}
        response = self.webhooks.post(path, form)
        assert response.status_code == 200, response.data
        self.document = ET.fromstring(response.data)
        return self.document

    def start(self) -> ET.Element:
        return self.post(PUBLIC_BASE_URL + "/twilio/voice")

    def press(self, digits: str) -> ET.Element:
        assert self.document is not None
        gather = self.document.find("Gather")
        assert gather is not None, ET.tostring(self.document)
        return self.post(gather.get("action") or "", Digits=digits)

    def silence(self) -> ET.Element:
        assert self.document is not None
        redirect = self.document.find("Redirect")
        assert redirect is not None
        return self.post(redirect.text or "")


def node_of(document: ET.Element) -> str:
    gather = document.find("Gather")
    assert gather is not None
    return parse_qs(urlsplit(gather.get("action") or "").query)["node"][0]


def test_first_call_offers_four_languages_then_remembers_the_choice(
    twilio_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    call = TwilioCall(twilio_webhooks)
    assert node_of(call.start()) == "language"
    assert node_of(call.press("1")) == "main"

    with state.sessions() as session:
        assert session.scalars(select(Contact)).one().language == "ky"
    again = TwilioCall(twilio_webhooks)
    assert node_of(again.start()) == "main"


def test_pressing_5_asks_for_one_callback_even_when_twilio_retries(
    twilio_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    call = TwilioCall(twilio_webhooks)
    call.start()
    main = call.press("2")
    action = main.find("Gather").get("action")  # type: ignore[union-attr]
    first = call.post(action or "", Digits="5")
    retried = call.post(action or "", Digits="5")

    assert ET.tostring(first) == ET.tostring(retried)
    with state.sessions() as session:
        requests = session.scalars(select(CallbackRequest)).all()
    assert [(r.source, r.requests) for r in requests] == [("ivr", 1)]


def test_silence_twice_then_a_polite_goodbye(twilio_webhooks: TwilioWebhooks) -> None:
    call = TwilioCall(twilio_webhooks)
    call.start()
    call.press("2")
    call.silence()
    call.silence()
    final = call.silence()
    assert final.find("Hangup") is not None
    assert final.find("Gather") is None


def test_missed_call_line_rejects_and_queues_a_callback(settings: Settings, state: Runtime) -> None:
    app = create_app(settings.replace(missed_call_number="+996312999999"))
    webhooks = TwilioWebhooks(app.test_client())
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": CALLER, "To": "+996 312 999 999"}

    first = webhooks.post("/twilio/voice", form)
    retried = webhooks.post("/twilio/voice", form)

    assert b"<Reject" in first.data
    assert first.data == retried.data
    with state.sessions() as session:
        [request] = session.scalars(select(CallbackRequest)).all()
    assert (request.source, request.phone) == ("missed_call", CALLER)
    runtime(app).engine.dispose()


def test_africastalking_call_walks_the_same_menu(client: FlaskClient) -> None:
    form = {"sessionId": "ATVId_" + uuid.uuid4().hex, "isActive": "1", "callerNumber": CALLER}
    first = ET.fromstring(client.post(f"/africastalking/voice?token={AT_TOKEN}", data=form).data)
    digits = first.find("GetDigits")
    assert digits is not None
    url = (digits.get("callbackUrl") or "").removeprefix(PUBLIC_BASE_URL)
    assert f"token={AT_TOKEN}" in url
    main = ET.fromstring(client.post(url, data={**form, "dtmfDigits": "3"}).data)
    action = main.find("GetDigits").get("callbackUrl")  # type: ignore[union-attr]
    assert "node=main" in (action or "")

    ended = client.post(
        f"/africastalking/voice?token={AT_TOKEN}",
        data={**form, "isActive": "0", "status": "Success", "durationInSeconds": "42"},
    )
    assert ended.status_code == 200


def test_a_voice_report_opens_a_case_and_a_worker_fetches_the_recording(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio,
    run_jobs,  # type: ignore[no-untyped-def]
) -> None:
    from hotline.models import Case
    from tests.conftest import TWILIO_SID

    call = TwilioCall(twilio_webhooks)
    call.start()
    call.press("2")
    record = call.press("8").find("Record")
    assert record is not None
    recording = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE1"
    thanks = call.post(record.get("action") or "", RecordingUrl=recording)
    assert thanks.find("Gather") is not None  # back to a menu, never dead air
    run_jobs()

    [request] = [r for r in fake_twilio.requests if r.method == "GET"]
    assert request.path.endswith("/Recordings/RE1.wav")
    assert request.headers["Authorization"].startswith("Basic ")
    with state.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert (case.source, case.recording_url) == ("ivr", recording)
        assert case.recording


def test_a_recording_url_off_the_providers_host_is_never_fetched(
    state: Runtime, fake_twilio
) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from hotline.providers.base import ProviderError

    provider = state.provider_named("twilio")
    with pytest.raises(ProviderError) as refused:
        provider.fetch_recording("https://attacker.example/2010-04-01/Accounts/x")
    assert refused.value.retryable is False
    assert fake_twilio.requests == []
