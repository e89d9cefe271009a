"""Verify an agency: from what a family typed to a verdict that is never wrong the risky way.

``licensed`` needs one agency clearly matched (see ``matching``) whose licence is active and in
date today; everything else says plainly what is wrong, or that nothing fits.
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.agencies.matching import MatchKind, NameIndex, RegistryName
from hotline.models import Agency, LicenceStatus, RegistryImport, VerificationRecord

MAX_QUERY_LENGTH = 200


class Verdict(enum.StrEnum):
    LICENSED = "licensed"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class AgencyFacts:
    """What we know of one agency in the current registry snapshot."""

    id: int
    licence_no: str
    name: str
    registry: str
    status: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    destinations: tuple[str, ...]
    status_since: dt.date
    demo: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "licence_no": self.licence_no,
            "name": self.name,
            "registry": self.registry,
            "status": self.status,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "destinations": list(self.destinations),
        }


@dataclass(frozen=True)
class Verification:
    query: str
    verdict: Verdict
    agency: AgencyFacts | None
    candidates: tuple[AgencyFacts, ...]
    registry_as_of: dt.date | None
    demo: bool


@dataclass(frozen=True)
class RegistrySnapshot:
    version: int
    index: NameIndex
    agencies: dict[int, AgencyFacts]
    as_of: dict[str, dt.date]  # registry -> latest as-of date
    demo: bool  # every import so far was demo data


class RegistryIndex:
    """The matcher over the current registry, rebuilt when an import changes the version.

    Each process keeps its own copy; the version (the newest import's id) is read from the
    database on every query, so every web and worker process sees a new import at once.
    """

    def __init__(self) -> None:
        self._snapshot: RegistrySnapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self, session: Session) -> RegistrySnapshot:
        version = session.scalar(select(func.max(RegistryImport.id))) or 0
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = _build_snapshot(session, version)
            return self._snapshot


def _build_snapshot(session: Session, version: int) -> RegistrySnapshot:
    agencies: dict[int, AgencyFacts] = {}
    names: list[RegistryName] = []
    for agency in session.scalars(select(Agency)):
        agencies[agency.id] = AgencyFacts(
            id=agency.id,
            licence_no=agency.licence_no,
            name=agency.name,
            registry=agency.registry_code,
            status=agency.status,
            valid_from=agency.valid_from,
            valid_until=agency.valid_until,
            destinations=tuple(agency.destinations or ()),
            status_since=agency.status_since,
            demo=agency.demo,
        )
        names.append(
            RegistryName(agency.id, agency.licence_no, agency.name, tuple(agency.aliases or ()))
        )
    latest = select(RegistryImport.registry_code, func.max(RegistryImport.as_of)).group_by(
        RegistryImport.registry_code
    )
    as_of = {registry: date for registry, date in session.execute(latest)}
    demo_flags = set(session.scalars(select(RegistryImport.demo).distinct()))
    return RegistrySnapshot(version, NameIndex(names), agencies, as_of, demo_flags == {True})


def licence_verdict(agency: AgencyFacts, today: dt.date) -> Verdict:
    """The verdict for one identified agency on ``today``."""
    status = LicenceStatus(agency.status)
    if status in (LicenceStatus.REVOKED, LicenceStatus.REMOVED):
        return Verdict.REVOKED
    if status is LicenceStatus.SUSPENDED:
        return Verdict.SUSPENDED
    if status is LicenceStatus.EXPIRED or (agency.valid_until and agency.valid_until < today):
        return Verdict.EXPIRED
    if agency.valid_from and agency.valid_from > today:
        return Verdict.SUSPENDED  # listed, but not in force yet: not licensed today
    return Verdict.LICENSED


def clean_query(text: str) -> str:
    """Collapse white space and refuse what cannot be a name or licence number."""
    query = " ".join(text.replace("\x00", "").split())
    if not query or not any(ch.isalnum() for ch in query):
        raise ValueError("empty query")
    if len(query) > MAX_QUERY_LENGTH:
        raise ValueError(f"query longer than {MAX_QUERY_LENGTH} characters")
    return query


def verify(session: Session, registry: RegistryIndex, text: str, today: dt.date) -> Verification:
    """Answer "is this agency licensed?" for a name or licence number (ValueError if empty)."""
    query = clean_query(text)
    snapshot = registry.snapshot(session)
    match = snapshot.index.match(query)
    candidates = tuple(snapshot.agencies[c.agency_id] for c in match.candidates)
    if match.kind in (MatchKind.LICENCE, MatchKind.UNIQUE) and candidates:
        agency = candidates[0]
        return Verification(
            query=query,
            verdict=licence_verdict(agency, today),
            agency=agency,
            candidates=(),
            registry_as_of=snapshot.as_of.get(agency.registry),
            demo=agency.demo,
        )
    as_of = min(snapshot.as_of.values()) if snapshot.as_of else None
    if match.kind is MatchKind.AMBIGUOUS and candidates:
        return Verification(query, Verdict.AMBIGUOUS, None, candidates, as_of, snapshot.demo)
    return Verification(query, Verdict.NOT_FOUND, None, (), as_of, snapshot.demo)


def record_verification(
    session: Session, verification: Verification, channel: str, contact_id: int | None = None
) -> None:
    """Keep the verification log (staff review, campaign results)."""
    session.add(
        VerificationRecord(
            channel=channel,
            contact_id=contact_id,
            query=verification.query[:MAX_QUERY_LENGTH],
            verdict=verification.verdict,
            agency_id=verification.agency.id if verification.agency else None,
            registry_as_of=verification.registry_as_of,
        )
    )
