"""The contacts pages: finding a person, their history, and importing a partner's list."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.models import (
    AuditEntry,
    CallbackRequest,
    CallbackSource,
    CallSession,
    Contact,
    Message,
    VerificationRecord,
)
from hotline.runtime import Runtime
from tests.sms_campaigns.builders import make_contacts
from tests.web.console.conftest import form_token

LoginAs = Callable[..., FlaskClient]


def add_contact(state: Runtime, phone: str, **values: object) -> int:
    with state.sessions() as session:
        contact = Contact(phone=phone, **values)
        session.add(contact)
        session.commit()
        return contact.id


def contact_count(state: Runtime) -> int:
    with state.sessions() as session:
        return session.scalar(select(func.count()).select_from(Contact)) or 0


def shown_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/console/contacts/(\d+)"', page)]


def upload(client: FlaskClient, data: bytes, name: str = "partners.csv") -> tuple[int, str]:
    token = form_token(client, "/console/contacts")
    form = {"csrf_token": token, "file": (io.BytesIO(data), name)}
    answer = client.post("/console/contacts/import", data=form, content_type="multipart/form-data")
    return answer.status_code, answer.get_data(as_text=True)


def test_an_agent_finds_a_contact_by_the_number_as_people_write_it(
    state: Runtime, login_as: LoginAs
) -> None:
    wanted = add_contact(state, "+996555123456", language="ky")
    add_contact(state, "+996555654321", language="ky")
    client = login_as("agent")

    page = client.get("/console/contacts?number=0555 123 456").get_data(as_text=True)

    assert shown_ids(page) == [wanted]
    assert "+996***56" in page
    assert "+996555123456" not in page  # masked: a number can identify a victim


def test_a_number_that_is_not_one_is_said_so(login_as: LoginAs) -> None:
    page = login_as("agent").get("/console/contacts?number=hello").get_data(as_text=True)
    assert "not a phone number" in page


def test_contacts_are_found_by_language_region_stage_and_destination(
    state: Runtime, login_as: LoginAs
) -> None:
    fields = {"language": "uz", "region": "Osh", "stage": "abroad", "destination": "RU"}
    wanted = add_contact(state, "+996555000001", **fields)
    add_contact(state, "+996555000002", **(fields | {"destination": "KZ"}))
    add_contact(state, "+996555000003", **(fields | {"stage": "returned"}))
    add_contact(state, "+996555000004", **(fields | {"language": "ky"}))
    client = login_as("campaign_manager")

    page = client.get("/console/contacts?language=UZ&region=Osh&stage=abroad&destination=ru")

    assert shown_ids(page.get_data(as_text=True)) == [wanted]


def test_a_filter_holding_nul_matches_as_without_it(state: Runtime, login_as: LoginAs) -> None:
    wanted = add_contact(state, "+996555000001", language="uz", region="Osh")
    client = login_as("campaign_manager")

    held = client.get("/console/contacts?language=u%00z&region=Osh%00")
    only_nul = client.get("/console/contacts?language=%00")

    assert held.status_code == only_nul.status_code == 200
    assert shown_ids(held.get_data(as_text=True)) == [wanted]
    assert shown_ids(only_nul.get_data(as_text=True)) == [wanted]  # an empty filter


def test_the_list_shows_who_opted_out(state: Runtime, login_as: LoginAs) -> None:
    add_contact(state, "+996555000001", opted_out=True, opted_out_at=utcnow())
    page = login_as("agent").get("/console/contacts").get_data(as_text=True)
    assert "opted out" in page


def test_contacts_come_fifty_to_a_page_newest_first(state: Runtime, login_as: LoginAs) -> None:
    with state.sessions() as session:
        make_contacts(session, 120, region="Osh")
    client = login_as("agent")

    first = client.get("/console/contacts?region=Osh").get_data(as_text=True)
    third = client.get("/console/contacts?region=Osh&page=3").get_data(as_text=True)

    assert len(shown_ids(first)) == 50
    assert shown_ids(first) == sorted(shown_ids(first), reverse=True)
    assert 'href="/console/contacts?region=Osh&amp;page=2" rel="next"' in first
    assert len(shown_ids(third)) == 20
    assert 'rel="next"' not in third
    assert set(shown_ids(first)).isdisjoint(shown_ids(third))


def test_a_contacts_history_shows_calls_sms_checks_and_callbacks_newest_first(
    state: Runtime, login_as: LoginAs
) -> None:
    contact_id = add_contact(state, "+996555123456", language="ky")
    now = utcnow()
    with state.sessions() as session:
        session.add_all(
            [
                CallSession(provider="twilio", provider_call_id="CA1", contact_id=contact_id,
                            phone="+996555123456", started_at=now - dt.timedelta(days=3)),
                Message(direction="inbound", provider="twilio", contact_id=contact_id,
                        phone="+996555123456", body="CHECK Ak-Jol Travel", status="processed",
                        created_at=now - dt.timedelta(days=2)),
                VerificationRecord(channel="sms", contact_id=contact_id, query="Ak-Jol Travel",
                                   verdict="not_found", created_at=now - dt.timedelta(days=1)),
                CallbackRequest(contact_id=contact_id, phone="+996555123456",
                                source=CallbackSource.SMS, reason="urgent", created_at=now),
            ]
        )  # fmt: skip
        session.commit()

    page = login_as("agent").get(f"/console/contacts/{contact_id}").get_data(as_text=True)

    kinds = re.findall(r'<tr class="event-(\w+)">', page)
    assert kinds == ["callback", "check", "sms", "call"]
    assert "CHECK Ak-Jol Travel" in page
    assert "agency check by SMS: not found" in page
    assert "callback (urgent, SMS): waiting" in page


def test_a_failed_reply_shows_why_it_failed(state: Runtime, login_as: LoginAs) -> None:
    contact_id = add_contact(state, "+996555123456", language="ru")
    reason = "twilio is not configured: TWILIO_ACCOUNT_SID is empty"
    with state.sessions() as session:
        session.add(
            Message(direction="outbound", provider="twilio", contact_id=contact_id,
                    phone="+996555123456", body="Ак-Жол Тревел: лицензия действует",
                    status="failed", error_code="not_configured", error_reason=reason)
        )  # fmt: skip
        session.commit()

    page = login_as("agent").get(f"/console/contacts/{contact_id}").get_data(as_text=True)

    assert reason in page


def test_an_unknown_contact_is_not_found(login_as: LoginAs) -> None:
    assert login_as("agent").get("/console/contacts/999").status_code == 404


def test_an_import_is_previewed_without_storing_then_stored_on_confirm(
    state: Runtime, login_as: LoginAs
) -> None:
    add_contact(state, "+996555000001", language="ru")
    client = login_as("campaign_manager")
    csv = (
        b"phone;language;region\n"
        b"+996555000001;ky;Osh\n"  # updated
        b"+996555000002;uz;Batken\n"  # new
        b"12;ky;Osh\n"  # line 4: not a number
        b"+996555000003;klingon;Osh\n"  # line 5: unknown language
    )

    status, preview = upload(client, csv)

    assert status == 200
    assert re.search(r'class="count-new">1<', preview)
    assert re.search(r'class="count-updated">1<', preview)
    assert "line 4:" in preview
    assert "line 5: unknown language" in preview
    assert contact_count(state) == 1
    token = re.search(r'name="token" value="([^"]+)"', preview)
    assert token is not None

    confirm = {"csrf_token": form_token(client, "/console/contacts"), "token": token.group(1),
               "name": "partners.csv"}  # fmt: skip
    stored = client.post("/console/contacts/import/confirm", data=confirm)

    assert stored.status_code == 200
    with state.sessions() as session:
        languages = dict(session.execute(select(Contact.phone, Contact.language)).all())
        audited = list(session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "contacts_import")))  # fmt: skip
    assert languages == {"+996555000001": "ky", "+996555000002": "uz"}
    assert audited == ["partners.csv: 1 imported, 1 updated, 2 rejected, 0 unchanged"]
    again = client.post("/console/contacts/import/confirm", data=confirm)
    assert again.status_code == 400  # a preview is stored once


def test_a_broken_file_is_refused_with_its_line_numbers_and_stores_nothing(
    state: Runtime, login_as: LoginAs
) -> None:
    client = login_as("campaign_manager")

    status, page = upload(client, b"name;region\nAida;Osh\n")

    assert status == 400
    assert "line 1: missing column phone" in page
    assert contact_count(state) == 0


def test_a_file_that_is_not_csv_is_refused(state: Runtime, login_as: LoginAs) -> None:
    status, page = upload(login_as("campaign_manager"), b"PK\x03\x04\x00binary", "list.xlsx")
    assert status == 400
    assert "Nothing imported" in page
    assert contact_count(state) == 0


def test_someone_elses_preview_cannot_be_confirmed(state: Runtime, login_as: LoginAs) -> None:
    client = login_as("campaign_manager")
    _, preview = upload(client, b"phone\n+996555000002\n")
    token = re.search(r'name="token" value="([^"]+)"', preview)
    assert token is not None
    other = login_as("admin")
    confirm = {"csrf_token": form_token(other, "/console/contacts"), "token": token.group(1)}
    assert other.post("/console/contacts/import/confirm", data=confirm).status_code == 400
    assert contact_count(state) == 0


def test_an_agent_sees_contacts_but_may_not_import(login_as: LoginAs) -> None:
    client = login_as("agent")
    assert client.get("/console/contacts").status_code == 200
    status, _ = upload(client, b"phone\n+996555000002\n")
    assert status == 403


def test_a_viewer_may_not_see_contacts(state: Runtime, login_as: LoginAs) -> None:
    contact_id = add_contact(state, "+996555000001")
    client = login_as("viewer")
    assert client.get("/console/contacts").status_code == 403
    assert client.get(f"/console/contacts/{contact_id}").status_code == 403
