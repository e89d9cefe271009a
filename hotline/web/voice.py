"""Voice webhooks: track the call, run one engine step, apply its effects once, render XML."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.orm import Session

from hotline.agencies.verify import verify
from hotline.callbacks import request_callback
from hotline.db import utcnow
from hotline.models import CallbackSource, CallbackStatus, CallSession, Contact, MessageStatus
from hotline.models.calls import MISSED_FROM_HIDDEN_NUMBER
from hotline.phones import InvalidPhoneNumber, parse_phone
from hotline.providers.base import (
    CallEvent,
    Hangup,
    Provider,
    Reject,
    Say,
    VoiceScript,
    WebhookRequest,
    whole_number,
)
from hotline.queues import HIGH
from hotline.runtime import Runtime, after_commit
from hotline.staffing import agents_to_dial
from hotline.web.callback_legs import attempt_for_call, callback_leg
from ivr_menus.calls import track_call_and_caller
from ivr_menus.effects import apply_step
from ivr_menus.engine import CallContext, Engine, Turn
from ivr_menus.render import CallUrls, PromptSource, to_voice_script

log = logging.getLogger(__name__)
CITIZENSHIP_BY_COUNTRY = {"KG": "KG", "UZ": "UZ"}
VOICE_PATHS = {"twilio": "/twilio/voice", "africastalking": "/africastalking/voice"}
# Said when the database is away, so the menu cannot run. The audio library has no recording
# of this; Kyrgyz is machine-drafted (review with the prompts) and read by the Russian voice.
OUTAGE_WORDS = (
    ("ru", "Извините, линия временно не работает. Пожалуйста, позвоните нам позже."),
    ("ky", "Кечиресиз, линия убактылуу иштебей жатат. Сураныч, бизге кийинчерээк чалыңыз."),
)


def outage_answer(provider: Provider) -> str:
    """A polite "please call back later", then hang up: the call costs the caller little."""
    steps = tuple(Say(text, language) for language, text in OUTAGE_WORDS)
    return provider.render_voice(VoiceScript((*steps, Hangup()))).body


def _number(query: Mapping[str, str], name: str, limit: int) -> int:
    raw = query.get(name, "0")
    return min(whole_number(raw, 5) or 0, limit)


def turn_from(webhook: WebhookRequest, event: CallEvent) -> Turn:
    query = webhook.query
    phase = query.get("phase")
    return Turn(
        node=(query.get("node") or None),
        digits=event.digits,
        step=_number(query, "step", 10_000),
        tries=_number(query, "tries", 10),
        phase=phase if phase in {"noinput", "recorded", "dialed"} else None,
        then=query.get("then") or None,
        recording_url=event.recording_url,
        dial_status=event.dial_status,
    )


def is_missed_call_line(state: Runtime, event: CallEvent) -> bool:
    line = state.settings.missed_call_number
    if not line or not event.callee:
        return False
    try:
        return parse_phone(event.callee, state.settings.default_region) == parse_phone(
            line, state.settings.default_region
        )
    except InvalidPhoneNumber:
        return False


def answer_call(
    state: Runtime,
    provider: Provider,
    webhook: WebhookRequest,
    session: Session,
    prompts: PromptSource,
) -> str:
    """Run the IVR for one voice webhook and return the provider's XML."""
    settings = state.settings
    now = utcnow()
    event = provider.parse_call_event(webhook)
    # Only where legs share the voice URL: elsewhere every menu step is spared this query.
    if provider.legs_at_voice_url:
        attempt = attempt_for_call(session, provider.name, event.provider_call_id)
        if attempt is not None:
            return callback_leg(state, provider, webhook, session, attempt, event)
    call, caller = track_call_and_caller(
        session, provider.name, event, settings.default_region, now
    )
    if event.status is not None:  # the call has ended; Africa's Talking reports it here
        return provider.render_voice(VoiceScript()).body
    # None for a hidden number (or one erased since): the menu runs without what needs one.
    contact = caller or (session.get(Contact, call.contact_id) if call.contact_id else None)
    turn = turn_from(webhook, event)
    if turn.node is None and is_missed_call_line(state, event):
        if not call.path and contact is None:
            call.path = ["missed-call"]
            call.outcome = MISSED_FROM_HIDDEN_NUMBER  # counted; there is nobody to call
            log.info("missed call from a hidden number (%s)", call.hidden_caller)
        elif not call.path and contact is not None:
            call.path = ["missed-call"]
            call.outcome = "callback"
            request = request_callback(
                session,
                contact,
                CallbackSource.MISSED_CALL,
                contact.language,
                now,
                destinations=settings.call_destinations,
            )
            if request.status == CallbackStatus.REFUSED:
                _tell_callback_refused(state, session, contact, contact.language or "ru")
            else:
                _look_for_an_agent(state)
        return provider.render_voice(VoiceScript((Reject(),))).body
    language = call.language or (contact.language if contact is not None else None)
    context = CallContext(
        language=language,
        citizenship=call.citizenship or _citizenship(call),
        agents=agents_to_dial(session, state.staffed_hours, now, language),
        may_call_back=contact is not None and settings.call_destinations.allows(contact.phone),
        number_hidden=contact is None,
    )
    engine = Engine(state.ivr_menu, lambda digits: licence_verdict(state, session, digits))
    outcome = engine.step(context, turn)
    applied = apply_step(
        session, call, contact, turn.step, outcome, now, settings.call_destinations
    )
    if applied.callback_refused and contact is not None:
        _tell_callback_refused(state, session, contact, outcome.language)
    elif applied.applied and outcome.effects.callback_reason and contact is not None:
        _look_for_an_agent(state)
    if applied.send_info_sms and contact is not None:  # a hidden number is never texted
        _queue_info_sms(state, session, contact, outcome.language)
    if applied.case_id is not None:
        _queue_recording_fetch(state, applied.case_id, provider.name)
    secret = {"token": settings.at_callback_token} if provider.name == "africastalking" else {}
    urls = CallUrls(settings.public_base_url + VOICE_PATHS[provider.name], secret)
    script = to_voice_script(outcome.actions, urls, prompts, settings.hotline_number)
    return provider.render_voice(script).body


