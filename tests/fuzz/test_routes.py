"""Every route outside the console survives hostile requests: never a 5xx, never broken XML.

Each route gets ``FUZZ_CASES`` requests drawn from its strategy in ``routes.FUZZERS``: random
and hand-picked values, invalid UTF-8, NUL bytes, wrong content types, missing and repeated
fields, bodies past the size limit, and for webhooks both forged and correctly signed requests.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import Seeded, fuzz_settings
from tests.fuzz.probes import Probe, send, served_from_our_folders
from tests.fuzz.routes import FUZZERS, UNFUZZED_PREFIXES


def test_every_route_outside_the_console_has_a_fuzzer(app: Flask) -> None:
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    outside = {rule for rule in rules if not rule.startswith(UNFUZZED_PREFIXES)}

    assert outside - FUZZERS.keys() == set(), "add a strategy to tests/fuzz/routes.py"
    assert FUZZERS.keys() - rules == set(), "a fuzzed route no longer exists"


@pytest.mark.parametrize("rule", sorted(FUZZERS))
@fuzz_settings()
@given(data=st.data())
def test_hostile_requests_never_cause_a_server_error(
    client: FlaskClient, seeded: Seeded, rule: str, data: st.DataObject
) -> None:
    probe: Probe = data.draw(FUZZERS[rule](), label="probe")
    response = send(client, probe)
    if probe.note == "signed" and probe.form is not None:
        assert response.status_code != 403, "a correctly signed webhook was refused"
    if rule.startswith(("/audio/", "/static/")) and probe.method == "GET":
        assert response.status_code != 200 or served_from_our_folders(probe.path, response.data)
