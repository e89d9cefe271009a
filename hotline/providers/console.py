"""Console: a provider that sends nothing, so the platform runs with no carrier account.

Each "sent" message is appended to ``console_outbox.jsonl`` in the instance folder (shared by
every process of one instance) and logged with the number masked. The file is UTF-8 as people
read it: a newcomer opens it to see the Kyrgyz or Russian reply, not ``\\u041a`` escapes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from pathlib import Path

from hotline.config import Settings
from hotline.phones import mask
from hotline.providers.base import (
    CallEvent,
    DeliveryReport,
    InboundSms,
    OutboundCall,
    OutboundSms,
    PlacedCall,
    ProviderError,
    RenderedVoice,
    SentRecord,
    SentSms,
    VoiceScript,
    WebhookRequest,
)
from hotline.providers.twilio import TwilioProvider

log = logging.getLogger(__name__)


class ConsoleProvider:
    """Records outbound traffic; inbound webhooks and voice XML use Twilio's shapes."""

    name = "console"
    redacted_fields = TwilioProvider.redacted_fields
    legs_at_voice_url = TwilioProvider.legs_at_voice_url

    def __init__(self, settings: Settings) -> None:
        self._outbox = Path(settings.instance_path) / "console_outbox.jsonl"
        self._twiml = TwilioProvider(settings)

    def _record(self, kind: str, **values: str | None) -> str:
        provider_id = f"console-{uuid.uuid4().hex}"
        self._outbox.parent.mkdir(parents=True, exist_ok=True)
        # A lone surrogate (bytes that were not UTF-8 in a CLI argument) stays a JSON escape.
        with self._outbox.open("a", encoding="utf-8", errors="backslashreplace") as outbox:
            entry = {"id": provider_id, "kind": kind, **values}
            outbox.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return provider_id

    def send_sms(self, sms: OutboundSms) -> SentSms:
        provider_id = self._record("sms", to=sms.to, body=sms.body)
        log.info("console SMS to %s (%d chars)", mask(sms.to), len(sms.body))
        return SentSms(provider_id=provider_id, status="sent")

    def place_call(self, call: OutboundCall) -> PlacedCall:
        provider_id = self._record("call", to=call.to, answer_url=call.answer_url)
        log.info("console call to %s", mask(call.to))
        return PlacedCall(provider_call_id=provider_id)

    def verify_webhook(self, request: WebhookRequest) -> bool:
        return False  # nobody calls the console provider from outside

    def parse_inbound_sms(self, request: WebhookRequest) -> InboundSms:
        return self._twiml.parse_inbound_sms(request)

    def parse_delivery_report(self, request: WebhookRequest) -> DeliveryReport:
        return self._twiml.parse_delivery_report(request)

    def parse_call_event(self, request: WebhookRequest) -> CallEvent:
        return self._twiml.parse_call_event(request)

    def render_voice(self, script: VoiceScript) -> RenderedVoice:
        return self._twiml.render_voice(script)

    def find_sent(self, to: str, since: dt.datetime) -> list[SentRecord] | None:
        if not self._outbox.exists():
            return []
        records = []
        with self._outbox.open(encoding="utf-8") as outbox:
            for line in outbox:
                entry = json.loads(line)
                if entry.get("kind") == "sms" and entry.get("to") == to:
                    records.append(SentRecord(entry["id"], to, entry.get("body", "")))
        return records

    def fetch_recording(self, url: str) -> bytes:
        raise ProviderError("the console provider has no recordings", retryable=False)