def _citizenship(call: CallSession) -> str | None:
    from hotline.phones import country_of

    return CITIZENSHIP_BY_COUNTRY.get(country_of(call.phone) or "") if call.phone else None


def licence_verdict(state: Runtime, session: Session, digits: str) -> str:
    try:
        return str(verify(session, state.registry, digits, utcnow().date()).verdict)
    except ValueError:
        return "not_found"


def _look_for_an_agent(state: Runtime) -> None:
    from workers.callbacks import enqueue_placing

    after_commit(lambda: enqueue_placing(state))


def _queue_recording_fetch(state: Runtime, case_id: int, provider_name: str) -> None:
    from workers.cases import FETCH_RETRY_INTERVALS, fetch_case_recording

    after_commit(
        lambda: state.queues.enqueue(
            fetch_case_recording,
            case_id,
            provider_name,
            queue=HIGH,
            job_id=f"case-recording-{case_id}",
            retry_intervals=FETCH_RETRY_INTERVALS,
        )
    )


def _tell_callback_refused(
    state: Runtime, session: Session, contact: Contact, language: str
) -> None:
    """A callback we will not make: say so by SMS instead (never a call), if the gate lets it."""
    _queue_info_sms(state, session, contact, language, "callback_refused")


def _queue_info_sms(
    state: Runtime, session: Session, contact: Contact, language: str, key: str = "help"
) -> None:
    """Text the caller: the keyword list after repeated silence, or why we will not call back.

    Through the spend gate, like every text a caller's action triggers: past the budget the
    text is stored ``withheld`` with the reason and never sent (a Redis that cannot be asked
    withholds it too: the call goes on, the webhook never fails for a text).
    """
    from hotline.sms.spend import spend_gate
    from workers.sms import SEND_RETRY_INTERVALS, send_sms

    text = state.sms_content.replies.text(key, language, hotline=state.settings.hotline_number)
    gate = spend_gate(state.settings, state.redis)
    message = gate.queue(
        session, state.settings.provider, contact.phone, text, contact_id=contact.id
    )
    if message.status != MessageStatus.QUEUED:
        return
    message_id, provider_name = message.id, state.settings.provider
    after_commit(
        lambda: state.queues.enqueue(
            send_sms,
            message_id,
            provider_name,
            queue=HIGH,
            job_id=f"send-{message_id}",
            retry_intervals=SEND_RETRY_INTERVALS,
        )
    )
