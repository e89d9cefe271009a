"""The staff console: logging in, roles, CSRF, and agents recording how a callback went."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.callbacks import request_callback
from hotline.db import utcnow
from hotline.models import AuditEntry, CallbackRequest, CallbackSource, Case, Contact
from hotline.runtime import Runtime
from hotline.staff import StaffError, add_user

PASSWORD = "correct horse battery"


def make_user(state: Runtime, email: str, role: str) -> None:
    with state.sessions() as session:
        add_user(session, email, role, PASSWORD)
        session.commit()


def token(client: FlaskClient, path: str = "/console/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> int:
    form = {"email": email, "password": password, "csrf_token": token(client)}
    return client.post("/console/login", data=form).status_code


def waiting_request(state: Runtime) -> int:
    with state.sessions() as session:
        contact = Contact(phone="+996555123456", language="ky")
        session.add(contact)
        session.flush()
        request = request_callback(session, contact, CallbackSource.SMS, "ky", utcnow(), "urgent")
        session.commit()
        return request.id


def test_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/console/", "/console/callbacks"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/console/login")


def test_an_agent_logs_in_sees_the_queue_and_records_an_outcome(
    client: FlaskClient, state: Runtime
) -> None:
    make_user(state, "aida@hotline.example", "agent")
    request_id = waiting_request(state)

    assert log_in(client, "Aida@Hotline.example") == 302
    page = client.get("/console/callbacks")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "+996555123456" not in text  # numbers stay masked on screen
    assert "urgent" in text
    form = {"result": "reached", "topic": "trafficking", "notes": "passport held by employer",
            "csrf_token": token(client, "/console/callbacks")}  # fmt: skip
    assert client.post(f"/console/callbacks/{request_id}/outcome", data=form).status_code == 302

    with state.sessions() as session:
        request = session.get(CallbackRequest, request_id)
        assert request is not None
        assert (request.status, request.topic) == ("reached", "trafficking")
        assert session.scalars(select(Case)).one().kind == "trafficking"
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert list(actions) == ["login", "callback_outcome"]


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient, state: Runtime) -> None:
    make_user(state, "aida@hotline.example", "agent")
    request_id = waiting_request(state)
    log_in(client, "aida@hotline.example")

    forged = client.post(f"/console/callbacks/{request_id}/outcome", data={"result": "reached"})
    assert forged.status_code == 400
    login = client.post("/console/login", data={"email": "x@y.z", "password": PASSWORD})
    assert login.status_code == 400
    with state.sessions() as session:
        assert session.get(CallbackRequest, request_id).status == "open"  # type: ignore[union-attr]


def test_a_viewer_sees_the_queue_but_cannot_change_it(client: FlaskClient, state: Runtime) -> None:
    make_user(state, "board@hotline.example", "viewer")
    request_id = waiting_request(state)
    log_in(client, "board@hotline.example")

    assert client.get("/console/callbacks").status_code == 200
    form = {"result": "reached", "csrf_token": token(client, "/console/callbacks")}
    assert client.post(f"/console/callbacks/{request_id}/outcome", data=form).status_code == 403


def test_wrong_passwords_are_refused_then_rate_limited(client: FlaskClient, state: Runtime) -> None:
    make_user(state, "aida@hotline.example", "agent")
    codes = [log_in(client, "aida@hotline.example", "guess number {n}") for n in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    assert log_in(client, "aida@hotline.example") == 429  # even the right one, for a while
    with state.sessions() as session:
        failed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login_failed")
        ).all()
    assert len(failed) == 10


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    headers = client.get("/console/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


def test_logging_out_ends_the_session(client: FlaskClient, state: Runtime) -> None:
    make_user(state, "aida@hotline.example", "agent")
    log_in(client, "aida@hotline.example")
    client.post("/console/logout", data={"csrf_token": token(client, "/console/callbacks")})
    assert client.get("/console/callbacks").status_code == 302


@pytest.mark.parametrize(
    ("email", "role", "password"),
    [("not-an-email", "agent", PASSWORD), ("a@b.c", "boss", PASSWORD), ("a@b.c", "agent", "short")],
)
def test_accounts_need_an_email_a_known_role_and_a_long_password(
    state: Runtime, email: str, role: str, password: str
) -> None:
    with state.sessions() as session, pytest.raises(StaffError):
        add_user(session, email, role, password)


def test_an_agent_says_they_are_ready_and_sees_open_cases(
    client: FlaskClient, state: Runtime
) -> None:
    from hotline.cases import open_case
    from hotline.models import Agent, AgentStatus, StaffUser

    with state.sessions() as session:
        agent = Agent(name="Aida", phone="+996700000001", languages=["ky"])
        session.add(agent)
        session.flush()
        user = add_user(session, "aida@hotline.example", "agent", PASSWORD)
        user.agent_id = agent.id
        open_case(session, contact_id=None, source="sms", text="passport taken in Osh",
                  kind="trafficking")  # fmt: skip
        session.commit()
    log_in(client, "aida@hotline.example")
    page = client.get("/console/callbacks").get_data(as_text=True)
    assert "passport taken in Osh" in page

    ready = {"status": "available", "csrf_token": token(client, "/console/callbacks")}
    assert client.post("/console/callbacks/availability", data=ready).status_code == 302

    with state.sessions() as session:
        assert session.scalars(select(Agent)).one().status == AgentStatus.AVAILABLE
        assert session.scalars(select(StaffUser)).one().agent_id is not None
