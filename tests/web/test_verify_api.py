"""``GET /api/v1/agencies/verify`` and the ``/verify`` page."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from hotline.models import LicenceStatus
from hotline.runtime import Runtime
from tests.factories import make_agency

KEYS = {"verdict", "agency", "candidates", "registry_as_of", "reply"}


@pytest.fixture
def registry(state: Runtime) -> None:
    with state.sessions() as session:
        make_agency(session)
        make_agency(session, licence_no="KG-0146-23", name="Ак-Жол Сервис", aliases=[])
        make_agency(
            session,
            licence_no="KG-0200-22",
            name="Жаңы Муун",
            aliases=[],
            status=LicenceStatus.REVOKED,
            status_since=dt.date(2026, 3, 1),
        )
        make_agency(
            session,
            licence_no="KG-0300-24",
            name="Голден Ворк",
            aliases=[],
            valid_until=dt.date(2025, 12, 31),
        )
        session.commit()


@pytest.mark.usefixtures("registry")
def test_licensed_agency_answer_has_the_documented_shape(client: FlaskClient) -> None:
    response = client.get("/api/v1/agencies/verify", query_string={"q": "Ak-Jol Travel"})

    body = response.get_json()
    assert response.status_code == 200
    assert KEYS <= set(body)
    assert body["verdict"] == "licensed"
    assert body["agency"] == {
        "licence_no": "KG-0145-23",
        "name": "Ак-Жол Тревел",
        "registry": "KG",
        "status": "active",
        "valid_from": "2026-01-15",
        "valid_until": "2027-01-14",
        "destinations": ["KR", "GB"],
    }
    assert body["candidates"] == []
    assert body["registry_as_of"] == "2026-11-01"


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize(
    ("query", "verdict"),
    [
        ("Ak-Jol Trade", "not_found"),
        ("Жаңы Муун", "revoked"),
        ("Golden Vork", "expired"),
        ("lic 145-23", "licensed"),
        ("Totally Unknown Agency", "not_found"),
    ],
)
def test_verdicts(client: FlaskClient, query: str, verdict: str) -> None:
    body = client.get("/api/v1/agencies/verify", query_string={"q": query}).get_json()
    assert body["verdict"] == verdict


@pytest.mark.usefixtures("registry")
def test_shared_head_word_is_ambiguous_and_lists_both(client: FlaskClient) -> None:
    body = client.get("/api/v1/agencies/verify", query_string={"q": "Ак-Жол"}).get_json()

    assert body["verdict"] == "ambiguous"
    assert {c["licence_no"] for c in body["candidates"]} == {"KG-0145-23", "KG-0146-23"}
    assert body["agency"] is None


@pytest.mark.usefixtures("registry")
def test_reply_is_the_sms_in_the_asked_language(client: FlaskClient) -> None:
    body = client.get(
        "/api/v1/agencies/verify", query_string={"q": "Ak-Jol Travel", "lang": "uz"}
    ).get_json()
    assert "AMALDA" in body["reply"]


@pytest.mark.parametrize(
    "query_string",
    [{}, {"q": ""}, {"q": "   "}, {"q": "!!!"}, {"q": "x" * 500}, {"q": "Ak", "lang": "fr"}],
)
def test_bad_requests_get_a_json_400(client: FlaskClient, query_string: dict[str, str]) -> None:
    response = client.get("/api/v1/agencies/verify", query_string=query_string)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_clients_are_rate_limited(client: FlaskClient) -> None:
    codes = [
        client.get("/api/v1/agencies/verify", query_string={"q": "Ak"}).status_code
        for _ in range(65)
    ]
    assert codes[:60] == [200] * 60
    assert codes[-1] == 429


@pytest.mark.usefixtures("registry")
def test_the_page_works_without_javascript(client: FlaskClient) -> None:
    empty = client.get("/verify")
    answered = client.get("/verify", query_string={"q": "Ak-Jol Travel", "lang": "ky"})

    assert empty.status_code == 200
    assert b"<form" in empty.data
    assert b"<script" not in answered.data
    assert "ЖАРАКТУУ".encode() in answered.data


def test_the_page_escapes_what_was_typed(client: FlaskClient) -> None:
    response = client.get("/verify", query_string={"q": "<script>alert(1)</script>"})
    assert b"<script>alert" not in response.data


def test_behind_a_proxy_each_client_has_its_own_limit(settings, redis_client) -> None:  # type: ignore[no-untyped-def]
    from hotline import create_app
    from hotline.runtime import runtime

    app = create_app(settings.replace(proxy_count=1))
    client = app.test_client()

    def ask(ip: str) -> int:
        return client.get(
            "/api/v1/agencies/verify", query_string={"q": "Ak"}, headers={"X-Forwarded-For": ip}
        ).status_code

    assert [ask("198.51.100.7") for _ in range(61)][-1] == 429
    assert ask("203.0.113.9") == 200
    runtime(app).engine.dispose()


def test_the_api_lists_every_agency_a_shared_head_fits(client: FlaskClient, state: Runtime) -> None:
    tails = ["Тревел", "Сервис", "Групп", "Кадр", "Экспресс", "Инвест", "Консалтинг"]
    with state.sessions() as session:
        for n, tail in enumerate(tails):
            make_agency(
                session, licence_no=f"KG-07{n:02d}-24", name=f"Бийик Тоо {tail}", aliases=[]
            )
        session.commit()

    body = client.get("/api/v1/agencies/verify", query_string={"q": "Бийик Тоо"}).get_json()

    assert body["verdict"] == "ambiguous"
    assert sorted(c["licence_no"] for c in body["candidates"]) == [
        f"KG-07{n:02d}-24" for n in range(len(tails))
    ]
