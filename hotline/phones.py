"""Phone numbers: parse what people and providers write into E.164, and mask them for logs.

Migrants' numbers arrive as ``+996 555 123 456``, ``00996555123456``, Uzbek domestic
``8 90 123 45 67`` (the old trunk prefix ``8`` that phonenumbers does not know for UZ), or bare
national numbers; the default region comes from configuration.
"""

from __future__ import annotations

import re

import phonenumbers

_UZ_TRUNK_EIGHT = re.compile(r"^8\s*\(?(\d{2})\)?[\s-]*(\d{3})[\s-]*(\d{2})[\s-]*(\d{2})$")
_ALLOWED = re.compile(r"^[\d\s()+.\-]{3,32}$")


class InvalidPhoneNumber(ValueError):
    """The text is not a valid phone number."""


def parse_phone(raw: str, default_region: str = "KG") -> str:
    """Return the E.164 form of ``raw`` or raise ``InvalidPhoneNumber``."""
    text = (raw or "").strip()
    if not _ALLOWED.match(text):
        raise InvalidPhoneNumber("not a phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    if default_region == "UZ" and (match := _UZ_TRUNK_EIGHT.match(text)):
        text = "+998" + "".join(match.groups())
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_of(e164: str) -> str | None:
    """ISO region of an E.164 number (``+996...`` -> ``KG``), or None."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or None
    except phonenumbers.NumberParseException:
        return None


def mask(phone: str | None) -> str:
    """Hide all but the country code and last two digits: numbers can identify victims."""
    if not phone:
        return "-"
    digits = phone.lstrip("+")
    if len(digits) <= 4:
        return "***"
    return f"+{digits[:3]}***{digits[-2:]}"
