"""The console in English and Russian, chosen per user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from jinja2.ext import babel_extract

from hotline.web.console import NAV, TRANSLATIONS
from tests.web.console.conftest import form_token

TEMPLATES = Path(__file__).resolve().parents[3] / "hotline" / "templates" / "console"
CATALOG = TRANSLATIONS / "ru" / "LC_MESSAGES"


def test_every_console_text_has_a_russian_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as po:
        russian = {message.id: message.string for message in read_po(po) if message.id}
    wanted = {label for _, label, _ in NAV}
    for template in TEMPLATES.glob("*.html"):
        with template.open("rb") as source:
            wanted |= {text for _, _, text, _ in babel_extract(source, ("_", "gettext"), [], {})
                       if isinstance(text, str)}  # fmt: skip
    missing = sorted(text for text in wanted if not russian.get(text))
    assert missing == []


def test_the_compiled_catalog_is_up_to_date() -> None:
    with (CATALOG / "messages.po").open("rb") as po, (CATALOG / "messages.mo").open("rb") as mo:
        source = {m.id: m.string for m in read_po(po) if m.id}
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    assert compiled == source, "run `make translations`"


def test_a_user_who_chooses_russian_gets_the_console_in_russian(
    login_as: Callable[..., FlaskClient],
) -> None:
    client = login_as("agent")
    assert "Callbacks waiting" in client.get("/console/callbacks").get_data(as_text=True)

    token = form_token(client, "/console/callbacks")
    client.post("/console/language", data={"language": "ru", "csrf_token": token})

    page = client.get("/console/callbacks").get_data(as_text=True)
    assert "Ждут обратного звонка" in page
    assert '<html lang="ru">' in page
    refused = client.post("/console/language", data={"language": "fr", "csrf_token": token})
    assert refused.status_code == 400


def test_the_login_page_follows_the_browser(client: FlaskClient) -> None:
    page = client.get("/console/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "Войти" in page.get_data(as_text=True)
