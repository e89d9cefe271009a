"""Searches treat SQL metacharacters as text: a right answer, no 5xx, every table intact.

The public verify API and page, and the console's agency and contact searches, get quotes,
comment markers, ``%``, ``_``, backslashes and stacked statements, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.models import Agency, Contact, VerificationRecord
from hotline.runtime import Runtime
from tests.fuzz.conftest import CASES, HOSTILE_AGENCY, Seeded, fuzz_settings
from tests.fuzz.hostile import SQL_PAYLOADS, hostile_text
from tests.fuzz.probes import Probe, send

SEARCH_CASES = max(CASES // 4, 20)  # each runs twice: SQLite and PostgreSQL
sql_text = st.sampled_from(SQL_PAYLOADS) | st.lists(
    st.sampled_from(SQL_PAYLOADS) | hostile_text, min_size=1, max_size=3
).map(" ".join).filter(lambda text: text.strip().lower() not in {"ky", "osh", "kg"})


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Searches run on both databases, whatever ``FUZZ_DATABASES`` says."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def staff(seeded: Seeded, login_as: Callable[..., FlaskClient]) -> Iterator[FlaskClient]:
    with seeded.state.sessions() as session:
        for number in ("+996555000001", "+996555000002"):
            session.add(Contact(phone=number, country="KG", language="ky", region="Osh"))
        session.commit()
    yield login_as("admin")
    _assert_tables_intact(seeded.state, contacts=3)


def _counts(state: Runtime) -> tuple[int, int]:
    with state.sessions() as session:
        agencies = session.scalar(select(func.count()).select_from(Agency)) or 0
        contacts = session.scalar(select(func.count()).select_from(Contact)) or 0
    return agencies, contacts


def _assert_tables_intact(state: Runtime, contacts: int = 1) -> None:
    """Nothing dropped or deleted: the seeded rows are all still there."""
    assert _counts(state) == (2, contacts)


@fuzz_settings(SEARCH_CASES)
@given(query=sql_text, language=st.sampled_from(["ru", "ky", "uz", "kaa"]))
def test_the_verify_api_answers_sql_as_a_name(
    client: FlaskClient, seeded: Seeded, query: str, language: str
) -> None:
    rule = "/api/v1/agencies/verify"
    probe = Probe(rule, "GET", rule, urlencode({"q": query, "lang": language}))
    answer = send(client, probe)

    assert answer.status_code in (200, 400)
    if answer.status_code == 200:
        assert answer.get_json()["verdict"] != "licensed" or "Ак-Жол" in query
    _assert_tables_intact(seeded.state)


@fuzz_settings(SEARCH_CASES)
@given(query=sql_text)
def test_the_verify_page_answers_sql_as_a_name(
    client: FlaskClient, seeded: Seeded, query: str
) -> None:
    answer = send(client, Probe("/verify", "GET", "/verify", urlencode({"q": query})))

    assert answer.status_code in (200, 400)
    _assert_tables_intact(seeded.state)


@fuzz_settings(SEARCH_CASES)
@given(query=sql_text)
def test_the_console_registry_search_answers_sql_as_a_name(staff: FlaskClient, query: str) -> None:
    rule = "/console/registry"
    answer = send(staff, Probe(rule, "GET", rule, urlencode({"q": query})))

    assert answer.status_code == 200


@fuzz_settings(SEARCH_CASES)
@given(
    fields=st.dictionaries(
        st.sampled_from(["number", "language", "region", "stage", "destination", "page"]),
        sql_text | st.sampled_from(["²", "99999999999999999999999", "0", "-1"]),
        min_size=1,
    )
)
def test_the_console_contact_search_matches_sql_only_literally(
    staff: FlaskClient, fields: dict[str, str]
) -> None:
    rule = "/console/contacts"
    answer = send(staff, Probe(rule, "GET", rule, urlencode(fields)))

    assert answer.status_code == 200
    filters = {name: value for name, value in fields.items() if name != "page"}
    if filters and any(value.strip() for value in filters.values()):
        assert "No contact matches." in answer.get_data(as_text=True)


@fuzz_settings(SEARCH_CASES)
@given(page=sql_text | st.sampled_from(["²", "99999999999999999999999", "0", "-1", "1"]))
def test_the_console_verification_log_pages_any_page_number(staff: FlaskClient, page: str) -> None:
    rule = "/console/registry/checks"
    answer = send(staff, Probe(rule, "GET", rule, urlencode({"page": page})))

    assert answer.status_code == 200


def test_an_agency_named_like_markup_is_escaped_everywhere(
    client: FlaskClient, seeded: Seeded, login_as: Callable[..., FlaskClient]
) -> None:
    api = send(client, Probe("/verify", "GET", "/api/v1/agencies/verify", "q=KG-0666-24"))
    page = send(client, Probe("/verify", "GET", "/verify", "q=KG-0666-24"))
    console = send(
        login_as("viewer"), Probe("/console/registry", "GET", "/console/registry", "q=KG-0666-24")
    )

    assert api.get_json()["agency"]["name"] == HOSTILE_AGENCY
    for answer in (page, console):
        html = answer.get_data(as_text=True)
        assert "<Say>" not in html
        assert "&lt;Say&gt;" in html
    with seeded.state.sessions() as session:
        logged = session.scalars(select(VerificationRecord.query)).all()
    assert "KG-0666-24" in logged
