"""Provider webhooks: verify, parse, store once, enqueue the slow part, answer fast.

Nothing slow happens here (no provider call, no reply composition): Twilio gives a webhook
15 seconds and Africa's Talking less. Garbage gets 400, a bad signature or token 403.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

import redis
from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.providers.base import Provider, WebhookRejected, WebhookRequest
from hotline.queues import HIGH
from hotline.runtime import Runtime, request_session, run_after_commit, runtime
from hotline.sms.delivery import apply_delivery_report, apply_recipient_report
from hotline.sms.inbound import store_inbound_sms
from hotline.web.audio import prompt_source
from hotline.web.callback_legs import attempt_from_query, callback_leg
from hotline.web.voice import answer_call
from ivr_menus.calls import track_call

blueprint = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)

Handler = Callable[[Runtime, Provider, WebhookRequest, Session], ResponseReturnValue]
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def _webhook_request(public_base_url: str) -> WebhookRequest:
    query = request.query_string.decode("latin-1")
    return WebhookRequest(
        url=public_base_url + request.path + (f"?{query}" if query else ""),
        form=request.form.to_dict(flat=False),
        query=request.args.to_dict(flat=True),
        headers={key: value for key, value in request.headers.items()},
    )


def provider_webhook(provider_name: str) -> Callable[[Handler], Callable[[], ResponseReturnValue]]:
    """Wrap a handler with verification (403), parsing errors (400) and one transaction."""

    def decorate(handler: Handler) -> Callable[[], ResponseReturnValue]:
        @wraps(handler)
        def view() -> ResponseReturnValue:
            state = runtime()
            provider = state.provider_named(provider_name)
            webhook = _webhook_request(state.settings.public_base_url)
            if not provider.verify_webhook(webhook):
                log.warning("%s %s: signature or token rejected", provider_name, request.path)
                return _plain("forbidden", 403)
            session = request_session()
            try:
                answer = handler(state, provider, webhook, session)
                session.commit()
                run_after_commit()
            except WebhookRejected as exc:
                session.rollback()
                log.info("%s %s: rejected: %s", provider_name, request.path, exc)
                return _plain(f"bad request: {exc}", 400)
            except BaseException:
                session.rollback()
                raise
            return answer

        return view

    return decorate


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _sms_received(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> bool:
    from workers.sms import answer_inbound_sms

    inbound = provider.parse_inbound_sms(webhook)
    message = store_inbound_sms(session, provider.name, inbound, state.settings.default_region)
    if message is None:
        log.info("%s sms %s: replay ignored", provider.name, inbound.provider_id)
        return False
    session.flush()
    message_id = message.id
    session.commit()  # the message must be stored before a worker can look for it
    try:
        state.queues.enqueue(
            answer_inbound_sms, message_id, queue=HIGH, job_id=f"sms-in-{message_id}"
        )
    except redis.RedisError as exc:
        # Stored as ``received``: the housekeeping sweep enqueues it once Redis is back.
        log.warning("sms %s stored but not queued: %s", message_id, type(exc).__name__)
    return True


@blueprint.post("/twilio/sms")
@provider_webhook("twilio")
def twilio_sms(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    _sms_received(state, provider, webhook, session)
    return Response(_EMPTY_TWIML, mimetype="text/xml")


@blueprint.post("/africastalking/sms")
@provider_webhook("africastalking")
def africastalking_sms(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    _sms_received(state, provider, webhook, session)
    return _plain("ok", 200)


def _delivery_report(provider: Provider, webhook: WebhookRequest, session: Session) -> None:
    report = provider.parse_delivery_report(webhook)
    recipient_id = _id_param(webhook, "recipient")
    found: object | None
    if recipient_id is not None:
        found = apply_recipient_report(session, provider.name, report, recipient_id)
    else:
        found = apply_delivery_report(session, provider.name, report, _id_param(webhook, "message"))
    if found is None:
        log.info("%s status for unknown message %s", provider.name, report.provider_id)


def _id_param(webhook: WebhookRequest, name: str) -> int | None:
    raw = webhook.query.get(name)
    return int(raw) if raw and raw.isdigit() and len(raw) < 18 else None


@blueprint.post("/twilio/status")
@provider_webhook("twilio")
def twilio_status(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    if webhook.field("CallSid") and not webhook.field("MessageSid"):
        event = provider.parse_call_event(webhook)
        track_call(session, provider.name, event, state.settings.default_region, utcnow())
    else:
        _delivery_report(provider, webhook, session)
    return _plain("ok", 200)


@blueprint.post("/africastalking/delivery")
@provider_webhook("africastalking")
def africastalking_delivery(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    _delivery_report(provider, webhook, session)
    return _plain("ok", 200)


def _voice(state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session) -> str:
    return answer_call(state, provider, webhook, session, prompt_source(state, session))


@blueprint.post("/twilio/voice")
@provider_webhook("twilio")
def twilio_voice(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    return Response(_voice(state, provider, webhook, session), mimetype="text/xml")


@blueprint.post("/africastalking/voice")
@provider_webhook("africastalking")
def africastalking_voice(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    return Response(_voice(state, provider, webhook, session), mimetype="application/xml")


@blueprint.post("/twilio/callback")
@provider_webhook("twilio")
def twilio_callback(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    """A callback's agent-first call: the agent answered, the caller's leg or the agent's ended."""
    event = provider.parse_call_event(webhook)
    attempt = attempt_from_query(session, provider, webhook, event)
    return Response(callback_leg(state, provider, webhook, session, attempt, event),
                    mimetype="text/xml")  # fmt: skip
