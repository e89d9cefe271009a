"""Jobs for SMS: answer what people text in, and send single messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from hotline.db import utcnow
from hotline.models import Contact, Message, MessageStatus
from hotline.queues import HIGH
from hotline.ratelimit import count_event
from hotline.runtime import runtime
from hotline.sms.conversation import Conversation
from hotline.sms.outbound import deliver_sms, queue_sms

# Provider errors that may pass: 10 s, 1 min, 5 min.
SEND_RETRY_INTERVALS = (10, 60, 300)
# Replies per number per window: a loop with an auto-responder, or SMS pumping, ends here.
REPLY_LIMIT = 10
REPLY_WINDOW_SECONDS = 600


def answer_inbound_sms(message_id: int) -> dict[str, Any]:
    """Answer one stored inbound message once: a second run finds it processed and stops."""
    state = runtime()
    settings = state.settings
    with state.sessions() as session:
        claimed = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == MessageStatus.RECEIVED)
            .values(status=MessageStatus.PROCESSED)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            session.rollback()
            return {"message_id": message_id, "handled": False}
        message = session.get(Message, message_id)
        assert message is not None
        assert message.contact_id is not None
        contact = session.get(Contact, message.contact_id)
        assert contact is not None
        conversation = Conversation(
            session,
            state.sms_content,
            state.registry,
            settings.hotline_number,
            utcnow(),
            state.staffed_hours,
        )
        text: str | None = conversation.answer(message, contact)
        if settings.ratelimit_enabled:
            sent = count_event(state.redis, f"reply:{contact.phone}", REPLY_WINDOW_SECONDS)
            if sent > REPLY_LIMIT:
                slow_down = state.sms_content.replies.text("slow_down", contact.language or "ru")
                text = slow_down if sent == REPLY_LIMIT + 1 else None
        reply_id = None
        if text:
            reply = queue_sms(
                session,
                message.provider,
                message.phone,
                text,
                contact_id=contact.id,
                in_reply_to_id=message.id,
            )
            reply_id = reply.id
        provider_name = message.provider
        session.commit()
    if reply_id is not None:
        state.queues.enqueue(
            send_sms,
            reply_id,
            provider_name,
            queue=HIGH,
            job_id=f"send-{reply_id}",
            retry_intervals=SEND_RETRY_INTERVALS,
        )
    if conversation.callback_requested:
        from workers.callbacks import enqueue_placing

        enqueue_placing(state)
    return {"message_id": message_id, "handled": True, "reply_id": reply_id}


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
