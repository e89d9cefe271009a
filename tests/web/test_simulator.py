"""The browser simulator drives the same engine, shows what the caller hears, and stores nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from flask_babel import force_locale
from jinja2.ext import babel_extract
from sqlalchemy import func, select

from audio.library import Placeholder, PromptLibrary, PromptTexts
from hotline.config import LANGUAGES
from hotline.models import CallbackRequest, CallSession
from hotline.runtime import Runtime
from hotline.staff import add_user
from hotline.web.console import TRANSLATIONS
from hotline.web.simulator import script_messages
from tests.web.console.conftest import PASSWORD, form_token

TEMPLATE = Path(__file__).resolve().parents[2] / "hotline" / "templates" / "simulator.html"


def test_the_page_has_a_keypad_and_loads_its_script_locally(client: FlaskClient) -> None:
    page = client.get("/simulator")
    assert page.status_code == 200
    assert b'data-key="*"' in page.data
    assert b'src="/static/simulator.js"' in page.data
    script = client.get("/static/simulator.js")
    assert script.status_code == 200
    script.close()


def test_a_simulated_call_walks_the_menu_without_side_effects(
    client: FlaskClient, state: Runtime
) -> None:
    start = client.post("/simulator/step", json={}).get_json()
    assert start["waiting"]["node"] == "language"
    assert [p["language"] for p in start["played"]] == ["ky", "ru", "uz", "kaa"]
    assert all(p["url"].endswith(".wav") for p in start["played"])

    chosen = client.post("/simulator/step", json={**start["waiting"], "digits": "2"}).get_json()
    assert chosen["language"] == "ru"
    assert chosen["waiting"]["node"] == "main"
    callback = client.post(
        "/simulator/step", json={**chosen["waiting"], "language": "ru", "digits": "5"}
    ).get_json()
    assert callback["effects"]["callback"] == "general"

    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CallbackRequest)) == 0
        assert session.scalar(select(func.count()).select_from(CallSession)) == 0


def test_garbage_gets_a_400(client: FlaskClient) -> None:
    assert client.post("/simulator/step", data="nope").status_code == 400
    assert client.post("/simulator/step", json={"digits": "<x>"}).status_code == 400
    assert client.post("/simulator/step", json={"node": "../../etc"}).status_code == 200


# The main menu in each language, as prompts.yaml words it: "press" is never the Russian there.
MAIN_MENU_WORDS = {
    "ky": "Жумушка орноштуруучу агенттикти текшерүү үчүн 1ди басыңыз.",
    "ru": "Чтобы проверить агентство по трудоустройству, нажмите 1.",
    "uz": "Ishga joylashtirish agentligini tekshirish uchun 1 ni bosing.",
    "kaa": "Jumısqa ornalastırıw agentligin tekseriw ushın 1 di basıń.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_caller_reads_each_prompt_in_their_own_language(
    client: FlaskClient, language: str
) -> None:
    answer = client.post("/simulator/step", json={"language": language}).get_json()

    assert answer["waiting"]["node"] == "main"
    assert [p["prompt"] for p in answer["played"]] == ["welcome", "main_menu"]
    for played in answer["played"]:
        assert (played["language"], played["text_language"]) == (language, language)
        assert played["missing"] is None
    assert answer["played"][1]["text"].startswith(MAIN_MENU_WORDS[language])


def test_the_language_menu_speaks_each_choice_in_its_own_language(client: FlaskClient) -> None:
    played = client.post("/simulator/step", json={}).get_json()["played"]

    assert [(p["language"], p["text_language"]) for p in played] == [(c, c) for c in LANGUAGES]
    assert [p["text"] for p in played] == [
        "Кыргызча угуу үчүн 1ди басыңыз.",
        "Для русского языка нажмите 2.",
        "Oʻzbek tili uchun 3 ni bosing.",
        "Qaraqalpaq tili ushın 4 ti basıń.",
    ]


def test_the_audio_plays_from_the_server_the_browser_is_on(client: FlaskClient) -> None:
    """PUBLIC_BASE_URL names port 5000 (or a provider's tunnel): ``hotline run --port`` was mute."""
    played = client.post("/simulator/step", json={"language": "uz"}).get_json()["played"]

    for item in played:
        assert item["url"].startswith("/audio/uz/"), item["url"]
        audio = client.get(item["url"])
        assert (audio.status_code, audio.mimetype) == (200, "audio/wav")
        audio.close()


def test_a_licence_number_is_shown_digit_by_digit(client: FlaskClient) -> None:
    asked = client.post("/simulator/step", json={"language": "ky", "node": "main", "digits": "1"})
    waiting = asked.get_json()["waiting"]
    answer = client.post(
        "/simulator/step", json={**waiting, "language": "ky", "digits": "2024123#"}
    ).get_json()

    digits = [p for p in answer["played"] if p["prompt"].startswith("digits")]
    assert digits, answer["played"]
    assert digits[0]["text"] == "2 0 2 4 1 2 3"
    assert (digits[0]["text_language"], digits[0]["missing"]) == ("ky", None)


@pytest.fixture
def kaa_welcome_gone(state: Runtime) -> Iterator[Callable[..., None]]:
    """The shipped library, less the Karakalpak welcome: its text, its placeholder, or both."""
    shipped = state.prompt_library

    def without(text: bool, audio: bool) -> None:
        texts = {p: dict(by_language) for p, by_language in shipped.prompt_texts.texts.items()}
        if text:
            del texts["welcome"]["kaa"]
        placeholders: list[Placeholder] = [
            p
            for key, p in shipped.placeholders.items()
            if not (audio and key == ("welcome", "kaa"))
        ]
        drafted = shipped.prompt_texts.machine_drafted
        state._prompt_library = PromptLibrary(PromptTexts(texts, drafted), placeholders)

    yield without
    state._prompt_library = shipped


def _welcome(client: FlaskClient, language: str) -> dict[str, str | None]:
    played = client.post("/simulator/step", json={"language": language}).get_json()["played"]
    welcome: dict[str, str | None] = played[0]
    assert welcome["prompt"] == "welcome"
    return welcome


def test_the_russian_stands_in_only_where_a_language_has_no_text_and_says_so(
    client: FlaskClient, kaa_welcome_gone: Callable[..., None]
) -> None:
    kaa_welcome_gone(text=True, audio=False)  # a recording plays, but its words are not written

    welcome = _welcome(client, "kaa")
    assert welcome["text"] == "Здравствуйте! Вы позвонили на горячую линию для трудовых мигрантов."
    assert (welcome["text_language"], welcome["missing"]) == ("ru", "text")
    assert welcome["url"] is not None
    uzbek = _welcome(client, "uz")
    assert (uzbek["text_language"], uzbek["missing"]) == ("uz", None)


def test_without_audio_the_page_shows_the_russian_the_provider_reads(
    client: FlaskClient, kaa_welcome_gone: Callable[..., None]
) -> None:
    kaa_welcome_gone(text=False, audio=True)  # as a real call does (ivr_menus.render)

    welcome = _welcome(client, "kaa")
    assert welcome["url"] is None
    assert welcome["text"] == "Здравствуйте! Вы позвонили на горячую линию для трудовых мигрантов."
    assert (welcome["text_language"], welcome["missing"]) == ("ru", "audio")


def _messages(page: str) -> dict[str, Any]:
    opening = '<script type="application/json" id="simulator-messages">'
    found = re.search(re.escape(opening) + "(.*?)</script>", page, re.S)
    assert found is not None
    messages: dict[str, Any] = json.loads(found.group(1))
    return messages


def test_the_page_follows_the_browser_into_russian(client: FlaskClient) -> None:
    page = client.get("/simulator", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    text = page.get_data(as_text=True)

    assert '<html lang="ru">' in text
    assert "<title>Симулятор горячей линии</title>" in text
    assert ">Позвонить</button>" in text
    assert "Звонящий слышит" in text
    assert _messages(text)["key"] == "клавиша {key}"
    assert '<option value="kaa" lang="kaa">Qaraqalpaqsha (kaa)</option>' in text


def test_the_page_switch_overrides_the_browser(client: FlaskClient) -> None:
    english = client.get(
        "/simulator", headers={"Accept-Language": "ru"}, query_string={"lang": "en"}
    )
    assert ">Call</button>" in english.get_data(as_text=True)
    russian = client.get(
        "/simulator", headers={"Accept-Language": "en"}, query_string={"lang": "ru"}
    )
    assert ">Позвонить</button>" in russian.get_data(as_text=True)
    assert client.get("/simulator", query_string={"lang": "xx"}).status_code == 200


def test_staff_who_chose_russian_in_the_console_get_the_simulator_in_russian(
    client: FlaskClient, state: Runtime
) -> None:
    with state.sessions() as session:
        add_user(session, "aida@hotline.example", "agent", PASSWORD)
        session.commit()
    token = form_token(client, "/console/login")
    login = {"email": "aida@hotline.example", "password": PASSWORD, "csrf_token": token}
    assert client.post("/console/login", data=login).status_code == 302
    token = form_token(client, "/console/callbacks")
    client.post("/console/language", data={"language": "ru", "csrf_token": token})

    page = client.get("/simulator", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page


def _script_words(language: str) -> dict[str, str]:
    """The script's messages in a page language, one entry per text (language names left out)."""
    with force_locale(language):
        messages = script_messages()
    words: dict[str, str] = {}
    for key, value in messages.items():
        if isinstance(value, str):
            words[key] = value
        elif key != "languages":
            words |= {f"{key}.{inner}": text for inner, text in value.items()}
    return words


def test_every_simulator_text_has_a_russian_translation(app: object) -> None:
    with (TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        russian = {message.id for message in read_po(po) if message.id and message.string}
    with TEMPLATE.open("rb") as source:
        found = babel_extract(source, ("_", "gettext"), [], {})
        wanted = {text for _, _, text, _ in found if isinstance(text, str)}
    assert sorted(text for text in wanted if text not in russian) == []

    english, in_russian = _script_words("en"), _script_words("ru")
    assert [key for key, words in english.items() if in_russian[key] == words] == []
