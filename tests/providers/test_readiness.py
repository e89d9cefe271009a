"""Which provider can send, and which one a reply to a text goes out through."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.config import Settings
from hotline.providers.readiness import reply_provider, unready

TWILIO = {"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": "t", "twilio_from": "+1500"}
AT = {"at_username": "sandbox", "at_api_key": "k"}


def _settings(tmp_path: Path, **values: str) -> Settings:
    return Settings(instance_path=tmp_path, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "provider", "reason"),
    [
        ({}, "twilio", "twilio is not configured: TWILIO_ACCOUNT_SID is empty"),
        (
            {"twilio_account_sid": "AC" + "1" * 32},
            "twilio",
            "twilio is not configured: TWILIO_AUTH_TOKEN is empty",
        ),
        (
            {"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": "t"},
            "twilio",
            "twilio is not configured: TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID are both empty",
        ),
        (TWILIO, "twilio", None),
        ({}, "africastalking", "africastalking is not configured: AT_USERNAME is empty"),
        (
            {"at_username": "x"},
            "africastalking",
            "africastalking is not configured: AT_API_KEY is empty",
        ),
        (AT, "africastalking", None),
        ({}, "console", None),
    ],
)
def test_a_provider_missing_a_setting_names_it(
    tmp_path: Path, values: dict[str, str], provider: str, reason: str | None
) -> None:
    assert unready(provider, _settings(tmp_path, **values)) == reason


@pytest.mark.parametrize(
    ("values", "inbound", "reply"),
    [
        # The number the person wrote to answers, when its provider can send.
        ({"provider": "console", **TWILIO}, "twilio", "twilio"),
        ({"provider": "twilio", **TWILIO, **AT}, "africastalking", "africastalking"),
        # A text signed with Twilio's token alone: the console outbox answers it.
        ({"provider": "console", "twilio_auth_token": "t"}, "twilio", "console"),
        ({"provider": "console"}, "console", "console"),
        # Africa's Talking without an API key: the deployment's Twilio number answers.
        ({"provider": "twilio", **TWILIO}, "africastalking", "twilio"),
    ],
)
def test_a_reply_goes_out_through_a_provider_that_can_send(
    tmp_path: Path, values: dict[str, str], inbound: str, reply: str
) -> None:
    assert reply_provider(inbound, _settings(tmp_path, **values), "+996555123456") == reply


def test_falling_back_is_logged_with_the_number_masked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path, provider="console", twilio_auth_token="t")

    with caplog.at_level("WARNING"):
        reply_provider("twilio", settings, "+996555123456")

    [record] = caplog.records
    assert "TWILIO_ACCOUNT_SID is empty" in record.getMessage()
    assert "+996***56" in record.getMessage()
    assert "555123456" not in record.getMessage()
