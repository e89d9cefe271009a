"""A probe strategy for every route outside the console, keyed by its ``url_map`` rule.

``test_every_route_is_fuzzed`` compares this table with the application's own ``url_map``, so a
route added later fails the suite until someone says how to fuzz it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from hotline.config import LANGUAGES
from tests.fuzz.hostile import (
    PATH_PAYLOADS,
    SQL_PAYLOADS,
    XML_PAYLOADS,
    content_types,
    hostile_bytes,
    hostile_text,
)
from tests.fuzz.probes import HUGE_BODY, Probe
from tests.fuzz.webhooks import NODES, africastalking_probe, twilio_probe

OTHER_METHODS = ("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE")
PROMPTS = ("main_menu", "welcome", "language_menu", "digit_1", "agents_closed")
HASHES = ("0123456789abcdef", "ffffffffffffffff", "0000000000000000")
STATIC_FILES = ("console.css", "simulator.js", "console_campaigns.js")


def _languages() -> st.SearchStrategy[str]:
    return st.sampled_from(LANGUAGES) | st.sampled_from(["", "en", "RU", "ru\x00", "ky;"])


@st.composite
def _pairs(draw: st.DrawFn, plausible: dict[str, st.SearchStrategy[str]]) -> str:
    """A query string: plausible or hostile values, fields missing, repeated or invented."""
    pairs: list[tuple[str, str]] = []
    for name, values in plausible.items():
        for _ in range(draw(st.sampled_from([1, 1, 1, 0, 2]))):
            hostile = draw(st.sampled_from([False, True]))
            pairs.append((name, draw(hostile_text if hostile else values)))
    pairs.extend(draw(st.lists(st.tuples(hostile_text, hostile_text), max_size=2)))
    if draw(st.booleans()):
        return urlencode(pairs)
    raw = draw(hostile_bytes)  # what a client writes after "?" by hand: any byte at all
    return urlencode(pairs) + "&" + quote(raw, safe="=&%+")


def _searches() -> st.SearchStrategy[str]:
    return st.sampled_from(SQL_PAYLOADS + XML_PAYLOADS + ("KG-0145-23", "Ак-Жол")) | hostile_text


@st.composite
def _get(draw: st.DrawFn, rule: str, path: str, query: str = "") -> Probe:
    """A GET, sometimes another method; sometimes with a body nobody asked for."""
    method = draw(st.sampled_from(("GET",) * 14 + OTHER_METHODS + ("POST",)))
    body = draw(st.none() | hostile_bytes | st.just(HUGE_BODY))
    headers = draw(
        st.sampled_from([(), (("Accept", "*/*"),), (("If-None-Match", '"x", *'),)])
        | st.tuples(st.tuples(st.just("Accept-Language"), st.sampled_from(["ru", "*;q=x", ""])))
    )
    return Probe(rule, method, path, query, body=body, headers=headers, note="get")


def verify_api() -> st.SearchStrategy[Probe]:
    rule = "/api/v1/agencies/verify"
    queries = _pairs({"q": _searches(), "lang": _languages()})
    return queries.flatmap(lambda query: _get(rule, rule, query))


def verify_page() -> st.SearchStrategy[Probe]:
    rule = "/verify"
    queries = _pairs({"q": _searches(), "lang": _languages()})
    return queries.flatmap(lambda query: _get(rule, rule, query))


def health(rule: str) -> st.SearchStrategy[Probe]:
    return _pairs({}).flatmap(lambda query: _get(rule, rule, query))


def simulator_page() -> st.SearchStrategy[Probe]:
    return _pairs({"lang": _languages()}).flatmap(lambda q: _get("/simulator", "/simulator", q))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)


def _json_post(draw: st.DrawFn, rule: str, fields: dict[str, st.SearchStrategy[Any]]) -> Probe:
    """A JSON route's probe: its fields with hostile values, any JSON, raw bytes, or a method."""
    kind = draw(st.sampled_from(["object"] * 6 + ["any json", "raw", "huge", "method"]))
    if kind == "method":
        return Probe(rule, draw(st.sampled_from((*OTHER_METHODS, "GET"))), rule, note=kind)
    if kind == "huge":
        body, content_type = HUGE_BODY, "application/json"
        return Probe(rule, "POST", rule, body=body, content_type=content_type, note=kind)
    if kind == "raw":
        body, content_type = draw(hostile_bytes), draw(content_types)
        return Probe(rule, "POST", rule, body=body, content_type=content_type, note=kind)
    if kind == "any json":
        document = draw(_json_values)
    else:
        names = draw(st.lists(st.sampled_from(sorted(fields)), unique=True))
        document = {name: draw(fields[name] | _json_values) for name in names}
    body = json.dumps(document).encode()
    return Probe(rule, "POST", rule, body=body, content_type="application/json", note=kind)


