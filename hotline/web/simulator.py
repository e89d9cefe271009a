"""``/simulator``: call the hotline from a browser, through the same engine, without effects.

Staff use it to hear and test the menus: it shows the node and language, plays the prompts in
order and offers the keypad. Nothing is stored and nobody is called back: a simulated step
runs the engine and returns its actions as JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from hotline.config import LANGUAGES
from hotline.providers.base import is_dtmf
from hotline.runtime import request_session, runtime
from hotline.web.api import client_allowed
from hotline.web.audio import prompt_source
from hotline.web.voice import licence_verdict
from ivr_menus.engine import (
    Ask,
    CallContext,
    ConnectAgents,
    End,
    Engine,
    Prompt,
    RecordMessage,
    Speak,
    Speech,
    Turn,
)
from ivr_menus.render import PromptSource

blueprint = Blueprint("simulator", __name__)


@blueprint.get("/simulator")
def page() -> ResponseReturnValue:
    return render_template("simulator.html", languages=LANGUAGES)


def _speech(item: Speech, prompts: PromptSource) -> dict[str, str | None]:
    if isinstance(item, Prompt):
        return {
            "prompt": item.id,
            "language": item.language,
            "url": prompts.prompt_url(item.id, item.language),
            "text": prompts.fallback_text(item.id),
        }
    return {
        "prompt": f"digits {item.digits}",
        "language": item.language,
        "url": prompts.digits_url(item.digits, item.language),
        "text": " ".join(item.digits),
    }


def _field(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return str(value)[:40] if value not in (None, "") else None


@blueprint.post("/simulator/step")
def simulate_step() -> ResponseReturnValue:
    if not client_allowed(runtime(), "simulator"):  # public: a licence check per step
        return jsonify({"error": "too many requests; wait a minute"}), 429
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "send a JSON object"}), 400
    digits = _field(body, "digits")
    if digits is not None and not is_dtmf(digits):
        return jsonify({"error": "digits may hold 0-9, * and # only"}), 400
    language = _field(body, "language")
    citizenship = _field(body, "citizenship")
    state = runtime()
    session = request_session()
    call = CallContext(
        language=language if language in LANGUAGES else None,
        citizenship=citizenship if citizenship in {"KG", "UZ"} else None,
        agents=("+0 simulated agent",) if body.get("agents_available") else (),
    )
    step = body.get("step")
    tries = body.get("tries")
    turn = Turn(
        node=_field(body, "node"),
        digits=digits,
        step=step if isinstance(step, int) and 0 <= step < 10_000 else 0,
        tries=tries if isinstance(tries, int) and 0 <= tries < 10 else 0,
        phase=_field(body, "phase"),
        then=_field(body, "then"),
        dial_status=_field(body, "dial_status"),
    )
    engine = Engine(state.ivr_menu, lambda typed: licence_verdict(state, session, typed))
    outcome = engine.step(call, turn)
    prompts = prompt_source(state, session)
    played: list[dict[str, str | None]] = []
    waiting: dict[str, Any] = {"for": "nothing"}
    for action in outcome.actions:
        if isinstance(action, Speak | Ask):
            played.extend(_speech(item, prompts) for item in action.speech)
        if isinstance(action, Ask):
            waiting = {
                "for": "keys",
                "node": action.node,
                "step": action.step,
                "tries": action.tries,
                "num_digits": action.num_digits,
                "then": action.then,
            }
        elif isinstance(action, RecordMessage):
            waiting = {"for": "recording", "node": action.node, "step": action.step}
        elif isinstance(action, ConnectAgents):
            waiting = {"for": "agent", "node": action.node, "step": action.step}
        elif isinstance(action, End):
            waiting = {"for": "hangup"}
    effects = outcome.effects
    return jsonify(
        {
            "language": outcome.language,
            "citizenship": effects.citizenship or call.citizenship,
            "visited": list(effects.visited),
            "played": played,
            "waiting": waiting,
            "effects": {
                "language": effects.language,
                "callback": effects.callback_reason,
                "licence_check": list(effects.licence_check) if effects.licence_check else None,
                "sms": effects.send_info_sms,
            },
        }
    )
