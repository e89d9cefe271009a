"""Read an official agency registry file (CSV): validate every row or reject the file.

A registry file comes from a ministry's website through Excel, so it arrives with a BOM, ``;``
delimiters, DD.MM.YYYY dates and stray whitespace; those are accepted. Anything that would make
an answer wrong (a bad date, an unknown status, a duplicate licence) rejects the whole file with
every problem listed by line, because half an import would tell a migrant that a licensed agency
is unlicensed.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from hotline.models.agencies import (
    LicenceStatus,
    Registry,
)
from hotline.spreadsheet import (
    COUNTRY_HINTS,
    ISO_COUNTRIES,
    CsvFileError,
    CsvRecords,
    read_date,
)

REQUIRED_COLUMNS = (
    "licence_no",
    "name",
    "registry",
    "status",
    "valid_from",
    "valid_until",
    "destinations",
)
OPTIONAL_COLUMNS = ("aliases", "address", "phone")
COLUMN_SPELLINGS = {"license_no": "licence_no"}
# Statuses a registry can state; ``removed`` is ours, inferred when an agency disappears.
FILE_STATUSES = tuple(s for s in LicenceStatus if s is not LicenceStatus.REMOVED)
CHANGE_KINDS = ("added", "removed", "changed", "relisted")  # the words in AgencyHistory.change
# Column widths in the database: longer values would fail the whole transaction on PostgreSQL.
_WIDTHS = {"licence_no": 40, "name": 300, "address": 300, "phone": 60, "alias": 300}

_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))


class RegistryFileError(CsvFileError):
    """The registry file cannot be imported; ``problems`` reads "line N: what is wrong"."""


@dataclass(frozen=True)
class RegistryRow:
    """One agency as a registry file states it, already validated and normalised."""

    line: int
    registry: Registry
    licence_no: str
    name: str
    status: LicenceStatus
    valid_from: dt.date | None
    valid_until: dt.date | None
    destinations: tuple[str, ...]  # sorted, so reordering in the source is not a change
    aliases: tuple[str, ...] = ()
    address: str | None = None
    phone: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.registry.value, licence_key(self.licence_no)


def licence_key(licence_no: str) -> str:
    """Fold a licence number for comparison: "kg-0145-23 " and "KG–0145-23" are one licence."""
    folded = unicodedata.normalize("NFKC", licence_no).translate(_DASHES)
    return re.sub(r"\s+", "", folded).upper()


def demo_registry_csv() -> bytes:
    """The bundled, plainly fictional registry used by ``--demo`` runs and local development."""
    return resources.files("hotline.agencies").joinpath("demo_registry.csv").read_bytes()


# --- Parsing ----------------------------------------------------------------------------------


def parse_registry_csv(data: bytes) -> list[RegistryRow]:
    """Validate a whole registry file, collecting every problem before giving up on it."""
    try:
        records = CsvRecords(data)
    except CsvFileError as exc:
        raise RegistryFileError(exc.problems) from None
    problems: list[str] = []
    rows: list[RegistryRow] = []
    first_seen: dict[tuple[str, str], int] = {}
    columns: dict[str, int] | None = None
    width = 0
    try:
        for line, record in records:
            if columns is None:
                columns, header_problems = _read_header(record, line)
                if header_problems:
                    raise RegistryFileError(header_problems)
                width = len(record)
                continue
            row = _read_row(record, line, columns, width, problems)
            if row is None:
                continue
            if row.key in first_seen:
                problems.append(
                    f"line {line}: duplicate licence number {row.licence_no} "
                    f"(first on line {first_seen[row.key]})"
                )
                continue
            first_seen[row.key] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {records.last_line + 1}: not readable as CSV ({exc})")
    if columns is None and not problems:
        problems.append("line 1: the file is empty")
    elif not rows and not problems:
        problems.append(f"line {records.last_line + 1}: no agencies after the header")
    if problems:
        raise RegistryFileError(problems)
    return rows


def _column_name(raw: str) -> str:
    name = re.sub(r"[\s-]+", "_", raw.strip().lower())
    return COLUMN_SPELLINGS.get(name, name)


def _read_header(record: list[str], line: int) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    problems = []
    for index, raw in enumerate(record):
        name = _column_name(raw)
        if not name:
            continue
        if name in columns:
            problems.append(f"line {line}: column {name} appears twice")
        columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        header = ", ".join(cell.strip() for cell in record)
        header = header if len(header) <= 120 else header[:117] + "..."
        problems.append(
            f"line {line}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header reads: {header})"
        )
    return columns, problems


def _read_row(
    record: list[str], line: int, columns: dict[str, int], width: int, problems: list[str]
) -> RegistryRow | None:
    """Validate one data line, appending its problems; None when it has any."""
    if len(record) < width or any(cell.strip() for cell in record[width:]):
        hint = " (quote fields that contain the delimiter)" if len(record) > width else ""
        if any("\n" in cell for cell in record):
            hint = " (a quote opened on this line is closed lines later)"
        problems.append(f"line {line}: {len(record)} fields, the header has {width}{hint}")
        return None
    cell = {name: record[index].strip() for name, index in columns.items()}
    found: list[str] = []
    licence_no = cell["licence_no"]
    name = " ".join(cell["name"].split())
    if any("\n" in cell[column] for column in ("licence_no", "name")):
        found.append("a licence number or name runs over several lines (an unclosed quote?)")
    if not licence_no:
        found.append("empty licence number")
    if not name:
        found.append("empty name")
    registry = _choice(Registry, cell["registry"].upper(), "registry", found)
    status = _choice(FILE_STATUSES, cell["status"].lower(), "status", found)
    valid_from = read_date(cell["valid_from"], "valid_from", found)
    valid_until = read_date(cell["valid_until"], "valid_until", found)
    if valid_from and valid_until and valid_until < valid_from:
        found.append(f"valid_until {valid_until} is before valid_from {valid_from}")
    destinations = _countries(cell["destinations"], found)
    aliases = tuple(dict.fromkeys(a.strip() for a in cell.get("aliases", "").split(";")))
    aliases = tuple(alias for alias in aliases if alias and alias != name)
    address = cell.get("address") or None
    phone = cell.get("phone") or None
    texts = [("licence_no", licence_no), ("name", name), ("address", address), ("phone", phone)]
    for column, value in [*texts, *(("alias", alias) for alias in aliases)]:
        if value is not None and len(value) > _WIDTHS[column]:
            found.append(f"{column} is longer than {_WIDTHS[column]} characters")
    problems.extend(f"line {line}: {problem}" for problem in found)
    if found or registry is None or status is None:
        return None
    return RegistryRow(
        line=line,
        registry=Registry(registry),
        licence_no=licence_no,
        name=name,
        status=LicenceStatus(status),
        valid_from=valid_from,
        valid_until=valid_until,
        destinations=destinations,
        aliases=aliases,
        address=address,
        phone=phone,
    )


def _choice(allowed: Iterable[str], value: str, column: str, found: list[str]) -> str | None:
    options = [str(option) for option in allowed]
    if value in options:
        return value
    shown = value or "(empty)"
    found.append(f"unknown {column} {shown!r} (expected {', '.join(options)})")
    return None


def _countries(value: str, found: list[str]) -> tuple[str, ...]:
    codes = {code.strip().upper() for code in re.split(r"[;,]", value)} - {""}
    for code in sorted(codes - ISO_COUNTRIES):
        hint = f", did you mean {COUNTRY_HINTS[code]}?" if code in COUNTRY_HINTS else ""
        found.append(f"unknown country code {code!r} in destinations (ISO 3166 alpha-2{hint})")
    return tuple(sorted(codes & ISO_COUNTRIES))


# --- Importing --------------------------------------------------------------------------------
