"""Console page: staff accounts for admins, and the audit log of what staff did.

Accounts are deactivated, never deleted: the audit log names them, and a deactivated account
can be switched back on without losing its history. Deactivating an account, giving it another
role or a new password, and "log out everywhere" end every session of that account at once;
an admin does none of these to their own account here (the account page and logging out do).
"""

from __future__ import annotations

from flask import abort, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.models import AuditEntry, Role, StaffUser
from hotline.runtime import request_session
from hotline.staff import (
    StaffError,
    add_user,
    audit,
    end_sessions,
    set_active,
    set_password,
    set_role,
)
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
    """Switch an account off; every session of it ends at its next request."""
    if account_id == user.id:
        return _accounts_page(user, 400, problem=_("You cannot deactivate your own account."))
    return _set_active(user, account_id, active=False)


@blueprint.post("/users/<int:account_id>/activate")
@requires("users.manage")
def activate(user: StaffUser, account_id: int) -> ResponseReturnValue:
    return _set_active(user, account_id, active=True)


def _set_active(user: StaffUser, account_id: int, *, active: bool) -> ResponseReturnValue:
    db = request_session()
    account = _account(account_id)
    set_active(account, active)
    action = "user_activated" if active else "user_deactivated"
    audit(db, user.email, action, account.email, utcnow())
    db.commit()
    return redirect("/console/users")


def _account(account_id: int) -> StaffUser:
    account = request_session().get(StaffUser, account_id)
    if account is None:
        abort(404)
    return account


@blueprint.post("/users/<int:account_id>/role")
@requires("users.manage")
def change_role(user: StaffUser, account_id: int) -> ResponseReturnValue:
    """Give an account another role; its sessions end, so the new role starts with a login."""
    account = _account(account_id)
    if account.id == user.id:
        return _accounts_page(user, 400, problem=_("You cannot change your own role."))
    db = request_session()
    before, role = account.role, request.form.get("role", "")
    try:
        set_role(account, role)
    except StaffError as exc:
        db.rollback()
        return _accounts_page(user, 400, problem=str(exc))
    audit(db, user.email, "role_changed", f"{account.email}: {before} -> {role}", utcnow())
    db.commit()
    return redirect("/console/users")


@blueprint.post("/users/<int:account_id>/password")
@requires("users.manage")
def reset_password(user: StaffUser, account_id: int) -> ResponseReturnValue:
    """Set a new password for someone who lost theirs; every session of the account ends."""
    account = _account(account_id)
    if account.id == user.id:
        return _accounts_page(user, 400, problem=_("Change your own password on your account "
                                                   "page."))  # fmt: skip
    db = request_session()
    try:
        set_password(account, request.form.get("password", "")[:1000])
    except StaffError as exc:
        db.rollback()
        return _accounts_page(user, 400, problem=str(exc))
    audit(db, user.email, "password_set", account.email, utcnow())
    db.commit()
    return redirect("/console/users")


@blueprint.post("/users/<int:account_id>/logout")
@requires("users.manage")
def log_out_everywhere(user: StaffUser, account_id: int) -> ResponseReturnValue:
    """End every session of an account (a lost phone, a shared computer): the password stays."""
    account = _account(account_id)
    if account.id == user.id:
        return _accounts_page(user, 400, problem=_("Log out ends every session of your own "
                                                   "account."))  # fmt: skip
    db = request_session()
    end_sessions(account)
    audit(db, user.email, "sessions_ended", account.email, utcnow())
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
