"""Contacts import: bad rows are set aside by line, the rest go in together, nothing is erased."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.config import Settings
from hotline.models import Contact
from hotline.runtime import Runtime
from sms_campaigns.contacts_import import (
    ContactFileError,
    ContactRow,
    ImportSummary,
    import_contacts,
    parse_contacts_csv,
)
from tests.processes import run_hotline

HEADER = "phone,language,region,destination,stage,gender,consent_date"
TODAY = dt.date(2026, 3, 10)
EARLIER = dt.date(2025, 6, 1)


def contacts_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def parse(data: bytes, region: str = "KG") -> tuple[tuple[ContactRow, ...], tuple[str, ...]]:
    parsed = parse_contacts_csv(data, region, TODAY)
    return parsed.rows, parsed.problems


def run_import(state: Runtime, data: bytes) -> ImportSummary:
    with state.session_scope() as session:
        return import_contacts(session, parse_contacts_csv(data, "KG", TODAY), TODAY)


def stored(state: Runtime) -> dict[str, dict[str, Any]]:
    """Every contact's importable values (and opt-out) by number."""
    names = ("country", "language", "region", "destination", "stage", "stage_since", "gender")
    with state.sessions() as session:
        return {
            contact.phone: {
                **{name: getattr(contact, name) for name in names},
                "consent_date": contact.consent_date,
                "opted_out": contact.opted_out,
            }
            for contact in session.scalars(select(Contact))
        }


def add_contact(state: Runtime, **values: Any) -> None:
    with state.session_scope() as session:
        session.add(Contact(**({"phone": "+996555123456", "country": "KG"} | values)))


# --- New contacts, duplicates, existing contacts ---------------------------------------------


def test_new_contacts_get_e164_numbers_their_country_and_a_stage_date(state: Runtime) -> None:
    data = contacts_file(
        "0555 123 456,ky,Osh,ru,departing,female,01.02.2026",
        "+998 90 123 45 67,O'zbek,,KR,,,",
    )

    summary = run_import(state, data)

    assert summary == ImportSummary(imported=2, updated=0, rejected=0, unchanged=0)
    assert stored(state) == {
        "+996555123456": {
            "country": "KG",
            "language": "ky",
            "region": "Osh",
            "destination": "RU",
            "stage": "departing",
            "stage_since": TODAY,
            "gender": "female",
            "consent_date": dt.date(2026, 2, 1),
            "opted_out": False,
        },
        "+998901234567": {
            "country": "UZ",
            "language": "uz",
            "region": None,
            "destination": "KR",
            "stage": None,
            "stage_since": None,
            "gender": None,
            "consent_date": None,
            "opted_out": False,
        },
    }


def test_one_number_written_twice_is_one_contact_and_later_stated_values_win(
    state: Runtime,
) -> None:
    data = contacts_file(
        "0555 123 456,ky,Osh,,intending,,",
        "00996555123456,ru,,RU,,,",
    )

    summary = run_import(state, data)

    assert summary == ImportSummary(imported=1, updated=0, rejected=0, unchanged=0)
    contact = stored(state)["+996555123456"]
    assert (contact["language"], contact["region"], contact["destination"]) == ("ru", "Osh", "RU")
    assert contact["stage"] == "intending"


def test_an_existing_contact_takes_the_stated_values_and_keeps_the_rest(state: Runtime) -> None:
    opted_out_at = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    add_contact(
        state,
        language="ky",
        region="Osh",
        stage="intending",
        stage_since=EARLIER,
        gender="female",
        consent_date=EARLIER,
        opted_out=True,
        opted_out_at=opted_out_at,
    )

    summary = run_import(state, contacts_file("+996 555 123 456,,Bishkek,,abroad,,"))

    assert summary == ImportSummary(imported=0, updated=1, rejected=0, unchanged=0)
    assert stored(state)["+996555123456"] == {
        "country": "KG",
        "language": "ky",
        "region": "Bishkek",
        "destination": None,
        "stage": "abroad",
        "stage_since": TODAY,
        "gender": "female",
        "consent_date": EARLIER,
        "opted_out": True,  # a STOP is the person's own choice; no file undoes it
    }


