"""Import contacts from a CSV file: bad rows are set aside, the rest go in together.

Partner organisations keep their lists in Excel, so the file arrives with a BOM, ``;``
delimiters, DD.MM.YYYY dates and numbers written every way a migrant writes them. Unlike an
agency registry, one bad row does not make the others wrong: it is reported by line and left
out, and every accepted row is written in the caller's one transaction. A file that cannot be
read at all (binary, not UTF-8, no ``phone`` column) is rejected whole.

Importing never erases what is stored (an empty cell means "not stated") and never touches
``opted_out``: a STOP is the person's own choice, and no spreadsheet can undo it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hotline.models.contacts import STAGES, Contact
from hotline.phones import InvalidPhoneNumber, country_of, mask, parse_phone
from hotline.sms.words import fold_phrase
from hotline.spreadsheet import (
    COUNTRY_HINTS,
    ISO_COUNTRIES,
    CsvFileError,
    CsvRecords,
    read_date,
)

COLUMNS = ("phone", "language", "region", "destination", "stage", "gender", "consent_date")
FIELDS = COLUMNS[1:]  # what a row may state about a contact besides its number
COLUMN_SPELLINGS = {"phone_number": "phone", "lang": "language"}
LOOKUP_CHUNK = 1000  # phones per IN query: well under every database's parameter limit
REGION_WIDTH = 40  # the column's width; longer would fail the whole transaction on PostgreSQL

# Folded spellings (see ``fold_phrase``) people write for each language code and gender.
_LANGUAGE_NAMES = {
    "ky": ("ky", "kyrgyz", "kirghiz", "kyrgyzcha", "кыргыз", "кыргызча", "киргизский"),
    "ru": ("ru", "russian", "rus", "ruscha", "русский", "орусча"),
    "uz": ("uz", "uzbek", "ozbek", "ozbekcha", "узбекский", "ўзбек", "ўзбекча"),
    "kaa": ("kaa", "karakalpak", "qaraqalpaq", "qaraqalpaqsha", "каракалпакский", "қарақалпақ"),
}
_GENDER_NAMES = {
    "female": ("female", "f", "ж", "ayol", "аёл"),
    "male": ("male", "m", "м", "erkak", "эркак"),
    "other": ("other",),
}
_LANGUAGES = {name: code for code, names in _LANGUAGE_NAMES.items() for name in names}
_GENDERS = {name: gender for gender, names in _GENDER_NAMES.items() for name in names}
_EXCEL_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)


class ContactFileError(CsvFileError):
    """The contacts file cannot be read; ``problems`` reads "line N: what is wrong"."""


@dataclass(frozen=True)
class ContactRow:
    """One line of the file, validated; None means the cell was empty (not stated)."""

    line: int
    phone: str  # E.164
    language: str | None = None
    region: str | None = None
    destination: str | None = None
    stage: str | None = None
    gender: str | None = None
    consent_date: dt.date | None = None


@dataclass(frozen=True)
class ContactFile:
    """What a readable file holds: the accepted rows and why the others were set aside."""

    rows: tuple[ContactRow, ...]
    problems: tuple[str, ...] = ()  # "line N: ..." for rejected rows, in file order
    rejected: int = 0  # rows set aside; one row may have several problems
    ignored_columns: tuple[str, ...] = ()  # header cells that are none of COLUMNS


@dataclass(frozen=True)
class ImportSummary:
    """Counts of distinct numbers (``rejected`` counts rows): what the command prints."""

    imported: int  # new contacts
    updated: int  # existing contacts with at least one value changed
    rejected: int
    unchanged: int  # existing contacts the file told nothing new

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


# --- Reading ----------------------------------------------------------------------------------


def parse_contacts_csv(data: bytes, default_region: str, today: dt.date) -> ContactFile:
    """Validate every row, setting bad ones aside; raise ``ContactFileError`` for a bad file.

    ``default_region`` reads numbers written without a country code; ``today`` (UTC) is the
    latest possible consent date.
    """
    try:
        records = CsvRecords(data)
    except CsvFileError as exc:
        raise ContactFileError(exc.problems) from None
    columns: dict[str, int] | None = None
    ignored: tuple[str, ...] = ()
    width = rejected = 0
    rows: list[ContactRow] = []
    problems: list[str] = []
    try:
        for line, record in records:
            if columns is None:
                columns, ignored = _read_header(record, line)
                width = len(record)
                continue
            found = _row_shape_problems(record, width)
            row = None if found else _read_row(record, line, columns, default_region, today, found)
            if row is None:
                rejected += 1
                problems.extend(f"line {line}: {problem}" for problem in found)
            else:
                rows.append(row)
    except csv.Error as exc:
        line = records.last_line + 1
        raise ContactFileError([f"line {line}: not readable as CSV ({exc})"]) from None
    if columns is None:
        raise ContactFileError(["line 1: the file is empty"])
    if not rows and not rejected:
        raise ContactFileError([f"line {records.last_line + 1}: no contacts after the header"])
    return ContactFile(tuple(rows), tuple(problems), rejected, ignored)


def _column_name(raw: str) -> str:
    name = re.sub(r"[\s-]+", "_", raw.strip().lower())
    return COLUMN_SPELLINGS.get(name, name)


def _read_header(record: list[str], line: int) -> tuple[dict[str, int], tuple[str, ...]]:
    """Map column names to positions; a header without ``phone`` rejects the file."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[str] = []
    for index, raw in enumerate(record):
        name = _column_name(raw)
        if name in columns:
            problems.append(f"line {line}: column {name} appears twice")
        elif name in COLUMNS:
            columns[name] = index
        elif name:
            ignored.append(raw.strip())
    if "phone" not in columns:
        header = ", ".join(cell.strip() for cell in record)
        header = header if len(header) <= 120 else header[:117] + "..."
        problems.append(f"line {line}: missing column phone (the header reads: {header})")
    if problems:
        raise ContactFileError(problems)
    return columns, tuple(ignored)


