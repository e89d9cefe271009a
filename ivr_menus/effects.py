"""Apply what one IVR step changed, exactly once per step number.

The engine is pure; this is where its ``Effects`` meet the database. A webhook whose step was
already applied (a provider retry) changes nothing, so it returns the same document without
opening a second callback request or a second case.

A caller whose number is hidden has no contact: the language they choose holds for this call
only, and nothing that needs a number (a callback request) is opened for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.callbacks import request_callback
from hotline.cases import open_case
from hotline.models import (
    CallbackSource,
    CallbackStatus,
    CallSession,
    Contact,
    VerificationRecord,
)
from hotline.phones import Destinations
from ivr_menus.engine import Outcome


@dataclass(frozen=True)
class Applied:
    applied: bool
    case_id: int | None = None
    send_info_sms: bool = False
    callback_refused: bool = False  # a number we do not call: tell the caller by SMS instead


def apply_step(
    session: Session,
    call: CallSession,
    contact: Contact | None,
    step: int,
    outcome: Outcome,
    now: dt.datetime,
    destinations: Destinations | None = None,
) -> Applied:
    """Record the step on the call and apply its effects, unless this step was seen before."""
    if step != len(call.path or []):
        return Applied(applied=False)
    effects = outcome.effects
    call.path = [*(call.path or []), ">".join(effects.visited)]
    if effects.language:
        call.language = effects.language
        if contact is not None:
            contact.language = effects.language
    elif call.language is None and contact is not None and contact.language:
        call.language = contact.language
    if effects.citizenship:
        call.citizenship = effects.citizenship
    if effects.outcome:
        call.outcome = effects.outcome
    callback_refused = False
    if effects.callback_reason and contact is not None:
        request = request_callback(
            session,
            contact,
            CallbackSource.IVR,
            outcome.language,
            now,
            effects.callback_reason,
            destinations=destinations,
        )
        callback_refused = request.status == CallbackStatus.REFUSED
    if effects.licence_check:
        digits, verdict = effects.licence_check
        session.add(
            VerificationRecord(
                channel="ivr", contact_id=_id(contact), query=digits, verdict=verdict
            )
        )
    case_id = None
    if effects.recording_url:
        case = open_case(
            session,
            contact_id=_id(contact),
            source="ivr",
            text="(voice message)",
            kind="recruiter",
        )
        case.recording_url = effects.recording_url[:500]
        case_id = case.id
    return Applied(
        applied=True,
        case_id=case_id,
        send_info_sms=effects.send_info_sms and contact is not None,  # never a hidden number
        callback_refused=callback_refused,
    )


def _id(contact: Contact | None) -> int | None:
    return contact.id if contact is not None else None
