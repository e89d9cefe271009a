"""Probes for the provider webhooks: plausible carrier forms with hostile values, signed or not.

A probe is unsigned (or carries a wrong signature or token, another account's ``AccountSid``, or
the token twice), and must get 403 before anything is parsed; or it is signed the way Twilio
signs (Africa's Talking: ``?token=``), so the fuzz reaches the parsers, the database and the
voice menu behind them. A signed probe that repeats a field must get 400: no provider repeats
one, and Twilio's signature does not cover the order of repeated values.
"""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import strategies as st

from tests.conftest import AT_TOKEN, PUBLIC_BASE_URL, TWILIO_SID, TWILIO_TOKEN
from tests.fuzz.hostile import (
    NUMBER_SAMPLES,
    content_types,
    hostile_bytes,
    hostile_text,
)
from tests.fuzz.probes import FORM_TYPES, HUGE_BODY, Probe
from tests.signing import twilio_signature

# The attempt seeded by the fuzz fixtures, and the call id its agent leg has.
SEEDED_ATTEMPT_CALL = "CA" + "f" * 32
PHONES = (
    "+996555123456",
    "+996700000001",
    "+998901234567",
    "+996312000000",
    "+996312999999",
    "0555123456",
    "+79123456789",
    "+1",
    "client:anonymous",
    "sip:someone@example.org",
    "",
)
TWILIO_FIELDS = (
    "MessageSid",
    "SmsSid",
    "AccountSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "MessageStatus",
    "SmsStatus",
    "ErrorCode",
    "CallSid",
    "CallStatus",
    "Digits",
    "CallDuration",
    "RecordingUrl",
    "DialCallStatus",
    "Caller",
    "Called",
)
AT_FIELDS = (
    "id",
    "from",
    "to",
    "text",
    "date",
    "linkId",
    "status",
    "failureReason",
    "sessionId",
    "isActive",
    "callerNumber",
    "destinationNumber",
    "dtmfDigits",
    "durationInSeconds",
    "recordingUrl",
    "dialDestinationNumber",
    "dialDurationInSeconds",
)
VOICE_QUERY = ("node", "step", "tries", "phase", "then", "attempt", "leg", "message", "recipient")
NODES = ("main", "language", "citizenship", "licence", "report", "callback", "agent", "info_kr")


def _sid(prefix: str) -> st.SearchStrategy[str]:
    return st.binary(min_size=16, max_size=16).map(lambda raw: prefix + raw.hex())


def _phone() -> st.SearchStrategy[str]:
    return st.sampled_from(PHONES) | hostile_text


def _twilio_values() -> dict[str, st.SearchStrategy[str]]:
    return {
        "MessageSid": _sid("SM") | st.sampled_from(["SM", "MM" + "a" * 62, "SM ²"]),
        "SmsSid": _sid("SM"),
        "AccountSid": st.just(TWILIO_SID),
        "From": _phone(),
        "To": _phone(),
        "Body": hostile_text,
        "NumMedia": st.sampled_from(NUMBER_SAMPLES),
        "MessageStatus": st.sampled_from(["delivered", "failed", "undelivered", "sent", "READ"]),
        "SmsStatus": st.sampled_from(["received", "sent"]),
        "ErrorCode": st.sampled_from(NUMBER_SAMPLES),
        "CallSid": st.just(SEEDED_ATTEMPT_CALL) | _sid("CA") | st.sampled_from(["CA", "CA²"]),
        "CallStatus": st.sampled_from(["ringing", "in-progress", "completed", "busy", "failed"]),
        "Digits": st.sampled_from(["1", "2", "9", "0", "*", "#", "12345678", "1²"]),
        "CallDuration": st.sampled_from(NUMBER_SAMPLES),
        "RecordingUrl": st.sampled_from(
            ["https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", "file:///etc"]
        ),
        "DialCallStatus": st.sampled_from(["completed", "no-answer", "busy", "answered"]),
        "Caller": _phone(),
        "Called": _phone(),
    }


def _at_values() -> dict[str, st.SearchStrategy[str]]:
    return {
        "id": _sid("ATXid_"),
        "from": _phone(),
        "to": _phone(),
        "text": hostile_text,
        "date": st.sampled_from(["2026-11-25 10:00:00", "yesterday"]),
        "linkId": hostile_text,
        "status": st.sampled_from(["Success", "Failed", "Rejected", "Buffered", "NoAnswer"]),
        "failureReason": hostile_text,
        "sessionId": _sid("ATVId_"),
        "isActive": st.sampled_from(["1", "0", "", "true"]),
        "callerNumber": _phone(),
        "destinationNumber": _phone(),
        "dtmfDigits": st.sampled_from(["1", "2", "9", "#", "12345678", "²"]),
        "durationInSeconds": st.sampled_from(NUMBER_SAMPLES),
        "recordingUrl": st.sampled_from(["https://voice.africastalking.com/r/1.mp3", "x"]),
        "dialDestinationNumber": _phone(),
        "dialDurationInSeconds": st.sampled_from(NUMBER_SAMPLES),
    }


