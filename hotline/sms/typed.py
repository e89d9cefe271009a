"""Texts typed in by a person (``hotline sms send``, the simulator's SMS pane), not a carrier.

A newcomer with no Twilio account still needs to text the service and read its answer. A typed
text takes the inbound webhook's own path once a webhook is parsed (``take_sms``: stored once,
the batch answer job queued), with the console provider as its channel: the reply goes out
through the console provider to ``console_outbox.jsonl``, and is found here by the text it
answers. Everything a real text does, a typed one does too (STOP opts the number out, CALL asks
an agent to ring it), which is why the public simulator offers it only on a console deployment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Direction, Message, MessageStatus
from hotline.phones import InvalidPhoneNumber, parse_phone
from hotline.providers.base import InboundSms
from hotline.runtime import Runtime
from hotline.sms.spend import WHY
from hotline.spool.intake import take_sms

CHANNEL = "console"
MAX_LENGTH = 1600  # what the Twilio webhook accepts: ten concatenated segments and more

_WITHHELD: dict[str, str] = {code: f"no reply: {why}" for code, why in WHY.items()}


class TypedTextRejected(ValueError):
    """The number or the text cannot be taken in; the message says which and why."""


@dataclass(frozen=True)
class TypedText:
    message_id: int
    phone: str  # E.164, as stored


@dataclass(frozen=True)
class TypedReply:
    """How far the answer to a typed text has got.

    ``status``: ``waiting`` (stored, no worker has answered it yet), ``sending``, ``sent``,
    ``failed`` (``reason`` says why) or ``none`` (answered without a reply; ``reason`` says why).
    """

    status: str
    body: str | None = None
    reason: str | None = None

    @property
    def final(self) -> bool:
        return self.status in ("sent", "failed", "none")


def clean_text(sender: str, body: str, default_region: str) -> tuple[str, str]:
    """The sender in E.164 and the body as stored, or ``TypedTextRejected`` saying why."""
    try:
        phone = parse_phone(sender, default_region)
    except InvalidPhoneNumber as exc:
        raise TypedTextRejected(f"{sender[:40]!r} is {exc}") from exc
    text = body.replace("\x00", "")
    if not text.strip():
        raise TypedTextRejected("the text is empty")
    if len(text) > MAX_LENGTH:
        raise TypedTextRejected(f"the text is longer than {MAX_LENGTH} characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TypedTextRejected("the text is not valid Unicode") from exc
    return phone, text


def text_in(state: Runtime, sender: str, body: str) -> TypedText:
    """Take a text from ``sender`` in as the inbound webhook does, and queue its answer.

    If Redis cannot take the job the text stays stored (``received``) and the minute sweep
    queues it, exactly as for a webhook.
    """
    phone, text = clean_text(sender, body, state.settings.default_region)
    inbound = InboundSms(
        provider_id=f"typed-{uuid.uuid4().hex}",
        sender=phone,
        recipient=state.settings.hotline_number,
        body=text,
    )
    with state.session_scope() as session:
        message_id, followups = take_sms(state, CHANNEL, inbound, session)
    assert message_id is not None  # a fresh provider id is never a replay
    for followup in followups:
        followup()
    return TypedText(message_id, phone)


def reply_to(session: Session, message_id: int) -> TypedReply | None:
    """Where the answer to typed text ``message_id`` stands; None if there is no such text."""
    text = session.get(Message, message_id)
    if text is None or text.direction != Direction.INBOUND or text.provider != CHANNEL:
        return None
    if text.status == MessageStatus.RECEIVED:
        return TypedReply("waiting")
    reply = session.scalars(
        select(Message).where(Message.in_reply_to_id == message_id).order_by(Message.id).limit(1)
    ).first()
    if reply is None or reply.status == MessageStatus.WITHHELD:
        return TypedReply("none", reason=_WITHHELD.get(text.error_code or "", "no reply"))
    if reply.status in (MessageStatus.QUEUED, MessageStatus.SENDING):
        return TypedReply("sending", reply.body)
    if reply.status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
        return TypedReply("failed", reply.body, reply.error_reason or reply.error_code)
    return TypedReply("sent", reply.body)