def test_a_stage_date_moves_only_when_the_stage_changes(state: Runtime) -> None:
    add_contact(state, stage="abroad", stage_since=EARLIER, region="Osh")
    add_contact(state, phone="+996555000001", stage="abroad", stage_since=EARLIER)

    summary = run_import(
        state,
        contacts_file("+996555123456,,Osh,,abroad,,", "+996555000001,ru,,,ABROAD,,"),
    )

    assert summary == ImportSummary(imported=0, updated=1, rejected=0, unchanged=1)
    contacts = stored(state)
    assert contacts["+996555000001"]["language"] == "ru"
    assert {contact["stage_since"] for contact in contacts.values()} == {EARLIER}


def test_a_file_that_states_only_numbers_changes_nothing_stored(state: Runtime) -> None:
    add_contact(state, language="uz", stage="family", stage_since=EARLIER)
    before = stored(state)

    summary = run_import(state, contacts_file("+996555123456", header="phone"))

    assert summary == ImportSummary(imported=0, updated=0, rejected=0, unchanged=1)
    assert stored(state) == before


def test_thousands_of_numbers_are_looked_up_in_chunks(state: Runtime) -> None:
    lines = [f"+996555{n:06d},ky,,,intending,," for n in range(2500)]
    assert run_import(state, contacts_file(*lines)).imported == 2500

    lines[-1] = lines[-1].replace("intending", "departing")
    summary = run_import(state, contacts_file(*lines))

    assert summary == ImportSummary(imported=0, updated=1, rejected=0, unchanged=2499)
    assert stored(state)["+996555002499"]["stage"] == "departing"


def test_the_import_writes_in_the_callers_transaction(state: Runtime) -> None:
    parsed = parse_contacts_csv(contacts_file("+996555123456,ky,,,,,"), "KG", TODAY)

    with state.sessions() as session:
        assert import_contacts(session, parsed, TODAY).imported == 1
        session.rollback()

    assert stored(state) == {}


# --- Rows set aside -------------------------------------------------------------------------

GOOD = "+996555000001,ky,Osh,RU,abroad,male,2026-01-15"
BAD_ROWS = {
    "invalid phone": (
        "+996 555 12,ky,,,,,",
        ["line 3: phone +996***12: not a valid phone number"],
    ),
    "not a phone at all": ("Айгуль,ky,,,,,", ["line 3: phone: not a phone number"]),
    "empty phone": (",ky,Osh,,,,", ["line 3: empty phone"]),
    "phone mangled by Excel": (
        "9.96555E+11,ky,,,,,",
        ["line 3: phone is written as 9.96E+11: format the column as text in Excel"],
    ),
    "unknown language": (
        "+996555000002,en,,,,,",
        ["line 3: unknown language 'en' (expected ky, ru, uz, kaa)"],
    ),
    "unknown stage": (
        "+996555000002,,,,tourist,,",
        [
            "line 3: unknown stage 'tourist' "
            "(expected intending, departing, abroad, returned, family)"
        ],
    ),
    "destination written as a name": (
        "+996555000002,,,Russia,,,",
        ["line 3: unknown destination 'Russia' (ISO 3166 alpha-2 country code)"],
    ),
    "destination UK": (
        "+996555000002,,,UK,,,",
        ["line 3: unknown destination 'UK' (ISO 3166 alpha-2 country code, did you mean GB?)"],
    ),
    "unknown gender": (
        "+996555000002,,,,,x,",
        ["line 3: unknown gender 'x' (expected female, male, other)"],
    ),
    "not a date": (
        "+996555000002,,,,,,yesterday",
        ["line 3: consent_date 'yesterday' is not a date (write YYYY-MM-DD or DD.MM.YYYY)"],
    ),
    "not a real date": (
        "+996555000002,,,,,,31.02.2026",
        ["line 3: consent_date '31.02.2026' is not a real date"],
    ),
    "consent in the future": (
        "+996555000002,,,,,,2026-03-11",
        ["line 3: consent_date 2026-03-11 is in the future"],
    ),
    "region too long": (
        "+996555000002,,Oblast " + "x" * 40 + ",,,,",
        ["line 3: region is longer than 40 characters"],
    ),
    "missing fields": ("+996555000002,ky", ["line 3: 2 fields, the header has 7"]),
    "surplus fields": (
        "+996555000002,ky,Osh, Kara-Suu,RU,abroad,male,2026-01-01",
        ["line 3: 8 fields, the header has 7 (quote fields that contain the delimiter)"],
    ),
    "several problems in one row": (
        "+996555000002,en,,,gone,,",
        [
            "line 3: unknown language 'en' (expected ky, ru, uz, kaa)",
            "line 3: unknown stage 'gone' (expected intending, departing, abroad, returned, "
            "family)",
        ],
    ),
}


