"""The browser simulator drives the same engine and stores nothing."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.models import CallbackRequest, CallSession
from hotline.runtime import Runtime


def test_the_page_has_a_keypad_and_loads_its_script_locally(client: FlaskClient) -> None:
    page = client.get("/simulator")
    assert page.status_code == 200
    assert b'data-key="*"' in page.data
    assert b'src="/static/simulator.js"' in page.data
    script = client.get("/static/simulator.js")
    assert script.status_code == 200
    script.close()


def test_a_simulated_call_walks_the_menu_without_side_effects(
    client: FlaskClient, state: Runtime
) -> None:
    start = client.post("/simulator/step", json={}).get_json()
    assert start["waiting"]["node"] == "language"
    assert [p["language"] for p in start["played"]] == ["ky", "ru", "uz", "kaa"]
    assert all(p["url"].endswith(".wav") for p in start["played"])

    chosen = client.post("/simulator/step", json={**start["waiting"], "digits": "2"}).get_json()
    assert chosen["language"] == "ru"
    assert chosen["waiting"]["node"] == "main"
    callback = client.post(
        "/simulator/step", json={**chosen["waiting"], "language": "ru", "digits": "5"}
    ).get_json()
    assert callback["effects"]["callback"] == "general"

    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CallbackRequest)) == 0
        assert session.scalar(select(func.count()).select_from(CallSession)) == 0


def test_garbage_gets_a_400(client: FlaskClient) -> None:
    assert client.post("/simulator/step", data="nope").status_code == 400
    assert client.post("/simulator/step", json={"digits": "<x>"}).status_code == 400
    assert client.post("/simulator/step", json={"node": "../../etc"}).status_code == 200
