"""The rules page: staff edit a RULES answer, and the next SMS carries the edit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.models import AuditEntry, RuleEdit
from hotline.runtime import Runtime
from hotline.sms.replies import ReplyBook
from hotline.sms.rules import RulesBook, reply_segments, rules_reply
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi
from tests.web.console.conftest import form_token

Login = Callable[..., FlaskClient]
KG_PHONE = "+996555123456"
HOTLINE = "+996312000000"
PAGE = "/console/rules/KG/RU"
EDITED = "Россия: встаньте на учёт за 30 дней. Проверено юристом 25.11.2026."


def save(client: FlaskClient, **fields: str) -> tuple[int, str]:
    form = {"language": "ru", "text": EDITED, "source": "MVD, 2026", "reviewed": "2026-11-20"}
    form |= fields
    answer = client.post(PAGE, data={"csrf_token": form_token(client, PAGE), **form})
    return answer.status_code, answer.get_data(as_text=True)


def stored(state: Runtime) -> tuple[int, int]:
    """(edits, audit entries of edits) in the database."""
    with state.sessions() as session:
        edits = session.scalar(select(func.count()).select_from(RuleEdit)) or 0
        audited = session.scalar(select(func.count()).where(AuditEntry.action == "rules_edit"))
    return edits, audited or 0


def test_an_edit_is_what_the_next_rules_sms_answers(
    login_as: Login,
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    client = login_as("admin")
    status, _ = save(client)
    assert status == 302

    page = client.get(PAGE + "?saved=ru").get_data(as_text=True)
    expected = reply_segments(rules_reply(EDITED, "ru", ReplyBook.load(), HOTLINE))
    assert f"Saved. The SMS now takes {expected.segments} segments." in page
    assert "admin@hotline.example" in page
    assert stored(state) == (1, 1)
    with state.sessions() as session:
        edit = session.scalars(select(RuleEdit)).one()
    assert (edit.citizenship, edit.country, edit.language) == ("KG", "RU", "ru")
    assert (edit.source, edit.reviewed.isoformat()) == ("MVD, 2026", "2026-11-20")

    twilio_webhooks.sms(KG_PHONE, "LANG ru")  # so that the English keyword answers in Russian
    twilio_webhooks.sms(KG_PHONE, "RULES Russia")
    run_jobs()
    body = fake_twilio.sent()[-1].value("Body") or ""
    assert body.startswith(EDITED)
    assert body.endswith(HOTLINE)

    twilio_webhooks.sms(KG_PHONE, "ЭРЕЖЕ Орусия")  # Kyrgyz was not edited: shipped text
    run_jobs()
    shipped = RulesBook.load().sheets[("KG", "RU")].text["ky"]
    assert (fake_twilio.sent()[-1].value("Body") or "").startswith(shipped)


def test_a_second_save_replaces_the_edit(login_as: Login, state: Runtime) -> None:
    client = login_as("admin")
    save(client)
    assert save(client, text="Россия: второй вариант.")[0] == 302
    assert stored(state) == (1, 2)
    with state.sessions() as session:
        assert session.scalars(select(RuleEdit.text)).one() == "Россия: второй вариант."


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "the text is empty"),
        ({"text": "Россия: " + "встаньте на учёт " * 12}, "segments"),
        ({"reviewed": "31.02.2026"}, "is not a date"),
        ({"reviewed": "2026-02-30"}, "is not a date"),
        ({"reviewed": "2999-01-01"}, "in the future"),
        ({"source": ""}, "source"),
        ({"language": "fr"}, "unknown language"),
    ],
)
def test_a_bad_form_is_refused_and_stores_nothing(
    login_as: Login, state: Runtime, fields: dict[str, str], message: str
) -> None:
    client = login_as("admin")
    status, page = save(client, **fields)
    assert status == 400
    assert "Not saved:" in page
    assert message in page
    assert stored(state) == (0, 0)


def test_an_unknown_sheet_is_not_found(login_as: Login) -> None:
    client = login_as("admin")
    assert client.get("/console/rules/KG/ZZ").status_code == 404
    token = form_token(client, PAGE)
    answer = client.post("/console/rules/KG/ZZ", data={"csrf_token": token, "language": "ru"})
    assert answer.status_code == 404


def test_a_viewer_sees_the_rules_but_may_not_edit_them(login_as: Login, state: Runtime) -> None:
    client = login_as("viewer")
    page = client.get(PAGE).get_data(as_text=True)
    assert "<textarea" not in page
    assert RulesBook.load().sheets[("KG", "RU")].text["ru"] in page
    status, _ = save(client)
    assert status == 403
    assert stored(state) == (0, 0)


def test_the_list_shows_segments_and_what_was_edited(login_as: Login) -> None:
    client = login_as("admin")
    book, replies = RulesBook.load(), ReplyBook.load()

    def row(page: str, sheet: str, language: str) -> str:
        found = re.search(rf'<tr id="sheet-{sheet}-{language}">(.*?)</tr>', page, re.S)
        assert found is not None, f"no row for {sheet} {language}"
        return found.group(1)

    page = client.get("/console/rules").get_data(as_text=True)
    for (citizenship, country), sheet in book.sheets.items():
        for language, text in sheet.text.items():
            count = reply_segments(rules_reply(text, language, replies, HOTLINE))
            cells = row(page, f"{citizenship}-{country}", language)
            assert f'<td class="segments">{count.segments} ({count.encoding},' in cells
            assert "shipped" in cells
    assert 'href="/console/rules"' in page  # in the menu

    save(client)
    page = client.get("/console/rules").get_data(as_text=True)
    count = reply_segments(rules_reply(EDITED, "ru", replies, HOTLINE))
    cells = row(page, "KG-RU", "ru")
    assert f'<td class="segments">{count.segments} (' in cells
    assert "edited" in cells
    assert "MVD, 2026" in cells
    assert "2026-11-20" in cells


LOCAL_PATH = re.compile(r"(?:^|[\s;(])(?:/[\w.-]+){2,}|\b[A-Za-z]:\\|summarised in", re.IGNORECASE)


@pytest.mark.parametrize("sheet", sorted(RulesBook.load().sheets), ids="-".join)
def test_every_shipped_rule_cites_a_published_source_and_a_review_date(
    sheet: tuple[str, str],
) -> None:
    rules = RulesBook.load().sheets[sheet]
    for cited in (rules.source, rules.review_note):
        assert not LOCAL_PATH.search(cited), cited  # a file on someone's machine is no source
    assert (
        "https://" in rules.source
        or rules.source.startswith("NOT YET SOURCED")
        or ("official URL not yet recorded" in rules.source)
    )
    assert rules.last_reviewed.year >= 2026


def test_the_pages_link_the_published_sources_and_cite_no_file(login_as: Login) -> None:
    viewer = login_as("viewer")
    listing = viewer.get("/console/rules").get_data(as_text=True)
    sheet = viewer.get(PAGE).get_data(as_text=True)

    for page in (listing, sheet):
        assert "summarised in" not in page
        assert "DOMAIN.md" not in page
        assert '<a href="https://мвд.рф" rel="noopener noreferrer">https://мвд.рф</a>' in page
    assert '<a href="https://www.gov.uk/seasonal-worker-visa" rel="noopener' in listing
    assert "Reviewed on 2026-11-25." in sheet


def test_a_source_typed_by_staff_is_escaped_and_only_web_addresses_become_links(
    login_as: Login,
) -> None:
    client = login_as("admin")
    typed = 'MVD <b>order</b> 5, https://мвд.рф/x?a=1&b=2; javascript:alert(1) "quoted"'
    assert save(client, source=typed)[0] == 302

    page = login_as("viewer", "reader@hotline.example").get(PAGE).get_data(as_text=True)

    assert "MVD &lt;b&gt;order&lt;/b&gt; 5, " in page
    assert '<a href="https://мвд.рф/x?a=1&amp;b=2" rel="noopener noreferrer">' in page
    assert 'href="javascript' not in page
