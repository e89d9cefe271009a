"""Contacts for agents and campaign managers: find a person, see their history, import lists.

A number can identify a trafficking victim, so numbers are shown masked; an agent who needs one
searches by it. Every page reads a bounded slice (50 rows, a limited history) because the
table holds a hundred thousand people. An import is shown before it is stored: the uploaded
file waits in the instance folder under a random token, never in the session cookie. Admins
export a person's data or delete it on request (``hotline.privacy``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, current_app, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from hotline.db import utcnow
from hotline.models import (
    Agency,
    CallbackRequest,
    CallSession,
    Contact,
    Message,
    StaffUser,
    VerificationRecord,
)
from hotline.models.contacts import STAGES
from hotline.phones import InvalidPhoneNumber, mask, parse_phone
from hotline.privacy import contact_dossier, erase_contact
from hotline.privacy.disclosure import mask_numbers, reads_cases, shown_detail
from hotline.runtime import request_session, runtime
from hotline.staff import audit, may
from hotline.web.console import blueprint, page_number, render, requires
from hotline.web.console.labels import label
from sms_campaigns.contacts_import import ContactFileError, import_contacts, parse_contacts_csv

PAGE_SIZE = 50
HISTORY_SIZE = 50  # newest events on a contact's page, all kinds together
PROBLEMS_SHOWN = 200  # rejected lines listed on a preview; the count says how many in all
FIELD_FILTERS = ("language", "region", "stage", "destination")
UPLOAD_HOURS = 24  # an unconfirmed upload is deleted after this long
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


# --- Uploads waiting for confirmation ---------------------------------------------------------


def stash_upload(kind: str, user: StaffUser, data: bytes) -> str:
    """Keep an uploaded file until its preview is confirmed; return the token that names it.

    The file name carries the user's id, so one account cannot confirm another's upload, and
    stale uploads (abandoned previews) are swept on each new one.
    """
    folder = _upload_folder(kind)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_HOURS * 3600
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{user.id}-{token}.csv").write_bytes(data)
    return token


def stashed_upload(kind: str, user: StaffUser, token: str) -> Path | None:
    """The waiting file of this user under ``token``, or None if it expired or never was."""
    if not _TOKEN.match(token):
        return None
    path = _upload_folder(kind) / f"{user.id}-{token}.csv"
    return path if path.is_file() else None


def _upload_folder(kind: str) -> Path:
    return Path(current_app.instance_path) / "uploads" / kind


def uploaded_file() -> tuple[bytes, str] | None:
    """The bytes and name of the form's ``file`` field, or None when no file was chosen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.read(), upload.filename


# --- Finding contacts -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactSearch:
    """What the search form asked for; empty fields do not filter."""

    number: str = ""
    language: str = ""
    region: str = ""
    stage: str = ""
    destination: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> ContactSearch:
        fields = {name: " ".join(str(args.get(name, "")).split())[:40] for name in FIELD_FILTERS}
        fields["language"] = fields["language"].lower()
        fields["stage"] = fields["stage"].lower()
        fields["destination"] = fields["destination"].upper()
        number = str(args.get("number", "")).strip()[:32]
        page = page_number(str(args.get("page", "")))
        return cls(number=number, page=max(page, 1), **fields)

    def query(self, phone: str | None) -> Select[Contact]:
        """Equality filters only: each can use an index, whatever the table's size."""
        query = select(Contact)
        if phone is not None:
            query = query.where(Contact.phone == phone)
        for name in FIELD_FILTERS:
            if value := getattr(self, name):
                query = query.where(getattr(Contact, name) == value)
        return query.order_by(Contact.id.desc())

    def link(self, page: int) -> str:
        """The same search on another page."""
        pairs = [(name, getattr(self, name)) for name in ("number", *FIELD_FILTERS)]
        return "/console/contacts?" + urlencode([*((n, v) for n, v in pairs if v), ("page", page)])


