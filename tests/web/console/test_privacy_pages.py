"""The console: admins export or delete a person's data; campaign results download as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from hotline.models import AuditEntry, Contact, Message, Recipient
from hotline.privacy import REMOVED
from hotline.runtime import Runtime
from hotline.web.console import campaigns as campaign_pages
from tests.privacy.people import PHONE, REPORT, a_person
from tests.sms_campaigns.builders import make_contacts
from tests.web.console.conftest import form_token

LoginAs = Callable[..., FlaskClient]


def test_an_admin_downloads_everything_about_a_contact(state: Runtime, login_as: LoginAs) -> None:
    with state.sessions() as session:
        person = a_person(session)
    client = login_as("admin")

    page = client.get(f"/console/contacts/{person.contact_id}").get_data(as_text=True)
    download = client.get(f"/console/contacts/{person.contact_id}/export.json")

    assert f'href="/console/contacts/{person.contact_id}/export.json"' in page
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    dossier = json.loads(download.get_data(as_text=True))
    assert dossier["phone"] == PHONE
    assert dossier["cases"][0]["text"] == REPORT
    with state.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_export"))
        assert PHONE not in entry.one().detail


def test_agents_see_the_history_but_neither_export_nor_delete(
    state: Runtime, login_as: LoginAs
) -> None:
    with state.sessions() as session:
        person = a_person(session)
    client = login_as("agent")

    page = client.get(f"/console/contacts/{person.contact_id}").get_data(as_text=True)
    token = form_token(client, "/console/contacts")

    assert "export.json" not in page
    assert client.get(f"/console/contacts/{person.contact_id}/export.json").status_code == 403
    deleted = client.post(
        f"/console/contacts/{person.contact_id}/delete",
        data={"csrf_token": token, "confirm": "DELETE"},
    )
    assert deleted.status_code == 403


def test_deleting_needs_the_word_typed_out(state: Runtime, login_as: LoginAs) -> None:
    with state.sessions() as session:
        person = a_person(session)
    client = login_as("admin")
    path = f"/console/contacts/{person.contact_id}"
    token = form_token(client, path)

    refused = client.post(f"{path}/delete", data={"csrf_token": token, "confirm": "yes"})

    assert refused.status_code == 400
    assert "Type DELETE to confirm the deletion." in refused.get_data(as_text=True)
    with state.sessions() as session:
        assert REMOVED not in session.scalars(select(Message.body)).all()


def test_an_admin_deletes_a_persons_data_on_request(state: Runtime, login_as: LoginAs) -> None:
    with state.sessions() as session:
        person = a_person(session)
    client = login_as("admin")
    path = f"/console/contacts/{person.contact_id}"
    token = form_token(client, path)

    deleted = client.post(f"{path}/delete", data={"csrf_token": token, "confirm": "delete"})

    assert deleted.status_code == 303
    page = client.get(deleted.headers["Location"]).get_data(as_text=True)
    assert "deleted on request" in page
    assert "opted out" in page
    assert REPORT not in page
    with state.sessions() as session:
        assert set(session.scalars(select(Message.body))) == {REMOVED}
        contact = session.get(Contact, person.contact_id)
        assert contact is not None
        assert contact.opted_out
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_delete"))
        assert entry.one().actor == "admin@hotline.example"


def test_a_campaigns_results_download_masked_and_safe(state: Runtime, login_as: LoginAs) -> None:
    with state.sessions() as session:
        person = a_person(session)
        session.execute(update(Recipient).values(error='=HYPERLINK("http://evil.example","x")'))
        session.commit()
    client = login_as("viewer")

    download = client.get(f"/console/campaigns/{person.campaign_id}/recipients.csv")

    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    text = download.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(row["phone"], row["status"]) for row in rows] == [("'+996***56", "delivered")]
    assert rows[0]["error"].startswith("'=")
    assert PHONE not in text


def test_the_campaign_download_pages_through_every_recipient(
    state: Runtime, login_as: LoginAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    with state.sessions() as session:
        person = a_person(session)
        recipient = session.scalars(select(Recipient)).one()
        make_contacts(session, 30)
        others = session.scalars(select(Contact).where(Contact.id != person.contact_id)).all()
        session.add_all(
            Recipient(
                campaign_id=person.campaign_id,
                contact_id=contact.id,
                phone=contact.phone,
                language="ky",
                timezone="Asia/Bishkek",
            )
            for contact in others
        )
        session.commit()
    client = login_as("campaign_manager")
    monkeypatch.setattr(campaign_pages, "CSV_BATCH", 7)

    download = client.get(f"/console/campaigns/{person.campaign_id}/recipients.csv")

    text = download.get_data(as_text=True)
    ids = [int(row["recipient"]) for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]
    assert len(ids) == 31
    assert ids == sorted(ids)
    assert recipient.id in ids
