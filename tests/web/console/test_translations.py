"""The console in English and Russian, chosen per user."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from jinja2.ext import babel_extract

from hotline.web.console import NAV, TRANSLATIONS
from hotline.web.console.labels import LABELS
from tests.web.console.conftest import form_token

TEMPLATES = Path(__file__).resolve().parents[3] / "hotline" / "templates" / "console"
CATALOG = TRANSLATIONS / "ru" / "LC_MESSAGES"


def _entries(messages: Iterable[Message]) -> dict[tuple[str | None, object], object]:
    """Each entry under (context, msgid), plural ids and forms as tuples."""
    return {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id)):
        m.string if isinstance(m.string, str) else tuple(m.string)
        for m in messages
        if m.id
    }  # fmt: skip


def test_every_console_text_has_a_russian_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as po:
        russian = _entries(read_po(po))
    wanted: set[tuple[str | None, object]] = {(None, label) for _, label, _ in NAV}
    for template in [*TEMPLATES.glob("*.html"), TEMPLATES.parent / "error.html"]:
        with template.open("rb") as source:
            for _, _, text, _ in babel_extract(source, ("_", "gettext", "ngettext"), [], {}):
                if isinstance(text, str):
                    wanted.add((None, text))
                elif isinstance(text, tuple) and all(isinstance(t, str) for t in text[:2]):
                    wanted.add((None, tuple(text[:2])))  # ngettext: singular and plural
    wanted |= {(kind.context, words) for kind in LABELS.values() for words in kind.words.values()}
    missing = sorted(str(key) for key in wanted if not russian.get(key))
    assert missing == []
    plurals = [forms for forms in russian.values() if isinstance(forms, tuple)]
    assert plurals
    assert all(len(forms) == 3 and all(forms) for forms in plurals)  # Russian's three forms


def test_the_compiled_catalog_is_up_to_date() -> None:
    with (CATALOG / "messages.po").open("rb") as po, (CATALOG / "messages.mo").open("rb") as mo:
        source = _entries(read_po(po))
        compiled = _entries(read_mo(mo))
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
