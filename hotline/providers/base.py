"""The provider interface: what the platform needs from an SMS/voice carrier, in neutral terms.

Values are frozen dataclasses so jobs and webhooks can pass them around freely; every failure
of a provider call is one ``ProviderError`` that says whether trying again can help.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import requests


class ProviderError(Exception):
    """A provider call failed; ``retryable`` says whether the same call may succeed later."""

    def __init__(
        self, message: str, *, retryable: bool, code: str | None = None, maybe_sent: bool = False
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        # True when the provider may have accepted the message anyway (a read timeout, a 5xx):
        # ask it (``find_sent``) before sending again.
        self.maybe_sent = maybe_sent


class WebhookRejected(ValueError):
    """A webhook body is not what this provider sends (answered with 400)."""


@dataclass(frozen=True)
class OutboundSms:
    to: str  # E.164
    body: str
    status_callback: str | None = None


@dataclass(frozen=True)
class SentSms:
    provider_id: str
    status: str  # neutral: "queued", "sent" or "failed"
    error_code: str | None = None


@dataclass(frozen=True)
class SentRecord:
    """A message the provider says it accepted (used to settle an unknown outcome)."""

    provider_id: str
    to: str
    body: str


@dataclass(frozen=True)
class InboundSms:
    provider_id: str
    sender: str  # as the provider wrote it; the caller normalises to E.164
    recipient: str
    body: str


@dataclass(frozen=True)
class DeliveryReport:
    provider_id: str
    status: str  # neutral: "sent", "delivered", "undelivered", "failed"
    error_code: str | None = None


@dataclass(frozen=True)
class CallEvent:
    provider_call_id: str
    caller: str  # as the provider wrote it, maybe empty or "anonymous": read with ``caller_of``
    callee: str
    status: str | None  # neutral CallStatus value, or None while the call is live
    digits: str | None = None
    duration_seconds: int | None = None
    recording_url: str | None = None
    dial_status: str | None = None  # outcome of a <Dial>: completed, busy, no-answer, failed


@dataclass(frozen=True)
class OutboundCall:
    to: str
    caller_id: str
    answer_url: str
    status_callback: str | None = None


@dataclass(frozen=True)
class PlacedCall:
    provider_call_id: str


# A neutral call script: what to say, play and collect; each provider renders its own XML.
@dataclass(frozen=True)
class Say:
    text: str
    language: str = "ru"


@dataclass(frozen=True)
class Play:
    url: str


@dataclass(frozen=True)
class Pause:
    seconds: int = 1


@dataclass(frozen=True)
class Gather:
    action: str
    prompts: tuple[Say | Play | Pause, ...]
    num_digits: int = 1
    timeout_seconds: int = 6
    finish_on_key: str = "#"


@dataclass(frozen=True)
class Record:
    action: str
    max_seconds: int = 120
    finish_on_key: str = "#"


@dataclass(frozen=True)
class Dial:
    numbers: tuple[str, ...]
    caller_id: str | None = None
    timeout_seconds: int = 25
    action: str | None = None


@dataclass(frozen=True)
class Redirect:
    url: str


@dataclass(frozen=True)
class Reject:
    pass


@dataclass(frozen=True)
class Hangup:
    pass


VoiceStep = Say | Play | Pause | Gather | Record | Dial | Redirect | Reject | Hangup


@dataclass(frozen=True)
class VoiceScript:
    steps: tuple[VoiceStep, ...] = ()


@dataclass(frozen=True)
class RenderedVoice:
    body: str
    content_type: str = "application/xml"


@dataclass(frozen=True)
class WebhookRequest:
    """What a provider sent, as the web layer saw it (kept free of Flask types)."""

    url: str  # PUBLIC_BASE_URL + path + "?" + raw query string, as the provider addressed it
    form: Mapping[str, list[str]]
    query: Mapping[str, str]  # the first value of each query parameter
    headers: Mapping[str, str] = field(default_factory=dict)
    # Query parameters given more than once: no provider repeats one, and a repeated token
    # (``?token=RIGHT&token=x``) must not let the first value vouch for the rest.
    repeated_query: frozenset[str] = frozenset()

    def field(self, name: str) -> str | None:
        """The first value of a form field, without NUL characters (PostgreSQL refuses them)."""
        values = self.form.get(name)
        return values[0].replace("\x00", "") if values else None


class Provider(Protocol):
    """One carrier (Twilio, Africa's Talking, or the console stand-in)."""

    name: str
    redacted_fields: frozenset[str]  # form fields never to be logged (numbers, bodies)
    # A callback's agent leg reports to the number's voice URL (Africa's Talking has only one),
    # not to a URL of its own (Twilio's /twilio/callback): the menu must look for it first.
    legs_at_voice_url: bool

    def send_sms(self, sms: OutboundSms) -> SentSms: ...

    def place_call(self, call: OutboundCall) -> PlacedCall: ...

    def verify_webhook(self, request: WebhookRequest) -> bool: ...

    def parse_inbound_sms(self, request: WebhookRequest) -> InboundSms: ...

    def parse_delivery_report(self, request: WebhookRequest) -> DeliveryReport: ...

    def parse_call_event(self, request: WebhookRequest) -> CallEvent: ...

    def render_voice(self, script: VoiceScript) -> RenderedVoice: ...

    def fetch_recording(self, url: str) -> bytes: ...

    def find_sent(self, to: str, since: dt.datetime) -> list[SentRecord] | None:
        """Messages sent to ``to`` since ``since``; None when the provider cannot tell."""
        ...


def is_dtmf(digits: str) -> bool:
    """Keypad input as a provider reports it: digits, ``*`` and ``#`` only."""
    return len(digits) <= 32 and all(c in "0123456789*#" for c in digits)


def whole_number(raw: str | None, max_digits: int = 9) -> int | None:
    """A count written in ASCII digits, else None.

    ``str.isdigit`` is true for "²" and "٣", which ``int`` refuses or reads, and a count past
    ``max_digits`` would overflow an integer column: both came from fuzzing the webhooks.
    """
    if raw and len(raw) <= max_digits and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def media_url(value: str | None) -> str | None:
    """Keep a provider media URL only if it is one (a worker fetches it later)."""
    if value and value.startswith("https://") and len(value) <= 500:
        return value
    return None


MAX_RECORDING_BYTES = 20 * 1024 * 1024


def fetch_media(url: str, auth: tuple[str, str] | None = None) -> bytes:
    """GET a provider's media file; errors say whether to retry (a new recording may 404)."""
    try:
        response = requests.get(url, auth=auth, timeout=(3.05, 30), stream=True)
        if response.status_code != 200:
            retryable = response.status_code in (404, 429) or response.status_code >= 500
            raise ProviderError(f"media answered {response.status_code}", retryable=retryable)
        data = response.raw.read(MAX_RECORDING_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise ProviderError(f"media unreachable: {type(exc).__name__}", retryable=True) from exc
    if len(data) > MAX_RECORDING_BYTES:
        raise ProviderError("recording larger than any voice message", retryable=False)
    return bytes(data)


def required(request: WebhookRequest, name: str, *, max_length: int = 64) -> str:
    """Return a required webhook field or reject the webhook."""
    value = request.field(name)
    if value is None or not value.strip():
        raise WebhookRejected(f"missing field {name}")
    if len(value) > max_length:
        raise WebhookRejected(f"field {name} is too long")
    return value.strip()
