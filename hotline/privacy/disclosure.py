"""What each staff role may read of what people wrote: reports, texts and numbers in them.

A report ("... took my passport, I am A. at Hotel S. room 12, my number +996...") identifies the
person who made it, and so does any phone number. Only the roles that handle cases read them
(``cases.read``: agents, and admins, who may do everything). Campaign managers and viewers see
that a report or a text exists, its kind and its age, never its words; and wherever a text
they may see (an agency check as typed, a provider's error, one of our own replies) carries a
number, it is masked as the console masks every number (``+996***56``).

The views decide with these functions and hand the templates only what the role may see, so a
template cannot show a report by mistake. ``docs/security.md`` has the page-by-role table.
"""

from __future__ import annotations

import re

from hotline.staff import may

CASES_PERMISSION = "cases.read"
# A run of 7 or more digits, with the separators people type (spaces, dashes, dots,
# parentheses), maybe after a "+": any phone number, and no licence number we know
# (``KG-0145-23`` has 6 digits). A date written out may be masked too; that costs nothing.
_NUMBER = re.compile(r"\+?\(?\d(?:[\s().\-]{0,2}\d){6,}")


def reads_cases(role: str) -> bool:
    """Whether ``role`` handles cases and so reads reports and what people texted."""
    return may(role, CASES_PERMISSION)


def mask_numbers(text: str) -> str:
    """``text`` with every phone number in it masked: country code and last two digits kept."""
    return _NUMBER.sub(_masked, text)


def _masked(found: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", found.group())
    plus = "+" if found.group().startswith("+") else ""
    return f"{plus}{digits[:3]}***{digits[-2:]}"


def shown_text(role: str, text: str | None) -> str | None:
    """A person's own words for this role: verbatim for case roles, None (not shown) for others."""
    if text is None or reads_cases(role):
        return text
    return None


def shown_detail(role: str, text: str) -> str:
    """Text that is not a person's own words (our reply, a provider's error, an agency check):
    verbatim for case roles, numbers masked for the others."""
    return text if reads_cases(role) else mask_numbers(text)
