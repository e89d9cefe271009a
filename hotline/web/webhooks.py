"""Provider webhooks: verify, parse, store once, enqueue the slow part, answer fast.

Nothing slow happens here (no provider call, no reply composition): Twilio gives a webhook
15 seconds and Africa's Talking less. Garbage gets 400, a bad signature or token 403.

When the database is unreachable a verified webhook is still answered, never with a 5xx: what
must not be lost (inbound SMS, status reports, calls to the missed-call line, the end of a
call) goes to the spool (``hotline.spool``) and is stored once the database is back; a caller
hears a polite "please call back". A request that meets a pooled connection killed by a
database restart is tried once more on a fresh connection first.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from functools import wraps

import redis
from flask import Blueprint, Response, after_this_request, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.providers.base import Provider, Reject, VoiceScript, WebhookRejected, WebhookRequest
from hotline.runtime import Runtime, after_commit, request_session, runtime
from hotline.spool import FileSpool, SpooledWebhook, SpoolUnavailable, spool_webhook
from hotline.spool.intake import take_inbound_sms, take_status
from hotline.spool.records import Intake, connection_was_lost, database_unavailable
from hotline.web.audio import prompt_source
from hotline.web.callback_legs import (
    after_leg,
    attempt_from_query,
    attempt_id,
    callback_leg,
    leg_ended,
)
from hotline.web.voice import answer_call, is_missed_call_line, outage_answer

blueprint = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)

Handler = Callable[[Runtime, Provider, WebhookRequest, Session], ResponseReturnValue]
# What a route answers when the database is away (after spooling what must not be lost).
Outage = Callable[[Runtime, Provider, WebhookRequest], ResponseReturnValue]
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
# Well inside Twilio's 15 s, with room for a retry on a fresh connection and for spooling.
STATEMENT_TIMEOUT_MS = 4000
# A web process drains its machine's file spool after answering, for at most this long.
FILE_DRAIN_SECONDS = 5.0


def _webhook_request(public_base_url: str) -> WebhookRequest:
    query = request.query_string.decode("latin-1")
    return WebhookRequest(
        url=public_base_url + request.path + (f"?{query}" if query else ""),
        form=request.form.to_dict(flat=False),
        query=request.args.to_dict(flat=True),
        headers={key: value for key, value in request.headers.items()},
        repeated_query=frozenset(name for name, values in request.args.lists() if len(values) > 1),
    )


def repeated_parameter(webhook: WebhookRequest) -> str | None:
    """A query parameter or form field the request gives more than once, or None.

    No provider repeats one, and a repeat is ambiguous: we read the first value, a proxy or a
    log may read the last, and Twilio's signature check sorts and merges repeated values, so
    their order and number are not signed. Refused (400) after verification, storing nothing.
    """
    if webhook.repeated_query:
        return f"query parameter {min(webhook.repeated_query)!r}"
    for name, values in webhook.form.items():
        if len(values) > 1:
            return f"field {name!r}"
    return None


def provider_webhook(
    provider_name: str, outage: Outage
) -> Callable[[Handler], Callable[[], ResponseReturnValue]]:
    """Wrap a handler with verification (403), parsing errors (400), one transaction, and
    ``outage`` for when the database cannot be reached (verification comes first, always)."""

    def decorate(handler: Handler) -> Callable[[], ResponseReturnValue]:
        @wraps(handler)
        def view() -> ResponseReturnValue:
            state = runtime()
            provider = state.provider_named(provider_name)
            webhook = _webhook_request(state.settings.public_base_url)
            if not provider.verify_webhook(webhook):
                log.warning("%s %s: signature or token rejected", provider_name, request.path)
                return _plain("forbidden", 403)
            if (repeated := repeated_parameter(webhook)) is not None:
                log.info("%s %s: rejected: %s repeated", provider_name, request.path, repeated)
                return _plain(f"bad request: {repeated} is given more than once", 400)
            for attempt in (1, 2):
                try:
                    answer = _in_transaction(state, provider, webhook, handler)
                except WebhookRejected as exc:
                    log.info("%s %s: rejected: %s", provider_name, request.path, exc)
                    return _plain(f"bad request: {exc}", 400)
                except Exception as exc:
                    if not database_unavailable(exc):
                        raise
                    if attempt == 1 and connection_was_lost(exc):
                        log.warning("%s %s: database connection lost; trying a fresh one",
                                    provider_name, request.path)  # fmt: skip
                        continue
                    log.warning("%s %s: database unavailable (%s); answering without it",
                                provider_name, request.path, type(exc).__name__)  # fmt: skip
                    return _without_database(outage, state, provider, webhook)
                _drain_files_after_response(state)
                return answer
            raise AssertionError("unreachable: the second attempt returns")

        return view

    return decorate


def _in_transaction(
    state: Runtime, provider: Provider, webhook: WebhookRequest, handler: Handler
) -> ResponseReturnValue:
    session = request_session()
    try:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        answer = handler(state, provider, webhook, session)
        session.commit()
    except BaseException:
        _discard_request_session()
        raise
    for action in g.pop("after_commit", []):
        try:
            action()
        except redis.RedisError as exc:
            # Stored already: answering 500 would only make the provider send it again.
            log.warning("%s %s: a job was not queued (%s); the minute sweep looks again",
                        provider.name, request.path, type(exc).__name__)  # fmt: skip
    return answer


def _discard_request_session() -> None:
    """Roll back and forget the request's session and its queued jobs (a retry starts clean)."""
    g.pop("after_commit", None)
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        with contextlib.suppress(SQLAlchemyError):  # a dead connection cannot roll back
            session.rollback()
        with contextlib.suppress(SQLAlchemyError):
            session.close()


