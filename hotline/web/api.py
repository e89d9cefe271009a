"""The public JSON API: ``GET /api/v1/agencies/verify``.

The answer keeps its machine codes (``verdict``, each candidate's ``status``) and says them in
words too (``label``, ``status_label``) in the asked language. ``reply`` is the whole answer,
never cut; ``sms`` is what a text would get, within the SMS segment budget. A query that is
nothing but a country ("Russia", "Qozogʻiston") asks for that country's rules, as by SMS:
``verdict`` is then ``rules`` and ``rules`` says for whom and from what source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from hotline.agencies.verify import Verification, clean_query, record_verification, verify
from hotline.db import utcnow
from hotline.runtime import Runtime, request_session, runtime
from hotline.sms.conversation import guess_language
from hotline.sms.countries import CITIZENSHIPS
from hotline.sms.replies import PAGE_LANGUAGES, fit_sms
from hotline.sms.rules import RulesAnswer, answer_rules, citizenship_for
from hotline.sms.verdicts import heading_key, standing, verdict_answer, verdict_reply
from hotline.web.limits import REQUESTS_PER_MINUTE as REQUESTS_PER_MINUTE
from hotline.web.limits import client_allowed as client_allowed

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


def query_language(state: Runtime, query: str) -> str:
    """The language a query is written in when the asker did not say: a guess, else Russian."""
    mention = state.sms_content.country_alone(query)
    if mention is not None and len(mention.languages) == 1:
        return next(iter(mention.languages))
    return guess_language(query) or "ru"


def verification_json(
    state: Runtime, verification: Verification, language: str, today: dt.date
) -> dict[str, Any]:
    content = state.sms_content
    book, hotline_number = content.replies, state.settings.hotline_number
    return {
        "verdict": str(verification.verdict),
        "label": book.heading(heading_key(verification), language),
        "agency": verification.agency.as_json() if verification.agency else None,
        "candidates": [
            {
                "licence_no": c.licence_no,
                "name": c.name,
                "status": c.status,
                "standing": standing(c, today),
                "status_label": book.standing(standing(c, today), language),
            }
            for c in verification.candidates
        ],
        "registry_as_of": (
            verification.registry_as_of.isoformat() if verification.registry_as_of else None
        ),
        "demo": verification.demo,
        "reply": verdict_answer(verification, language, book, content.rules, hotline_number, today),
        "sms": verdict_reply(verification, language, book, content.rules, hotline_number, today),
    }


def rules_json(state: Runtime, answer: RulesAnswer, language: str) -> dict[str, Any]:
    country = state.sms_content.rules.country_name(answer.country, language)
    rule = answer.rules
    return {
        "verdict": "rules",
        "label": state.sms_content.replies.heading("rules", language, country=country),
        "agency": None,
        "candidates": [],
        "registry_as_of": None,
        "demo": False,
        "reply": answer.text,
        "sms": fit_sms(answer.text),
        "rules": {
            "country": answer.country,
            "citizenship": answer.citizenship,
            "language": answer.language,
            "source": rule.source if rule else None,
            "last_reviewed": rule.reviewed.isoformat() if rule else None,
        },
    }


def answer_query(
    state: Runtime, query: str, language: str, channel: str, citizenship: str | None = None
) -> dict[str, Any]:
    """Answer what was typed: a country named alone gets its rules, anything else a verdict."""
    session = request_session()
    content = state.sms_content
    mention = content.country_alone(query)
    if mention is not None:
        answer = answer_rules(
            session,
            content.rules,
            content.replies,
            country=mention.code,
            citizenship=citizenship or citizenship_for(language),
            language=language,
            hotline_number=state.settings.hotline_number,
        )
        return rules_json(state, answer, language)
    today = utcnow().date()
    verification = verify(session, state.registry, query, today)
    record_verification(session, verification, channel)
    session.commit()
    return verification_json(state, verification, language, today)


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
    language = request.args.get("lang") or query_language(state, query)
    if language not in PAGE_LANGUAGES:
        return _error(f"lang must be one of {', '.join(PAGE_LANGUAGES)}", 400)
    citizenship = request.args.get("citizenship", "").upper() or None
    if citizenship is not None and citizenship not in CITIZENSHIPS:
        return _error(f"citizenship must be one of {', '.join(CITIZENSHIPS)}", 400)
    return jsonify(answer_query(state, query, language, "api", citizenship))
