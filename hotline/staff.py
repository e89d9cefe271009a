"""Staff accounts: argon2 password hashes, roles and what each role may do, the audit log."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import AuditEntry, Role, StaffUser

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this keeps an unknown email as slow as a wrong password (no user probing).
_DUMMY_HASH = _hasher.hash("not a password of anyone")

# What each role may do in the console; admins may do everything. Phone numbers and reports
# can identify trafficking victims: contacts are for those who text and call them.
_EVERYONE = frozenset(Role)
PERMISSIONS: dict[str, frozenset[Role]] = {
    "dashboard.view": _EVERYONE,
    "callbacks.view": frozenset({Role.AGENT, Role.VIEWER}),
    "callbacks.work": frozenset({Role.AGENT}),
    # Reports and what people texted, verbatim: for those who take the cases (finding 5).
    "cases.read": frozenset({Role.AGENT}),
    "campaigns.view": frozenset({Role.CAMPAIGN_MANAGER, Role.VIEWER}),
    "campaigns.edit": frozenset({Role.CAMPAIGN_MANAGER}),
    "contacts.view": frozenset({Role.CAMPAIGN_MANAGER, Role.AGENT}),
    "contacts.import": frozenset({Role.CAMPAIGN_MANAGER}),
    "contacts.privacy": frozenset(),  # export or delete one person's data: admins only
    "registry.view": _EVERYONE,
    "registry.import": frozenset(),
    "rules.edit": frozenset(),
    "prompts.view": frozenset({Role.CAMPAIGN_MANAGER, Role.VIEWER}),
    "prompts.upload": frozenset(),
    "users.manage": frozenset(),
    "audit.view": frozenset(),
}


class StaffError(ValueError):
    """An account cannot be created as asked."""


def may(role: str, permission: str) -> bool:
    return role == Role.ADMIN or Role(role) in PERMISSIONS.get(permission, frozenset())


def login_name(email: str) -> str:
    """The account an e-mail typed at the login names: spaces around it and case do not count.

    Login limits count failures under this name, so ``" Aida@X "`` and ``"aida@x"`` share one.
    """
    return email.strip().casefold()[:254]


def _check_role(role: str) -> Role:
    if role not in set(Role):
        raise StaffError(f"role must be one of {', '.join(Role)}")
    return Role(role)


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def add_user(session: Session, email: str, role: str, password: str) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise StaffError(f"{email!r} is not an email address")
    checked_role = _check_role(role)
    password_hash = _check_password(password)
    if session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        raise StaffError(f"{email} already has an account")
    user = StaffUser(email=email, role=checked_role, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def end_sessions(user: StaffUser) -> None:
    """End every console session of ``user`` at its next request, wherever it is open.

    Sessions carry the generation they were started under and the console compares it on
    every request; the change commits with whatever caused it (a new role, a deactivation).
    """
    user.session_generation = (user.session_generation or 0) + 1


def set_role(user: StaffUser, role: str) -> None:
    """Give ``user`` another role; their sessions end, so the new role starts with a login."""
    user.role = _check_role(role)
    end_sessions(user)


def set_password(user: StaffUser, password: str) -> None:
    """Replace the password (at least ``MIN_PASSWORD_LENGTH``); every session ends with it."""
    user.password_hash = _check_password(password)
    end_sessions(user)


def set_active(user: StaffUser, active: bool) -> None:
    """Switch an account on or off; switching it off ends its sessions."""
    user.active = active
    if not active:
        end_sessions(user)


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, or None (same cost either way)."""
    user = session.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower()[:254])
    ).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def audit(session: Session, actor: str, action: str, detail: str, now: dt.datetime) -> None:
    session.add(AuditEntry(at=now, actor=actor[:254], action=action[:60], detail=detail[:2000]))
