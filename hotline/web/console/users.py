"""Console page: staff accounts for admins, and the audit log of what staff did.

Accounts are deactivated, never deleted: the audit log names them, and a deactivated account
can be switched back on without losing its history.
"""

from __future__ import annotations

from flask import abort, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.models import AuditEntry, Role, StaffUser
from hotline.runtime import request_session
from hotline.staff import StaffError, add_user, audit
from hotline.web.console import blueprint, page_number, render, requires

PAGE_SIZE = 50
AUDIT_ROWS = 200


def _accounts_page(user: StaffUser, status: int = 200, **form: str) -> ResponseReturnValue:
    """The accounts, a page at a time, with the add form (and what went wrong with it)."""
    db = request_session()
    page = page_number(request.args.get("page"))
    total = db.scalar(select(func.count()).select_from(StaffUser)) or 0
    accounts = db.scalars(
        select(StaffUser).order_by(StaffUser.email).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    pages = max(1, -(-total // PAGE_SIZE))
    return render("console/users.html", user, accounts=accounts, roles=list(Role),
                  page=page, pages=pages, total=total, **form), status  # fmt: skip


@blueprint.get("/users")
@requires("users.manage")
def users(user: StaffUser) -> ResponseReturnValue:
    return _accounts_page(user)


@blueprint.post("/users")
@requires("users.manage")
def add_account(user: StaffUser) -> ResponseReturnValue:
    """Create an account; a refusal shows the form again with the reason, nothing stored."""
    db = request_session()
    email = request.form.get("email", "")[:300]
    role = request.form.get("role", "")
    try:
        added = add_user(db, email, role, request.form.get("password", "")[:1000])
    except StaffError as exc:
        db.rollback()
        return _accounts_page(user, 400, problem=str(exc), email=email, role=role)
    audit(db, user.email, "user_added", f"{added.email} as {added.role}", utcnow())
    db.commit()
    return redirect("/console/users")


@blueprint.post("/users/<int:account_id>/deactivate")
@requires("users.manage")
def deactivate(user: StaffUser, account_id: int) -> ResponseReturnValue:
    """Switch an account off; its sessions end at their next request (``current_user``)."""
    if account_id == user.id:
        return _accounts_page(user, 400, problem=_("You cannot deactivate your own account."))
    return _set_active(user, account_id, active=False)


@blueprint.post("/users/<int:account_id>/activate")
@requires("users.manage")
def activate(user: StaffUser, account_id: int) -> ResponseReturnValue:
    return _set_active(user, account_id, active=True)


def _set_active(user: StaffUser, account_id: int, *, active: bool) -> ResponseReturnValue:
    db = request_session()
    account = db.get(StaffUser, account_id)
    if account is None:
        abort(404)
    account.active = active
    action = "user_activated" if active else "user_deactivated"
    audit(db, user.email, action, account.email, utcnow())
    db.commit()
    return redirect("/console/users")


@blueprint.get("/users/audit")
@requires("audit.view")
def audit_log(user: StaffUser) -> ResponseReturnValue:
    """The latest entries, newest first; ``?actor=`` narrows them to one person."""
    actor = request.args.get("actor", "").strip().lower()[:254]
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if actor:
        query = query.where(func.lower(AuditEntry.actor) == actor)
    entries = request_session().scalars(query.limit(AUDIT_ROWS)).all()
    return render("console/users_audit.html", user, entries=entries, actor=actor,
                  limit=AUDIT_ROWS)  # fmt: skip