def _row_shape_problems(record: list[str], width: int) -> list[str]:
    """A row with missing or surplus fields has its values under the wrong columns."""
    if len(record) >= width and not any(cell.strip() for cell in record[width:]):
        return []
    hint = " (quote fields that contain the delimiter)" if len(record) > width else ""
    return [f"{len(record)} fields, the header has {width}{hint}"]


def _read_row(
    record: list[str],
    line: int,
    columns: dict[str, int],
    default_region: str,
    today: dt.date,
    found: list[str],
) -> ContactRow | None:
    """Validate one data line, appending its problems to ``found``; None when it has any."""
    cell = {name: record[index].strip() for name, index in columns.items()}
    phone = _phone(cell["phone"], default_region, found)
    language = _named(cell.get("language", ""), _LANGUAGES, "language", _LANGUAGE_NAMES, found)
    gender = _named(cell.get("gender", ""), _GENDERS, "gender", _GENDER_NAMES, found)
    stage = cell.get("stage", "").lower() or None
    if stage is not None and stage not in STAGES:
        found.append(f"unknown stage {stage!r} (expected {', '.join(STAGES)})")
    region = " ".join(cell.get("region", "").split()) or None
    if region is not None and len(region) > REGION_WIDTH:
        found.append(f"region is longer than {REGION_WIDTH} characters")
    destination = _destination(cell.get("destination", ""), found)
    consent_date = read_date(cell.get("consent_date", ""), "consent_date", found)
    if consent_date is not None and consent_date > today:
        found.append(f"consent_date {consent_date} is in the future")
    if found or phone is None:
        return None
    return ContactRow(line, phone, language, region, destination, stage, gender, consent_date)


def _phone(raw: str, default_region: str, found: list[str]) -> str | None:
    """The E.164 number; problems show it masked, as a number can identify a victim."""
    if not raw:
        found.append("empty phone")
        return None
    try:
        return parse_phone(raw, default_region)
    except InvalidPhoneNumber as exc:
        digits = re.sub(r"[^0-9+]", "", raw)
        if _EXCEL_NUMBER.match(raw):
            found.append("phone is written as 9.96E+11: format the column as text in Excel")
        else:
            found.append(f"phone {mask(digits)}: {exc}" if digits else f"phone: {exc}")
        return None


def _named(
    value: str,
    spellings: dict[str, str],
    column: str,
    expected: Iterable[str],
    found: list[str],
) -> str | None:
    if not value:
        return None
    if (code := spellings.get(fold_phrase(value))) is None:
        found.append(f"unknown {column} {value!r} (expected {', '.join(expected)})")
    return code


def _destination(value: str, found: list[str]) -> str | None:
    code = value.upper() or None
    if code is not None and code not in ISO_COUNTRIES:
        hint = f", did you mean {COUNTRY_HINTS[code]}?" if code in COUNTRY_HINTS else ""
        found.append(f"unknown destination {value!r} (ISO 3166 alpha-2 country code{hint})")
        return None
    return code


# --- Importing --------------------------------------------------------------------------------


def merge_duplicates(rows: Iterable[ContactRow]) -> dict[str, ContactRow]:
    """One row per number, in first-seen order; a later row's stated values win."""
    merged: dict[str, ContactRow] = {}
    for row in rows:
        if (earlier := merged.get(row.phone)) is None:
            merged[row.phone] = row
        else:
            stated = {name: value for name in FIELDS if (value := getattr(row, name)) is not None}
            merged[row.phone] = dataclasses.replace(earlier, **stated)
    return merged


def import_contacts(session: Session, contacts: ContactFile, today: dt.date) -> ImportSummary:
    """Create and update the file's contacts in ``session``; the caller commits, or nothing.

    Bulk statements keep 100,000 rows well under a minute: existing contacts are read
    ``LOOKUP_CHUNK`` numbers per query, new ones inserted and changed ones updated in batches.
    A changed stage restarts ``stage_since`` (UTC ``today``) so drip messages follow the stage.
    """
    merged = merge_duplicates(contacts.rows)
    stored = _stored_contacts(session, list(merged))
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for phone, row in merged.items():
        stated = {name: value for name in FIELDS if (value := getattr(row, name)) is not None}
        if (before := stored.get(phone)) is None:
            values = {name: getattr(row, name) for name in FIELDS}  # one key set: one batch
            values |= {"phone": phone, "country": country_of(phone)}
            new.append(values | {"stage_since": today if row.stage else None})
        elif any(before[name] != value for name, value in stated.items()):
            after = before | stated
            if after["stage"] != before["stage"]:
                after["stage_since"] = today
            changed.append(after)
    if new:
        # Without render_nulls the ORM drops None values, splitting the batch at every new key set.
        session.execute(insert(Contact).execution_options(render_nulls=True), new)
    if changed:
        session.execute(update(Contact), changed)
    unchanged = len(merged) - len(new) - len(changed)
    return ImportSummary(len(new), len(changed), contacts.rejected, unchanged)


def _stored_contacts(session: Session, phones: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The importable values of the contacts already holding these numbers, by number."""
    wanted = [Contact.id, Contact.phone, Contact.stage_since]
    wanted += [getattr(Contact, name) for name in FIELDS]
    stored: dict[str, dict[str, Any]] = {}
    for start in range(0, len(phones), LOOKUP_CHUNK):
        chunk = phones[start : start + LOOKUP_CHUNK]
        for found in session.execute(select(*wanted).where(Contact.phone.in_(chunk))).mappings():
            values = dict(found)
            stored[values.pop("phone")] = values
    return stored