@blueprint.get("/contacts")
@requires("contacts.view")
def contacts(user: StaffUser) -> ResponseReturnValue:
    """Search by number (exact, as the person would write it) or by what we know of them."""
    search = ContactSearch.from_args(request.args)
    phone: str | None = None
    problem = ""
    if search.number:
        try:
            phone = parse_phone(search.number, runtime().settings.default_region)
        except InvalidPhoneNumber as exc:
            problem = _("%(number)s is %(reason)s", number=repr(search.number), reason=str(exc))
    rows: list[Contact] = []
    if not problem:
        query = search.query(phone).offset((search.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        rows = list(request_session().scalars(query))
    return render(
        "console/contacts.html",
        user,
        search=search,
        problem=problem,
        rows=[_row(contact) for contact in rows[:PAGE_SIZE]],
        previous_page=search.link(search.page - 1) if search.page > 1 else None,
        next_page=search.link(search.page + 1) if len(rows) > PAGE_SIZE else None,
        stages=STAGES,
        may_import=may(user.role, "contacts.import"),
    )


def _row(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "phone": mask(contact.phone),
        "language": contact.language or "-",
        "region": contact.region or "-",
        "stage": contact.stage or "-",
        "destination": contact.destination or "-",
        "consent": contact.consent_date.isoformat() if contact.consent_date else "",
        "opted_out": contact.opted_out,
        "opted_out_at": _when(contact.opted_out_at),
    }


# --- One contact's history --------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One line of a contact's history: a call, a message, an agency check or a callback."""

    at: dt.datetime
    kind: str
    summary: str
    detail: str = ""
    route: str = ""  # the menu nodes a call went through (ids, shown as they are)
    not_shown: bool = False  # what the person wrote, which this role may not read


@blueprint.get("/contacts/<int:contact_id>")
@requires("contacts.view")
def contact(user: StaffUser, contact_id: int) -> ResponseReturnValue:
    """Everything the hotline did with one person, newest first, so an agent has the context."""
    return _contact_page(user, _contact(contact_id))


def _contact(contact_id: int) -> Contact:
    found = request_session().get(Contact, contact_id)
    if found is None:
        abort(404)
    return found


def _contact_page(
    user: StaffUser, found: Contact, error: str = "", status: int = 200
) -> ResponseReturnValue:
    events = sorted(history(found.id, user.role), key=lambda event: event.at, reverse=True)
    page = render(
        "console/contacts_detail.html",
        user,
        contact=_row(found),
        events=events[:HISTORY_SIZE],
        more=len(events) > HISTORY_SIZE,
        may_privacy=may(user.role, "contacts.privacy"),
        erased=request.args.get("erased") == "1",
        error=error,
    )
    return page, status


# --- A person's data on request ---------------------------------------------------------------

CONFIRM_WORD = "DELETE"


@blueprint.get("/contacts/<int:contact_id>/export.json")
@requires("contacts.privacy")
def contact_export(user: StaffUser, contact_id: int) -> ResponseReturnValue:
    """Download everything stored about this person's number (a subject access request)."""
    found = _contact(contact_id)
    db = request_session()
    dossier = contact_dossier(db, found.phone)
    audit(db, user.email, "privacy_export", f"contact {contact_id} ({mask(found.phone)})", utcnow())
    db.commit()
    return Response(
        json.dumps(dossier, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="contact-{contact_id}.json"'},
    )


@blueprint.post("/contacts/<int:contact_id>/delete")
@requires("contacts.privacy")
def contact_delete(user: StaffUser, contact_id: int) -> ResponseReturnValue:
    """Delete what identifies this person, on their request; the number stays opted out.

    The form asks for the word DELETE typed out, so a stray click deletes nothing.
    """
    found = _contact(contact_id)
    if request.form.get("confirm", "").strip().upper() != CONFIRM_WORD:
        problem = _("Type %(word)s to confirm the deletion.", word=CONFIRM_WORD)
        return _contact_page(user, found, error=problem, status=400)
    db = request_session()
    erase_contact(db, found.phone, user.email, utcnow())
    db.commit()
    return redirect(f"/console/contacts/{contact_id}?erased=1", code=303)


def history(contact_id: int, role: str) -> list[Event]:
    """The newest ``HISTORY_SIZE`` of each kind: enough for the newest of all kinds together.

    What the person texted is for case roles only (a text may be a report); for the others
    every other text on the page has its numbers masked (``hotline.privacy.disclosure``).
    """
    db = request_session()
    events: list[Event] = []
    calls = select(CallSession).where(CallSession.contact_id == contact_id)
    for call in db.scalars(calls.order_by(CallSession.started_at.desc()).limit(HISTORY_SIZE)):
        status = label(call.status, "call_status")
        summary = (
            _("outbound call, %(status)s", status=status)
            if call.direction == "outbound"
            else _("inbound call, %(status)s", status=status)
        )
        if call.duration_seconds is not None:
            summary += ", " + _("%(seconds)s s", seconds=call.duration_seconds)
        outcome = label(call.outcome, "call_outcome") if call.outcome else ""
        route = " > ".join(call.path or [])
        events.append(Event(call.started_at, "call", summary, outcome, route))
    messages = select(Message).where(Message.contact_id == contact_id)
    for sms in db.scalars(messages.order_by(Message.created_at.desc()).limit(HISTORY_SIZE)):
        body = sms.body if len(sms.body) <= 200 else sms.body[:197] + "..."
        if sms.direction == "outbound" and sms.status in ("failed", "withheld"):
            # Why, in our words, or the provider's, which may name the number: masked for all.
            body = _joined(body, mask_numbers(sms.error_reason or sms.error_code or ""))
        status = label(sms.status, "message_status")
        summary = (
            _("outbound SMS, %(status)s", status=status)
            if sms.direction == "outbound"
            else _("inbound SMS, %(status)s", status=status)
        )
        if sms.direction == "inbound" and not reads_cases(role):
            events.append(Event(sms.created_at, "sms", summary, not_shown=True))
        else:
            events.append(Event(sms.created_at, "sms", summary, shown_detail(role, body)))
    checks = (
        select(VerificationRecord, Agency.name)
        .outerjoin(Agency, Agency.id == VerificationRecord.agency_id)
        .where(VerificationRecord.contact_id == contact_id)
        .order_by(VerificationRecord.created_at.desc())
        .limit(HISTORY_SIZE)
    )
    for check, agency in db.execute(checks):
        summary = _(
            "agency check by %(channel)s: %(verdict)s",
            channel=label(check.channel, "channel"),
            verdict=label(check.verdict, "verdict"),
        )
        asked = shown_detail(role, _joined(check.query, agency))
        events.append(Event(check.created_at, "check", summary, asked))
    callbacks = select(CallbackRequest).where(CallbackRequest.contact_id == contact_id)
    for ask in db.scalars(
        callbacks.order_by(CallbackRequest.created_at.desc()).limit(HISTORY_SIZE)
    ):
        summary = _(
            "callback (%(reason)s, %(source)s): %(status)s",
            reason=label(ask.reason, "callback_reason"),
            source=label(ask.source, "callback_source"),
            status=label(ask.status, "callback_status"),
        )
        result = label(ask.outcome, "callback_result") if ask.outcome else None
        topic = label(ask.topic, "callback_topic") if ask.topic else None
        events.append(Event(ask.created_at, "callback", summary, _joined(result, topic)))
    return events


def _joined(*parts: str | None) -> str:
    return " · ".join(part for part in parts if part)


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


# --- Importing a list -------------------------------------------------------------------------


@blueprint.post("/contacts/import")
@requires("contacts.import")
def contacts_import(user: StaffUser) -> ResponseReturnValue:
    """Show what the file would change, storing nothing: the counts come from a rolled-back run."""
    upload = uploaded_file()
    if upload is None:
        return _refused(user, [_("choose a CSV file to import")])
    data, name = upload
    today = utcnow().date()
    try:
        parsed = parse_contacts_csv(data, runtime().settings.default_region, today)
    except ContactFileError as exc:
        return _refused(user, exc.problems, name)
    db = request_session()
    try:
        summary = import_contacts(db, parsed, today)
    finally:
        db.rollback()
    return render(
        "console/contacts_import.html",
        user,
        name=name,
        summary=summary,
        problems=parsed.problems[:PROBLEMS_SHOWN],
        hidden_problems=max(len(parsed.problems) - PROBLEMS_SHOWN, 0),
        ignored_columns=parsed.ignored_columns,
        token=stash_upload("contacts", user, data),
        done=False,
    )


@blueprint.post("/contacts/import/confirm")
@requires("contacts.import")
def contacts_import_confirm(user: StaffUser) -> ResponseReturnValue:
    """Store the previewed file: the accepted rows together, or nothing."""
    path = stashed_upload("contacts", user, request.form.get("token", ""))
    name = request.form.get("name", "")[:200] or "contacts.csv"
    if path is None:
        return _refused(
            user, [_("this import expired or was already stored; upload the file again")]
        )
    today = utcnow().date()
    try:
        parsed = parse_contacts_csv(path.read_bytes(), runtime().settings.default_region, today)
    except ContactFileError as exc:  # the settings changed since the preview
        return _refused(user, exc.problems, name)
    db = request_session()
    try:
        summary = import_contacts(db, parsed, today)
        counts = ", ".join(f"{value} {key}" for key, value in summary.as_dict().items())
        audit(db, user.email, "contacts_import", f"{name}: {counts}", utcnow())
        db.commit()
    except IntegrityError:
        db.rollback()
        return _refused(
            user,
            [_("a number in the file became a contact during the import (an inbound SMS or "
               "call?); nothing imported, confirm again")],
            name, status=409, token=request.form.get("token", ""),
        )  # fmt: skip
    path.unlink(missing_ok=True)
    return render(
        "console/contacts_import.html",
        user,
        name=name,
        summary=summary,
        problems=parsed.problems[:PROBLEMS_SHOWN],
        hidden_problems=max(len(parsed.problems) - PROBLEMS_SHOWN, 0),
        ignored_columns=parsed.ignored_columns,
        token="",
        done=True,
    )


def _refused(
    user: StaffUser, problems: list[str], name: str = "", status: int = 400, token: str = ""
) -> ResponseReturnValue:
    page = render(
        "console/contacts_import_refused.html",
        user,
        name=name,
        problems=problems[:PROBLEMS_SHOWN],
        hidden_problems=max(len(problems) - PROBLEMS_SHOWN, 0),
        token=token,
    )
    return page, status
