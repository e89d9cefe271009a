"""The SMS pane where it is open (console provider): hostile posts and polls never get a 5xx."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from hotline.config import Settings
from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.probes import Probe, send
from tests.fuzz.routes import FUZZERS

PANE_RULES = ("/simulator/sms", "/simulator/sms/<ticket>")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """test_routes fuzzes these routes closed (HOTLINE_PROVIDER=twilio); here they are open."""
    return settings.replace(provider="console")


@pytest.mark.parametrize("rule", PANE_RULES)
@fuzz_settings()
@given(data=st.data())
def test_hostile_texts_and_tickets_never_cause_a_server_error(
    client: FlaskClient, rule: str, data: st.DataObject
) -> None:
    probe: Probe = data.draw(FUZZERS[rule](), label="probe")
    send(client, probe)


def test_a_ticket_tampered_with_is_a_404_not_a_500(
    client: FlaskClient,
) -> None:
    ticket = client.post("/simulator/sms", json={"from": "+996555123456", "text": "HELP"})
    token = ticket.get_json()["ticket"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    assert client.get(f"/simulator/sms/{token}").status_code == 200
    assert client.get(f"/simulator/sms/{tampered}").status_code == 404
