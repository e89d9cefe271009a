"""Sessions end on the server: a cookie kept from before is worth nothing afterwards.

Logging out, deactivation, a role change and a password change end every session of that
account at once; an admin can log any other account out everywhere. Sessions are records in
Redis (the cookie holds only their id), and each carries the account's session generation,
which every request checks, so even a record written back late opens nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.models import AuditEntry, StaffUser
from hotline.runtime import Runtime
from hotline.staff import add_user
from tests.web.console.conftest import PASSWORD, form_token

LoginAs = Callable[..., FlaskClient]
NEW_PASSWORD = "a brand new passphrase"
COOKIE = "session"


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> int:
    form = {"email": email, "password": password,
            "csrf_token": form_token(client, "/console/login")}  # fmt: skip
    return client.post("/console/login", data=form).status_code


def kept_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def browser_with(app: Flask, cookie: str) -> FlaskClient:
    """Another browser that replays a session cookie someone kept."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def is_logged_out(client: FlaskClient) -> bool:
    answer = client.get("/console/dashboard")
    return answer.status_code == 302 and answer.headers["Location"].endswith("/console/login")


def account_id(state: Runtime, email: str) -> int:
    with state.sessions() as session:
        found = session.scalar(select(StaffUser.id).where(StaffUser.email == email))
    assert found is not None
    return found


def make_account(state: Runtime, email: str, role: str) -> None:
    with state.sessions() as session:
        add_user(session, email, role, PASSWORD)
        session.commit()


def audited(state: Runtime, action: str) -> list[str]:
    with state.sessions() as session:
        return list(
            session.scalars(select(AuditEntry.detail).where(AuditEntry.action == action)).all()
        )


def test_a_cookie_kept_from_before_logout_opens_nothing(
    app: Flask, state: Runtime, login_as: LoginAs
) -> None:
    """The probe's case: an old cookie still read /console/users and created an admin."""
    admin = login_as("admin")
    cookie = kept_cookie(admin)
    token = form_token(admin, "/console/users")

    admin.post("/console/logout", data={"csrf_token": token})

    replay = browser_with(app, cookie)
    page = replay.get("/console/users")
    assert page.status_code == 302
    assert page.headers["Location"].endswith("/console/login")
    form = {"email": "intruder@hotline.example", "role": "admin", "password": NEW_PASSWORD,
            "csrf_token": token}  # fmt: skip
    created = replay.post("/console/users", data=form)
    assert created.status_code in {302, 400}
    assert created.status_code == 400 or created.headers["Location"].endswith("/console/login")
    with state.sessions() as session:
        intruder = session.scalar(
            select(func.count()).where(StaffUser.email == "intruder@hotline.example")
        )
    assert intruder == 0


def test_logging_out_ends_every_session_of_the_account(app: Flask, state: Runtime) -> None:
    make_account(state, "aida@hotline.example", "agent")
    laptop, phone = app.test_client(), app.test_client()
    assert log_in(laptop, "aida@hotline.example") == 302
    assert log_in(phone, "aida@hotline.example") == 302

    laptop.post("/console/logout", data={"csrf_token": form_token(laptop, "/console/dashboard")})

    assert is_logged_out(laptop)
    assert is_logged_out(phone)
    assert log_in(phone, "aida@hotline.example") == 302  # logging in again works


def test_logging_out_deletes_the_session_record(
    app: Flask, login_as: LoginAs, redis_client: redis.Redis
) -> None:
    client = login_as("viewer")
    cookie = kept_cookie(client)
    assert redis_client.exists(f"hotline:session:{cookie}")

    client.post("/console/logout", data={"csrf_token": form_token(client, "/console/dashboard")})

    assert not redis_client.exists(f"hotline:session:{cookie}")


def test_deactivation_ends_every_session_of_the_account(
    app: Flask, state: Runtime, login_as: LoginAs
) -> None:
    make_account(state, "bakyt@hotline.example", "agent")
    bakyt = app.test_client()
    assert log_in(bakyt, "bakyt@hotline.example") == 302
    admin = login_as("admin")

    answer = admin.post(
        f"/console/users/{account_id(state, 'bakyt@hotline.example')}/deactivate",
        data={"csrf_token": form_token(admin, "/console/users")},
    )

    assert answer.status_code == 302
    assert is_logged_out(bakyt)


def test_a_role_change_ends_every_session_of_the_account(
    app: Flask, state: Runtime, login_as: LoginAs
) -> None:
    make_account(state, "nurlan@hotline.example", "campaign_manager")
    nurlan = app.test_client()
    assert log_in(nurlan, "nurlan@hotline.example") == 302
    admin = login_as("admin")
    target = account_id(state, "nurlan@hotline.example")

    answer = admin.post(
        f"/console/users/{target}/role",
        data={"role": "viewer", "csrf_token": form_token(admin, "/console/users")},
    )

    assert answer.status_code == 302
    assert is_logged_out(nurlan)
    assert log_in(nurlan, "nurlan@hotline.example") == 302
    assert nurlan.get("/console/campaigns/new").status_code == 403  # a viewer now
    assert audited(state, "role_changed") == ["nurlan@hotline.example: campaign_manager -> viewer"]


