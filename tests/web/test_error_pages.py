"""Error pages look like the console, speak the visitor's language and name the request's id.

The same id is in the ``X-Request-Id`` header and in every log line of that request, so the id a
person quotes leads to the traceback. Machines keep their answers: the API and the simulator
answer JSON, provider webhooks exactly what they answered before.
"""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from werkzeug.exceptions import TooManyRequests

from hotline.logs import LOG_FORMAT
from hotline.runtime import Runtime
from hotline.staff import add_user
from hotline.web.request_ids import HEADER
from tests.web.console.conftest import PASSWORD, form_token

SENT_ID = "lb-7f3a9c2e41d04b6a"


class Boom(RuntimeError):
    """What an unexpected bug raises in a view."""


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    """The app with routes that fail on purpose (added before its first request)."""

    def refuse(code: int) -> None:
        if code == 429:
            raise TooManyRequests(retry_after=60)
        abort(code)

    def crash() -> None:
        logging.getLogger("hotline.tests").info("about to fail")
        raise Boom("the view broke while texting hotline:rate:reply:+996555123456")

    app.add_url_rule("/test-errors/<int:code>", view_func=refuse, methods=["GET", "POST"])
    app.add_url_rule("/test-errors/crash", view_func=crash)
    return app


def _request_id(answer: object) -> str:
    request_id = answer.headers[HEADER]  # type: ignore[attr-defined]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
    return str(request_id)


def _lines_of(caplog: pytest.LogCaptureFixture, request_id: str) -> list[str]:
    formatter = logging.Formatter(LOG_FORMAT)
    return [
        formatter.format(record)
        for record in caplog.records
        if getattr(record, "request_id", None) == request_id
    ]


def _error_page(answer: object) -> str:
    page: str = answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert answer.mimetype == "text/html"  # type: ignore[attr-defined]
    assert '<link rel="stylesheet" href="/static/console.css">' in page
    assert "Werkzeug" not in page
    assert "<title>404 Not Found</title>" not in page
    return page


# What makes each code happen: a real route where one exists, else a route that refuses.
CODES = {
    400: ("POST", "/test-errors/400", "Bad request"),
    403: ("GET", "/test-errors/403", "Not allowed"),
    404: ("GET", "/console/no-such-page", "Page not found"),
    405: ("DELETE", "/verify", "Not possible here"),
    413: ("POST", "/console/login", "Too large"),
    429: ("GET", "/test-errors/429", "Too many requests"),
    500: ("GET", "/test-errors/500", "Something went wrong"),
}


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_error_has_a_page_with_its_request_id_also_in_the_log(
    failing_app: Flask, caplog: pytest.LogCaptureFixture, code: int
) -> None:
    caplog.set_level(logging.INFO)
    method, path, title = CODES[code]
    body = b"x" * (3 * 1024 * 1024) if code == 413 else None
    form = "application/x-www-form-urlencoded"
    answer = failing_app.test_client().open(path, method=method, data=body, content_type=form)

    assert answer.status_code == code
    request_id = _request_id(answer)
    page = _error_page(answer)
    assert f"<h1>{title}</h1>" in page
    assert f"<code>{request_id}</code>" in page
    logged = _lines_of(caplog, request_id)
    assert any(f"[{request_id}]" in line and f"answered {code}" in line for line in logged)


def test_a_405_names_the_methods_and_a_429_when_to_come_back(failing_app: Flask) -> None:
    client = failing_app.test_client()
    assert "GET" in client.delete("/verify").headers["Allow"]
    assert client.get("/test-errors/429").headers["Retry-After"] == "60"


def test_a_crash_shows_the_page_and_logs_the_traceback_under_its_id(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = failing_app.test_client().get("/test-errors/crash")

    assert answer.status_code == 500
    request_id = _request_id(answer)
    page = _error_page(answer)
    assert "<h1>Something went wrong</h1>" in page
    assert request_id in page
    assert "Boom" not in page
    assert "hotline:rate" not in page
    logged = _lines_of(caplog, request_id)
    assert any("about to fail" in line for line in logged)  # the view's own lines too
    traceback = next(line for line in logged if "Traceback (most recent call last)" in line)
    assert f"ERROR hotline [{request_id}]: Exception on /test-errors/crash [GET]" in traceback
    assert "Boom: the view broke while texting hotline:rate:reply:+996***56" in traceback


def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(client: FlaskClient) -> None:
    kept = client.get("/console/no-such-page", headers={HEADER: SENT_ID})
    assert kept.headers[HEADER] == SENT_ID
    assert f"<code>{SENT_ID}</code>" in kept.get_data(as_text=True)

    for strange in ("short", "x" * 129, "id with spaces", "<script>alert(1)</script>", "é" * 10):
        answer = client.get("/livez", headers={HEADER: strange})
        assert answer.headers[HEADER] != strange
        _request_id(answer)


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    first = client.get("/livez").headers[HEADER]
    second = client.get("/console/login").headers[HEADER]
    assert first != second


def test_error_pages_speak_russian_to_a_russian_browser(client: FlaskClient) -> None:
    answer = client.get("/console/no-such-page", headers={"Accept-Language": "ru-RU,ru;q=0.9"})

    page = answer.get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "<h1>Страница не найдена</h1>" in page
    assert "Номер запроса:" in page


def test_a_russian_user_gets_a_russian_page_whatever_the_browser(
    client: FlaskClient, state: Runtime
) -> None:
    with state.sessions() as session:
        add_user(session, "viewer@hotline.example", "viewer", PASSWORD)
        session.commit()
    form = {"email": "viewer@hotline.example", "password": PASSWORD,
            "csrf_token": form_token(client, "/console/login")}  # fmt: skip
    assert client.post("/console/login", data=form).status_code == 302
    token = form_token(client, "/console/dashboard")
    client.post("/console/language", data={"language": "ru", "csrf_token": token})

    refused = client.get("/console/users", headers={"Accept-Language": "en"})

    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "<h1>Нет доступа</h1>" in page
    assert "users" not in page.lower().split("<main>")[1]  # no data, no menu on the page


def test_an_expired_form_is_a_page_that_says_so(client: FlaskClient) -> None:
    answer = client.post("/console/login", data={"email": "a@b.c", "password": "x"})

    assert answer.status_code == 400
    assert "The form expired or came from elsewhere" in _error_page(answer)


def test_the_api_and_the_simulator_answer_json_errors(failing_app: Flask) -> None:
    client = failing_app.test_client()
    for answer in (client.get("/api/v1/nothing"), client.get("/simulator/step")):
        assert answer.mimetype == "application/json"
        body = answer.get_json()
        assert body["request_id"] == answer.headers[HEADER]
        assert body["error"]
    assert client.get("/api/v1/nothing").status_code == 404
    assert client.get("/simulator/step").status_code == 405


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [("GET", "/twilio/sms", 405), ("GET", "/africastalking/voice", 405),
     ("GET", "/twilio/nothing", 404), ("GET", "/audio/ky/nothing.1.wav", 404)],
)  # fmt: skip
def test_provider_routes_answer_as_before(
    client: FlaskClient, method: str, path: str, code: int
) -> None:
    answer = client.open(path, method=method)

    assert answer.status_code == code
    assert "console.css" not in answer.get_data(as_text=True)  # Werkzeug's own short answer
    assert answer.headers[HEADER]


def test_every_provider_webhook_is_under_a_provider_path(app: Flask) -> None:
    from hotline.web.errors import PROVIDER_PATHS

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("webhooks.", "audio.")):
            assert rule.rule.startswith(PROVIDER_PATHS), rule.rule
