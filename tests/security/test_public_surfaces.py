"""The public surfaces anyone can reach without an account: the verify API and the simulator.

Both answer licence checks, so both are limited per client (60 a minute, shared by every web
process through Redis); the simulator stores nothing and calls nobody
(tests/web/test_simulator.py).
"""

from __future__ import annotations

from flask.testing import FlaskClient

from hotline.web.api import REQUESTS_PER_MINUTE


def test_the_simulator_is_rate_limited_per_client(client: FlaskClient) -> None:
    codes = [
        client.post("/simulator/step", json={}).status_code for _ in range(REQUESTS_PER_MINUTE + 1)
    ]

    assert codes[:REQUESTS_PER_MINUTE] == [200] * REQUESTS_PER_MINUTE
    assert codes[-1] == 429
    other_client = client.post(
        "/simulator/step", json={}, environ_overrides={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert other_client.status_code == 200
