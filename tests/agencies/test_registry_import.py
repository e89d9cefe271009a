"""Registry import: a file replaces a registry whole or not at all, and history keeps the rest."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.agencies.registry_file import (
    RegistryFileError,
    demo_registry_csv,
    parse_registry_csv,
)
from hotline.agencies.registry_import import (
    ImportDiff,
    ImportRefused,
    import_registry,
    registry_as_of,
    registry_version,
)
from hotline.config import Settings
from hotline.models import Agency, AgencyHistory, LicenceStatus, RegistryImport
from hotline.runtime import Runtime
from tests.processes import run_hotline

HEADER = "licence_no,name,registry,status,valid_from,valid_until,destinations,aliases,phone"
MARCH = dt.date(2025, 3, 1)
APRIL = dt.date(2025, 4, 1)
MAY = dt.date(2025, 5, 1)


def line(
    licence: str = "KG-0145-23",
    name: str = "Ак-Жол Тревел",
    registry: str = "KG",
    status: str = "active",
    valid_from: str = "2025-02-01",
    valid_until: str = "2026-01-31",
    destinations: str = "RU;TR",
    aliases: str = "",
    phone: str = "",
) -> str:
    fields = [licence, name, registry, status, valid_from, valid_until, destinations, aliases]
    return ",".join([*fields, phone])


def registry_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


KG_LINES = (
    line(aliases="Ak-Jol Travel"),
    line("KG-0146-23", "Ак-Жол Сервис", destinations="KR"),
    line("KG-0151-23", "Тунук Булак Кадр", status="suspended", destinations="DE;PL"),
)
UZ_LINES = (
    line("UZ-0012", "Yulduzcha Ishonch xususiy bandlik agentligi", "UZ", destinations="KR"),
    line("UZ-0023", "Olmazor Yo‘l MChJ", "UZ", status="revoked", destinations="RU"),
)


def run_import(
    state: Runtime, data: bytes, as_of: dt.date, *, demo: bool = False, force: bool = False
) -> ImportDiff:
    with state.session_scope() as session:
        return import_registry(session, parse_registry_csv(data), as_of, "test.csv", demo, force)


def agency(state: Runtime, licence_no: str) -> Agency:
    with state.sessions() as session:
        found = session.scalars(select(Agency).where(Agency.licence_no == licence_no)).one()
        return found


def history(state: Runtime, licence_no: str) -> list[tuple[str, str, dt.date]]:
    with state.sessions() as session:
        query = (
            select(AgencyHistory.change, AgencyHistory.status, AgencyHistory.as_of)
            .join(Agency, Agency.id == AgencyHistory.agency_id)
            .where(Agency.licence_no == licence_no)
            .order_by(AgencyHistory.id)
        )
        return [(change, str(status), as_of) for change, status, as_of in session.execute(query)]


def database_contents(state: Runtime) -> dict[str, list[Any]]:
    """Everything an import may write, to show that a refused one wrote nothing."""
    with state.sessions() as session:
        return {
            "imports": list(session.execute(select(RegistryImport.id, RegistryImport.as_of))),
            "agencies": [
                (a.licence_no, a.name, a.status, a.valid_until, a.destinations, a.import_id)
                for a in session.scalars(select(Agency).order_by(Agency.id))
            ],
            "history": list(session.execute(select(AgencyHistory.id, AgencyHistory.change))),
        }


# --- A good import --------------------------------------------------------------------------


def test_a_first_import_adds_every_agency_and_prints_them(state: Runtime) -> None:
    diff = run_import(state, registry_file(*KG_LINES), MARCH)

    assert [change.licence_no for change in diff.added] == [
        "KG-0145-23",
        "KG-0146-23",
        "KG-0151-23",
    ]
    assert diff.removed == diff.changed == diff.relisted == ()
    report = diff.format()
    assert "KG registry as of 2025-03-01, import #" in report
    assert "3 added, 0 removed, 0 changed, 0 relisted, 0 unchanged" in report
    assert (
        "added     KG  KG-0145-23  Ак-Жол Тревел: active, valid 2025-02-01 to 2026-01-31" in report
    )

    travel = agency(state, "KG-0145-23")
    assert (travel.registry_code, travel.status, travel.status_since) == ("KG", "active", MARCH)
    assert (travel.valid_from, travel.valid_until) == (dt.date(2025, 2, 1), dt.date(2026, 1, 31))
    assert travel.destinations == ["RU", "TR"]
    assert travel.aliases == ["Ak-Jol Travel"]
    assert travel.demo is False
    assert history(state, "KG-0145-23") == [("added", "active", MARCH)]
    with state.sessions() as session:
        [record] = session.scalars(select(RegistryImport)).all()
        assert (record.registry_code, record.as_of, record.source_name) == ("KG", MARCH, "test.csv")
        assert (record.added, record.removed, record.changed) == (3, 0, 0)
        assert travel.import_id == record.id
        assert registry_as_of(session) == MARCH
        assert registry_as_of(session, "KG") == MARCH
        assert registry_as_of(session, "UZ") is None
        assert registry_version(session) == record.id


def test_an_empty_database_has_no_registry_date_and_version_zero(state: Runtime) -> None:
    with state.sessions() as session:
        assert registry_as_of(session) is None
        assert registry_version(session) == 0


def test_the_demo_registry_is_fictional_and_flagged(state: Runtime) -> None:
    rows = parse_registry_csv(demo_registry_csv())
    assert len(rows) == 20
    names = {row.name for row in rows}
    assert {"Ак-Жол Тревел", "Ак-Жол Сервис"} <= names
    assert {row.status for row in rows} == {"active", "suspended", "revoked", "expired"}
    assert all(
        "xususiy bandlik agentligi" in r.name or "MChJ" in r.name
        for r in rows
        if r.registry == "UZ"
    )

    diff = run_import(state, demo_registry_csv(), MARCH, demo=True)

    assert len(diff.added) == 20
    assert "(demo)" in diff.format()
    assert agency(state, "UZ-0012").demo is True


# --- Rejected files -------------------------------------------------------------------------


def cp1251(text: str) -> bytes:
    return text.encode("cp1251")


MALFORMED = {
    "missing column": (
        registry_file(
            "KG-1,Ак-Жол,KG,active,2025-01-01,RU",
            header="licence_no,name,registry,status,valid_from,destinations",
        ),
        [
            "line 1: missing column valid_until (the header reads: "
            "licence_no, name, registry, status, valid_from, destinations)"
        ],
    ),
    "bad date": (
        registry_file(KG_LINES[0], line("KG-9", valid_from="soon")),
        ["line 3: valid_from 'soon' is not a date (write YYYY-MM-DD or DD.MM.YYYY)"],
    ),
    "impossible date": (
        registry_file(line(valid_until="31.02.2026")),
        ["line 2: valid_until '31.02.2026' is not a real date"],
    ),
    "duplicate licence number": (
        registry_file(*KG_LINES, line(" kg-0145-23", "Другое имя")),
        ["line 5: duplicate licence number kg-0145-23 (first on line 2)"],
    ),
    "unknown registry": (
        registry_file(line(registry="KZ")),
        ["line 2: unknown registry 'KZ' (expected KG, UZ)"],
    ),
    "unknown status": (
        registry_file(line(status="removed")),
        ["line 2: unknown status 'removed' (expected active, suspended, revoked, expired)"],
    ),
    "bad country code": (
        registry_file(line(destinations="RU;UK;XX")),
        [
            "line 2: unknown country code 'UK' in destinations "
            "(ISO 3166 alpha-2, did you mean GB?)",
            "line 2: unknown country code 'XX' in destinations (ISO 3166 alpha-2)",
        ],
    ),
    "empty name": (registry_file(line(name="  ")), ["line 2: empty name"]),
    "empty licence number": (registry_file(line(licence="")), ["line 2: empty licence number"]),
    "valid_until before valid_from": (
        registry_file(line(valid_from="2025-06-01", valid_until="2025-05-31")),
        ["line 2: valid_until 2025-05-31 is before valid_from 2025-06-01"],
    ),
    "wrong number of fields": (
        registry_file(KG_LINES[0], "KG-2,Ак-Жол Сервис,KG"),
        ["line 3: 3 fields, the header has 9"],
    ),
    "not UTF-8": (
        cp1251(f"{HEADER}\n{KG_LINES[1]}\n")
        + b"KG-3,plain ascii,KG,active,,,RU,,\n"
        + cp1251(KG_LINES[2]),
        [
            "line 2: not UTF-8 (byte 0xc0 at column 12); save the file as CSV UTF-8",
            "line 4: not UTF-8 (byte 0xd2 at column 12); save the file as CSV UTF-8",
        ],
    ),
    "UTF-16": (
        ("\ufeff" + HEADER).encode("utf-16-le"),
        ["line 1: the file is UTF-16; save it as CSV UTF-8"],
    ),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        ["line 3: binary data (NUL bytes); this is not a CSV file"],
    ),
    "xlsx workbook": (
        b"PK\x03\x04\x14\x00\x06\x00",
        ["line 1: this is a ZIP archive (an .xlsx workbook?), not a CSV file"],
    ),
    "not a CSV at all": (
        b"<html><body>Page not found</body></html>\n",
        [
            "line 1: missing columns licence_no, name, registry, status, valid_from, "
            "valid_until, destinations (the header reads: <html><body>Page not found</body></html>)"
        ],
    ),
    "empty file": (b"", ["line 1: the file is empty"]),
    "only a BOM and blank lines": (b"\xef\xbb\xbf\r\n \r\n", ["line 1: the file is empty"]),
    "header without agencies": (registry_file(), ["line 2: no agencies after the header"]),
    "unterminated quote": (
        registry_file(KG_LINES[0], 'KG-7,"Ак-Жол,KG,active,2025-01-01,2026-01-01,RU,,'),
        ["line 3: not readable as CSV (unexpected end of data)"],
    ),
    "quote in the middle of a field": (
        registry_file('KG-8,"Ак-Жол" Тревел,KG,active,,,RU,,'),
        ["""line 2: not readable as CSV (',' expected after '"')"""],
    ),
}


@pytest.mark.parametrize(("data", "problems"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_file_is_rejected_whole_and_the_registry_stays(
    state: Runtime, data: bytes, problems: list[str]
) -> None:
    run_import(state, registry_file(*KG_LINES), MARCH)
    before = database_contents(state)

    with pytest.raises(RegistryFileError) as rejected:
        run_import(state, data, APRIL)

    assert rejected.value.problems == problems
    assert database_contents(state) == before


def test_every_problem_is_reported_by_line_not_just_the_first() -> None:
    data = registry_file(
        line(name=""),
        KG_LINES[1],
        line("KG-0151-23", status="gone", valid_from="01.13.2025"),
        line("KG-0146-23", registry="UZ"),  # same number in another registry is another licence
        line("KG-0146-23", name="Ак-Жол Сервис 2"),
    )

    with pytest.raises(RegistryFileError) as rejected:
        parse_registry_csv(data)

    assert rejected.value.problems == [
        "line 2: empty name",
        "line 4: unknown status 'gone' (expected active, suspended, revoked, expired)",
        "line 4: valid_from '01.13.2025' is not a real date",
        "line 6: duplicate licence number KG-0146-23 (first on line 3)",
    ]


def test_a_garbage_file_lists_fifty_problems_then_how_many_more() -> None:
    data = registry_file(*(line(f"KG-{n}", status="?") for n in range(60)))

    with pytest.raises(RegistryFileError) as rejected:
        parse_registry_csv(data)

    shown = rejected.value.summary().splitlines()
    assert len(rejected.value.problems) == 60
    assert len(shown) == 51
    assert shown[0].startswith("line 2: unknown status '?'")
    assert shown[-1] == "and 10 more"


# --- Newer imports: removals, changes, history ----------------------------------------------


def test_an_agency_missing_from_a_newer_import_is_no_longer_licensed(state: Runtime) -> None:
    first = run_import(state, registry_file(*KG_LINES), MARCH)

    diff = run_import(state, registry_file(KG_LINES[0], KG_LINES[2]), APRIL)

    assert [(c.licence_no, c.name) for c in diff.removed] == [("KG-0146-23", "Ак-Жол Сервис")]
    assert "removed   KG  KG-0146-23  Ак-Жол Сервис: not listed" in diff.format()
    assert "0 added, 1 removed, 0 changed, 0 relisted, 2 unchanged" in diff.format()
    service = agency(state, "KG-0146-23")
    assert (service.status, service.status_since) == (LicenceStatus.REMOVED, APRIL)
    assert service.import_id == first.outcomes[0].import_id  # the last import that listed it
    assert history(state, "KG-0146-23") == [
        ("added", "active", MARCH),
        ("removed", "removed", APRIL),
    ]
    assert agency(state, "KG-0145-23").import_id == diff.outcomes[0].import_id


def test_a_status_change_is_recorded_in_history(state: Runtime) -> None:
    run_import(state, registry_file(*KG_LINES), MARCH)

    diff = run_import(state, registry_file(line(status="suspended"), *KG_LINES[1:]), APRIL)

    [change] = diff.changed
    assert (change.licence_no, change.details) == ("KG-0145-23", ("status active -> suspended",))
    assert "changed   KG  KG-0145-23  Ак-Жол Тревел: status active -> suspended" in diff.format()
    travel = agency(state, "KG-0145-23")
    assert (travel.status, travel.status_since) == ("suspended", APRIL)
    assert history(state, "KG-0145-23") == [
        ("added", "active", MARCH),
        ("changed", "suspended", APRIL),
    ]
    with state.sessions() as session:
        latest = session.scalars(select(RegistryImport).order_by(RegistryImport.id.desc())).first()
        assert latest is not None
        assert (latest.added, latest.removed, latest.changed) == (0, 0, 1)


def test_validity_destination_and_name_changes_count_but_contacts_update_silently(
    state: Runtime,
) -> None:
    run_import(state, registry_file(*KG_LINES), MARCH)
    renewed = line(name="Ак-Жол Тревел Плюс", valid_until="2027-01-31", destinations="tr;ae")
    new_phone = line("KG-0146-23", "Ак-Жол Сервис", destinations="KR", phone="+996 312 000 002")

    diff = run_import(state, registry_file(renewed, new_phone, KG_LINES[2]), APRIL)

    [change] = diff.changed
    assert change.details == (
        'name "Ак-Жол Тревел" -> "Ак-Жол Тревел Плюс"',
        "valid_until 2026-01-31 -> 2027-01-31",
        "destinations RU;TR -> AE;TR",
    )
    travel = agency(state, "KG-0145-23")
    assert travel.status_since == MARCH  # the status itself did not change
    assert history(state, "KG-0145-23")[-1] == ("changed", "active", APRIL)
    service = agency(state, "KG-0146-23")
    assert service.phone == "+996 312 000 002"
    assert history(state, "KG-0146-23") == [("added", "active", MARCH)]


def test_a_removed_agency_that_reappears_is_relisted(state: Runtime) -> None:
    run_import(state, registry_file(*KG_LINES), MARCH)
    run_import(state, registry_file(KG_LINES[0], KG_LINES[2]), APRIL)

    diff = run_import(state, registry_file(*KG_LINES), MAY)

    [back] = diff.relisted
    assert (back.licence_no, back.details) == ("KG-0146-23", ("status removed -> active",))
    assert (agency(state, "KG-0146-23").status, agency(state, "KG-0146-23").status_since) == (
        "active",
        MAY,
    )
    assert [change for change, _, _ in history(state, "KG-0146-23")] == [
        "added",
        "removed",
        "relisted",
    ]


def test_a_licence_number_written_differently_is_the_same_licence(state: Runtime) -> None:
    run_import(state, registry_file(*KG_LINES), MARCH)

    diff = run_import(state, registry_file(line(" kg–0145-23 "), *KG_LINES[1:]), APRIL)

    assert diff.nothing_changed
    assert agency(state, "kg–0145-23").licence_no == "kg–0145-23"  # kept as written, stripped


# --- Re-runs and dates ----------------------------------------------------------------------


def test_rerunning_the_same_file_and_date_changes_nothing(state: Runtime) -> None:
    run_import(state, registry_file(*KG_LINES), MARCH)
    run_import(state, registry_file(KG_LINES[0], KG_LINES[2]), APRIL)
    before = database_contents(state)

    diff = run_import(state, registry_file(KG_LINES[0], KG_LINES[2]), APRIL)

    assert diff.nothing_changed
    assert diff.outcomes[0].import_id is None
    assert diff.format() == (
        "KG registry as of 2025-04-01: nothing changed, same as the latest import (2 listed)"
    )
    assert database_contents(state) == before


def test_the_same_content_on_a_later_date_moves_the_as_of_date_without_history(
    state: Runtime,
) -> None:
    first = run_import(state, registry_file(*KG_LINES), MARCH)

    diff = run_import(state, registry_file(*KG_LINES), APRIL)

    assert diff.nothing_changed
    assert diff.format().endswith(": nothing changed (3 listed)")
    assert len(history(state, "KG-0145-23")) == 1
    with state.sessions() as session:
        assert registry_as_of(session, "KG") == APRIL
        assert registry_version(session) > (first.outcomes[0].import_id or 0)


def test_an_older_registry_is_refused_unless_forced(state: Runtime) -> None:
    run_import(state, registry_file(*KG_LINES), APRIL)
    before = database_contents(state)

    with pytest.raises(ImportRefused, match="older than the latest import"):
        run_import(state, registry_file(KG_LINES[0]), MARCH)
    assert database_contents(state) == before

    diff = run_import(state, registry_file(KG_LINES[0]), MARCH, force=True)
    assert len(diff.removed) == 2
    with state.sessions() as session:
        assert registry_as_of(session, "KG") == MARCH  # the state now shown is March's


def test_demo_data_never_replaces_a_real_registry_unless_forced(state: Runtime) -> None:
    run_import(state, registry_file(*KG_LINES), MARCH)

    with pytest.raises(ImportRefused, match="real data"):
        run_import(state, demo_registry_csv(), APRIL, demo=True)


def test_one_file_may_hold_both_registries_and_each_is_judged_alone(state: Runtime) -> None:
    diff = run_import(state, registry_file(*KG_LINES, *UZ_LINES), MARCH)
    assert [outcome.registry for outcome in diff.outcomes] == ["KG", "UZ"]
    assert len(diff.added) == 5

    only_kg = run_import(state, registry_file(*KG_LINES[:2]), APRIL)
    assert [c.licence_no for c in only_kg.removed] == ["KG-0151-23"]  # UZ was not in the file
    assert agency(state, "UZ-0012").status == "active"

    both = run_import(state, registry_file(*KG_LINES[:2], UZ_LINES[0]), MAY)
    assert [c.licence_no for c in both.removed] == ["UZ-0023"]
    with state.sessions() as session:
        assert registry_as_of(session, "KG") == MAY
        assert registry_as_of(session, "UZ") == MAY


def test_excel_exports_with_bom_semicolons_and_local_dates_read_like_iso() -> None:
    excel = (
        "\ufeff Licence_No ; NAME ;Registry;Status;Valid_From;Valid_Until;Destinations;Aliases\r\n"
        '  KG-0145-23 ; Ак-Жол  Тревел ;kg; Active ;01.02.2025;31.01.2026;"tr; ru";'
        "Ak-Jol Travel\r\n"
    ).encode()
    plain = registry_file(line(aliases="Ak-Jol Travel"))

    assert parse_registry_csv(excel)[0] == parse_registry_csv(plain)[0]


def test_validity_dates_may_be_left_empty_when_the_registry_does_not_state_them() -> None:
    [row] = parse_registry_csv(registry_file(line(valid_from="", valid_until=" ")))

    assert (row.valid_from, row.valid_until) == (None, None)


# --- The command ----------------------------------------------------------------------------


def hotline(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_hotline(settings, "agencies", "import", *args)


def test_the_command_imports_and_prints_the_diff(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "kg-2025-03.csv"
    source.write_bytes(registry_file(*KG_LINES))

    result = hotline(settings, str(source), "--as-of", "2025-03-01")

    assert result.returncode == 0, result.stderr
    assert "3 added, 0 removed" in result.stdout
    assert "added     KG  KG-0146-23  Ак-Жол Сервис" in result.stdout
    with state.sessions() as session:
        assert registry_as_of(session, "KG") == MARCH
        [record] = session.scalars(select(RegistryImport)).all()
        assert record.source_name == "kg-2025-03.csv"

    again = hotline(settings, str(source), "--as-of", "2025-03-01")
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout

    older = hotline(settings, str(source), "--as-of", "2025-02-01")
    assert older.returncode == 1
    assert "older than the latest import" in older.stderr
    assert "--force" in older.stderr
    assert "Traceback" not in older.stderr


def test_the_command_rejects_a_bad_file_with_its_problems_and_exit_1(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(registry_file(line(status="closed"), line("KG-2", valid_from="x")))

    result = hotline(settings, str(source), "--as-of", "2025-03-01")

    assert result.returncode == 1
    assert result.stdout == ""
    assert "line 2: unknown status 'closed'" in result.stderr
    assert "line 3: valid_from 'x' is not a date" in result.stderr
    assert "Traceback" not in result.stderr
    with state.sessions() as session:
        assert registry_version(session) == 0

    missing = hotline(settings, str(tmp_path / "nowhere.csv"), "--as-of", "2025-03-01")
    assert missing.returncode != 0
    assert "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
