"""The agency registry for staff: check a name as the SMS service would, and keep it current.

Staff search with the very matcher that answers migrants (``verify`` on the shared index), and
see the scores and reasons behind a verdict, so a surprising answer can be explained. A new
registry file is shown as a diff before it replaces the old one; the diff comes from running
the real import in a transaction that is rolled back, so the preview cannot disagree with it.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from hotline.agencies.matching import Candidate
from hotline.agencies.registry_file import RegistryFileError, parse_registry_csv
from hotline.agencies.registry_import import ImportDiff, ImportRefused, import_registry
from hotline.agencies.verify import Verification, clean_query, verify
from hotline.db import utcnow
from hotline.models import Agency, AgencyHistory, RegistryImport, StaffUser, VerificationRecord
from hotline.privacy.disclosure import shown_detail
from hotline.runtime import request_session, runtime
from hotline.staff import audit, may
from hotline.web.console import blueprint, page_number, render, requires
from hotline.web.console.contacts import stash_upload, stashed_upload, uploaded_file

PAGE_SIZE = 50
HISTORY_SIZE = 100
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")  # as the CLI's --as-of accepts them


@blueprint.get("/registry")
@requires("registry.view")
def registry(user: StaffUser) -> ResponseReturnValue:
    """Answer a name or licence number exactly as an SMS would, with the matcher's reasons."""
    text = request.args.get("q", "")
    db = request_session()
    state = runtime()
    verification: Verification | None = None
    candidates: tuple[Candidate, ...] = ()
    problem = ""
    if text.strip():
        try:
            verification = verify(db, state.registry, text, utcnow().date())
        except ValueError as exc:
            problem = str(exc)
        else:
            # The same snapshot verify just used: the scores behind its verdict.
            match = state.registry.snapshot(db).index.match(clean_query(text))
            candidates = match.candidates
    return render(
        "console/registry.html",
        user,
        q=text[:200],
        problem=problem,
        verification=verification,
        candidates=candidates,
        may_import=may(user.role, "registry.import"),
    )


@blueprint.get("/registry/agencies/<int:agency_id>")
@requires("registry.view")
def agency(user: StaffUser, agency_id: int) -> ResponseReturnValue:
    """What the registry said of one agency over time ("was it licensed when we paid?")."""
    db = request_session()
    found = db.get(Agency, agency_id)
    if found is None:
        abort(404)
    query = (
        select(AgencyHistory, RegistryImport.source_name)
        .join(RegistryImport, RegistryImport.id == AgencyHistory.import_id)
        .where(AgencyHistory.agency_id == agency_id)
        .order_by(AgencyHistory.as_of.desc(), AgencyHistory.id.desc())
        .limit(HISTORY_SIZE)
    )
    return render(
        "console/registry_agency.html",
        user,
        agency=found,
        history=list(db.execute(query)),
    )


@blueprint.get("/registry/checks")
@requires("registry.view")
def checks(user: StaffUser) -> ResponseReturnValue:
    """The verification log, newest first: what people asked and what they were told.

    Everyone may read it; a number typed into a check is masked for roles that do not take
    cases, and the link to the person is for those who may see contacts.
    """
    page = page_number(request.args.get("page"))
    query = (
        select(VerificationRecord, Agency.name)
        .outerjoin(Agency, Agency.id == VerificationRecord.agency_id)
        .order_by(VerificationRecord.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = list(request_session().execute(query))
    return render(
        "console/registry_checks.html",
        user,
        rows=[
            (check, name, shown_detail(user.role, check.query)) for check, name in rows[:PAGE_SIZE]
        ],
        page=page,
        next_page=page + 1 if len(rows) > PAGE_SIZE else None,
        may_see_contacts=may(user.role, "contacts.view"),
    )


@blueprint.post("/registry/import")
@requires("registry.import")
def registry_import(user: StaffUser) -> ResponseReturnValue:
    """Show what the file would add, change and remove; nothing is stored until confirmed."""
    as_of = _as_of(request.form.get("as_of", ""))
    upload = uploaded_file()
    problems = [] if as_of else [_("give the date the registry published this list (YYYY-MM-DD)")]
    if upload is None:
        problems.append(_("choose the registry CSV file"))
    if problems or upload is None or as_of is None:
        return _refused(user, problems)
    data, name = upload
    diff = _dry_run(data, as_of, name)
    if isinstance(diff, tuple):
        return _refused(user, *diff)
    return render(
        "console/registry_import.html",
        user,
        diff=diff,
        name=name,
        token=stash_upload("registry", user, data),
        done=False,
    )


@blueprint.post("/registry/import/confirm")
@requires("registry.import")
def registry_import_confirm(user: StaffUser) -> ResponseReturnValue:
    """Replace the registry with the previewed file, all of it or nothing."""
    path = stashed_upload("registry", user, request.form.get("token", ""))
    as_of = _as_of(request.form.get("as_of", ""))
    name = request.form.get("name", "")[:200] or "registry.csv"
    if path is None or as_of is None:
        return _refused(
            user, [_("this import expired or was already stored; upload the file again")]
        )
    db = request_session()
    try:
        rows = parse_registry_csv(path.read_bytes())
        diff = import_registry(db, rows, as_of, source_name=name, demo=False)
    except RegistryFileError as exc:
        db.rollback()
        return _refused(user, exc.problems)
    except ImportRefused as exc:  # another import landed since the preview
        db.rollback()
        return _refused(user, [str(exc)], status=409)
    audit(db, user.email, "registry_import", f"{name}: {_headlines(diff)}", utcnow())
    db.commit()
    path.unlink(missing_ok=True)
    return render("console/registry_import.html", user, diff=diff, name=name, token="", done=True)


def _dry_run(data: bytes, as_of: dt.date, name: str) -> ImportDiff | tuple[list[str], int]:
    """The diff the import would produce, or the problems and status that refuse it."""
    try:
        rows = parse_registry_csv(data)
    except RegistryFileError as exc:
        return exc.problems, 400
    db = request_session()
    try:
        return import_registry(db, rows, as_of, source_name=name, demo=False)
    except ImportRefused as exc:
        return [_("%(reason)s; the command line's --force imports anyway", reason=str(exc))], 409
    finally:
        db.rollback()


def _as_of(text: str) -> dt.date | None:
    for layout in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    return None


def _headlines(diff: ImportDiff) -> str:
    counts = (len(diff.added), len(diff.changed), len(diff.removed), len(diff.relisted))
    return "as of {}: {} added, {} changed, {} removed, {} relisted".format(diff.as_of, *counts)


def _refused(user: StaffUser, problems: list[str], status: int = 400) -> ResponseReturnValue:
    return render("console/registry_import_refused.html", user, problems=problems[:200]), status
