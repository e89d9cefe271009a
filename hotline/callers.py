"""Who is calling: a number we can use, or a caller whose number is hidden.

A victim may withhold their number, or call from a phone or network that sends none; they must
still be heard. So the caller of a call is either an E.164 number or hidden, with the way it
was hidden kept (for staff and counts), and never the raw text as if it were a number: nothing
that is not a valid number is stored, called back or texted.

Providers write a hidden caller in words (``anonymous``, ``restricted``, ``unavailable``), as
nothing at all, or, Twilio, as a number that spells the word on a keypad (``+266696687`` is
A-N-O-N-Y-M-O-U-S). Some of those look like numbers in countries we call (``+7378742833``), so
they are recognised before anything is parsed.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from hotline.phones import InvalidPhoneNumber, parse_phone


class HiddenCaller(enum.StrEnum):
    """Why a call came without a number we can use."""

    ANONYMOUS = "anonymous"  # the caller withheld it (anonymous, private, withheld)
    RESTRICTED = "restricted"  # their network restricts or blocks it
    UNAVAILABLE = "unavailable"  # no number came with the call (empty, unknown, unavailable)
    APP = "app"  # a softphone or SIP client (``client:...``, ``sip:...``): no number to ring
    UNPARSEABLE = "unparseable"  # text that is not a valid phone number


_WORDS = {
    "anonymous": HiddenCaller.ANONYMOUS,
    "private": HiddenCaller.ANONYMOUS,
    "withheld": HiddenCaller.ANONYMOUS,
    "restricted": HiddenCaller.RESTRICTED,
    "blocked": HiddenCaller.RESTRICTED,
    "unavailable": HiddenCaller.UNAVAILABLE,
    "unknown": HiddenCaller.UNAVAILABLE,
}
# Twilio's keypad spellings of ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN and UNAVAILABLE.
_KEYPAD_WORDS = {
    "266696687": HiddenCaller.ANONYMOUS,
    "7378742833": HiddenCaller.RESTRICTED,
    "2562533": HiddenCaller.RESTRICTED,
    "8656696": HiddenCaller.UNAVAILABLE,
    "86282452253": HiddenCaller.UNAVAILABLE,
}
_APP_SCHEMES = ("client:", "sip:", "sips:")
_SEPARATORS = re.compile(r"[\s().\-]")
_LONGEST = 64  # longer than any way of writing a phone number


@dataclass(frozen=True)
class Caller:
    """A call's caller: ``phone`` in E.164, or ``hidden`` saying why there is none."""

    phone: str | None
    hidden: HiddenCaller | None

    @property
    def is_hidden(self) -> bool:
        return self.phone is None


def caller_of(raw: str | None, default_region: str) -> Caller:
    """Read the caller a provider reported; anything that is not a valid number is hidden."""
    text = (raw or "").strip()
    if not text:
        return Caller(None, HiddenCaller.UNAVAILABLE)
    if len(text) > _LONGEST:
        return Caller(None, HiddenCaller.UNPARSEABLE)
    word = _WORDS.get(text.lower())
    if word is not None:
        return Caller(None, word)
    if text.lower().startswith(_APP_SCHEMES):
        return Caller(None, HiddenCaller.APP)
    keypad = _KEYPAD_WORDS.get(_SEPARATORS.sub("", text).removeprefix("+"))
    if keypad is not None:
        return Caller(None, keypad)
    try:
        return Caller(parse_phone(text, default_region), None)
    except InvalidPhoneNumber:
        return Caller(None, HiddenCaller.UNPARSEABLE)
