"""The SMS for several matching agencies: up to three, each whole, within three segments."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from hotline.agencies.verify import AgencyFacts, Verdict, Verification
from hotline.config import LANGUAGES
from hotline.models import LicenceStatus
from hotline.runtime import Runtime
from hotline.sms.replies import ReplyBook
from hotline.sms.rules import RulesBook
from hotline.sms.segments import count_segments
from hotline.sms.verdicts import verdict_answer, verdict_reply
from tests.conftest import TwilioWebhooks
from tests.factories import make_agency
from tests.fakes.provider_api import FakeTwilioApi

BOOK, RULES = ReplyBook.load(), RulesBook.load()
TODAY = dt.date(2026, 11, 20)
HOTLINE = "+996312000000"


def _agency(number: int, name: str, status: str = "active") -> AgencyFacts:
    return AgencyFacts(
        id=number,
        licence_no=f"KG-{number:04d}-25",
        name=name,
        registry="KG",
        status=status,
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 1, 1),
        destinations=("RU",),
        status_since=dt.date(2026, 1, 1),
        demo=False,
    )


def _several(*agencies: AgencyFacts, demo: bool = False) -> Verification:
    return Verification("Бийик Тоо", Verdict.AMBIGUOUS, None, agencies, TODAY, demo)


SHORT = (
    _agency(190, "Бийик Тоо Групп"),
    _agency(191, "Бийик Тоо Сервис", LicenceStatus.REVOKED),
    _agency(192, "Бийик Тоо Тревел", LicenceStatus.SUSPENDED),
)
LONG = tuple(
    _agency(200 + n, f"Бийик Тоо Интернешнл Консалтинг Энд Рекрутмент Групп {n}") for n in range(5)
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_three_agencies_are_all_named_with_licence_and_standing(language: str) -> None:
    sms = verdict_reply(_several(*SHORT), language, BOOK, RULES, HOTLINE, TODAY)

    for agency, standing in zip(SHORT, ("licensed", "revoked", "suspended"), strict=True):
        assert f"{agency.name} ({agency.licence_no}, {BOOK.standing(standing, language)})" in sms
    assert count_segments(sms).segments <= 3


@pytest.mark.parametrize("demo", [False, True])
@pytest.mark.parametrize("language", LANGUAGES)
def test_long_names_are_shortened_and_the_rest_counted_never_cut(language: str, demo: bool) -> None:
    sms = verdict_reply(_several(*LONG, demo=demo), language, BOOK, RULES, HOTLINE, TODAY)
    listed = re.findall(r"(?:; |: )([^;:]+?) \((KG-\d{4}-25), ", sms)
    more = BOOK.text("more_candidates", language, count=len(LONG) - len(listed))

    assert count_segments(sms).segments <= 3
    assert 1 <= len(listed) <= 3
    assert more in sms
    assert sms.endswith(BOOK.text("ambiguous", language, candidates="X").split("X")[1])
    for name, licence_no in listed:  # each whole, or its name shortened after a whole word
        full = next(a.name for a in LONG if a.licence_no == licence_no)
        stem = name.removesuffix("…").removesuffix("...")
        assert name == full or (full.startswith(stem) and full[len(stem)] == " ")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_answer_names_every_agency_uncut(language: str) -> None:
    answer = verdict_answer(_several(*LONG), language, BOOK, RULES, HOTLINE, TODAY)

    for agency in LONG:
        assert f"{agency.name} ({agency.licence_no}, " in answer
    assert "…" not in answer


@pytest.fixture
def registry(state: Runtime) -> None:
    """Three agencies share the head word «Бийик Тоо»."""
    with state.sessions() as session:
        for licence_no, name, status in [
            ("KG-0190-25", "Бийик Тоо Групп", LicenceStatus.ACTIVE),
            ("KG-0191-25", "Бийик Тоо Сервис", LicenceStatus.REVOKED),
            ("KG-0192-25", "Бийик Тоо Тревел", LicenceStatus.SUSPENDED),
        ]:
            make_agency(session, licence_no=licence_no, name=name, aliases=[], status=status)
        session.commit()


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize(("text", "language"), [("ТЕКШЕР Бийик Тоо", "ky"), ("Бийик Тоо", "ru")])
def test_a_texted_head_word_gets_all_three_agencies(
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    text: str,
    language: str,
) -> None:
    twilio_webhooks.sms("+996555123456", text)
    run_jobs()

    [sent] = fake_twilio.sent()
    body = sent.value("Body") or ""
    for licence_no, standing in [
        ("KG-0190-25", "licensed"),
        ("KG-0191-25", "revoked"),
        ("KG-0192-25", "suspended"),
    ]:
        assert f"({licence_no}, {BOOK.standing(standing, language)})" in body
    assert count_segments(body).segments <= 3
