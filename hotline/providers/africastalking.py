"""Africa's Talking: REST through the official SDK, callbacks checked by a shared token, voice XML.

Africa's Talking does not sign its callbacks, so each callback URL carries ``?token=`` with the
secret ``AT_CALLBACK_TOKEN``; a callback without it is refused.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService
from africastalking.Voice import VoiceService

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
    VoiceStep,
    WebhookRejected,
    WebhookRequest,
    fetch_media,
    is_dtmf,
    media_url,
    required,
    whole_number,
)
from hotline.providers.readiness import NOT_CONFIGURED, unready

REQUEST_TIMEOUT = (3.05, 10.0)

_DELIVERY = {
    "sent": "sent",
    "submitted": "sent",
    "buffered": "sent",
    "success": "delivered",
    "rejected": "failed",
    "failed": "failed",
    "absentsubscriber": "undelivered",
    "expired": "undelivered",
}
# Send status codes: 100-102 accepted; 5xx on their side may pass; the rest are about the request.
_ACCEPTED_CODES = {100, 101, 102}
_RETRYABLE_CODES = {405, 500, 501, 502}
_CALL_FINAL = {
    "success": "completed",
    "completed": "completed",
    "failed": "failed",
    "busy": "busy",
    "noanswer": "no-answer",
    "no_answer": "no-answer",
    "rejected": "failed",
    "aborted": "canceled",
}
_VOICES = {"ru": "ru-RU-Standard-A", "en": "en-US-Standard-C"}


class AfricasTalkingProvider:
    name = "africastalking"
    redacted_fields = frozenset({"from", "to", "text", "callerNumber", "destinationNumber"})
    legs_at_voice_url = True

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _credentials(self) -> tuple[str, str]:
        if problem := unready(self.name, self._settings):
            raise ProviderError(problem, retryable=False, code=NOT_CONFIGURED)
        return self._settings.at_username, self._settings.at_api_key

    def send_sms(self, sms: OutboundSms) -> SentSms:
        service = SMSService(*self._credentials())
        service._baseUrl = self._settings.at_api_url + "/version1"
        try:
            answer = service.send(
                sms.body,
                [sms.to],
                sender_id=self._settings.at_sender_id or None,
                timeout=REQUEST_TIMEOUT,
            )
        except Exception as exc:
            raise _provider_error(exc) from exc
        recipient = _first(_as_json(answer), "SMSMessageData", "Recipients")
        code = int(recipient.get("statusCode", 0))
        if code not in _ACCEPTED_CODES:
            raise ProviderError(
                f"Africa's Talking refused the message ({recipient.get('status')})",
                retryable=code in _RETRYABLE_CODES,
                code=str(code),
            )
        return SentSms(provider_id=str(recipient["messageId"]), status="sent")

    def place_call(self, call: OutboundCall) -> PlacedCall:
        service = VoiceService(*self._credentials())
        service._baseUrl = self._settings.at_voice_url
        try:
            answer = service.call(call.caller_id, [call.to], timeout=REQUEST_TIMEOUT)
        except Exception as exc:
            raise _provider_error(exc) from exc
        entry = _first(_as_json(answer), "entries")
        session_id = entry.get("sessionId")
        if not session_id or str(entry.get("status", "")).lower() != "queued":
            raise ProviderError(
                f"Africa's Talking did not queue the call ({entry.get('status')})", retryable=False
            )
        return PlacedCall(provider_call_id=str(session_id))

    def find_sent(self, to: str, since: dt.datetime) -> list[SentRecord] | None:
        return None  # no listing of sent messages by recipient in Africa's Talking's API

    def fetch_recording(self, url: str) -> bytes:
        """Download a caller's recording from Africa's Talking's own hosts only."""
        host = urlsplit(url).hostname or ""
        configured = urlsplit(self._settings.at_voice_url).hostname or ""
        if not (host == configured or host.endswith(".africastalking.com")):
            raise ProviderError("not an Africa's Talking recording URL", retryable=False)
        return fetch_media(url)

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """The callback token, once, in the query (Africa's Talking signs nothing)."""
        expected = self._settings.at_callback_token
        if "token" in request.repeated_query:
            return False
        given = request.query.get("token", "")
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    def parse_inbound_sms(self, request: WebhookRequest) -> InboundSms:
        text = request.field("text") or ""
        if len(text) > 1600:
            raise WebhookRejected("text is longer than any SMS")
        return InboundSms(
            provider_id=required(request, "id"),
            sender=required(request, "from", max_length=32),
            recipient=required(request, "to", max_length=32),
            body=text,
        )

    def parse_delivery_report(self, request: WebhookRequest) -> DeliveryReport:
        raw = required(request, "status").lower()
        if raw not in _DELIVERY:
            raise WebhookRejected("unknown status")
        reason = request.field("failureReason")
        return DeliveryReport(
            provider_id=required(request, "id"),
            status=_DELIVERY[raw],
            error_code=reason[:20] if reason else None,
        )

    def parse_call_event(self, request: WebhookRequest) -> CallEvent:
        session_id = required(request, "sessionId")
        active = request.field("isActive")
        if active not in {"0", "1", None}:
            raise WebhookRejected("isActive must be 0 or 1")
        status = None
        if active == "0":
            raw = (request.field("status") or "completed").lower()
            status = _CALL_FINAL.get(raw, "completed")
        digits = request.field("dtmfDigits")
        if digits is not None and not is_dtmf(digits):
            raise WebhookRejected("malformed dtmfDigits")
        duration = request.field("durationInSeconds")
        dial_status = None
        if request.field("dialDestinationNumber"):  # a <Dial> ended: did the callee talk?
            talked = whole_number(request.field("dialDurationInSeconds")) or 0
            dial_status = "completed" if talked > 0 else "no-answer"
        return CallEvent(
            provider_call_id=session_id,
            caller=request.field("callerNumber") or "",  # may be hidden: hotline.callers
            callee=request.field("destinationNumber") or "",
            status=status,
            digits=digits or None,
            duration_seconds=whole_number(duration),
            recording_url=media_url(request.field("recordingUrl")),
            dial_status=dial_status,
        )

    def render_voice(self, script: VoiceScript) -> RenderedVoice:
        root = ET.Element("Response")
        for step in script.steps:
            _append_xml(root, step)
        body = '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode")
        return RenderedVoice(body=body, content_type="application/xml")


