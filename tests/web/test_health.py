"""``/healthz`` tells a load balancer whether this process can reach its services."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_healthy_platform_answers_200(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
