"""The public JSON API: ``GET /api/v1/agencies/verify``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from hotline.agencies.verify import Verification, clean_query, record_verification, verify
from hotline.config import LANGUAGES
from hotline.db import utcnow
from hotline.ratelimit import allow
from hotline.runtime import Runtime, request_session, runtime
from hotline.sms.conversation import guess_language
from hotline.sms.verdicts import verdict_reply

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

REQUESTS_PER_MINUTE = 60


def client_allowed(state: Runtime, surface: str) -> bool:
    """Per-client rate limit shared by all web processes (off when RATELIMIT_ENABLED=false)."""
    if not state.settings.ratelimit_enabled:
        return True
    client = request.remote_addr or "unknown"
    return allow(state.redis, f"{surface}:{client}", REQUESTS_PER_MINUTE, 60)


def verification_json(verification: Verification, reply: str) -> dict[str, Any]:
    return {
        "verdict": str(verification.verdict),
        "agency": verification.agency.as_json() if verification.agency else None,
        "candidates": [
            {"licence_no": c.licence_no, "name": c.name, "status": c.status}
            for c in verification.candidates
        ],
        "registry_as_of": (
            verification.registry_as_of.isoformat() if verification.registry_as_of else None
        ),
        "demo": verification.demo,
        "reply": reply,
    }


def run_verification(state: Runtime, query: str, language: str, channel: str) -> dict[str, Any]:
    session = request_session()
    verification = verify(session, state.registry, query, utcnow().date())
    record_verification(session, verification, channel)
    session.commit()
    content = state.sms_content
    reply = verdict_reply(
        verification, language, content.replies, content.rules, state.settings.hotline_number
    )
    return verification_json(verification, reply)


def _error(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@blueprint.get("/agencies/verify")
def verify_agency() -> ResponseReturnValue:
    state = runtime()
    if not client_allowed(state, "api"):
        response = _error("too many requests; try again in a minute", 429)
        response.headers["Retry-After"] = "60"
        return response
    raw = request.args.get("q", "")
    try:
        query = clean_query(raw)
    except ValueError as exc:
        return _error(f"q: {exc}; send an agency name or licence number", 400)
    language = request.args.get("lang") or guess_language(query) or "ru"
    if language not in LANGUAGES:
        return _error(f"lang must be one of {', '.join(LANGUAGES)}", 400)
    return jsonify(run_verification(state, query, language, "api"))
