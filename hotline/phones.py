"""Phone numbers: parse into E.164, mask for logs, and say which ones we agree to pay to reach.

Migrants' numbers arrive as ``+996 555 123 456``, ``00996555123456``, Uzbek domestic
``8 90 123 45 67`` (the old trunk prefix ``8`` that phonenumbers does not know for UZ), or bare
national numbers; the default region comes from configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

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


# Only mobile and fixed-line numbers: premium rate, shared cost, UAN, pager, voicemail-only,
# personal ("follow me"), VoIP, toll-free and unknown numbers can bill us per minute or pay
# the line's owner, which is how toll fraud turns a free callback into someone's income.
CALLABLE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)
TEXTABLE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_TYPE_NAMES = {
    value: name.lower()
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


@dataclass(frozen=True)
class Destinations:
    """Numbers we agree to pay to reach: in these countries and of these kinds.

    Checked wherever the hotline would call or text a number someone else chose (a callback,
    a reply to an inbound SMS), so an attacker cannot make us ring or text numbers that earn
    them money.
    """

    countries: frozenset[str]
    types: frozenset[int]

    @classmethod
    def for_calls(cls, countries: Iterable[str]) -> Destinations:
        return cls(frozenset(code.upper() for code in countries), CALLABLE_TYPES)

    @classmethod
    def for_sms(cls, countries: Iterable[str]) -> Destinations:
        return cls(frozenset(code.upper() for code in countries), TEXTABLE_TYPES)

    def refusal(self, e164: str) -> str | None:
        """Why we will not reach this number (``country DE``, ``type premium_rate``), or None."""
        try:
            number = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            return "not a number"
        country = phonenumbers.region_code_for_number(number) or "none"
        if country not in self.countries:
            return f"country {country}"
        kind = phonenumbers.number_type(number)
        if kind not in self.types:
            return f"type {_TYPE_NAMES.get(kind, 'unknown')}"
        return None

    def allows(self, e164: str) -> bool:
        return self.refusal(e164) is None