def _without_database(
    outage: Outage, state: Runtime, provider: Provider, webhook: WebhookRequest
) -> ResponseReturnValue:
    try:
        return outage(state, provider, webhook)
    except WebhookRejected as exc:
        return _plain(f"bad request: {exc}", 400)
    except SpoolUnavailable:
        # Neither Redis nor the disk took it: say so, and the provider may try its fallback.
        log.error("%s %s: could not be spooled", provider.name, request.path)
        return _plain("temporarily unavailable", 503)


def _spool(state: Runtime, provider: Provider, webhook: WebhookRequest, intake: Intake) -> None:
    from workers.housekeeping import schedule_drain

    record = SpooledWebhook.of(provider.name, intake, request.path, webhook, utcnow())
    where = spool_webhook(state.redis, state.settings.instance_path, record)
    log.info("%s %s: spooled as %s in %s", provider.name, request.path, record.id, where)
    if where == "redis":
        with contextlib.suppress(redis.RedisError):
            schedule_drain(state)


def _drain_files_after_response(state: Runtime) -> None:
    """Records this machine spooled to disk while Redis was down too: replay them now that the
    database answered, once the provider has its response."""
    if not FileSpool(state.settings.instance_path).has_records():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def drain_later(response: Response) -> Response:
        def drain() -> None:
            from hotline.spool import drain_spool

            with app.app_context():
                drain_spool(state, shared=False, seconds=FILE_DRAIN_SECONDS)

        response.call_on_close(drain)
        return response


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _twiml() -> Response:
    return Response(_EMPTY_TWIML, mimetype="text/xml")


def _ok() -> Response:
    return _plain("ok", 200)


def _spooled_sms(answer: Callable[[], Response]) -> Outage:
    def outage(state: Runtime, provider: Provider, webhook: WebhookRequest) -> Response:
        provider.parse_inbound_sms(webhook)  # garbage still gets 400, and is not kept
        _spool(state, provider, webhook, Intake.INBOUND_SMS)
        return answer()

    return outage


