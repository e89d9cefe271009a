"""Turn a verification into the SMS a family receives (also the API's ``reply``)."""

from __future__ import annotations

import datetime as dt

from hotline.agencies.verify import AgencyFacts, Verdict, Verification
from hotline.models import LicenceStatus
from hotline.sms.replies import ReplyBook, fit_sms
from hotline.sms.rules import RulesBook

MAX_NAMED_DESTINATIONS = 4
MAX_QUOTED_QUERY = 40


def _date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "-"


def _destinations(agency: AgencyFacts, language: str, rules: RulesBook) -> str:
    if len(agency.destinations) > MAX_NAMED_DESTINATIONS:
        return ", ".join(agency.destinations)
    return ", ".join(rules.country_name(code, language) for code in agency.destinations) or "-"


def verdict_reply(
    verification: Verification,
    language: str,
    book: ReplyBook,
    rules: RulesBook,
    hotline_number: str,
) -> str:
    """Compose the reply in ``language``, with the demo notice when the data is demo data."""
    agency = verification.agency
    as_of = _date(verification.registry_as_of)
    if agency is not None:
        key = str(verification.verdict)
        if LicenceStatus(agency.status) is LicenceStatus.REMOVED:
            key = "removed"
        text = book.text(
            key,
            language,
            name=agency.name,
            licence_no=agency.licence_no,
            valid_until=_date(agency.valid_until),
            destinations=_destinations(agency, language, rules),
            status_date=_date(agency.status_since),
            as_of=as_of,
        )
    elif verification.verdict is Verdict.AMBIGUOUS:
        listed = "; ".join(f"{c.name} ({c.licence_no})" for c in verification.candidates)
        text = book.text("ambiguous", language, candidates=listed)
    else:
        query = verification.query
        if len(query) > MAX_QUOTED_QUERY:
            query = query[: MAX_QUOTED_QUERY - 1] + "…"
        text = book.text("not_found", language, query=query, hotline=hotline_number)
    if verification.demo:
        text = book.text("demo_notice", language) + " " + text
    return fit_sms(text)
