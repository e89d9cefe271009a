"""``hotline run`` loads a fictional demo registry whose every answer says it is a demo."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from hotline.demo import load_demo_data


def test_demo_registry_loads_once_and_answers_say_demo(app: Flask, client: FlaskClient) -> None:
    assert load_demo_data(app) is True
    assert load_demo_data(app) is False

    for query in ("Ак-Жол", "Nothing Like Any Agency", "KG-0145-23"):
        body = client.get("/api/v1/agencies/verify", query_string={"q": query}).get_json()
        assert body["demo"] is True
        assert "ДЕМО" in body["reply"]
