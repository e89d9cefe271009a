"""Twilio webhooks where no account is configured, only the token that signs them.

A newcomer runs the console provider with just ``TWILIO_AUTH_TOKEN``: webhooks are signed, but
there is no ``TWILIO_ACCOUNT_SID`` to compare ``AccountSid`` with. A signature made with our
account's token is the proof there; ``AccountSid`` must still be sent once and be a SID.
"""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient

from hotline.config import Settings
from hotline.runtime import Runtime
from tests.conftest import TWILIO_SID
from tests.security.test_forged_webhooks import stored_rows
from tests.security.test_webhook_identity import OTHER_ACCOUNT, signed_post, without_account


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, provider="console", twilio_account_sid="")


def test_one_well_formed_account_sid_with_our_signature_is_served(client: FlaskClient) -> None:
    pairs = [*without_account().items(), ("AccountSid", OTHER_ACCOUNT)]

    assert signed_post(client, "/twilio/sms", pairs, pairs) == 200


@pytest.mark.parametrize(
    "account",
    [[], [("AccountSid", "hello")], [("AccountSid", TWILIO_SID), ("AccountSid", OTHER_ACCOUNT)]],
    ids=["none", "not a SID", "two"],
)
def test_a_missing_malformed_or_repeated_account_sid_is_still_refused(
    client: FlaskClient, state: Runtime, account: list[tuple[str, str]]
) -> None:
    pairs = [*without_account().items(), *account]

    assert signed_post(client, "/twilio/sms", pairs, pairs) == 403
    assert stored_rows(state) == {}
