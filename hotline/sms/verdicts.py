"""Turn a verification into words: the SMS a family receives, and the page's whole answer.

The SMS (``verdict_reply``) keeps to the segment budget; the web page and the API
(``verdict_answer``) show the same answer uncut, with every agency that fits. Where several
agencies fit, the SMS names up to three, each with its licence number and standing, shortening
names (never so far that two read alike) before it drops one, so what it lists is never cut
mid-entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hotline.agencies.verify import AgencyFacts, Verdict, Verification, licence_verdict
from hotline.models import LicenceStatus
from hotline.sms.replies import MAX_SEGMENTS, ReplyBook, fit_sms
from hotline.sms.rules import RulesBook
from hotline.sms.segments import count_segments

MAX_NAMED_DESTINATIONS = 4
MAX_QUOTED_QUERY = 40
SMS_CANDIDATES = 3
_NAME_LENGTHS = (None, 28, 20, 14)  # how far an SMS shortens names before listing fewer


def _date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "-"


def _destinations(agency: AgencyFacts, language: str, rules: RulesBook) -> str:
    if len(agency.destinations) > MAX_NAMED_DESTINATIONS:
        return ", ".join(agency.destinations)
    return ", ".join(rules.country_name(code, language) for code in agency.destinations) or "-"


def standing(agency: AgencyFacts, today: dt.date) -> str:
    """The agency's standing on ``today`` as a key of the ``standings`` texts."""
    if LicenceStatus(agency.status) is LicenceStatus.REMOVED:
        return "removed"
    return str(licence_verdict(agency, today))


def heading_key(verification: Verification) -> str:
    """Which ``headings`` text heads this verification's answer."""
    agency = verification.agency
    if agency is not None and LicenceStatus(agency.status) is LicenceStatus.REMOVED:
        return "removed"
    return str(verification.verdict)


def _shortened(name: str, length: int | None) -> str:
    if length is None or len(name) <= length:
        return name
    cut = name[: length - 1]
    if not name[length - 1].isspace() and " " in cut.strip():  # the cut is inside a word
        cut = cut.rstrip()[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,.-") + "…"


def _listed(
    candidates: Sequence[AgencyFacts],
    language: str,
    book: ReplyBook,
    today: dt.date,
    name_length: int | None = None,
) -> str:
    return "; ".join(
        f"{_shortened(c.name, name_length)} ({c.licence_no}, "
        f"{book.standing(standing(c, today), language)})"
        for c in candidates
    )


def _agency_text(
    verification: Verification, language: str, book: ReplyBook, rules: RulesBook
) -> str:
    agency = verification.agency
    assert agency is not None
    return book.text(
        heading_key(verification),
        language,
        name=agency.name,
        licence_no=agency.licence_no,
        valid_until=_date(agency.valid_until),
        destinations=_destinations(agency, language, rules),
        status_date=_date(agency.status_since),
        as_of=_date(verification.registry_as_of),
    )


def _not_found_text(
    verification: Verification, language: str, book: ReplyBook, hotline_number: str
) -> str:
    query = verification.query
    if len(query) > MAX_QUOTED_QUERY:
        query = query[: MAX_QUOTED_QUERY - 1] + "…"
    return book.text("not_found", language, query=query, hotline=hotline_number)


def _with_demo_notice(verification: Verification, text: str, language: str, book: ReplyBook) -> str:
    return book.text("demo_notice", language) + " " + text if verification.demo else text


def verdict_answer(
    verification: Verification,
    language: str,
    book: ReplyBook,
    rules: RulesBook,
    hotline_number: str,
    today: dt.date,
) -> str:
    """The whole answer in ``language`` for a web page or the API: never cut."""
    if verification.agency is not None:
        text = _agency_text(verification, language, book, rules)
    elif verification.verdict is Verdict.AMBIGUOUS:
        listed = _listed(verification.candidates, language, book, today)
        text = book.text("ambiguous_page", language, candidates=listed)
    else:
        text = _not_found_text(verification, language, book, hotline_number)
    return _with_demo_notice(verification, text, language, book)


def _ambiguous_sms(
    verification: Verification, language: str, book: ReplyBook, today: dt.date
) -> str:
    """Name up to three agencies that fit, each whole, within the segment budget."""
    candidates = verification.candidates
    text = ""
    for shown in range(min(SMS_CANDIDATES, len(candidates)), 0, -1):
        for length in _NAME_LENGTHS:
            names = {_shortened(c.name, length) for c in candidates[:shown]}
            if length is not None and len(names) < shown:
                break  # shortened, two names would read alike: list fewer instead
            listed = _listed(candidates[:shown], language, book, today, length)
            if len(candidates) > shown:
                listed += "; " + book.text(
                    "more_candidates", language, count=len(candidates) - shown
                )
            text = _with_demo_notice(
                verification, book.text("ambiguous", language, candidates=listed), language, book
            )
            if count_segments(fit_sms(text, max_segments=1_000_000)).segments <= MAX_SEGMENTS:
                return text
    return text


def verdict_reply(
    verification: Verification,
    language: str,
    book: ReplyBook,
    rules: RulesBook,
    hotline_number: str,
    today: dt.date,
) -> str:
    """The SMS in ``language``, with the demo notice when the data is demo data."""
    if (
        verification.agency is None
        and verification.verdict is Verdict.AMBIGUOUS
        and verification.candidates
    ):
        return fit_sms(_ambiguous_sms(verification, language, book, today))
    return fit_sms(verdict_answer(verification, language, book, rules, hotline_number, today))
