"""Garbage on any webhook route gets a 4xx, never a 5xx: random bytes and random fields."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AT_TOKEN, TwilioWebhooks

TWILIO_ROUTES = ["/twilio/voice", "/twilio/sms", "/twilio/status", "/twilio/callback"]
AT_ROUTES = ["/africastalking/voice", "/africastalking/sms", "/africastalking/delivery"]
FIELD_NAMES = st.sampled_from(
    [
        "MessageSid",
        "SmsSid",
        "CallSid",
        "From",
        "To",
        "Body",
        "MessageStatus",
        "CallStatus",
        "Digits",
        "ErrorCode",
        "CallDuration",
        "id",
        "from",
        "to",
        "text",
        "status",
        "sessionId",
        "isActive",
        "callerNumber",
        "dtmfDigits",
        "durationInSeconds",
        "failureReason",
    ]
) | st.text(max_size=12)
FIELD_VALUES = st.text(max_size=40) | st.sampled_from(
    ["SM" + "a" * 32, "CA" + "b" * 32, "+996555123456", "delivered", "1", "0", "12#", "\x00"]
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/json",
        "text/xml",
        "application/octet-stream",
        "",
    ]
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("route", TWILIO_ROUTES + AT_ROUTES)
@FUZZ
@given(body=st.binary(max_size=600), content_type=CONTENT_TYPES)
def test_random_bytes_never_cause_a_server_error(
    client: FlaskClient, route: str, body: bytes, content_type: str
) -> None:
    url = f"{route}?token={AT_TOKEN}" if route.startswith("/africa") else route
    response = client.post(url, data=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500 or response.status_code == 200


@pytest.mark.parametrize("route", TWILIO_ROUTES)
@FUZZ
@given(form=st.dictionaries(FIELD_NAMES, FIELD_VALUES, max_size=8))
def test_signed_random_twilio_fields_never_cause_a_server_error(
    twilio_webhooks: TwilioWebhooks, route: str, form: dict[str, str]
) -> None:
    response = twilio_webhooks.post(route, form)
    assert response.status_code < 500


@pytest.mark.parametrize("route", AT_ROUTES)
@FUZZ
@given(form=st.dictionaries(FIELD_NAMES, FIELD_VALUES, max_size=8))
def test_random_africastalking_fields_never_cause_a_server_error(
    client: FlaskClient, route: str, form: dict[str, str]
) -> None:
    response = client.post(f"{route}?token={AT_TOKEN}", data=form)
    assert response.status_code < 500
