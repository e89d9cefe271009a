"""``/healthz``: does this process reach its services (monitoring); ``/livez``: does it run."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_healthy_platform_answers_200(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_unreachable_redis_answers_503(settings) -> None:  # type: ignore[no-untyped-def]
    from hotline import create_app

    app = create_app(settings.replace(redis_url="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["redis"] == "unreachable"
    assert response.get_json()["database"] == "ok"


def test_liveness_holds_while_the_database_is_away(settings) -> None:  # type: ignore[no-untyped-def]
    """A load balancer asks /livez, so a PostgreSQL outage does not take every web node out."""
    from hotline import create_app

    app = create_app(settings.replace(database_url="postgresql://postgres@127.0.0.1:1/none"))
    client = app.test_client()

    assert client.get("/livez").status_code == 200
    assert client.get("/healthz").status_code == 503