def test_an_admin_cannot_change_their_own_role(state: Runtime, login_as: LoginAs) -> None:
    admin = login_as("admin")
    me = account_id(state, "admin@hotline.example")

    answer = admin.post(
        f"/console/users/{me}/role",
        data={"role": "viewer", "csrf_token": form_token(admin, "/console/users")},
    )

    assert answer.status_code == 400
    assert admin.get("/console/users").status_code == 200


def test_a_password_set_by_an_admin_ends_every_session_of_the_account(
    app: Flask, state: Runtime, login_as: LoginAs
) -> None:
    make_account(state, "dilnoza@hotline.example", "agent")
    dilnoza = app.test_client()
    assert log_in(dilnoza, "dilnoza@hotline.example") == 302
    stolen = browser_with(app, kept_cookie(dilnoza))
    admin = login_as("admin")
    target = account_id(state, "dilnoza@hotline.example")

    answer = admin.post(
        f"/console/users/{target}/password",
        data={"password": NEW_PASSWORD, "csrf_token": form_token(admin, "/console/users")},
    )

    assert answer.status_code == 302
    assert is_logged_out(dilnoza)
    assert is_logged_out(stolen)
    assert log_in(dilnoza, "dilnoza@hotline.example") == 401
    assert log_in(dilnoza, "dilnoza@hotline.example", NEW_PASSWORD) == 302
    assert audited(state, "password_set") == ["dilnoza@hotline.example"]


def test_changing_ones_own_password_ends_every_session(app: Flask, state: Runtime) -> None:
    make_account(state, "aida@hotline.example", "viewer")
    laptop, phone = app.test_client(), app.test_client()
    assert log_in(laptop, "aida@hotline.example") == 302
    assert log_in(phone, "aida@hotline.example") == 302
    token = form_token(laptop, "/console/account")

    wrong = laptop.post(
        "/console/account/password",
        data={"current_password": "not my password", "password": NEW_PASSWORD, "csrf_token": token},
    )
    assert wrong.status_code == 401
    assert not is_logged_out(phone)

    changed = laptop.post(
        "/console/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "csrf_token": token},
    )

    assert changed.status_code == 302
    assert changed.headers["Location"].endswith("/console/login")
    assert is_logged_out(laptop)
    assert is_logged_out(phone)
    assert log_in(phone, "aida@hotline.example") == 401
    assert log_in(phone, "aida@hotline.example", NEW_PASSWORD) == 302


def test_an_admin_logs_an_account_out_everywhere(
    app: Flask, state: Runtime, login_as: LoginAs
) -> None:
    """A staff member's phone is stolen: an admin ends its session without touching the password."""
    make_account(state, "aida@hotline.example", "agent")
    laptop, phone = app.test_client(), app.test_client()
    assert log_in(laptop, "aida@hotline.example") == 302
    assert log_in(phone, "aida@hotline.example") == 302
    admin = login_as("admin")
    target = account_id(state, "aida@hotline.example")

    answer = admin.post(
        f"/console/users/{target}/logout", data={"csrf_token": form_token(admin, "/console/users")}
    )

    assert answer.status_code == 302
    assert is_logged_out(laptop)
    assert is_logged_out(phone)
    assert not is_logged_out(admin)
    assert log_in(phone, "aida@hotline.example") == 302  # the password still works
    assert audited(state, "sessions_ended") == ["aida@hotline.example"]


def test_a_session_record_written_back_after_it_was_ended_opens_nothing(
    app: Flask, state: Runtime, login_as: LoginAs, redis_client: redis.Redis
) -> None:
    """A request in flight during the revocation may save its session again; it stays dead."""
    make_account(state, "aida@hotline.example", "agent")
    aida = app.test_client()
    assert log_in(aida, "aida@hotline.example") == 302
    key = f"hotline:session:{kept_cookie(aida)}"
    record = redis_client.get(key)
    assert record is not None
    admin = login_as("admin")

    admin.post(
        f"/console/users/{account_id(state, 'aida@hotline.example')}/logout",
        data={"csrf_token": form_token(admin, "/console/users")},
    )
    redis_client.set(key, record, ex=3600)

    assert is_logged_out(aida)


def test_only_admins_end_other_peoples_sessions(
    app: Flask, state: Runtime, login_as: LoginAs
) -> None:
    make_account(state, "aida@hotline.example", "agent")
    aida = app.test_client()
    assert log_in(aida, "aida@hotline.example") == 302
    viewer = login_as("viewer")
    target = account_id(state, "aida@hotline.example")
    token = form_token(viewer, "/console/dashboard")

    for path, form in [
        (f"/console/users/{target}/logout", {}),
        (f"/console/users/{target}/role", {"role": "viewer"}),
        (f"/console/users/{target}/password", {"password": NEW_PASSWORD}),
    ]:
        assert viewer.post(path, data={**form, "csrf_token": token}).status_code == 403, path

    assert not is_logged_out(aida)
