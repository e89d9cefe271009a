"""A person's requests: everything we hold on their number, and deleting it for good."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
from pathlib import Path

from sqlalchemy import select

from hotline.config import Settings
from hotline.db import utcnow
from hotline.models import (
    AuditEntry,
    CallbackRequest,
    CallbackStatus,
    CallSession,
    Case,
    Contact,
    Direction,
    Message,
    MessageStatus,
    Recipient,
    RecipientStatus,
    VerificationRecord,
)
from hotline.privacy import ERASED_PHONE, REMOVED, contact_dossier, erase_contact
from hotline.runtime import Runtime
from sms_campaigns.audience import audience_filter
from sms_campaigns.contacts_import import import_contacts, parse_contacts_csv
from tests.privacy.people import PHONE, REPORT, a_person, a_text
from tests.processes import run_hotline

OTHER = "+996555654321"


# --- Export -----------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_row_about_the_number(state: Runtime) -> None:
    with state.sessions() as session:
        person = a_person(session)
        a_person(session, OTHER)  # someone else's rows stay out
        a_text(session, "before we knew them")
        session.commit()

        dossier = contact_dossier(session, PHONE)

    assert dossier["contact"]["id"] == person.contact_id
    assert dossier["contact"]["region"] == "Osh"
    assert dossier["opt_out"] == {"opted_out": False, "opted_out_at": None}
    assert sorted(m["body"] for m in dossier["messages"]) == sorted(
        [f"REPORT {REPORT}", "Thank you, case R-00001", "before we knew them"]
    )
    assert [
        len(dossier[kind])
        for kind in (
            "calls",
            "callback_requests",
            "callback_events",
            "callback_attempts",
            "cases",
            "verifications",
            "campaign_recipients",
        )
    ] == [1] * 7
    assert dossier["cases"][0]["text"] == REPORT
    assert base64.b64decode(dossier["cases"][0]["recording_base64"]) == b"RIFF-audio"
    assert dossier["campaign_recipients"][0]["campaign_name"] == "Winter"
    assert OTHER not in json.dumps(dossier)


def test_the_command_writes_json_to_stdout_or_a_file(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    with state.sessions() as session:
        a_person(session)
    target = tmp_path / "person.json"

    printed = run_hotline(settings, "privacy", "export", "0555 123 456")
    written = run_hotline(settings, "privacy", "export", PHONE, "--output", str(target))

    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["phone"] == PHONE
    assert written.returncode == 0, written.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(printed.stdout)


def test_the_messages_export_as_csv_that_no_spreadsheet_runs(
    state: Runtime, settings: Settings
) -> None:
    with state.sessions() as session:
        a_person(session)
        a_text(session, '=HYPERLINK("http://evil.example","click")')
        session.commit()

    exported = run_hotline(settings, "privacy", "export", PHONE, "--format", "csv")

    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout.removeprefix("\ufeff"))))
    assert len(rows) == 3
    assert '\'=HYPERLINK("http://evil.example","click")' in [row["body"] for row in rows]
    assert {row["phone"] for row in rows} == {"'" + PHONE}  # a "+" starts a formula too


def test_a_number_that_is_not_one_is_refused(settings: Settings, state: Runtime) -> None:
    refused = run_hotline(settings, "privacy", "export", "hello")
    assert refused.returncode != 0
    assert "not a phone number" in refused.stderr


# --- Deletion ---------------------------------------------------------------------------------


def test_deletion_removes_what_identifies_the_person_and_keeps_the_counts(
    state: Runtime,
) -> None:
    with state.sessions() as session:
        person = a_person(session)
        a_person(session, OTHER)

        counts = erase_contact(session, PHONE, "admin@hotline.example", utcnow())
        session.commit()

        theirs = session.scalars(select(Message).where(Message.phone == ERASED_PHONE)).all()
        assert [(m.body, m.contact_id) for m in theirs] == [(REMOVED, None)] * 2
        assert sorted(m.segments for m in theirs) == [1, 2]  # still two SMS, three segments
        case = session.get(Case, person.case_id)
        assert case is not None
        assert (case.text, case.recording, case.recording_url) == (REMOVED, None, None)
        request = session.get(CallbackRequest, person.request_id)
        assert request is not None
        assert (request.phone, request.notes, request.contact_id) == (ERASED_PHONE, None, None)
        call = session.scalars(select(CallSession).where(CallSession.phone == ERASED_PHONE)).one()
        assert call.duration_seconds == 95
        check = session.scalars(
            select(VerificationRecord).where(VerificationRecord.contact_id.is_(None))
        ).one()
        assert (check.query, check.verdict) == (REMOVED, "unknown")
        recipient = session.scalars(
            select(Recipient).where(Recipient.campaign_id == person.campaign_id)
        ).one()
        assert (recipient.phone, recipient.status) == (ERASED_PHONE, RecipientStatus.DELIVERED)
        assert PHONE not in json.dumps(contact_dossier(session, OTHER))
    assert counts.as_dict() == {
        "contact": person.contact_id,
        "messages": 2,
        "calls": 1,
        "callback_requests": 1,
        "cases": 1,
        "verifications": 1,
        "campaign_recipients": 1,
    }


def test_the_number_stays_only_to_stay_opted_out(state: Runtime) -> None:
    with state.sessions() as session:
        person = a_person(session)

        erase_contact(session, PHONE, "admin@hotline.example", utcnow())
        session.commit()

        contact = session.get(Contact, person.contact_id)
        assert contact is not None
        assert contact.opted_out
        assert [contact.language, contact.region, contact.stage, contact.consent_date] == [None] * 4
        audience = session.scalars(select(Contact.id).where(*audience_filter({}, utcnow()))).all()
        assert person.contact_id not in audience


def test_a_partner_list_with_the_number_does_not_enrol_them_again(state: Runtime) -> None:
    with state.sessions() as session:
        person = a_person(session)
        erase_contact(session, PHONE, "admin@hotline.example", utcnow())
        session.commit()
        today = dt.date(2026, 11, 25)
        rows = b"phone,language,consent_date\n+996 555 123 456,ky,2026-11-01\n"

        import_contacts(session, parse_contacts_csv(rows, "KG", today), today)
        session.commit()

        contact = session.get(Contact, person.contact_id)
        assert contact is not None
        assert contact.opted_out


def test_nothing_still_waiting_reaches_them_after_they_asked(state: Runtime) -> None:
    with state.sessions() as session:
        person = a_person(session)
        a_text(session, "Your callback is at 10:00", Direction.OUTBOUND, MessageStatus.QUEUED)
        request = session.get(CallbackRequest, person.request_id)
        assert request is not None
        request.status = CallbackStatus.OPEN
        session.commit()

        erase_contact(session, PHONE, "admin@hotline.example", utcnow())
        session.commit()

        statuses = session.scalars(select(Message.status).where(Message.body == REMOVED)).all()
        assert MessageStatus.QUEUED not in statuses
        assert request.status == CallbackStatus.CANCELLED


def test_a_number_we_never_stored_is_still_opted_out(state: Runtime) -> None:
    with state.sessions() as session:
        counts = erase_contact(session, PHONE, "admin@hotline.example", utcnow())
        session.commit()

        contact = session.scalars(select(Contact).where(Contact.phone == PHONE)).one()
        assert contact.opted_out
    assert counts.messages == 0


def test_the_command_needs_yes_and_leaves_an_audit_entry(
    state: Runtime, settings: Settings
) -> None:
    with state.sessions() as session:
        a_person(session)

    unconfirmed = run_hotline(settings, "privacy", "delete", PHONE)
    deleted = run_hotline(settings, "privacy", "delete", PHONE, "--yes", "--by", "dpo@ngo.example")

    assert unconfirmed.returncode != 0
    assert "--yes" in unconfirmed.stderr
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout)["messages"] == 2
    with state.sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action) == ("dpo@ngo.example", "privacy_delete")
    assert "+996***56" in entry.detail
    assert PHONE not in entry.detail