def _append_xml(parent: ET.Element, step: VoiceStep) -> None:
    """Write one step; ElementTree escapes text and attributes, so caller text is inert."""
    if isinstance(step, Say):
        say = ET.SubElement(parent, "Say", voice=_VOICES.get(step.language, _VOICES["ru"]))
        say.text = step.text
    elif isinstance(step, Play):
        ET.SubElement(parent, "Play", url=step.url)
    elif isinstance(step, Pause):
        pass  # Africa's Talking has no pause; the next prompt follows directly.
    elif isinstance(step, Gather):
        gather = ET.SubElement(
            parent,
            "GetDigits",
            timeout=str(step.timeout_seconds),
            finishOnKey=step.finish_on_key,
            numDigits=str(step.num_digits),
            callbackUrl=step.action,
        )
        for prompt in step.prompts:
            _append_xml(gather, prompt)
    elif isinstance(step, Record):
        ET.SubElement(
            parent,
            "Record",
            finishOnKey=step.finish_on_key,
            maxLength=str(step.max_seconds),
            trimSilence="true",
            playBeep="true",
            callbackUrl=step.action,
        )
    elif isinstance(step, Dial):
        attributes = {"phoneNumbers": ",".join(step.numbers), "sequential": "true"}
        if step.caller_id:
            attributes["callerId"] = step.caller_id
        attributes["maxDuration"] = "3600"
        ET.SubElement(parent, "Dial", attributes)
    elif isinstance(step, Redirect):
        ET.SubElement(parent, "Redirect").text = step.url
    elif isinstance(step, Reject | Hangup):
        ET.SubElement(parent, "Reject")


def _as_json(answer: Any) -> dict[str, Any]:
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except ValueError as exc:
            raise ProviderError("Africa's Talking answered non-JSON", retryable=True) from exc
    if not isinstance(answer, dict):
        raise ProviderError("Africa's Talking answered an unexpected shape", retryable=True)
    return answer


def _first(answer: dict[str, Any], *path: str) -> dict[str, Any]:
    node: Any = answer
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list) or not node or not isinstance(node[0], dict):
        raise ProviderError("Africa's Talking answered without a recipient", retryable=False)
    return node[0]


def _provider_error(exc: Exception) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, requests.RequestException | OSError):
        return ProviderError(f"Africa's Talking unreachable: {type(exc).__name__}", retryable=True)
    if isinstance(exc, AfricasTalkingException):
        # The SDK keeps only the error body, not the HTTP status. A refused request was not
        # sent, so trying again cannot duplicate it: retry unless the body blames the request.
        text = str(exc).lower()
        retryable = not any(word in text for word in ("invalid", "unsupported", "blacklist"))
        return ProviderError("Africa's Talking refused the request", retryable=retryable)
    if isinstance(exc, ValueError):
        return ProviderError("Africa's Talking SDK rejected the number", retryable=False)
    raise exc
