"""Staff account takeover: what stops a guessed, stolen or left-over console session.

Controls proven elsewhere (see docs/security.md): the 12-character minimum, login limits per
client and per account and CSRF on every POST (tests/web/test_console.py), roles on every route
(tests/web/console/test_access.py), deactivation (tests/web/console/test_users.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import redis
from flask.testing import FlaskClient
from sqlalchemy import select, update

from hotline import create_app
from hotline.config import Settings
from hotline.models import Role, StaffUser
from hotline.runtime import Runtime, runtime
from hotline.staff import add_user, authenticate
from hotline.web.console.sessions import SESSION_HOURS
from tests.web.console.conftest import PASSWORD, form_token

LoginAs = Callable[..., FlaskClient]


def log_in(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    """The answer's status and page; the form token (signed afresh for each page) left out."""
    form = {"email": email, "password": password,
            "csrf_token": form_token(client, "/console/login")}  # fmt: skip
    answer = client.post("/console/login", data=form)
    page = re.sub(
        r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', answer.get_data(as_text=True)
    )
    return answer.status_code, page


def set_account(state: Runtime, email: str, **values: object) -> None:
    with state.sessions() as session:
        session.execute(update(StaffUser).where(StaffUser.email == email).values(**values))
        session.commit()


def test_passwords_are_kept_only_as_argon2id_hashes(state: Runtime) -> None:
    with state.sessions() as session:
        user = add_user(session, "aida@hotline.example", "agent", PASSWORD)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_a_deactivated_accounts_open_session_ends_at_its_next_request(
    login_as: LoginAs, state: Runtime
) -> None:
    client = login_as("agent", "aida@hotline.example")
    assert client.get("/console/dashboard").status_code == 200

    set_account(state, "aida@hotline.example", active=False)

    answer = client.get("/console/dashboard")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/console/login")


def test_a_lowered_role_applies_at_the_next_request(login_as: LoginAs, state: Runtime) -> None:
    client = login_as("admin", "boss@hotline.example")
    assert client.get("/console/users").status_code == 200

    set_account(state, "boss@hotline.example", role=Role.VIEWER)

    assert client.get("/console/users").status_code == 403


def test_a_session_ends_after_eight_hours(login_as: LoginAs) -> None:
    client = login_as("viewer")
    with client.session_transaction() as cookie:
        cookie["login_at"] = time.time() - SESSION_HOURS * 3600 - 1

    assert client.get("/console/dashboard").status_code == 302


def test_logging_in_starts_a_new_session(state: Runtime, client: FlaskClient) -> None:
    """A token planted before the login (session fixation) does not survive it."""
    with state.sessions() as session:
        add_user(session, "aida@hotline.example", "agent", PASSWORD)
        session.commit()
    form_token(client, "/console/login")
    with client.session_transaction() as planted:
        token_before = planted["csrf_token"]
    id_before = client.get_cookie("session")
    assert id_before is not None

    assert log_in(client, "aida@hotline.example", PASSWORD)[0] == 302

    id_after = client.get_cookie("session")
    assert id_after is not None
    assert id_after.value != id_before.value  # a new session id: the old one names nothing
    assert client.get("/console/dashboard").status_code == 200
    with client.session_transaction() as cookie:
        assert cookie.get("csrf_token") != token_before


def test_login_answers_alike_for_unknown_wrong_and_deactivated_accounts(
    state: Runtime, client: FlaskClient
) -> None:
    """Nothing in the answer tells an attacker which email addresses have accounts."""
    with state.sessions() as session:
        add_user(session, "aida@hotline.example", "agent", PASSWORD)
        add_user(session, "gone@hotline.example", "agent", PASSWORD)
        session.commit()
    set_account(state, "gone@hotline.example", active=False)

    unknown = log_in(client, "nobody@hotline.example", PASSWORD)
    wrong = log_in(client, "aida@hotline.example", "not the password at all")
    deactivated = log_in(client, "gone@hotline.example", PASSWORD)

    assert unknown == wrong == deactivated
    assert unknown[0] == 401


def test_an_unknown_email_costs_as_much_as_a_wrong_password(state: Runtime) -> None:
    """The password hash is checked either way, so timing does not reveal accounts either."""
    with state.sessions() as session:
        add_user(session, "aida@hotline.example", "agent", PASSWORD)
        session.commit()

        def fastest(email: str) -> float:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                assert authenticate(session, email, "not the password at all") is None
                times.append(time.perf_counter() - start)
            return min(times)

        unknown, wrong = fastest("nobody@hotline.example"), fastest("aida@hotline.example")
    assert unknown > wrong / 2


def cookie_flags(settings: Settings, public_base_url: str) -> str:
    """The Set-Cookie header a successful login sends, under ``public_base_url``."""
    application = create_app(settings.replace(public_base_url=public_base_url))
    state = runtime(application)
    try:
        with state.sessions() as session:
            if session.scalars(select(StaffUser)).first() is None:
                add_user(session, "aida@hotline.example", "agent", PASSWORD)
                session.commit()
        client = application.test_client()
        form = {"email": "aida@hotline.example", "password": PASSWORD,
                "csrf_token": form_token(client, "/console/login")}  # fmt: skip
        answer = client.post("/console/login", data=form)
        assert answer.status_code == 302
        return answer.headers["Set-Cookie"]
    finally:
        state.engine.dispose()
        state.redis.close()


def test_the_session_cookie_is_secure_over_https_and_never_readable_by_scripts(
    settings: Settings, state: Runtime, redis_client: redis.Redis
) -> None:
    over_https = cookie_flags(settings, "https://hotline.example.org")
    over_http = cookie_flags(settings, "http://127.0.0.1:5000")

    for flags in (over_https, over_http):
        assert "HttpOnly" in flags
        assert "SameSite=Lax" in flags
    assert "Secure" in over_https
    assert "Secure" not in over_http  # a local `make run` must still be able to log in
