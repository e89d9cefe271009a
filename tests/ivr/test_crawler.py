"""A crawler that presses every key on every menu in every language, as a caller would.

It walks the menu through signed Twilio webhooks and Africa's Talking callbacks, checks that
each document is valid for its provider and never ends in dead air, fetches every <Play> URL
(an 8 kHz mono 16-bit WAV), and finally checks that every node was heard in every language.
"""

from __future__ import annotations

import io
import re
import uuid
import wave
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from hotline.runtime import Runtime
from ivr_menus.menu import LANGUAGE_ORDER
from tests.conftest import AT_TOKEN, PUBLIC_BASE_URL, TwilioWebhooks

KEYS = "1234567890*#"
CALLERS = {"KG": "+996555100200", "UZ": "+998901002003", "unknown": "+79161234567"}
_PLAY = re.compile(r"/audio/(?P<language>[a-z]+)/(?P<prompt>[a-z0-9_]+)\.[0-9a-f]+\.wav$")
TWIML_VERBS = {"Say", "Play", "Gather", "Record", "Dial", "Redirect", "Reject", "Hangup", "Pause"}
AT_VERBS = {"Say", "Play", "GetDigits", "Record", "Dial", "Redirect", "Reject"}
CONTINUES = {"Gather", "GetDigits", "Redirect", "Hangup", "Reject", "Dial", "Record"}


@dataclass
class Crawl:
    client: FlaskClient
    heard: set[tuple[str, str]] = field(default_factory=set)  # (prompt, language)
    checked_urls: dict[str, bytes] = field(default_factory=dict)
    documents: int = 0

    def check_audio(self, url: str) -> None:
        if url in self.checked_urls:
            return
        path = url.removeprefix(PUBLIC_BASE_URL)
        response = self.client.get(path)
        assert response.status_code == 200, url
        assert response.mimetype == "audio/wav"
        with wave.open(io.BytesIO(response.data)) as audio:
            assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (
                8000,
                1,
                2,
            )
            assert audio.getnframes() > 0
        self.checked_urls[url] = response.data
        if match := _PLAY.search(path):
            self.heard.add((match["prompt"], match["language"]))


