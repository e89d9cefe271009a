"""Apply a validated registry file to the database, keeping a history of every change.

Nothing here commits: the caller's transaction makes the import all or nothing, and an agency
missing from a newer import of its registry is marked ``removed`` (no longer licensed).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.agencies.registry_file import (
    CHANGE_KINDS,
    RegistryFileError,
    RegistryRow,
    licence_key,
)
from hotline.models.agencies import (
    Agency,
    AgencyHistory,
    LicenceStatus,
    RegistryImport,
)


class ImportRefused(ValueError):
    """The file is valid but importing it would overwrite newer or real data (force overrides)."""


@dataclass(frozen=True)
class AgencyChange:
    """One line of the diff: which agency, and what an operator should notice about it."""

    registry: str
    licence_no: str
    name: str
    details: tuple[str, ...] = ()

    def describe(self, word: str) -> str:
        said = f": {'; '.join(self.details)}" if self.details else ""
        return f"  {word:<9} {self.registry}  {self.licence_no}  {self.name}{said}"


@dataclass(frozen=True)
class RegistryOutcome:
    """What one import did to one registry; ``import_id`` is None when it repeated the last."""

    registry: str
    import_id: int | None
    listed: int
    unchanged: int


@dataclass(frozen=True)
class ImportDiff:
    """What an import changed, for the operator who ran it and for the tests."""

    as_of: dt.date
    demo: bool
    outcomes: tuple[RegistryOutcome, ...]
    added: tuple[AgencyChange, ...] = ()
    removed: tuple[AgencyChange, ...] = ()
    changed: tuple[AgencyChange, ...] = ()
    relisted: tuple[AgencyChange, ...] = ()

    @property
    def nothing_changed(self) -> bool:
        return not (self.added or self.removed or self.changed or self.relisted)

    def format(self) -> str:
        """Render the diff as the CLI prints it: a summary per registry, then one agency a line."""
        lines = [self._headline(outcome) for outcome in self.outcomes]
        for word, entries in (
            ("added", self.added),
            ("removed", self.removed),
            ("changed", self.changed),
            ("relisted", self.relisted),
        ):
            lines.extend(entry.describe(word) for entry in entries)
        return "\n".join(lines)

    def _headline(self, outcome: RegistryOutcome) -> str:
        code = outcome.registry
        title = f"{code} registry as of {self.as_of.isoformat()}" + (" (demo)" if self.demo else "")
        if outcome.import_id is None:
            return f"{title}: nothing changed, same as the latest import ({outcome.listed} listed)"
        counts = [
            sum(1 for entry in entries if entry.registry == code)
            for entries in (self.added, self.removed, self.changed, self.relisted)
        ]
        if not any(counts):
            return (
                f"{title}, import #{outcome.import_id}: nothing changed ({outcome.listed} listed)"
            )
        return (
            f"{title}, import #{outcome.import_id}: {counts[0]} added, {counts[1]} removed, "
            f"{counts[2]} changed, {counts[3]} relisted, {outcome.unchanged} unchanged"
        )


class _Step(NamedTuple):
    row: RegistryRow
    agency: Agency | None  # None when the row adds an agency
    kind: str  # added, changed, relisted, silent (contacts or spellings only), same
    details: tuple[str, ...]


@dataclass
class _Plan:
    """The comparison of one registry's rows with its agencies, before anything is written."""

    steps: list[_Step] = field(default_factory=list)
    gone: list[Agency] = field(default_factory=list)

    def is_noop(self) -> bool:
        return not self.gone and all(step.kind == "same" for step in self.steps)


