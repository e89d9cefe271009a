"""What the fuzz found, pinned down: numbers that ``str.isdigit`` accepts and ``int`` refuses.

``"²".isdigit()`` is true, so ``int(raw) if raw.isdigit()`` raised ValueError (a 500) on
webhook durations, status callback ids, callback attempts and console page numbers; a page
number of thirty digits overflowed the database's OFFSET.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.providers.base import whole_number
from tests.conftest import AT_TOKEN, TWILIO_SID, TwilioWebhooks
from tests.fuzz.conftest import Seeded
from tests.fuzz.webhooks import SEEDED_ATTEMPT_CALL

HUGE = "9" * 30


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL refuses what SQLite takes (numbers past 32 bits): pin both."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("0", 0),
        ("42", 42),
        ("999999999", 999_999_999),
        ("1000000000", None),  # past an integer column
        ("²", None),
        ("1²", None),
        ("٣", None),  # int() reads Arabic-Indic digits; a carrier never sends them
        ("１", None),
        ("-1", None),
        (" 1", None),
        ("", None),
        (None, None),
    ],
)
def test_a_whole_number_is_ascii_digits_of_bounded_length(raw: str | None, number: int) -> None:
    assert whole_number(raw) == number


@pytest.mark.parametrize("duration", ["²", "1²", HUGE, "9223372036854775808"])
def test_a_call_status_with_a_strange_duration_is_stored_without_it(
    twilio_webhooks: TwilioWebhooks, duration: str
) -> None:
    form = {
        "CallSid": "CA" + "e" * 32,
        "AccountSid": TWILIO_SID,
        "From": "+996555123456",
        "To": "+996312000000",
        "CallStatus": "completed",
        "CallDuration": duration,
    }
    assert twilio_webhooks.post("/twilio/status", form).status_code == 200


@pytest.mark.parametrize(
    ("name", "value"), [("message", "²"), ("message", "1²"), ("recipient", "²"), ("message", HUGE)]
)
def test_a_delivery_report_with_a_strange_id_in_its_url_is_accepted(
    twilio_webhooks: TwilioWebhooks, name: str, value: str
) -> None:
    form = {"MessageSid": "SM" + "d" * 32, "AccountSid": TWILIO_SID, "MessageStatus": "delivered"}
    path = f"/twilio/status?{urlencode({name: value})}"
    assert twilio_webhooks.post(path, form).status_code == 200


@pytest.mark.parametrize("attempt", ["²", "1²", HUGE])
def test_a_callback_answer_with_a_strange_attempt_is_refused(
    twilio_webhooks: TwilioWebhooks, seeded: Seeded, attempt: str
) -> None:
    form = {
        "CallSid": SEEDED_ATTEMPT_CALL,
        "AccountSid": TWILIO_SID,
        "From": "+996312000000",
        "To": "+996700000001",
        "CallStatus": "in-progress",
    }
    path = f"/twilio/callback?{urlencode({'attempt': attempt})}"
    assert twilio_webhooks.post(path, form).status_code == 400


@pytest.mark.parametrize(
    "field", ["durationInSeconds", "dialDurationInSeconds", "dtmfDigits", "isActive"]
)
@pytest.mark.parametrize("value", ["²", "1²", HUGE])
def test_an_africastalking_call_with_strange_numbers_gets_no_server_error(
    client: FlaskClient, field: str, value: str
) -> None:
    form = {
        "sessionId": "ATVId_" + "c" * 20,
        "isActive": "0",
        "callerNumber": "+996555123456",
        "destinationNumber": "+996312000000",
        "dialDestinationNumber": "+996700000001",
        field: value,
    }
    answer = client.post(f"/africastalking/voice?token={AT_TOKEN}", data=form)
    assert answer.status_code in (200, 400)


CONSOLE_LISTS = ("/console/contacts", "/console/registry/checks", "/console/campaigns")


def test_a_console_list_shows_a_page_for_any_page_number(
    login_as: Callable[..., FlaskClient],
) -> None:
    staff = login_as("admin")
    for path in (*CONSOLE_LISTS, "/console/users"):
        for page in ("²", "1²", "٣", HUGE, "0", "-3"):
            answer = staff.get(path, query_string={"page": page})
            assert answer.status_code == 200, (path, page)


def test_an_id_past_a_32_bit_integer_is_not_found(
    app: Flask, login_as: Callable[..., FlaskClient]
) -> None:
    """PostgreSQL refuses such a number for an integer column (a DataError, once a 500)."""
    staff = login_as("admin")
    rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert rules
    for rule in rules:
        path = re.sub(r"<int:\w+>", "2147483648", rule.rule)
        path = re.sub(r"<\w+>", "x", path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            answer = staff.open(path, method=method, data={"csrf_token": "x"})
            assert answer.status_code in (400, 403, 404), (method, path, answer.status_code)
