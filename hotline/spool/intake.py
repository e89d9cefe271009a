"""Take inbound SMS and status reports into the database: live from a webhook, or replayed.

The live webhooks and the spool's drain call the same functions, so a record replayed from
the spool is stored exactly as the webhook would have stored it, and only once. Calls are
replayed through the voice webhook's own ``answer_call``. Follow-ups (enqueueing jobs) are
returned, to run once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import redis
from sqlalchemy.orm import Session

from hotline.providers.base import InboundSms, Provider, WebhookRequest, whole_number
from hotline.runtime import Runtime
from hotline.sms.delivery import apply_delivery_report, apply_recipient_report
from hotline.sms.inbound import store_inbound_sms
from ivr_menus.calls import track_call

log = logging.getLogger(__name__)

Followup = Callable[[], object]


def take_inbound_sms(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> list[Followup]:
    """Store an inbound SMS once; the follow-up queues its answer."""
    _, followups = take_sms(state, provider.name, provider.parse_inbound_sms(webhook), session)
    return followups


def take_sms(
    state: Runtime, provider_name: str, inbound: InboundSms, session: Session
) -> tuple[int | None, list[Followup]]:
    """Store a parsed text once; return its id (None for a replay) and the follow-up.

    The webhook's path once the provider's form is parsed; a text typed into ``hotline sms
    send`` or the simulator (``hotline.sms.typed``) takes it too, so it is answered the same way.
    """
    message_id = store_inbound_sms(session, provider_name, inbound, state.settings.default_region)
    if message_id is None:
        log.info("%s sms %s: replay ignored", provider_name, inbound.provider_id)
        return None, []
    return message_id, [lambda: queue_answer(state, message_id)]


def queue_answer(state: Runtime, message_id: int) -> None:
    """Make sure a batch job answers the stored text (see ``workers.replies``)."""
    from workers.replies import request_answers

    try:
        request_answers(state)
    except redis.RedisError as exc:
        # Stored as ``received``: the housekeeping sweep enqueues it once Redis is back.
        log.warning("sms %s stored but not queued: %s", message_id, type(exc).__name__)


def take_status(
    state: Runtime,
    provider: Provider,
    webhook: WebhookRequest,
    session: Session,
    now: dt.datetime,
) -> bool:
    """Apply a delivery report (or, on Twilio's status URL, a call's status); False if unknown."""
    if webhook.field("CallSid") and not webhook.field("MessageSid"):
        event = provider.parse_call_event(webhook)
        track_call(session, provider.name, event, state.settings.default_region, now)
        return True
    report = provider.parse_delivery_report(webhook)
    recipient_id = _id_param(webhook, "recipient")
    found: object | None
    if recipient_id is not None:
        found = apply_recipient_report(session, provider.name, report, recipient_id)
    else:
        found = apply_delivery_report(session, provider.name, report, _id_param(webhook, "message"))
    if found is None:
        log.info("%s status for unknown message %s", provider.name, report.provider_id)
    return found is not None


def _id_param(webhook: WebhookRequest, name: str) -> int | None:
    raw = webhook.query.get(name)
    return whole_number(raw)  # nine digits: ids are 32-bit integers in PostgreSQL
