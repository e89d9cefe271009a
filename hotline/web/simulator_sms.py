"""The simulator's SMS pane: text the keyword service from a browser and read the answer.

The text goes in through ``hotline.sms.typed`` (the inbound webhook's own path, the console
provider as its channel), a worker answers it as any text, and the page polls a small JSON
route until the reply is there. Unlike the voice simulator this has effects: a typed STOP opts
that number out, CALL asks an agent to ring it, REPORT opens a case. On a public page that
would let anyone act for any number, so the pane is open only where nothing reaches a real
person: a deployment whose outbound provider is the console (``HOTLINE_PROVIDER=console``, the
embedded default). With a real carrier the routes answer 404 and the page says why.

Public routes: the number is parsed like any sender's, the text bounded as the Twilio webhook
bounds it, posts and polls are rate-limited per client, and a poll needs the signed ticket the
post returned (message ids are guessable, the answers are not anyone's to read). A database or
Redis that is away gets 503, never 500.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.exc import SQLAlchemyError

from hotline.phones import mask
from hotline.runtime import Runtime, request_session, runtime
from hotline.sms.typed import MAX_LENGTH, TypedTextRejected, reply_to, text_in
from hotline.web.api import client_allowed

blueprint = Blueprint("simulator_sms", __name__)
log = logging.getLogger(__name__)

TEXTS_PER_MINUTE = 10  # per client: each one is stored and answered
TICKET_SECONDS = 600  # how long the page may ask for the answer
POLL_MS = 1000
POLLS = 30  # the page gives up after this many (the answer still comes, in the outbox)


def pane_open(state: Runtime) -> bool:
    """Whether typed texts are taken here: only when no reply can reach a real phone."""
    return state.settings.provider == "console"


def _tickets() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="simulator-sms")


def _error(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


@blueprint.app_context_processor
def sms_pane_context() -> dict[str, Any]:
    """Give ``simulator_sms.html`` what it shows, computed only when a template asks."""
    return {"sms_pane": sms_pane}


def sms_pane() -> dict[str, Any]:
    """The pane's settings and words, in the page's language (rendered inside its locale)."""
    return {
        "open": pane_open(runtime()),
        "max_length": MAX_LENGTH,
        "messages": {
            "poll_ms": POLL_MS,
            "polls": POLLS,
            "you": gettext("{phone} wrote: {text}"),
            "waiting": gettext("stored; waiting for a worker to answer…"),
            "sending": gettext("answered; sending…"),
            "sent": gettext("reply: {text}"),
            "failed": gettext("the reply failed: {reason}"),
            "none": gettext("answered without a reply: {reason}"),
            "gave_up": gettext(
                "no reply yet: is a worker running (hotline run)? "
                "It will be in instance/console_outbox.jsonl."
            ),
            "error": gettext("error: {error}"),
            "failed_request": gettext("The simulator did not answer; try again."),
        },
    }


@blueprint.post("/simulator/sms")
def send_text() -> ResponseReturnValue:
    """Take a typed text in; answer 202 with a ticket to ask for the reply."""
    state = runtime()
    if not pane_open(state):
        return _error("the SMS pane is off: this hotline sends through a real carrier", 404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error("send a JSON object with from and text", 400)
    sender, text = body.get("from"), body.get("text")
    if not isinstance(sender, str) or not isinstance(text, str):
        return _error("from and text must be strings", 400)
    if len(text) > MAX_LENGTH:  # before any work, and before the rate limit counts it
        return _error(f"the text is longer than {MAX_LENGTH} characters", 400)
    try:
        if not client_allowed(state, "simulator-sms", TEXTS_PER_MINUTE):
            return _error("too many texts; wait a minute", 429)
        typed = text_in(state, sender, text)
    except TypedTextRejected as exc:
        return _error(str(exc), 400)
    except (SQLAlchemyError, redis.RedisError) as exc:
        log.warning("simulator sms: not taken (%s)", type(exc).__name__)
        return _error("the hotline cannot take texts right now; try again shortly", 503)
    log.info("simulator sms %s from %s", typed.message_id, mask(typed.phone))
    ticket = _tickets().dumps(typed.message_id)
    return jsonify({"ticket": ticket, "phone": typed.phone, "status": "waiting"}), 202


@blueprint.get("/simulator/sms/<ticket>")
def text_reply(ticket: str) -> ResponseReturnValue:
    """Where the answer to a typed text stands: waiting, sending, sent, failed or none."""
    state = runtime()
    if not pane_open(state):
        return _error("the SMS pane is off: this hotline sends through a real carrier", 404)
    try:
        message_id = _tickets().loads(ticket, max_age=TICKET_SECONDS)
    except BadData:
        return _error("unknown or expired ticket; send the text again", 404)
    if not isinstance(message_id, int):
        return _error("unknown or expired ticket; send the text again", 404)
    try:
        if not client_allowed(state, "simulator-sms-poll"):
            return _error("too many requests; wait a minute", 429)
        reply = reply_to(request_session(), message_id)
    except (SQLAlchemyError, redis.RedisError) as exc:
        log.warning("simulator sms: reply not read (%s)", type(exc).__name__)
        return _error("the hotline cannot look right now; try again shortly", 503)
    if reply is None:
        return _error("unknown or expired ticket; send the text again", 404)
    return jsonify({"status": reply.status, "reply": reply.body, "reason": reply.reason})