@st.composite
def _form(draw: st.DrawFn, values: dict[str, st.SearchStrategy[str]]) -> list[tuple[str, str]]:
    """Most fields plausible, some hostile, some missing or invented; one in four probes repeats
    a field (refused with 400, so repeating more often would keep the fuzz from the parsers)."""
    pairs: list[tuple[str, str]] = []
    for name, plausible in values.items():
        kind = draw(st.sampled_from(["plausible"] * 6 + ["hostile", "missing"]))
        if kind == "missing":
            continue
        value = draw(hostile_text if kind == "hostile" else plausible)
        pairs.append((name, value))
    pairs.extend(draw(st.lists(st.tuples(hostile_text, hostile_text), max_size=3)))
    if pairs and draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from([name for name, _ in pairs]))
        pairs.append((name, draw(hostile_text)))
    return pairs


def _repeats(form: tuple[tuple[str, str], ...]) -> bool:
    names = [name for name, _ in form]
    return len(names) != len(set(names))


@st.composite
def _query(draw: st.DrawFn) -> list[tuple[str, str]]:
    plausible = {
        "node": st.sampled_from(NODES),
        "step": st.sampled_from(NUMBER_SAMPLES),
        "tries": st.sampled_from(NUMBER_SAMPLES),
        "phase": st.sampled_from(["noinput", "recorded", "dialed"]),
        "then": st.sampled_from(NODES),
        "attempt": st.sampled_from(["1", "2", *NUMBER_SAMPLES]),
        "leg": st.sampled_from(["caller", "agent"]),
        "message": st.sampled_from(NUMBER_SAMPLES),
        "recipient": st.sampled_from(NUMBER_SAMPLES),
    }
    names = draw(st.lists(st.sampled_from(VOICE_QUERY), max_size=5, unique=True))
    return [(name, draw(plausible[name] | hostile_text)) for name in names]


def _unique(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Drop exact repeats: Twilio's validator signs a repeated pair once, so never send one."""
    return tuple(dict.fromkeys(pairs))


@st.composite
def twilio_probe(draw: st.DrawFn, rule: str) -> Probe:
    pairs = draw(_query())
    if rule == "/twilio/callback" and draw(st.booleans()):  # reach the seeded attempts often
        pairs.insert(0, ("attempt", draw(st.sampled_from(["1", "2"]))))
    query = urlencode(pairs)
    form = _unique(draw(_form(_twilio_values())))
    url = PUBLIC_BASE_URL + rule + (f"?{query}" if query else "")
    grouped: dict[str, list[str]] = {}
    for name, value in form:
        grouped.setdefault(name, []).append(value)
    signature = twilio_signature(TWILIO_TOKEN, url, grouped)
    kind = draw(st.sampled_from(["signed"] * 6 + ["unsigned", "forged", "raw", "huge"]))
    if kind == "signed":
        headers = (("X-Twilio-Signature", signature),)
        if grouped.get("AccountSid") != [TWILIO_SID]:  # missing, hostile or twice: not ours
            expect = frozenset({403})
            return Probe(rule, "POST", rule, query, form=form, headers=headers, expect=expect,
                         note="another account")  # fmt: skip
        if _repeats(form):
            return Probe(rule, "POST", rule, query, form=form, headers=headers,
                         expect=frozenset({400}), note="signed, a field repeated")  # fmt: skip
        return Probe(rule, "POST", rule, query, form=form, headers=headers, note=kind)
    if kind == "unsigned":
        return Probe(rule, "POST", rule, query, form=form, expect=frozenset({403}), note=kind)
    if kind == "forged":
        forged = draw(st.sampled_from(["", "x", signature[:-2] + "==", signature.lower()]))
        headers = (("X-Twilio-Signature", forged),)
        expect = frozenset({403}) if forged != signature else None
        return Probe(rule, "POST", rule, query, form=form, headers=headers, expect=expect)
    huge = kind == "huge"
    body = HUGE_BODY if huge else draw(hostile_bytes)
    headers = (("X-Twilio-Signature", signature),)
    expect = frozenset({413}) if huge else None
    content_type = draw(FORM_TYPES if huge else content_types)
    return Probe(
        rule, "POST", rule, query, body=body, content_type=content_type, headers=headers,
        expect=expect, note=kind,
    )  # fmt: skip


@st.composite
def africastalking_probe(draw: st.DrawFn, rule: str) -> Probe:
    pairs = draw(_query())
    kinds = ["signed"] * 6 + ["unsigned", "forged", "token twice", "raw", "huge"]
    kind = draw(st.sampled_from(kinds))
    token = {"signed": AT_TOKEN, "raw": AT_TOKEN, "huge": AT_TOKEN, "unsigned": None}.get(
        kind, draw(st.sampled_from(["", AT_TOKEN[:-1], AT_TOKEN.upper(), AT_TOKEN + "\x00"]))
    )
    if token is not None:
        pairs.insert(draw(st.integers(0, len(pairs))), ("token", token))
    if kind == "token twice":  # ?token=RIGHT&token=x: the right one must not vouch for both
        pairs.insert(draw(st.integers(0, len(pairs))), ("token", AT_TOKEN))
    query = urlencode(pairs)
    form = _unique(draw(_form(_at_values())))
    if kind in ("unsigned", "forged", "token twice"):
        expect = frozenset({403})
        return Probe(rule, "POST", rule, query, form=form, expect=expect, note=kind)
    if kind == "signed":
        expect = frozenset({400}) if _repeats(form) else None
        return Probe(rule, "POST", rule, query, form=form, expect=expect, note=kind)
    huge = kind == "huge"
    body = HUGE_BODY if huge else draw(hostile_bytes)
    expect = frozenset({413}) if huge else None
    content_type = draw(FORM_TYPES if huge else content_types)
    return Probe(
        rule, "POST", rule, query, body=body, content_type=content_type, expect=expect, note=kind
    )
