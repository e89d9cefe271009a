"""Jobs for SMS: answer what people text in, and send single messages.

A reply is an SMS we pay for: ``hotline.sms.spend`` decides whether it goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from hotline.db import utcnow
from hotline.models import Contact, Message, MessageStatus
from hotline.providers.readiness import reply_provider
from hotline.queues import HIGH
from hotline.runtime import Runtime, runtime
from hotline.sms.conversation import Conversation
from hotline.sms.outbound import deliver_sms
from hotline.sms.spend import record_text, spend_gate

# Provider errors that may pass: 10 s, 1 min, 5 min.
SEND_RETRY_INTERVALS = (10, 60, 300)


@dataclass(frozen=True)
class Answer:
    """What answering one inbound message left to do once its transaction committed."""

    message_id: int
    reply_id: int | None
    provider: str  # the reply's: see ``hotline.providers.readiness.reply_provider``
    callback_requested: bool
    phone: str


def answer_inbound_sms(message_id: int) -> dict[str, Any]:
    """Answer one stored inbound message once: a second run finds it processed and stops."""
    state = runtime()
    answer = answer_message(state, message_id)
    if answer is None:
        return {"message_id": message_id, "handled": False}
    if answer.reply_id is not None:
        queue_send(state, answer.reply_id, answer.provider)
    if answer.callback_requested:
        from workers.callbacks import enqueue_placing

        enqueue_placing(state)
    return {"message_id": message_id, "handled": True, "reply_id": answer.reply_id}


def queue_send(state: Runtime, reply_id: int, provider_name: str) -> None:
    state.queues.enqueue(
        send_sms,
        reply_id,
        provider_name,
        queue=HIGH,
        job_id=f"send-{reply_id}",
        retry_intervals=SEND_RETRY_INTERVALS,
    )


def answer_message(state: Runtime, message_id: int) -> Answer | None:
    """Claim, answer and commit one inbound message; None when another run already did."""
    settings = state.settings
    with state.sessions() as session:
        claimed = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == MessageStatus.RECEIVED)
            .values(status=MessageStatus.PROCESSED)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            session.rollback()
            return None
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
            settings.call_destinations,
        )
        text: str | None = conversation.answer(message, contact)
        reply_id, reply_via = None, message.provider
        if text:
            # Redis away: nothing is committed yet, so the job fails and is retried.
            gate = spend_gate(settings, state.redis, retry_when_unchecked=True)
            decision = gate.decide(message.phone)
            if decision.slow_down:
                text = state.sms_content.replies.text("slow_down", contact.language or "ru")
            if not decision.send:
                message.error_code = decision.withheld
            reply_via = reply_provider(message.provider, settings, message.phone)
            reply = record_text(
                session,
                decision,
                reply_via,
                message.phone,
                text,
                contact_id=contact.id,
                in_reply_to_id=message.id,
            )
            reply_id = reply.id if decision.send else None
        phone = message.phone
        session.commit()
    return Answer(message_id, reply_id, reply_via, conversation.callback_requested, phone)


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