def _twiml(crawl: Crawl, data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == "Response"
    verbs = [child.tag for child in root]
    assert set(verbs) <= TWIML_VERBS, verbs
    assert verbs, "an empty document is dead air"
    assert verbs[-1] in CONTINUES, f"the document ends in dead air: {verbs}"
    for play in root.iter("Play"):
        crawl.check_audio(play.text or "")
    for gather in root.iter("Gather"):
        assert {child.tag for child in gather} <= {"Say", "Play", "Pause"}
        assert gather.get("action", "").startswith(PUBLIC_BASE_URL + "/twilio/voice?")
    crawl.documents += 1
    return root


def _at_xml(crawl: Crawl, data: bytes) -> ET.Element:
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(data)
    assert root.tag == "Response"
    verbs = [child.tag for child in root]
    assert set(verbs) <= AT_VERBS, verbs
    assert verbs[-1] in CONTINUES, f"the document ends in dead air: {verbs}"
    for play in root.iter("Play"):
        crawl.check_audio(play.get("url") or "")
    for digits in root.iter("GetDigits"):
        assert {child.tag for child in digits} <= {"Say", "Play"}
        assert f"token={AT_TOKEN}" in digits.get("callbackUrl", "")
    crawl.documents += 1
    return root


def _state(url: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(url).query)
    return query["node"][0], query.get("then", [""])[0]


def crawl_twilio(crawl: Crawl, webhooks: TwilioWebhooks, language: str, caller: str) -> None:
    sid = "CA" + uuid.uuid4().hex

    def post(url: str, **fields: str) -> ET.Element:
        form = {"CallSid": sid, "From": caller, "To": "+996312000000", **fields}
        response = webhooks.post(url.removeprefix(PUBLIC_BASE_URL), form)
        assert response.status_code == 200, (url, fields, response.data)
        return _twiml(crawl, response.data)

    first = post(PUBLIC_BASE_URL + "/twilio/voice")
    language_digit = str(LANGUAGE_ORDER.index(language) + 1)
    home = post(first.find("Gather").get("action", ""), Digits=language_digit)  # type: ignore[union-attr]
    queue = deque([home])
    seen: set[tuple[str, str]] = {("language", "")}
    while queue:
        document = queue.popleft()
        gather = document.find("Gather")
        if gather is None:
            record = document.find("Record")
            if record is not None:
                done = post(record.get("action", ""), RecordingUrl="https://api.twilio.com/r/RE1")
                queue.append(done)
            continue
        action = gather.get("action", "")
        state = _state(action)
        if state in seen:
            continue
        seen.add(state)
        redirect = document.find("Redirect")
        assert redirect is not None, "a silent caller must not be left hanging"
        post(redirect.text or "")
        for key in KEYS:
            if state[0] == "language" and key in "1234":
                continue  # changing language belongs to that language's own crawl
            queue.append(post(action, Digits=key))
        if state[0] == "check_agency":
            queue.append(post(action, Digits="14523#"))


def crawl_africastalking(crawl: Crawl, client: FlaskClient, language: str, caller: str) -> None:
    session_id = "ATVId_" + uuid.uuid4().hex

    def post(url: str, **fields: str) -> ET.Element:
        form = {"sessionId": session_id, "isActive": "1", "callerNumber": caller, **fields}
        response = client.post(url.removeprefix(PUBLIC_BASE_URL), data=form)
        assert response.status_code == 200, (url, fields, response.data)
        return _at_xml(crawl, response.data)

    first = post(f"{PUBLIC_BASE_URL}/africastalking/voice?token={AT_TOKEN}")
    digit = str(LANGUAGE_ORDER.index(language) + 1)
    queue = deque([post(first.find("GetDigits").get("callbackUrl", ""), dtmfDigits=digit)])  # type: ignore[union-attr]
    seen: set[tuple[str, str]] = {("language", "")}
    while queue:
        document = queue.popleft()
        digits = document.find("GetDigits")
        if digits is None:
            record = document.find("Record")
            if record is not None:
                queue.append(
                    post(record.get("callbackUrl", ""), recordingUrl="https://x.example/r")
                )
            continue
        action = digits.get("callbackUrl", "")
        state = _state(action)
        if state in seen:
            continue
        seen.add(state)
        for key in KEYS:
            if state[0] == "language" and key in "1234":
                continue
            queue.append(post(action, dtmfDigits=key))


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("language", LANGUAGE_ORDER)
def test_every_key_on_every_menu_through_twilio(
    twilio_webhooks: TwilioWebhooks, client: FlaskClient, state: Runtime, language: str
) -> None:
    crawl = Crawl(client)
    for caller in CALLERS.values():
        crawl_twilio(crawl, twilio_webhooks, language, caller)

    menu = state.ivr_menu
    unheard = [
        node.id
        for node in menu.nodes.values()
        if not any((prompt, language) in crawl.heard for prompt in node.prompt_ids())
    ]
    assert unheard == []
    assert crawl.documents > 100


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("language", LANGUAGE_ORDER)
def test_every_key_on_every_menu_through_africastalking(
    client: FlaskClient, state: Runtime, language: str
) -> None:
    crawl = Crawl(client)
    crawl_africastalking(crawl, client, language, CALLERS["KG"])
    assert crawl.documents > 50


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_prompt_sounds_different_in_each_language(client: FlaskClient) -> None:
    crawl = Crawl(client)
    webhooks = TwilioWebhooks(client)
    for language in LANGUAGE_ORDER:
        crawl_twilio(crawl, webhooks, language, CALLERS["KG"])
    by_prompt: dict[str, set[bytes]] = {}
    per_prompt_count: dict[str, int] = {}
    for url, data in crawl.checked_urls.items():
        if match := _PLAY.search(url):
            by_prompt.setdefault(match["prompt"], set()).add(data)
            per_prompt_count[match["prompt"]] = per_prompt_count.get(match["prompt"], 0) + 1
    same = [p for p, sounds in by_prompt.items() if len(sounds) < per_prompt_count[p]]
    assert same == []
