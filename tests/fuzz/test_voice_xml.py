"""Text a caller controls never becomes markup in TwiML or Africa's Talking voice XML.

Every signed voice webhook here carries XML special characters and whole elements in every
field and query parameter; each answer must parse, hold only the platform's verbs, and point
every URL back at the platform (``probes.assert_safe_voice_xml``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import AT_TOKEN, PUBLIC_BASE_URL, TWILIO_SID, TWILIO_TOKEN
from tests.fuzz.conftest import CASES, Seeded, fuzz_settings
from tests.fuzz.hostile import XML_PAYLOADS, XML_SPECIALS
from tests.fuzz.probes import Probe, assert_safe_voice_xml, send
from tests.fuzz.webhooks import NODES, SEEDED_ATTEMPT_CALL
from tests.signing import twilio_signature

markup = st.sampled_from(XML_PAYLOADS + XML_SPECIALS) | st.lists(
    st.sampled_from(XML_PAYLOADS + XML_SPECIALS) | st.text(max_size=4), min_size=1, max_size=4
).map("".join)
digits = st.sampled_from(["", "1", "2", "3", "9", "0", "*", "#", "12345678"])


@st.composite
def _voice_query(draw: st.DrawFn) -> dict[str, str]:
    return {
        "node": draw(st.sampled_from(NODES) | markup),
        "step": draw(st.sampled_from(["1", "2", "7"])),
        "then": draw(st.sampled_from(NODES) | markup),
        "phase": draw(st.sampled_from(["", "noinput", "recorded", "dialed"]) | markup),
        "leg": draw(st.sampled_from(["", "caller", "agent"]) | markup),
        "attempt": draw(st.sampled_from(["1", "2"])),
    }


@fuzz_settings(CASES)
@given(query=_voice_query(), body=markup, digits=digits, sid=st.sampled_from(["a", "b"]))
def test_twilio_voice_answers_are_safe_twiml(
    client: FlaskClient, seeded: Seeded, query: dict[str, str], body: str, digits: str, sid: str
) -> None:
    for path in ("/twilio/voice", "/twilio/callback"):
        form = {
            "CallSid": SEEDED_ATTEMPT_CALL if path == "/twilio/callback" else "CA" + sid * 32,
            "AccountSid": TWILIO_SID,
            "From": "+996555123456",
            "To": body,
            "Digits": digits,
            "DialCallStatus": body,
            "RecordingUrl": "https://api.twilio.com/" + body,
        }
        encoded = urlencode(query)
        signature = twilio_signature(TWILIO_TOKEN, f"{PUBLIC_BASE_URL}{path}?{encoded}", form)
        headers = (("X-Twilio-Signature", signature),)
        probe = Probe(path, "POST", path, encoded, form=tuple(form.items()), headers=headers)
        answer = send(client, probe)
        assert answer.status_code in (200, 400)
        if answer.status_code == 200:
            assert_safe_voice_xml(answer.get_data())


@fuzz_settings(CASES)
@given(query=_voice_query(), body=markup, digits=digits, sid=st.sampled_from(["a", "b"]))
def test_africastalking_voice_answers_are_safe_xml(
    client: FlaskClient, seeded: Seeded, query: dict[str, str], body: str, digits: str, sid: str
) -> None:
    path = "/africastalking/voice"
    form = {
        "sessionId": "ATVId_" + sid * 20,
        "isActive": "1",
        "callerNumber": "+996555123456",
        "destinationNumber": body,
        "dtmfDigits": digits,
        "recordingUrl": "https://voice.africastalking.com/" + body,
    }
    encoded = urlencode({"token": AT_TOKEN, **query})
    answer = send(client, Probe(path, "POST", path, encoded, form=tuple(form.items())))

    assert answer.status_code in (200, 400)
    if answer.status_code == 200:
        assert_safe_voice_xml(answer.get_data())


def test_an_sms_full_of_markup_gets_well_formed_twiml(client: FlaskClient) -> None:
    form = {
        "MessageSid": "SM" + "c" * 32,
        "AccountSid": TWILIO_SID,
        "From": "+996555123456",
        "To": "+996312000000",
        "Body": "]]></Response><Response><Dial>+1</Dial> <Say>&amp;</Say>",
    }
    signature = twilio_signature(TWILIO_TOKEN, f"{PUBLIC_BASE_URL}/twilio/sms", form)
    headers = (("X-Twilio-Signature", signature),)
    probe = Probe("/twilio/sms", "POST", "/twilio/sms", form=tuple(form.items()), headers=headers)

    answer = send(client, probe)

    assert answer.status_code == 200
    assert list(assert_safe_voice_xml(answer.get_data())) == []