def import_registry(
    session: Session,
    rows: Sequence[RegistryRow],
    as_of: dt.date,
    source_name: str,
    demo: bool,
    force: bool = False,
) -> ImportDiff:
    """Make each registry in ``rows`` match the file, recording history; the caller commits.

    Agencies of a registry present in the file but absent from it become ``removed``: the
    registry is the whole truth as of ``as_of``. Repeating the latest import (same date, same
    content) writes nothing, so re-running a cron job or a nervous operator is harmless.
    """
    if not rows:
        raise RegistryFileError(["no agencies to import"])
    duplicates = [key for key, count in Counter(row.key for row in rows).items() if count > 1]
    if duplicates:
        raise RegistryFileError([f"duplicate licence number {key[1]}" for key in duplicates])
    codes = sorted({row.registry.value for row in rows})
    latest = {code: _latest_import(session, code) for code in codes}
    for code, previous in latest.items():
        _refuse_unless_forced(code, previous, as_of, demo, force)

    outcomes: list[RegistryOutcome] = []
    diff: dict[str, list[AgencyChange]] = {kind: [] for kind in CHANGE_KINDS}
    for code in codes:
        plan = _plan(session, code, [row for row in rows if row.registry == code], demo)
        previous = latest[code]
        if plan.is_noop() and previous is not None and previous.as_of == as_of:
            outcomes.append(RegistryOutcome(code, None, len(plan.steps), len(plan.steps)))
            continue
        record = RegistryImport(
            registry_code=code, as_of=as_of, source_name=source_name[:200], demo=demo
        )
        session.add(record)
        session.flush()
        _apply(session, plan, record, demo, diff)
        unchanged = sum(1 for step in plan.steps if step.kind in {"same", "silent"})
        outcomes.append(RegistryOutcome(code, record.id, len(plan.steps), unchanged))
    session.flush()
    return ImportDiff(
        as_of=as_of,
        demo=demo,
        outcomes=tuple(outcomes),
        added=tuple(diff["added"]),
        removed=tuple(diff["removed"]),
        changed=tuple(diff["changed"]),
        relisted=tuple(diff["relisted"]),
    )


def registry_as_of(session: Session, registry: str | None = None) -> dt.date | None:
    """Say how current the registry is: the as-of date of its latest import (None if never).

    Without ``registry``, the newest of each registry's latest as-of date. "Latest" is the most
    recent import, not the largest date, so a forced re-import of an older file is reported as
    what it is.
    """
    latest_ids = select(func.max(RegistryImport.id)).group_by(RegistryImport.registry_code)
    if registry is not None:
        latest_ids = latest_ids.where(RegistryImport.registry_code == registry.upper())
    query = select(func.max(RegistryImport.as_of)).where(RegistryImport.id.in_(latest_ids))
    return session.scalar(query)


def registry_version(session: Session) -> int:
    """Number the registry's state, so in-process caches of agency names know when to reload."""
    return session.scalar(select(func.max(RegistryImport.id))) or 0


