"""Twilio: REST through the official SDK, webhooks validated with its RequestValidator, TwiML."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from hotline.config import Settings
from hotline.providers.base import (
    CallEvent,
    DeliveryReport,
    Dial,
    Gather,
    Hangup,
    InboundSms,
    OutboundCall,
    OutboundSms,
    Pause,
    PlacedCall,
    Play,
    ProviderError,
    Record,
    Redirect,
    Reject,
    RenderedVoice,
    Say,
    SentRecord,
    SentSms,
    VoiceScript,
    WebhookRejected,
    WebhookRequest,
    fetch_media,
    is_dtmf,
    media_url,
    required,
    whole_number,
)
from hotline.providers.readiness import NOT_CONFIGURED, unready
from hotline.providers.twilio_messages import MessagesApi, rest_error

TWILIO_API = "https://api.twilio.com"
REQUEST_TIMEOUT_SECONDS = 10.0

_DELIVERY = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
_CALL_FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
_CALL_LIVE = {"queued", "initiated", "ringing", "in-progress"}
_SAY_LANGUAGE = {"ru": "ru-RU", "ky": "ru-RU", "uz": "ru-RU", "kaa": "ru-RU", "en": "en-US"}


class _BaseUrlHttpClient(TwilioHttpClient):
    """Send the SDK's requests to another base URL (a regional edge, or a loopback test server)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=REQUEST_TIMEOUT_SECONDS)
        self._base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self._base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def _is_sid(value: str, prefix: str) -> bool:
    return value.startswith(prefix) and value[2:].isalnum() and len(value) <= 64


class TwilioProvider:
    name = "twilio"
    redacted_fields = frozenset({"From", "To", "Body", "Caller", "Called", "RecordingUrl"})
    legs_at_voice_url = False

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None
        self._messages_api: MessagesApi | None = None

    def _rest(self) -> Client:
        if self._client is None:
            if not (self._settings.twilio_account_sid and self._settings.twilio_auth_token):
                raise _not_configured(self._settings)
            self._client = Client(
                self._settings.twilio_account_sid,
                self._settings.twilio_auth_token,
                http_client=_BaseUrlHttpClient(self._settings.twilio_api_url),
            )
        return self._client

    def send_sms(self, sms: OutboundSms) -> SentSms:
        if unready(self.name, self._settings):
            raise _not_configured(self._settings)
        form = {"To": sms.to, "Body": sms.body}
        if self._settings.twilio_messaging_service_sid:
            form["MessagingServiceSid"] = self._settings.twilio_messaging_service_sid
        else:
            form["From"] = self._settings.twilio_from
        if sms.status_callback:
            form["StatusCallback"] = sms.status_callback
        message = self._messages().create(form)
        status = _DELIVERY.get(str(message.get("status") or "queued"), "sent")
        return SentSms(provider_id=message["sid"], status=status)

    def _messages(self) -> MessagesApi:
        if self._messages_api is None:
            self._rest()  # refuses missing credentials the same way
            self._messages_api = MessagesApi(
                self._settings.twilio_api_url,
                self._settings.twilio_account_sid,
                self._settings.twilio_auth_token,
                REQUEST_TIMEOUT_SECONDS,
            )
        return self._messages_api

    def place_call(self, call: OutboundCall) -> PlacedCall:
        options: dict[str, Any] = {"to": call.to, "from_": call.caller_id, "url": call.answer_url}
        if call.status_callback:
            options["status_callback"] = call.status_callback
            options["status_callback_event"] = ["initiated", "ringing", "answered", "completed"]
        try:
            placed = self._rest().calls.create(**options)
        except Exception as exc:
            raise _provider_error(exc) from exc
        return PlacedCall(provider_call_id=str(placed.sid))

    def find_sent(self, to: str, since: dt.datetime) -> list[SentRecord] | None:
        try:
            messages = self._rest().messages.list(to=to, date_sent_after=since, limit=50)
        except Exception as exc:
            raise _provider_error(exc) from exc
        return [SentRecord(str(m.sid), str(m.to), str(m.body or "")) for m in messages]

    def fetch_recording(self, url: str) -> bytes:
        """Download a caller's recording (WAV) from Twilio's API, never from anywhere else."""
        if not url.startswith(TWILIO_API + "/2010-04-01/Accounts/"):
            raise ProviderError("not a Twilio recording URL", retryable=False)
        address = self._settings.twilio_api_url + url[len(TWILIO_API) :] + ".wav"
        credentials = (self._settings.twilio_account_sid, self._settings.twilio_auth_token)
        return fetch_media(address, credentials)

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """Our account's signature over the URL and form, and our ``AccountSid`` exactly once.

        Twilio sends ``AccountSid`` with every webhook, so a request without it, with another
        account's, or with two, did not come from our account the way Twilio sends it: a
        number of another account (or a subaccount) pointed at us is refused too. A set-up
        that only signs webhooks (the console provider with just ``TWILIO_AUTH_TOKEN``, as a
        newcomer runs it) has no account to compare with: there the signature, made with our
        account's token, is the proof, and ``AccountSid`` must still be one well-formed SID.
        """
        token = self._settings.twilio_auth_token
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not signature:
            return False
        sent = list(request.form.get("AccountSid", ()))
        ours = self._settings.twilio_account_sid
        if len(sent) != 1 or (sent[0] != ours if ours else not _is_sid(sent[0], "AC")):
            return False
        validator = RequestValidator(token)
        return bool(validator.validate(request.url, _MultiValues(request.form), signature))

    def parse_inbound_sms(self, request: WebhookRequest) -> InboundSms:
        sid = request.field("MessageSid") or request.field("SmsSid") or ""
        if not _is_sid(sid, "SM") and not _is_sid(sid, "MM"):
            raise WebhookRejected("MessageSid is missing or malformed")
        body = request.field("Body") or ""
        if len(body) > 1600:
            raise WebhookRejected("Body is longer than any SMS")
        return InboundSms(
            provider_id=sid,
            sender=required(request, "From", max_length=32),
            recipient=required(request, "To", max_length=32),
            body=body,
        )

    def parse_delivery_report(self, request: WebhookRequest) -> DeliveryReport:
        sid = request.field("MessageSid") or request.field("SmsSid") or ""
        if not _is_sid(sid, "SM") and not _is_sid(sid, "MM"):
            raise WebhookRejected("MessageSid is missing or malformed")
        raw = (request.field("MessageStatus") or request.field("SmsStatus") or "").lower()
        if raw not in _DELIVERY:
            raise WebhookRejected("unknown MessageStatus")
        code = request.field("ErrorCode")
        if code is not None and whole_number(code, 8) is None:
            raise WebhookRejected("malformed ErrorCode")
        return DeliveryReport(provider_id=sid, status=_DELIVERY[raw], error_code=code or None)

    def parse_call_event(self, request: WebhookRequest) -> CallEvent:
        sid = required(request, "CallSid")
        if not _is_sid(sid, "CA"):
            raise WebhookRejected("CallSid is malformed")
        raw = (request.field("CallStatus") or "").lower()
        if raw and raw not in _CALL_FINAL | _CALL_LIVE:
            raise WebhookRejected("unknown CallStatus")
        digits = request.field("Digits")
        if digits is not None and not is_dtmf(digits):
            raise WebhookRejected("malformed Digits")
        return CallEvent(
            provider_call_id=sid,
            caller=request.field("From") or "",  # a hidden caller is heard too (hotline.callers)
            callee=required(request, "To", max_length=32),
            status=raw if raw in _CALL_FINAL else None,
            digits=digits,
            duration_seconds=whole_number(request.field("CallDuration")),
            recording_url=media_url(request.field("RecordingUrl")),
            dial_status=(request.field("DialCallStatus") or "").lower()[:20] or None,
        )

    def render_voice(self, script: VoiceScript) -> RenderedVoice:
        response = VoiceResponse()
        for step in script.steps:
            _append_twiml(response, step)
        return RenderedVoice(body=str(response), content_type="text/xml")


