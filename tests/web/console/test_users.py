"""Staff accounts: admins add, deactivate and reactivate them; the audit log says who did what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.models import AuditEntry, StaffUser
from hotline.runtime import Runtime
from tests.web.console.conftest import PASSWORD, form_token

NEW_PASSWORD = "a long enough passphrase"


def log_in(client: FlaskClient, email: str, password: str) -> int:
    form = {"email": email, "password": password,
            "csrf_token": form_token(client, "/console/login")}  # fmt: skip
    return client.post("/console/login", data=form).status_code


def log_out(client: FlaskClient) -> None:
    client.post("/console/logout", data={"csrf_token": form_token(client, "/console/dashboard")})


def account(state: Runtime, email: str) -> StaffUser | None:
    with state.sessions() as session:
        return session.scalars(select(StaffUser).where(StaffUser.email == email)).first()


def test_an_admin_adds_an_account_that_can_then_log_in(
    login_as: Callable[..., FlaskClient], state: Runtime
) -> None:
    admin = login_as("admin")
    form = {"email": "Nurlan@Hotline.example", "role": "agent", "password": NEW_PASSWORD,
            "csrf_token": form_token(admin, "/console/users")}  # fmt: skip

    answer = admin.post("/console/users", data=form)

    assert answer.status_code == 302
    page = admin.get("/console/users").get_data(as_text=True)
    assert "nurlan@hotline.example" in page
    log_out(admin)
    assert log_in(admin, "nurlan@hotline.example", NEW_PASSWORD) == 302
    assert admin.get("/console/callbacks").status_code == 200  # an agent's page


@pytest.mark.parametrize(
    ("email", "role", "password", "problem"),
    [
        ("not-an-email", "agent", NEW_PASSWORD, "is not an email address"),
        ("aida@hotline.example", "boss", NEW_PASSWORD, "role must be one of"),
        ("aida@hotline.example", "agent", "short", "at least 12 characters"),
        ("admin@hotline.example", "agent", NEW_PASSWORD, "already has an account"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_stored(
    login_as: Callable[..., FlaskClient],
    state: Runtime,
    email: str,
    role: str,
    password: str,
    problem: str,
) -> None:
    admin = login_as("admin")
    form = {"email": email, "role": role, "password": password,
            "csrf_token": form_token(admin, "/console/users")}  # fmt: skip

    answer = admin.post("/console/users", data=form)

    assert answer.status_code == 400
    assert problem in answer.get_data(as_text=True)
    assert password not in answer.get_data(as_text=True)
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 1  # the admin
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "user_added" not in actions


USERS_ROUTES = [
    ("get", "/console/users"),
    ("post", "/console/users"),
    ("post", "/console/users/1/deactivate"),
    ("post", "/console/users/1/activate"),
    ("get", "/console/users/audit"),
]


@pytest.mark.parametrize("role", ["campaign_manager", "agent", "viewer"])
def test_only_admins_reach_the_users_pages(
    login_as: Callable[..., FlaskClient], state: Runtime, role: str
) -> None:
    client = login_as(role)
    token = form_token(client, "/console/dashboard")
    for method, path in USERS_ROUTES:
        form = {"csrf_token": token, "email": "x@hotline.example", "role": "admin",
                "password": NEW_PASSWORD}  # fmt: skip
        answer = client.get(path) if method == "get" else client.post(path, data=form)
        assert answer.status_code == 403, (method, path)
    assert account(state, "x@hotline.example") is None
    assert "Users" not in client.get("/console/dashboard").get_data(as_text=True)


def test_the_users_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/console/users", "/console/users/audit"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/console/login")


def test_a_deactivated_account_cannot_log_in_until_activated_again(
    login_as: Callable[..., FlaskClient], state: Runtime, client: FlaskClient
) -> None:
    login_as("viewer", "bakyt@hotline.example")
    log_out(client)
    admin = login_as("admin")
    viewer = account(state, "bakyt@hotline.example")
    assert viewer is not None
    token = form_token(admin, "/console/users")

    answer = admin.post(f"/console/users/{viewer.id}/deactivate", data={"csrf_token": token})

    assert answer.status_code == 302
    log_out(admin)
    assert log_in(client, "bakyt@hotline.example", PASSWORD) == 401
    assert log_in(client, "admin@hotline.example", PASSWORD) == 302
    token = form_token(client, "/console/users")
    client.post(f"/console/users/{viewer.id}/activate", data={"csrf_token": token})
    log_out(client)
    assert log_in(client, "bakyt@hotline.example", PASSWORD) == 302


def test_an_admin_cannot_deactivate_themself(
    login_as: Callable[..., FlaskClient], state: Runtime
) -> None:
    admin = login_as("admin")
    me = account(state, "admin@hotline.example")
    assert me is not None

    answer = admin.post(f"/console/users/{me.id}/deactivate",
                        data={"csrf_token": form_token(admin, "/console/users")})  # fmt: skip

    assert answer.status_code == 400
    assert "cannot deactivate your own account" in answer.get_data(as_text=True)
    me = account(state, "admin@hotline.example")
    assert me is not None
    assert me.active


def test_deactivating_an_unknown_account_is_not_found(
    login_as: Callable[..., FlaskClient],
) -> None:
    admin = login_as("admin")
    token = form_token(admin, "/console/users")

    assert (
        admin.post("/console/users/9999/deactivate", data={"csrf_token": token}).status_code == 404
    )


def test_the_audit_log_lists_actions_newest_first_and_filters_by_actor(
    login_as: Callable[..., FlaskClient], state: Runtime
) -> None:
    admin = login_as("admin")
    form = {"email": "dilnoza@hotline.example", "role": "viewer", "password": NEW_PASSWORD,
            "csrf_token": form_token(admin, "/console/users")}  # fmt: skip
    admin.post("/console/users", data=form)
    dilnoza = account(state, "dilnoza@hotline.example")
    assert dilnoza is not None
    admin.post(f"/console/users/{dilnoza.id}/deactivate", data={"csrf_token": form["csrf_token"]})
    with state.sessions() as session:
        session.add(AuditEntry(actor="someone@hotline.example", action="campaign_approved",
                               detail="campaign 7"))  # fmt: skip
        session.commit()

    everyone = admin.get("/console/users/audit").get_data(as_text=True)
    mine = admin.get("/console/users/audit?actor=Admin@hotline.example").get_data(as_text=True)

    assert "dilnoza@hotline.example as viewer" in everyone
    assert everyone.index("campaign_approved") < everyone.index("account deactivated")
    assert everyone.index("account deactivated") < everyone.index("account added")
    assert everyone.index("account added") < everyone.index(">logged in<")
    assert "account added" in mine
    assert "account deactivated" in mine
    assert "campaign_approved" not in mine
