"""Every console route: login required, the right role, and no POST without its form token.

The routes are read from the app itself, so a page added later is checked without being
listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.models import Role
from hotline.staff import may
from tests.web.console.conftest import form_token

OPEN_ROUTES = {"console.login_form", "console.login", "console.logout"}


def console_routes(app: Flask) -> Iterator[tuple[str, str, str | None]]:
    """(method, path, permission) for each console route; path parameters filled with 1."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console.") or rule.endpoint in OPEN_ROUTES:
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "1")
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            yield method, path, permission


def test_every_route_is_guarded_by_a_permission(app: Flask) -> None:
    routes = list(console_routes(app))
    assert routes
    assert [r for r in routes if r[2] is None] == []


def test_anonymous_visitors_are_sent_to_the_login(client: FlaskClient, app: Flask) -> None:
    token = form_token(client, "/console/login")
    for method, path, _ in console_routes(app):
        answer = client.open(path, method=method, data={"csrf_token": token})
        assert answer.status_code == 302, (method, path)
        assert answer.headers["Location"].endswith("/console/login")


@pytest.mark.parametrize("role", [str(role) for role in Role])
def test_each_role_reaches_only_what_it_may(
    role: str, app: Flask, login_as: Callable[..., FlaskClient]
) -> None:
    client = login_as(role)
    token = form_token(client, "/console/dashboard")
    for method, path, permission in console_routes(app):
        answer = client.open(path, method=method, data={"csrf_token": token})
        assert answer.status_code < 500, (method, path, answer.status_code)
        allowed = may(role, str(permission))
        assert (answer.status_code == 403) is not allowed, (role, method, path)


def test_a_post_without_its_form_token_is_refused(
    app: Flask, login_as: Callable[..., FlaskClient]
) -> None:
    client = login_as("admin")
    for method, path, _ in console_routes(app):
        if method == "POST":
            assert client.post(path, data={}).status_code == 400, path
