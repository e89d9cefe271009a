"""Every console page, as every role: only the roles that take cases read reports and texts.

Issue 15, finding 5: ``/console/callbacks`` showed a viewer the verbatim text of open reports
("... took my passport, I am A. at Hotel S. room 12, my number +996..."). This walks every GET
route of the console (read from the app's URL map, so a page added later is walked too) as
each role, with a person seeded who reported, texted, checked an agency, waits for a callback
and was in a campaign, and reads what each page shows, downloads included:

- campaign managers and viewers never see a word of the report, nor any full number;
- no role sees the person's own number, except an admin's export of that person's data (a
  subject access request hands over everything, on purpose);
- agents and admins do read the report, so the absence above means something.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from hotline.models import (
    CallbackRequest,
    CallbackStatus,
    Case,
    CaseStatus,
    Direction,
    Message,
    MessageStatus,
    Recipient,
    RecipientStatus,
    Role,
    VerificationRecord,
)
from hotline.privacy.disclosure import reads_cases
from hotline.runtime import Runtime
from tests.factories import make_agency
from tests.privacy.people import Person, a_person

# Recognisable words and a number of the report's own, as the probe found them.
REPORT = "They took my passport, I am A. at Hotel S. room 12, my number +996 770 123 987"
REPORT_WORDS = ("took my passport", "Hotel S. room 12")
PHONE = "+996555302817"  # not the contacts page's placeholder (+996 555 123 456)
NUMBERS = {"the person's number": PHONE, "the number in the report": "+996770123987"}
PROVIDER_ERROR = f"The 'To' number {PHONE} is not a valid phone number"
CHECK_TYPED = "Ak-Jol +996 770 123 987"
OWN_EXPORT = "console.contact_export"  # everything about one person, for an admin

ROLES = [str(role) for role in Role]


def seed(state: Runtime) -> Person:
    """``a_person`` with an open case and callback, a number in every free text, a failure."""
    with state.sessions() as session:
        person = a_person(session, phone=PHONE, case_status=CaseStatus.OPEN)
        session.execute(update(Case).values(text=REPORT, kind="trafficking"))
        session.execute(
            update(Message)
            .where(Message.direction == Direction.INBOUND)
            .values(body=f"REPORT {REPORT}")
        )
        session.add(
            Message(
                direction=Direction.OUTBOUND,
                provider="twilio",
                contact_id=person.contact_id,
                phone=PHONE,
                body="We will call you back",
                status=MessageStatus.FAILED,
                error_code="21211",
                error_reason=PROVIDER_ERROR[:200],
            )
        )
        session.execute(update(CallbackRequest).values(status=CallbackStatus.OPEN))
        session.execute(update(VerificationRecord).values(query=CHECK_TYPED))
        session.execute(
            update(Recipient).values(status=RecipientStatus.FAILED, error=PROVIDER_ERROR[:60])
        )
        make_agency(session)
        session.commit()
    return person


def console_pages(app: Flask, person: Person, agency_id: int) -> Iterator[tuple[str, str]]:
    """(endpoint, path) of every console GET route, with the seeded rows' ids filled in."""
    values = {
        "contact_id": person.contact_id,
        "campaign_id": person.campaign_id,
        "agency_id": agency_id,
        "citizenship": "KG",
        "country": "RU",
    }
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console.") or "GET" not in (rule.methods or ()):
            continue
        path = rule.rule
        for argument in rule.arguments:
            value = str(values.get(argument, 1))
            path = path.replace(f"<int:{argument}>", value).replace(f"<{argument}>", value)
        yield rule.endpoint, path


def as_written(page: str) -> str:
    """The page with separators between digits removed, so "+996 555 123 456" is found too."""
    return re.sub(r"(?<=\d)[\s\-().]+(?=\d)", "", page)


def digits_of(number: str) -> str:
    return number.lstrip("+")[3:]  # the subscriber's digits, without the country code


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_on_every_page_only_what_it_may(
    role: str, app: Flask, state: Runtime, login_as: Callable[..., FlaskClient]
) -> None:
    person = seed(state)
    with state.sessions() as session:
        agency_id = make_agency(session, licence_no="KG-0999-26").id
        session.commit()
    client = login_as(role)
    shown: dict[str, str] = {}
    for endpoint, path in console_pages(app, person, agency_id):
        answer = client.get(path)
        assert answer.status_code < 500, (role, path)
        if answer.status_code == 200:
            shown[endpoint] = as_written(answer.get_data(as_text=True))
    assert "console.callbacks" in shown or role == Role.CAMPAIGN_MANAGER
    assert "console.dashboard" in shown

    leaks = []
    for endpoint, page in shown.items():
        if endpoint == OWN_EXPORT:
            continue
        if digits_of(PHONE) in page:
            leaks.append((endpoint, "the person's number"))
        if not reads_cases(role):
            leaks += [(endpoint, words) for words in REPORT_WORDS if words in page]
            leaks += [
                (endpoint, name) for name, number in NUMBERS.items() if digits_of(number) in page
            ]
    assert leaks == []

    if reads_cases(role):  # agents and admins read the report where they take cases
        assert all(words in shown["console.callbacks"] for words in REPORT_WORDS)
        assert all(words in shown["console.contact"] for words in REPORT_WORDS)
    elif "console.callbacks" in shown:  # a viewer sees that the case is open, not its words
        assert "R-00001" in shown["console.callbacks"]
        assert "not shown: only agents and admins read it" in shown["console.callbacks"]


def test_numbers_in_what_a_viewer_may_read_are_masked(
    state: Runtime, login_as: Callable[..., FlaskClient]
) -> None:
    """The agency check as typed and the provider's error stay, their numbers masked."""
    person = seed(state)
    client = login_as("viewer")

    checks = client.get("/console/registry/checks").get_data(as_text=True)
    results = client.get(f"/console/campaigns/{person.campaign_id}/recipients.csv")

    assert "Ak-Jol +996***87" in checks
    assert "The 'To' number +996***17 is not a valid" in results.get_data(as_text=True)
