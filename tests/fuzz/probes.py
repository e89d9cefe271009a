"""One hostile request (a probe), how it is sent, and what every answer must look like.

Whatever a probe carries, the answer must be below 500, and an XML or JSON answer must parse:
a provider that gets broken TwiML hangs up on a caller, a browser that gets broken JSON shows a
blank page. XML answers may hold only the verbs the platform writes, and every URL in them must
point back at the platform, so text a caller typed can never become a ``<Dial>`` or a
``<Redirect>`` to somewhere else.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.conftest import PUBLIC_BASE_URL

MAX_CONTENT_LENGTH = 2 * 1024 * 1024
HUGE_BODY = b"x" * (MAX_CONTENT_LENGTH + 1)
# Bodies Flask reads as a form: past MAX_CONTENT_LENGTH they must be refused with 413.
FORM_TYPES = st.sampled_from(
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
TWIML_TAGS = frozenset(
    {"Response", "Say", "Play", "Pause", "Gather", "Record", "Dial", "Number"}
    | {"Redirect", "Reject", "Hangup"}
)
AT_XML_TAGS = frozenset({"Response", "Say", "Play", "GetDigits", "Record", "Dial", "Redirect"}) | {
    "Reject"
}
URL_ATTRIBUTES = ("action", "callbackUrl", "url")
STATIC_DIR = Path(__file__).resolve().parents[2] / "hotline" / "static"


@dataclass(frozen=True)
class Probe:
    """A request to send; ``expect`` names the only statuses it may get, when they are known."""

    rule: str  # the url_map rule it exercises, for the ledger
    method: str
    path: str  # as sent on the wire (already percent-encoded where that matters)
    query: str = ""  # the raw query string
    form: tuple[tuple[str, str], ...] | None = None
    body: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: frozenset[int] | None = None
    note: str = ""  # which kind of probe, for failure messages


@dataclass
class Ledger:
    """Every status each route answered, and the time it took (the benchmark prints it)."""

    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    seconds: Counter[str] = field(default_factory=Counter)

    def record(self, rule: str, status: int, seconds: float) -> None:
        self.statuses.setdefault(rule, Counter())[status] += 1
        self.seconds[rule] += seconds


LEDGER = Ledger()


def send(client: FlaskClient, probe: Probe) -> Any:
    """Send ``probe``, check the answer is sound, record it, and return it."""
    options: dict[str, Any] = {
        "method": probe.method,
        "headers": list(probe.headers),
        "buffered": True,  # read and close every answer, files included
    }
    if probe.query:
        options["query_string"] = probe.query
    if probe.form is not None:
        options["data"] = MultiDict(list(probe.form))
    elif probe.body is not None:
        options["data"] = probe.body
    if probe.content_type is not None:
        options["content_type"] = probe.content_type
    started = time.perf_counter()
    response = client.open(probe.path, **options)
    LEDGER.record(probe.rule, response.status_code, time.perf_counter() - started)
    described = f"{probe.note} {probe.method} {probe.path[:200]}?{probe.query[:200]}"
    assert response.status_code < 500, f"{response.status_code} for {described}"
    if probe.expect is not None:
        assert response.status_code in probe.expect, f"{response.status_code} for {described}"
    if probe.method != "HEAD":
        assert_well_formed(response)
    return response


def assert_well_formed(response: Any) -> None:
    """An XML answer parses and holds only our verbs; a JSON answer parses."""
    mimetype = response.mimetype or ""
    if mimetype in ("text/xml", "application/xml"):
        assert_safe_voice_xml(response.get_data())
    elif mimetype == "application/json":
        json.loads(response.get_data())


def assert_safe_voice_xml(body: bytes | str) -> ET.Element:
    """Parse a TwiML / Africa's Talking answer; no foreign element, no URL off the platform."""
    root = ET.fromstring(body)
    assert root.tag == "Response", root.tag
    for element in root.iter():
        assert element.tag in TWIML_TAGS | AT_XML_TAGS, f"unexpected <{element.tag}>"
        for name in URL_ATTRIBUTES:
            value = element.get(name)
            if value is not None and element.tag != "Play":
                assert value.startswith(PUBLIC_BASE_URL + "/"), f"{element.tag} {name}={value}"
        if element.tag == "Play":
            url = element.get("url") or element.text or ""
            assert url.startswith(PUBLIC_BASE_URL + "/audio/"), url
        if element.tag == "Redirect":
            assert (element.text or "").startswith(PUBLIC_BASE_URL + "/"), element.text
    return root


def served_from_our_folders(path: str, body: bytes) -> bool:
    """A static file byte for byte, or a WAV (the audio routes read only the library)."""
    if path.startswith("/static/"):
        return any(body == file.read_bytes() for file in STATIC_DIR.iterdir())
    return body[:4] == b"RIFF" and body[8:12] == b"WAVE"
