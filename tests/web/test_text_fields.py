"""NUL characters in query and form fields are dropped on arrival, on SQLite and PostgreSQL.

PostgreSQL refuses a parameter holding NUL; without this a search or a login holding one
answered 500 there while SQLite quietly matched nothing.
"""

from __future__ import annotations

from flask.testing import FlaskClient

from hotline.runtime import Runtime
from hotline.staff import add_user
from tests.web.test_console import PASSWORD, token


def test_a_verify_query_holding_nul_is_answered_as_without_it(client: FlaskClient) -> None:
    answer = client.get("/api/v1/agencies/verify?q=Ak%00Jol&lang=ru")
    plain = client.get("/api/v1/agencies/verify?q=AkJol&lang=ru")

    assert answer.status_code == 200
    assert answer.get_json() == plain.get_json()


def test_a_login_holding_nul_is_a_wrong_password_not_an_error(
    state: Runtime, client: FlaskClient
) -> None:
    with state.sessions() as session:
        add_user(session, "agent@example.org", "agent", PASSWORD)
        session.commit()
    form = {"email": "agent@example.org\x00", "password": "x\x00", "csrf_token": token(client)}

    answer = client.post("/console/login", data=form)

    assert answer.status_code in (200, 401)
    assert "/console/login" in answer.request.path