def _spooled_status(state: Runtime, provider: Provider, webhook: WebhookRequest) -> Response:
    if webhook.field("CallSid") and not webhook.field("MessageSid"):
        provider.parse_call_event(webhook)
    else:
        provider.parse_delivery_report(webhook)
    _spool(state, provider, webhook, Intake.STATUS)
    return _ok()


def _sms_received(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> None:
    for followup in take_inbound_sms(state, provider, webhook, session):
        after_commit(followup)


@blueprint.post("/twilio/sms")
@provider_webhook("twilio", _spooled_sms(_twiml))
def twilio_sms(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    _sms_received(state, provider, webhook, session)
    return _twiml()


@blueprint.post("/africastalking/sms")
@provider_webhook("africastalking", _spooled_sms(_ok))
def africastalking_sms(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    _sms_received(state, provider, webhook, session)
    return _ok()


@blueprint.post("/twilio/status")
@provider_webhook("twilio", _spooled_status)
def twilio_status(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    take_status(state, provider, webhook, session, utcnow())
    return _ok()


@blueprint.post("/africastalking/delivery")
@provider_webhook("africastalking", _spooled_status)
def africastalking_delivery(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    take_status(state, provider, webhook, session, utcnow())
    return _ok()


def _voice_outage(state: Runtime, provider: Provider, webhook: WebhookRequest) -> Response:
    """Keep the end of a call and a call to the missed-call line; tell others to call back."""
    event = provider.parse_call_event(webhook)
    if event.status is not None:  # Africa's Talking reports a call's end here
        _spool(state, provider, webhook, Intake.CALL_ENDED)
        body = provider.render_voice(VoiceScript()).body
    elif not webhook.query.get("node") and is_missed_call_line(state, event):
        _spool(state, provider, webhook, Intake.MISSED_CALL)
        body = provider.render_voice(VoiceScript((Reject(),))).body
    else:
        body = outage_answer(provider)
    return _voice_response(provider, body)


def _voice_response(provider: Provider, body: str) -> Response:
    mimetype = "text/xml" if provider.name == "twilio" else "application/xml"
    return Response(body, mimetype=mimetype)


def _voice(state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session) -> str:
    return answer_call(state, provider, webhook, session, prompt_source(state, session))


@blueprint.post("/twilio/voice")
@provider_webhook("twilio", _voice_outage)
def twilio_voice(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    return _voice_response(provider, _voice(state, provider, webhook, session))


@blueprint.post("/africastalking/voice")
@provider_webhook("africastalking", _voice_outage)
def africastalking_voice(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    return _voice_response(provider, _voice(state, provider, webhook, session))


def _callback_outage(state: Runtime, provider: Provider, webhook: WebhookRequest) -> Response:
    """A callback's call without the database.

    A leg that ended is spooled and answered as live: lost, it would leave the agent on call
    and the attempt bridging for hours, then ring a caller who was already reached. The agent
    who just answered hears an apology (nobody can be dialled without the request's number);
    the end of their leg, spooled too, frees them and opens the request again.
    """
    event = provider.parse_call_event(webhook)
    if not leg_ended(webhook, event):
        return _voice_response(provider, outage_answer(provider))
    attempt_id(webhook)  # a malformed attempt gets 400, as live, and is not kept
    _spool(state, provider, webhook, Intake.CALLBACK_LEG)
    return _voice_response(provider, provider.render_voice(after_leg(webhook)).body)


@blueprint.post("/twilio/callback")
@provider_webhook("twilio", _callback_outage)
def twilio_callback(
    state: Runtime, provider: Provider, webhook: WebhookRequest, session: Session
) -> ResponseReturnValue:
    """A callback's agent-first call: the agent answered, the caller's leg or the agent's ended."""
    event = provider.parse_call_event(webhook)
    attempt = attempt_from_query(session, provider, webhook, event)
    return _voice_response(
        provider, callback_leg(state, provider, webhook, session, attempt, event)
    )
