"""``/simulator``: call the hotline from a browser, through the same engine, without effects.

Staff use it to hear and test the menus: it shows the node and language, plays the prompts in
order with their words in the caller's language, and offers the keypad (a key stops the prompt
that is playing, as on a real phone). Nothing is stored and nobody is called back: a simulated
step runs the engine and returns its actions as JSON. The page speaks English or Russian, like
the console.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext, pgettext

from audio.library import FALLBACK_LANGUAGE
from hotline.config import LANGUAGES
from hotline.providers.base import is_dtmf
from hotline.runtime import request_session, runtime
from hotline.web.api import client_allowed
from hotline.web.audio import LibraryPrompts
from hotline.web.console import INTERFACE_LANGUAGES, current_user
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

blueprint = Blueprint("simulator", __name__)


# Each caller language by its own name, as a caller would pick it.
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "uz": "Oʻzbekcha", "kaa": "Qaraqalpaqsha"}


def page_language() -> str:
    """``?lang=`` (the page's switch), else the signed-in staff member's choice, else the browser's.

    The console's own locale selector only looks at the user on console pages; staff who chose
    Russian there get the simulator in Russian too.
    """
    codes = [code for code, _ in INTERFACE_LANGUAGES]
    asked = request.args.get("lang")
    if asked in codes:
        return str(asked)
    user = current_user()
    if user is not None and user.interface_language in codes:
        return user.interface_language
    return request.accept_languages.best_match(codes) or "en"


def script_messages() -> dict[str, Any]:
    """The words the page's script shows, in the page's language (the script has no gettext)."""
    return {
        "languages": LANGUAGE_NAMES,
        "key": gettext("key {key}"),
        "stopped": gettext("(stopped by the key)"),
        "state": gettext("node: {node} · language: {language} · waiting for: {waiting}"),
        "visited": gettext("visited: {visited}"),
        "waiting": {
            "keys": pgettext("simulator waits for", "a key"),
            "recording": pgettext("simulator waits for", "a voice message"),
            "agent": pgettext("simulator waits for", "an agent"),
            "hangup": pgettext("simulator waits for", "nothing (the call ended)"),
            "nothing": pgettext("simulator waits for", "nothing"),
        },
        "missing_text": gettext(
            "No {language} text in the prompt library: the Russian text stands in."
        ),
        "missing_audio": gettext(
            "No {language} audio: on a real call the provider's voice reads this Russian text."
        ),
        "callback": {
            "urgent": gettext("(an urgent callback would be requested)"),
            "general": gettext("(a callback would be requested)"),
        },
        "sms": gettext("(an SMS with the keywords would be sent)"),
        "ended": gettext("— call ended —"),
        "silent": gettext("— silence —"),
        "error": gettext("error: {error}"),
        "failed": gettext("The simulator did not answer; try again."),
    }


@blueprint.get("/simulator")
def page() -> ResponseReturnValue:
    language = page_language()
    with force_locale(language):
        return render_template(
            "simulator.html",
            locale=language,
            interface_languages=INTERFACE_LANGUAGES,
            languages=LANGUAGES,
            language_names=LANGUAGE_NAMES,
            messages=script_messages(),
        )


def _speech(item: Speech, prompts: LibraryPrompts) -> dict[str, str | None]:
    """One thing the caller hears, with its words: the audio's language, else the Russian voice.

    Where a prompt has no audio a real call has the provider read the Russian text
    (``ivr_menus.render``), so that is what the page shows, and says why.
    """
    if isinstance(item, Prompt):
        url = prompts.prompt_url(item.id, item.language)
        words = prompts.words(item.id, item.language if url else FALLBACK_LANGUAGE)
        missing = "audio" if url is None else "text" if words.fallback else None
        return {
            "prompt": item.id,
            "language": item.language,
            "url": url,
            "text": words.text,
            "text_language": words.language,
            "missing": missing,
        }
    url = prompts.digits_url(item.digits, item.language)
    return {
        "prompt": f"digits {item.digits}",
        "language": item.language,
        "url": url,
        "text": " ".join(item.digits),
        "text_language": item.language if url else FALLBACK_LANGUAGE,
        "missing": None if url else "audio",
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
    # Audio from this server, as the browser reached it: PUBLIC_BASE_URL is for the provider, and
    # names another port (or a tunnel) whenever the web runs anywhere but its default.
    prompts = LibraryPrompts(state.prompt_library, session, request.script_root, state.redis)
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