class _MultiValues(dict[str, list[str]]):
    """Give RequestValidator every value of a repeated form field, as Twilio signs them."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def _append_twiml(parent: Any, step: object) -> None:
    if isinstance(step, Say):
        parent.say(step.text, language=_SAY_LANGUAGE.get(step.language, "ru-RU"))
    elif isinstance(step, Play):
        parent.play(step.url)
    elif isinstance(step, Pause):
        parent.pause(length=step.seconds)
    elif isinstance(step, Gather):
        gather = parent.gather(
            action=step.action,
            method="POST",
            input="dtmf",
            num_digits=step.num_digits,
            timeout=step.timeout_seconds,
            finish_on_key=step.finish_on_key,
        )
        for prompt in step.prompts:
            _append_twiml(gather, prompt)
    elif isinstance(step, Record):
        parent.record(
            action=step.action,
            method="POST",
            max_length=step.max_seconds,
            finish_on_key=step.finish_on_key,
            play_beep=True,
        )
    elif isinstance(step, Dial):
        dial = parent.dial(
            caller_id=step.caller_id, timeout=step.timeout_seconds, action=step.action
        )
        for number in step.numbers:
            dial.number(number)
    elif isinstance(step, Redirect):
        parent.redirect(step.url, method="POST")
    elif isinstance(step, Reject):
        parent.reject()
    elif isinstance(step, Hangup):
        parent.hangup()
    else:  # pragma: no cover - the VoiceStep union is closed
        raise TypeError(f"unknown voice step {step!r}")


def _not_configured(settings: Settings) -> ProviderError:
    """Settings missing: no call to Twilio can succeed until someone sets them."""
    reason = unready("twilio", settings) or "twilio is not configured"
    return ProviderError(reason, retryable=False, code=NOT_CONFIGURED)


def _provider_error(exc: Exception) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, TwilioRestException):
        code = str(exc.code) if exc.code is not None else None
        return rest_error(exc.status, code)
    if isinstance(exc, requests.ReadTimeout):
        return ProviderError("Twilio did not answer in time", retryable=True, maybe_sent=True)
    if isinstance(exc, requests.RequestException | TwilioException | OSError):
        return ProviderError(f"Twilio unreachable: {type(exc).__name__}", retryable=True)
    raise exc