@st.composite
def simulator_step(draw: st.DrawFn) -> Probe:
    rule = "/simulator/step"
    fields = {
        "node": st.sampled_from(NODES),
        "digits": st.sampled_from(["1", "2", "9", "#", "1234567", "²", ""]),
        "language": _languages(),
        "citizenship": st.sampled_from(["KG", "UZ", "kg", ""]),
        "step": st.integers(-(2**70), 2**70) | st.sampled_from([0, 1, 9999, 10_000]),
        "tries": st.integers(-5, 20),
        "phase": st.sampled_from(["noinput", "recorded", "dialed"]),
        "then": st.sampled_from(NODES),
        "dial_status": st.sampled_from(["completed", "no-answer", "busy"]),
        "agents_available": st.booleans(),
    }
    return _json_post(draw, rule, fields)


@st.composite
def simulator_sms(draw: st.DrawFn) -> Probe:
    """The SMS pane's post: numbers and texts people type, and everything else."""
    rule = "/simulator/sms"
    fields = {
        "from": st.sampled_from(
            ["+996555123456", "0555 123 456", "00996555123456", "+12025550123", "+996 1", ""]
        ),
        "text": st.sampled_from(
            ["HELP", "STOP", "START", "CALL", "REPORT x", "Ак-Жол Тревел", "RULES RU", "x" * 1601]
        )
        | hostile_text,
    }
    return _json_post(draw, rule, fields)


@st.composite
def simulator_sms_reply(draw: st.DrawFn) -> Probe:
    """The pane's poll: tickets that are not ours, too long, or climbing out of the path."""
    rule = "/simulator/sms/<ticket>"
    ticket = draw(_segment() | st.sampled_from(["1", "eyJhIjoxfQ.abc.def", "MQ.ZZZZ.x" * 40]))
    return draw(_get(rule, f"/simulator/sms/{ticket}"))


def _segment() -> st.SearchStrategy[str]:
    """A path segment, percent-encoded or not, that may try to climb out of its folder."""
    raw = st.sampled_from(PATH_PAYLOADS) | hostile_text.map(lambda text: text[:300])
    return raw.map(lambda text: quote(text, safe="")) | st.sampled_from(PATH_PAYLOADS)


def _audio_path(draw: st.DrawFn, middle: st.SearchStrategy[str]) -> str:
    language = draw(st.sampled_from(LANGUAGES) | _segment())
    version = draw(st.sampled_from(HASHES) | _segment())
    return f"/audio/{language}/{draw(middle)}.{version}.wav"


@st.composite
def prompt_audio(draw: st.DrawFn) -> Probe:
    rule = "/audio/<language>/<prompt_id>.<version>.wav"
    path = _audio_path(draw, st.sampled_from(PROMPTS) | _segment())
    return draw(_get(rule, path))


@st.composite
def digits_audio(draw: st.DrawFn) -> Probe:
    rule = "/audio/<language>/digits/<digits>.<version>.wav"
    digits = st.sampled_from(["1", "0553", "9" * 20, "9" * 21, "1²", "-1"]) | _segment()
    return draw(_get(rule, _audio_path(draw, digits)))


@st.composite
def static(draw: st.DrawFn) -> Probe:
    rule = "/static/<path:filename>"
    name = draw(st.sampled_from(STATIC_FILES) | _segment())
    prefix = draw(st.sampled_from(["", "../", "..%2f", "%2e%2e/", "sub/../", "/"]))
    return draw(_get(rule, f"/static/{prefix}{name}"))


FUZZERS: dict[str, Callable[[], st.SearchStrategy[Probe]]] = {
    "/twilio/sms": lambda: twilio_probe("/twilio/sms"),
    "/twilio/voice": lambda: twilio_probe("/twilio/voice"),
    "/twilio/status": lambda: twilio_probe("/twilio/status"),
    "/twilio/callback": lambda: twilio_probe("/twilio/callback"),
    "/africastalking/sms": lambda: africastalking_probe("/africastalking/sms"),
    "/africastalking/voice": lambda: africastalking_probe("/africastalking/voice"),
    "/africastalking/delivery": lambda: africastalking_probe("/africastalking/delivery"),
    "/api/v1/agencies/verify": verify_api,
    "/verify": verify_page,
    "/healthz": lambda: health("/healthz"),
    "/livez": lambda: health("/livez"),
    "/simulator": simulator_page,
    "/simulator/step": simulator_step,
    "/simulator/sms": simulator_sms,
    "/simulator/sms/<ticket>": simulator_sms_reply,
    "/audio/<language>/<prompt_id>.<version>.wav": prompt_audio,
    "/audio/<language>/digits/<digits>.<version>.wav": digits_audio,
    "/static/<path:filename>": static,
}
# Console routes are behind a login; their searches are fuzzed in ``test_searches``.
UNFUZZED_PREFIXES = ("/console/",)
