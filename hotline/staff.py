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


def add_user(session: Session, email: str, role: str, password: str) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise StaffError(f"{email!r} is not an email address")
    if role not in set(Role):
        raise StaffError(f"role must be one of {', '.join(Role)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        raise StaffError(f"{email} already has an account")
    user = StaffUser(email=email, role=Role(role), password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


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
