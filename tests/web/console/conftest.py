"""Console fixtures: staff accounts per role and a logged-in test client."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from hotline.runtime import Runtime
from hotline.staff import add_user

PASSWORD = "correct horse battery"


def form_token(client: FlaskClient, path: str) -> str:
    """The CSRF token from a console page's form, as a browser would send it back."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, f"no form token on {path}"
    return found.group(1)


@pytest.fixture
def login_as(state: Runtime, client: FlaskClient) -> Callable[..., FlaskClient]:
    """Create an account with ``role`` and log ``client`` in with it."""

    def log_in(role: str, email: str | None = None) -> FlaskClient:
        email = email or f"{role}@hotline.example"
        with state.sessions() as session:
            add_user(session, email, role, PASSWORD)
            session.commit()
        token = form_token(client, "/console/login")
        answer = client.post(
            "/console/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 302, answer.data
        return client

    return log_in