def _latest_import(session: Session, code: str) -> RegistryImport | None:
    query = (
        select(RegistryImport)
        .where(RegistryImport.registry_code == code)
        .order_by(RegistryImport.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _refuse_unless_forced(
    code: str, previous: RegistryImport | None, as_of: dt.date, demo: bool, force: bool
) -> None:
    if previous is None or force:
        return
    if as_of < previous.as_of:
        raise ImportRefused(
            f"{code} registry: as-of date {as_of} is older than the latest import "
            f"(#{previous.id}, as of {previous.as_of})"
        )
    if demo and not previous.demo:
        raise ImportRefused(
            f"{code} registry holds real data (import #{previous.id}); "
            "refusing to replace it with demo data"
        )


def _plan(session: Session, code: str, rows: list[RegistryRow], demo: bool) -> _Plan:
    query = select(Agency).where(Agency.registry_code == code).order_by(Agency.id)
    existing = {licence_key(agency.licence_no): agency for agency in session.scalars(query)}
    plan = _Plan()
    for row in rows:
        agency = existing.pop(row.key[1], None)
        if agency is None:
            plan.steps.append(_Step(row, None, "added", ()))
            continue
        differences = _differences(agency, row)
        if agency.status == LicenceStatus.REMOVED:
            kind = "relisted"
        elif differences:
            kind = "changed"
        elif _silent_differences(agency, row, demo):
            kind = "silent"
        else:
            kind = "same"
        plan.steps.append(_Step(row, agency, kind, differences))
    plan.gone = [a for a in existing.values() if a.status != LicenceStatus.REMOVED]
    return plan


def _differences(agency: Agency, row: RegistryRow) -> tuple[str, ...]:
    """Describe what changed in what we would answer about the agency."""
    found = []
    if agency.name != row.name:
        found.append(f'name "{agency.name}" -> "{row.name}"')
    if agency.status != row.status:
        found.append(f"status {agency.status} -> {row.status}")
    if agency.valid_from != row.valid_from:
        found.append(f"valid_from {_day(agency.valid_from)} -> {_day(row.valid_from)}")
    if agency.valid_until != row.valid_until:
        found.append(f"valid_until {_day(agency.valid_until)} -> {_day(row.valid_until)}")
    if sorted(agency.destinations) != list(row.destinations):
        before, after = ";".join(sorted(agency.destinations)), ";".join(row.destinations)
        found.append(f"destinations {before or '-'} -> {after or '-'}")
    return tuple(found)


def _silent_differences(agency: Agency, row: RegistryRow, demo: bool) -> bool:
    """Tell whether details that never change an answer (contacts, spellings) differ."""
    return (
        list(agency.aliases) != list(row.aliases)
        or agency.address != row.address
        or agency.phone != row.phone
        or agency.licence_no != row.licence_no
        or agency.demo != demo
    )


def _apply(
    session: Session,
    plan: _Plan,
    record: RegistryImport,
    demo: bool,
    diff: dict[str, list[AgencyChange]],
) -> None:
    history: list[tuple[Agency, str]] = []
    for row, existing, kind, details in plan.steps:
        agency = existing or Agency(registry_code=row.registry.value, status_since=record.as_of)
        if existing is None:
            session.add(agency)
        elif agency.status != row.status:
            agency.status_since = record.as_of
        _copy(row, agency, demo)
        agency.import_id = record.id
        if kind in {"added", "changed", "relisted"}:
            history.append((agency, kind))
            shown = details if kind != "added" else (_summary(row),)
            diff[kind].append(AgencyChange(row.registry.value, row.licence_no, row.name, shown))
    for agency in plan.gone:
        agency.status = LicenceStatus.REMOVED
        agency.status_since = record.as_of
        history.append((agency, "removed"))
        diff["removed"].append(
            AgencyChange(agency.registry_code, agency.licence_no, agency.name, ("not listed",))
        )
    session.flush()  # new agencies need ids before their history rows
    for agency, change in history:
        session.add(_snapshot(agency, record, change))
    record.added = len([1 for _, change in history if change == "added"])
    record.removed = len(plan.gone)
    record.changed = len(history) - record.added - record.removed


def _copy(row: RegistryRow, agency: Agency, demo: bool) -> None:
    agency.licence_no = row.licence_no
    agency.name = row.name
    agency.aliases = list(row.aliases)
    agency.address = row.address
    agency.phone = row.phone
    agency.status = row.status
    agency.valid_from = row.valid_from
    agency.valid_until = row.valid_until
    agency.destinations = list(row.destinations)
    agency.demo = demo


def _snapshot(agency: Agency, record: RegistryImport, change: str) -> AgencyHistory:
    return AgencyHistory(
        agency_id=agency.id,
        import_id=record.id,
        as_of=record.as_of,
        change=change,
        name=agency.name,
        status=agency.status,
        valid_from=agency.valid_from,
        valid_until=agency.valid_until,
        destinations=list(agency.destinations),
    )


def _summary(row: RegistryRow) -> str:
    places = ";".join(row.destinations) or "no destinations"
    return f"{row.status}, valid {_day(row.valid_from)} to {_day(row.valid_until)}, {places}"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else "-"
