"""Login limits: guessing is slowed per (account, client) and per client, never the owner.

A client is the address the app sees (``PROXY_COUNT`` hops of ``X-Forwarded-For`` trusted);
an account is its e-mail as the login form normalises it (spaces stripped, case folded). Only
failures count: a correct password from a client that has not failed gets in.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotline import create_app
from hotline.config import Settings
from hotline.runtime import Runtime, runtime
from hotline.staff import add_user
from tests.web.console.conftest import PASSWORD, form_token

# As docs/security.md states them: failures per (account, client) and per client, in 15 minutes.
ACCOUNT_FAILURES = 10
CLIENT_FAILURES = 30
OWNER = "aida@hotline.example"
STRANGER = "203.0.113.66"
OFFICE = "198.51.100.20"


def make_account(state: Runtime, email: str = OWNER) -> None:
    with state.sessions() as session:
        add_user(session, email, "admin", PASSWORD)
        session.commit()


def attempt(client: FlaskClient, email: str, password: str, address: str) -> TestResponse:
    """One login from ``address``, with the form token a browser there would have."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/console/login", environ_base=environ)
    assert page.status_code == 200
    form = {"email": email, "password": password,
            "csrf_token": form_token(client, "/console/login")}  # fmt: skip
    return client.post("/console/login", data=form, environ_base=environ)


def test_a_stranger_cannot_lock_the_owner_out(app: Flask, state: Runtime) -> None:
    """Eleven wrong passwords from one address used to lock the account for every address."""
    make_account(state)
    stranger = app.test_client()

    codes = [attempt(stranger, OWNER, f"guess {n}", STRANGER).status_code for n in range(11)]

    assert codes == [401] * ACCOUNT_FAILURES + [429]
    assert attempt(app.test_client(), OWNER, PASSWORD, OFFICE).status_code == 302
    # The stranger's address has failed through: even the right password waits there.
    assert attempt(stranger, OWNER, PASSWORD, STRANGER).status_code == 429


def test_successful_logins_do_not_count(app: Flask, state: Runtime) -> None:
    make_account(state)
    client = app.test_client()

    codes = [attempt(client, OWNER, PASSWORD, OFFICE).status_code for _ in range(15)]

    assert codes == [302] * 15
    assert attempt(client, OWNER, "one typo", OFFICE).status_code == 401


def test_case_and_space_variants_of_an_email_share_one_counter_per_client(
    app: Flask, state: Runtime
) -> None:
    make_account(state)
    stranger = app.test_client()
    variants = [" Aida@Hotline.Example", "AIDA@HOTLINE.EXAMPLE ", "aida@hotline.EXAMPLE", OWNER]

    codes = [
        attempt(stranger, variants[n % len(variants)], f"guess {n}", STRANGER).status_code
        for n in range(ACCOUNT_FAILURES + 1)
    ]

    assert codes[-1] == 429
    assert attempt(stranger, "\tAIDA@hotline.example ", PASSWORD, STRANGER).status_code == 429
    assert attempt(app.test_client(), " AIDA@hotline.example", PASSWORD, OFFICE).status_code == 302


def test_one_address_guessing_many_accounts_is_stopped(app: Flask, state: Runtime) -> None:
    """Spreading guesses over many e-mails does not buy one address more of them."""
    make_account(state)
    stranger = app.test_client()
    emails = [f"guess{n}@hotline.example" for n in range(CLIENT_FAILURES)]

    codes = [attempt(stranger, email, "wrong password", STRANGER).status_code for email in emails]

    assert codes == [401] * CLIENT_FAILURES
    assert attempt(stranger, "someone-else@hotline.example", "x", STRANGER).status_code == 429
    assert attempt(stranger, OWNER, PASSWORD, STRANGER).status_code == 429
    assert attempt(app.test_client(), OWNER, PASSWORD, OFFICE).status_code == 302


def test_a_refused_login_says_when_to_try_again(app: Flask, state: Runtime) -> None:
    make_account(state)
    stranger = app.test_client()
    for n in range(ACCOUNT_FAILURES):
        assert attempt(stranger, OWNER, f"guess {n}", STRANGER).status_code == 401

    refused = attempt(stranger, OWNER, "guess again", STRANGER)

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert refused.headers["X-RateLimit-Limit"] == str(ACCOUNT_FAILURES)
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["X-RateLimit-Reset"]) > 0
    page = refused.get_data(as_text=True)
    assert "Too many attempts" in page
    assert 'name="csrf_token"' in page  # the login form, to try again later


def test_behind_a_proxy_each_client_address_has_its_own_counter(
    settings: Settings, state: Runtime
) -> None:
    """With ``PROXY_COUNT=1`` the address is the one the load balancer saw, not the balancer's."""
    make_account(state)
    behind = create_app(settings.replace(proxy_count=1))
    try:
        stranger, owner = behind.test_client(), behind.test_client()

        def through_proxy(client: FlaskClient, password: str, address: str) -> int:
            headers = {"X-Forwarded-For": address}
            client.get("/console/login", headers=headers)
            form = {"email": OWNER, "password": password,
                    "csrf_token": form_token(client, "/console/login")}  # fmt: skip
            return client.post("/console/login", data=form, headers=headers).status_code

        codes = [through_proxy(stranger, f"guess {n}", STRANGER) for n in range(11)]

        assert codes[-1] == 429
        assert through_proxy(owner, PASSWORD, OFFICE) == 302
    finally:
        runtime(behind).engine.dispose()
