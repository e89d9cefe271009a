"""Jobs for SMS: answer what people text in, and send single messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from hotline.models import Message, MessageStatus
from hotline.runtime import runtime
from hotline.sms.outbound import deliver_sms

# Provider errors that may pass: 10 s, 1 min, 5 min.
SEND_RETRY_INTERVALS = (10, 60, 300)


def answer_inbound_sms(message_id: int) -> dict[str, Any]:
    """Handle one stored inbound message once (a second run finds it processed)."""
    state = runtime()
    with state.session_scope() as session:
        result = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == MessageStatus.RECEIVED)
            .values(status=MessageStatus.PROCESSED)
        )
        handled = getattr(result, "rowcount", 0) == 1
    return {"message_id": message_id, "handled": handled}


def send_sms(message_id: int, provider_name: str) -> dict[str, Any]:
    """Send one queued outbound message through the provider it was queued for."""
    state = runtime()
    provider = state.provider_named(provider_name)
    callback = status_callback_url(state.settings.public_base_url, provider_name)
    with state.sessions() as session:
        outcome = deliver_sms(session, provider, message_id, callback)
    return {"message_id": outcome.message_id, "status": outcome.status}


def status_callback_url(public_base_url: str, provider_name: str) -> str | None:
    paths = {"twilio": "/twilio/status", "africastalking": "/africastalking/delivery"}
    path = paths.get(provider_name)
    return public_base_url + path if path else None