@pytest.mark.parametrize(("bad", "problems"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_row_that_fails_validation_is_set_aside_and_the_rest_imported(
    state: Runtime, bad: str, problems: list[str]
) -> None:
    data = contacts_file(GOOD, bad, "+996555000003,ru,,,,,")

    assert parse(data)[1] == tuple(problems)
    summary = run_import(state, data)

    assert summary == ImportSummary(imported=2, updated=0, rejected=1, unchanged=0)
    assert sorted(stored(state)) == ["+996555000001", "+996555000003"]


def test_problems_never_show_a_whole_number() -> None:
    _, problems = parse(contacts_file("+996 555 123 4567 89,ky,,,,,", "+996555123456,,,,nope,,"))

    assert problems == (
        "line 2: phone +996***89: not a valid phone number",
        "line 3: unknown stage 'nope' (expected intending, departing, abroad, returned, family)",
    )


# --- Files rejected whole -------------------------------------------------------------------

BAD_FILES = {
    "no phone column": (
        b"telefon,language\n+996555123456,ky\n",
        ["line 1: missing column phone (the header reads: telefon, language)"],
    ),
    "a web page": (
        b"<html><body>Page not found</body></html>\n",
        [
            "line 1: missing column phone "
            "(the header reads: <html><body>Page not found</body></html>)"
        ],
    ),
    "a column twice": (
        b"phone,language,Language\n+996555123456,ky,ru\n",
        ["line 1: column language appears twice"],
    ),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        ["line 3: binary data (NUL bytes); this is not a CSV file"],
    ),
    "xlsx workbook": (
        b"PK\x03\x04\x14\x00\x06\x00",
        ["line 1: this is a ZIP archive (an .xlsx workbook?), not a CSV file"],
    ),
    "not UTF-8": (
        contacts_file("+996555123456,ky,Ош,,,,").replace("Ош".encode(), "Ош".encode("cp1251")),
        ["line 2: not UTF-8 (byte 0xce at column 18); save the file as CSV UTF-8"],
    ),
    "UTF-16": (
        ("\ufeff" + HEADER).encode("utf-16-le"),
        ["line 1: the file is UTF-16; save it as CSV UTF-8"],
    ),
    "empty": (b"", ["line 1: the file is empty"]),
    "only a BOM and blank lines": (b"\xef\xbb\xbf\r\n \r\n", ["line 1: the file is empty"]),
    "a header and no contacts": (contacts_file(), ["line 2: no contacts after the header"]),
    "unterminated quote": (
        contacts_file(GOOD, '+996555000002,"ky,,,,,'),
        ["line 3: not readable as CSV (unexpected end of data)"],
    ),
}


@pytest.mark.parametrize(("data", "problems"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_an_unreadable_file_is_rejected_whole(data: bytes, problems: list[str]) -> None:
    with pytest.raises(ContactFileError) as rejected:
        parse_contacts_csv(data, "KG", TODAY)

    assert rejected.value.problems == problems


def test_a_file_of_only_bad_rows_is_read_and_imports_nothing(state: Runtime) -> None:
    summary = run_import(state, contacts_file(",ky,,,,,", "+996555000002,xx,,,,,"))

    assert summary == ImportSummary(imported=0, updated=0, rejected=2, unchanged=0)


# --- How people write things ----------------------------------------------------------------


def test_excel_exports_with_bom_semicolons_and_local_dates_read_like_plain_csv() -> None:
    excel = (
        "\ufeff Phone ; LANGUAGE ;Region;Destination;Stage;Gender;Consent_Date\r\n"
        " 0555 123 456 ; KY ; Osh ;ru; Abroad ;F;15.01.2026\r\n"
    ).encode()
    plain = contacts_file("+996555123456,ky,Osh,RU,abroad,female,2026-01-15")

    assert parse(excel) == parse(plain)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("KY", "ky"),
        ("Кыргызча", "ky"),
        ("kyrgyz", "ky"),
        ("русский", "ru"),
        ("Russian", "ru"),
        ("oʻzbek", "uz"),
        ("O'ZBEK", "uz"),
        ("Karakalpak", "kaa"),
        ("KAA", "kaa"),
        ("", None),
    ],
)
def test_languages_are_read_by_code_or_name(written: str, code: str | None) -> None:
    [row], _ = parse(contacts_file(f"+996555123456,{written}", header="phone,language"))

    assert row.language == code


@pytest.mark.parametrize(
    ("written", "gender"),
    [
        ("female", "female"),
        ("F", "female"),
        ("ж", "female"),
        ("Ayol", "female"),
        ("male", "male"),
        ("m", "male"),
        ("М", "male"),
        ("erkak", "male"),
        ("Other", "other"),
        ("", None),
    ],
)
def test_genders_are_read_in_the_ways_people_write_them(written: str, gender: str | None) -> None:
    [row], _ = parse(contacts_file(f"+996555123456,{written}", header="phone,gender"))

    assert row.gender == gender


def test_numbers_without_a_country_code_are_read_in_the_default_region() -> None:
    rows, _ = parse(contacts_file("8 90 123 45 67", "90 123 45 67", header="phone"), region="UZ")

    assert [row.phone for row in rows] == ["+998901234567", "+998901234567"]


def test_columns_other_than_the_known_ones_are_named_and_ignored() -> None:
    parsed = parse_contacts_csv(
        contacts_file("Айгуль,+996555123456,ky", header="Name,Phone Number,lang"), "KG", TODAY
    )

    assert parsed.ignored_columns == ("Name",)
    assert [(row.phone, row.language) for row in parsed.rows] == [("+996555123456", "ky")]


# --- The command ----------------------------------------------------------------------------


def hotline(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_hotline(settings, "contacts", "import", *args, DEFAULT_REGION="KG")


def test_the_command_imports_and_prints_the_counts_as_json(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    add_contact(state, language="ky", opted_out=True)
    source = tmp_path / "partners.csv"
    source.write_bytes(
        contacts_file(
            "0555 123 456,ru,,,,,",
            "+996555000001,uz,,,returned,,2025-12-01",
            "+996 555 000 001,,Osh,,,,",
        )
    )

    result = hotline(settings, str(source))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"imported": 1, "updated": 1, "rejected": 0, "unchanged": 0}
    assert result.stderr == ""
    contacts = stored(state)
    assert contacts["+996555123456"]["language"] == "ru"
    assert contacts["+996555123456"]["opted_out"] is True
    assert contacts["+996555000001"]["region"] == "Osh"


def test_the_command_reports_a_rejected_row_by_line_and_imports_the_rest(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "partners.csv"
    source.write_bytes(contacts_file(GOOD, "+996 555 987 65,ky,,,,,", "+996555000003,,,,gone,,"))

    result = hotline(settings, str(source))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"imported": 1, "updated": 0, "rejected": 2, "unchanged": 0}
    assert result.stderr.splitlines() == [
        "line 3: phone +996***65: not a valid phone number",
        "line 4: unknown stage 'gone' (expected intending, departing, abroad, returned, family)",
    ]
    assert list(stored(state)) == ["+996555000001"]


def test_the_command_rejects_an_unreadable_file_with_exit_1_and_imports_nothing(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "partners.xlsx"
    source.write_bytes(b"telefon;til\n+996555123456;ky\n")

    result = hotline(settings, str(source))

    assert result.returncode == 1
    assert result.stdout == ""
    assert "rejected, nothing imported" in result.stderr
    assert "line 1: missing column phone (the header reads: telefon, til)" in result.stderr
    assert "Traceback" not in result.stderr
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0

    missing = hotline(settings, str(tmp_path / "nowhere.csv"))
    assert missing.returncode != 0
    assert "does not exist" in missing.stderr
