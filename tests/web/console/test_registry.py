"""The registry pages: checking an agency as an SMS would, its history, importing a new file."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.models import Agency, AgencyHistory, AuditEntry, VerificationRecord
from hotline.runtime import Runtime
from tests.factories import make_agency
from tests.web.console.conftest import form_token

LoginAs = Callable[..., FlaskClient]
FAR = dt.date(2099, 1, 1)  # in date whatever day the tests run
HEADER = "licence_no,name,registry,status,valid_from,valid_until,destinations\n"


def two_agencies(state: Runtime) -> int:
    with state.sessions() as session:
        travel = make_agency(session, valid_until=FAR)
        make_agency(session, licence_no="KG-0146-23", name="Ак-Жол Сервис",
                    aliases=["Ak-Jol Service"], valid_until=FAR)  # fmt: skip
        session.commit()
        return travel.id


def preview(client: FlaskClient, csv: str, as_of: str = "2026-12-01") -> tuple[int, str]:
    form = {
        "csrf_token": form_token(client, "/console/registry"),
        "as_of": as_of,
        "file": (io.BytesIO(csv.encode()), "kg-registry.csv"),
    }
    answer = client.post("/console/registry/import", data=form, content_type="multipart/form-data")
    return answer.status_code, answer.get_data(as_text=True)


def test_a_licensed_agency_is_answered_as_an_sms_would(state: Runtime, login_as: LoginAs) -> None:
    agency_id = two_agencies(state)

    page = login_as("viewer").get("/console/registry?q=Ak-Zhol Trevel").get_data(as_text=True)

    assert 'class="verdict verdict-licensed"' in page
    assert f'href="/console/registry/agencies/{agency_id}"' in page
    assert "KG-0145-23" in page
    with state.sessions() as session:  # staff checks are not migrants' checks
        assert session.scalar(select(func.count()).select_from(VerificationRecord)) == 0


def test_a_decoy_name_is_not_found_and_the_near_misses_are_shown(
    state: Runtime, login_as: LoginAs
) -> None:
    two_agencies(state)

    page = login_as("agent").get("/console/registry?q=Ak-Jol Trade").get_data(as_text=True)

    assert 'class="verdict verdict-not_found"' in page
    assert "<th>score</th>" in page


def test_an_agencys_history_is_shown_newest_first(state: Runtime, login_as: LoginAs) -> None:
    agency_id = two_agencies(state)
    with state.sessions() as session:
        agency = session.get(Agency, agency_id)
        assert agency is not None
        for as_of, change, status in ((dt.date(2026, 1, 1), "added", "active"),
                                      (dt.date(2026, 3, 1), "changed", "suspended")):  # fmt: skip
            session.add(AgencyHistory(agency_id=agency_id, import_id=agency.import_id,
                                      as_of=as_of, change=change, name=agency.name, status=status,
                                      destinations=["KR"]))  # fmt: skip
        session.commit()

    page = login_as("viewer").get(f"/console/registry/agencies/{agency_id}").get_data(as_text=True)

    assert page.index("2026-03-01") < page.index("2026-01-01")
    assert "suspended" in page


def test_the_verification_log_is_paginated(state: Runtime, login_as: LoginAs) -> None:
    with state.sessions() as session:
        session.add_all(
            VerificationRecord(channel="sms", query=f"agency {n}", verdict="not_found")
            for n in range(60)
        )
        session.commit()
    client = login_as("viewer")

    first = client.get("/console/registry/checks").get_data(as_text=True)
    second = client.get("/console/registry/checks?page=2").get_data(as_text=True)

    assert "agency 59" in first
    assert "agency 9<" not in first
    assert 'href="/console/registry/checks?page=2" rel="next"' in first
    assert second.count("<td>SMS</td>") == 10


def test_an_import_shows_its_diff_then_stores_it_on_confirm(
    state: Runtime, login_as: LoginAs
) -> None:
    two_agencies(state)  # KG-0145-23 and KG-0146-23, as of 2026-11-01
    csv = HEADER + (
        "KG-0145-23,Ак-Жол Тревел,KG,suspended,2026-01-15,2027-01-14,GB;KR\n"
        "KG-0300-26,Жаңы Муун,KG,active,2026-11-01,2027-10-31,KR\n"
    )
    client = login_as("admin")

    status, page = preview(client, csv)

    assert status == 200
    assert re.search(r'class="diff-added">1 agency added', page)
    assert re.search(r'class="diff-changed">1 agency changed', page)
    assert re.search(r'class="diff-removed">1 agency removed', page)
    assert "status active -&gt; suspended" in page
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 2  # nothing stored
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None

    confirm = {"csrf_token": form_token(client, "/console/registry"), "token": token.group(1),
               "as_of": "2026-12-01", "name": "kg-registry.csv"}  # fmt: skip
    assert client.post("/console/registry/import/confirm", data=confirm).status_code == 200

    with state.sessions() as session:
        statuses = dict(session.execute(select(Agency.licence_no, Agency.status)).all())
        audited = session.scalar(select(AuditEntry.detail).where(
            AuditEntry.action == "registry_import"))  # fmt: skip
    assert statuses == {"KG-0145-23": "suspended", "KG-0146-23": "removed", "KG-0300-26": "active"}
    assert audited == "kg-registry.csv: as of 2026-12-01: 1 added, 1 changed, 1 removed, 0 relisted"
    answer = login_as("viewer", "v@hotline.example").get("/console/registry?q=Ak-Jol Travel")
    assert 'verdict-suspended"' in answer.get_data(as_text=True)  # the matcher saw the import


def test_a_broken_registry_file_lists_its_lines_and_changes_nothing(
    state: Runtime, login_as: LoginAs
) -> None:
    two_agencies(state)
    csv = HEADER + "KG-0300-26,Жаңы Муун,KG,licenced,2026-11-01,2027-10-31,KR\n"

    status, page = preview(login_as("admin"), csv)

    assert status == 400
    assert "line 2: unknown status" in page
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 2


def test_an_older_registry_file_is_refused(state: Runtime, login_as: LoginAs) -> None:
    two_agencies(state)
    csv = HEADER + "KG-0300-26,Жаңы Муун,KG,active,2026-01-01,2027-10-31,KR\n"
    status, page = preview(login_as("admin"), csv, as_of="2026-01-02")
    assert status == 409
    assert "older than the latest import" in page


def test_only_an_admin_may_import_the_registry(login_as: LoginAs) -> None:
    client = login_as("campaign_manager")
    assert client.get("/console/registry").status_code == 200
    status, _ = preview(client, HEADER)
    assert status == 403
