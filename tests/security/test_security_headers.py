"""Every answer carries the console's security headers: public pages, the API, errors, files.

Issue 15: ``/verify``, ``/simulator``, the API and 404s were served without them, because only
the console's blueprint added them. The routes are read from the app's URL map, so a route
added later is checked without being listed here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.web.headers import HEADERS

# A value for each path parameter, so every GET route can be asked for.
PATH_VALUES = {
    "filename": "console.css",
    "language": "ru",
    "prompt_id": "welcome",
    "version": "0",
    "digits": "1",
    "ticket": "unknown",
}


def get_routes(app: Flask) -> Iterator[str]:
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        path = rule.rule
        for argument in rule.arguments:
            value = PATH_VALUES.get(argument, "1")
            for converter in ("", "int:", "path:"):
                path = path.replace(f"<{converter}{argument}>", value)
        yield path


def assert_secured(answer: object, what: str) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (what, name, headers.get(name))
    assert "Cache-Control" in headers, what


def test_every_get_route_carries_the_security_headers(app: Flask, client: FlaskClient) -> None:
    paths = list(get_routes(app))
    assert {"/verify", "/simulator", "/api/v1/agencies/verify", "/console/login"} <= set(paths)
    for path in paths:
        with client.get(path) as answer:  # a static file's handle is closed with it
            assert_secured(answer, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/verify?q=ak+jol"),
        ("GET", "/api/v1/agencies/verify?q=ak+jol"),
        ("POST", "/simulator/step"),
        ("GET", "/no-such-page"),
        ("GET", "/console/no-such-page"),
        ("GET", "/api/v1/no-such-thing"),
        ("DELETE", "/verify"),
        ("POST", "/twilio/sms"),  # unsigned: 403, and the headers all the same
        ("POST", "/africastalking/sms?token=wrong"),
    ],
)
def test_answers_of_every_kind_carry_them(client: FlaskClient, method: str, path: str) -> None:
    assert_secured(client.open(path, method=method, json={} if method == "POST" else None), path)


def test_console_and_error_pages_are_never_stored(client: FlaskClient) -> None:
    assert client.get("/console/login").headers["Cache-Control"] == "no-store"
    assert client.get("/no-such-page").headers["Cache-Control"] == "no-store"
    assert client.get("/verify?q=ak+jol").headers["Cache-Control"] == "no-store"


def test_files_keep_their_own_caching(client: FlaskClient) -> None:
    """Audio URLs are content-addressed (cached for a year); static files revalidate."""
    with client.get("/static/console.css") as static:
        assert static.status_code == 200
        assert "no-store" not in static.headers["Cache-Control"]
        assert static.headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]
