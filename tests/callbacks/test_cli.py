"""``hotline agents`` and ``hotline callbacks``, run in a child process on the test database."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from sqlalchemy import select

from hotline.callbacks import request_callback
from hotline.config import Settings
from hotline.models import Agent, CallbackEvent, CallbackRequest, CallbackSource, Contact
from hotline.runtime import Runtime
from tests.processes import run_hotline

CALLER = "+996555123456"


def hotline(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_hotline(settings, *args)


def ask(state: Runtime, phone: str = CALLER, reason: str = "general") -> int:
    """A callback request made an hour ago (inside the ``sla`` window)."""
    with state.sessions() as session:
        contact = Contact(phone=phone)
        session.add(contact)
        session.flush()
        an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        request = request_callback(
            session, contact, CallbackSource.SMS, "ky", an_hour_ago, reason=reason
        )
        session.commit()
        return request.id


# --- Agents -----------------------------------------------------------------------------------


def test_an_added_agent_is_listed_with_languages_and_the_hotline_shift(
    state: Runtime, settings: Settings
) -> None:
    added = hotline(
        settings, "agents", "add", "Aida", "+996700111222", "--languages", "ky,ru", "--available"
    )
    assert added.returncode == 0, added.stderr
    agent = json.loads(added.stdout)
    assert {"name": agent["name"], "status": agent["status"]} == {
        "name": "Aida",
        "status": "available",
    }

    listed = hotline(settings, "agents", "list", "--json")

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {
            "id": agent["id"],
            "name": "Aida",
            "phone": "+996700111222",
            "languages": ["ky", "ru"],
            "status": "available",
            "shift_days": "mon-sat",
            "shift_hours": "09:00-18:00",
        }
    ]


def test_adding_an_agent_again_updates_them(state: Runtime, settings: Settings) -> None:
    assert (
        hotline(settings, "agents", "add", "Aida", "0700 111 222", "--languages", "ky").returncode
        == 0
    )
    again = hotline(
        settings,
        "agents",
        "add",
        "Aida K.",
        "+996 700 111 222",
        "--languages",
        "ky,uz",
        "--shift-hours",
        "14:00-18:00",
    )
    assert again.returncode == 0, again.stderr

    with state.sessions() as session:
        agent = session.scalars(select(Agent)).one()
        assert (agent.name, agent.phone, agent.languages, agent.shift_hours, agent.status) == (
            "Aida K.",
            "+996700111222",
            ["ky", "uz"],
            "14:00-18:00",
            "away",  # not --available: stays away
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Aida", "+996700111222", "--languages", "ky,de"), "languages must be some of ky, ru"),
        (("Aida", "+996700111222", "--languages", ","), "languages must be some of ky, ru"),
        (("Aida", "not-a-number", "--languages", "ky"), "'not-a-number' is not a phone number"),
        (("Aida", "+99612", "--languages", "ky"), "'+99612' is not a phone number"),
        (
            ("Aida", "+996700111222", "--languages", "ky", "--shift-hours", "18:00-09:00"),
            "shift: staffed hours must open before they close",
        ),
    ],
    ids=["unknown-language", "no-language", "letters", "too-short", "backwards-shift"],
)
def test_a_bad_agent_is_a_clear_error_and_nothing_is_stored(
    state: Runtime, settings: Settings, args: tuple[str, ...], message: str
) -> None:
    result = hotline(settings, "agents", "add", *args)

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    with state.sessions() as session:
        assert session.scalars(select(Agent)).all() == []


# --- Callbacks --------------------------------------------------------------------------------


def test_the_list_prints_open_requests_as_json_urgent_first(
    state: Runtime, settings: Settings
) -> None:
    general = ask(state)
    urgent = ask(state, "+79161234567", reason="trafficking")

    result = hotline(settings, "callbacks", "list", "--json")

    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    assert [row["id"] for row in rows] == [urgent, general]
    assert {key: rows[1][key] for key in ("phone", "source", "status", "language", "reason")} == {
        "phone": CALLER,
        "source": "sms",
        "status": "open",
        "language": "ky",
        "reason": "general",
    }
    assert rows[0]["reason"] == "trafficking"


def test_the_plain_list_masks_numbers(state: Runtime, settings: Settings) -> None:
    ask(state)

    masked = hotline(settings, "callbacks", "list")
    full = hotline(settings, "callbacks", "list", "--full-numbers")

    assert masked.returncode == 0, masked.stderr
    assert CALLER not in masked.stdout
    assert "+996***56" in masked.stdout
    assert CALLER in full.stdout


def test_an_outcome_prints_the_new_status_and_keeps_the_history(
    state: Runtime, settings: Settings
) -> None:
    request_id = ask(state)

    result = hotline(
        settings,
        "callbacks",
        "outcome",
        str(request_id),
        "--result",
        "reached",
        "--topic",
        "wages",
        "--by",
        "aida",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"id": request_id, "status": "reached"}
    with state.sessions() as session:
        request = session.get(CallbackRequest, request_id)
        assert request is not None
        assert (request.status, request.topic) == ("reached", "wages")
        details = session.scalars(
            select(CallbackEvent.detail).where(CallbackEvent.request_id == request_id)
        ).all()
        assert details[-1] == "aida: reached"
    listed = json.loads(hotline(settings, "callbacks", "list", "--json").stdout)
    assert listed == []  # no longer waiting


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("999", "--result", "reached"), "no callback request 999"),
        (("1", "--result", "spoke"), "Invalid value for '--result'"),
        (("1", "--result", "reached", "--topic", "weather"), "Invalid value for '--topic'"),
    ],
    ids=["unknown-request", "unknown-result", "unknown-topic"],
)
def test_an_outcome_that_cannot_be_recorded_is_a_clear_error(
    state: Runtime, settings: Settings, args: tuple[str, ...], message: str
) -> None:
    ask(state)

    result = hotline(settings, "callbacks", "outcome", *args)

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_service_levels_print_as_a_json_list(state: Runtime, settings: Settings) -> None:
    ask(state)

    result = hotline(settings, "callbacks", "sla", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, list)
    assert len(report) == 1
    assert report[0]["requests"] == 1
    assert report[0]["still_open"] == 1
    assert report[0]["minutes_to_first_attempt"] == {"median": None, "max": None}


def test_service_levels_with_nothing_to_report_are_an_empty_list(
    state: Runtime, settings: Settings
) -> None:
    result = hotline(settings, "callbacks", "sla", "--json", "--days", "1")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_users_add_creates_a_console_account_linked_to_an_agent(
    state: Runtime, settings: Settings
) -> None:
    from hotline.models import AuditEntry, StaffUser
    from hotline.staff import authenticate

    assert (
        hotline(settings, "agents", "add", "Aida", "+996700111222", "--languages", "ky").returncode
        == 0
    )
    account = ["Aida@Hotline.example", "--role", "agent", "--password", "correct horse battery"]
    done = hotline(settings, "users", "add", *account, "--agent-phone", "0700 111 222")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["email"] == "aida@hotline.example"

    again = hotline(settings, "users", "add", "aida@hotline.example", "--role", "agent",
                    "--password", "correct horse battery")  # fmt: skip
    short = hotline(settings, "users", "add", "b@hotline.example", "--role", "agent",
                    "--password", "short")  # fmt: skip
    assert again.returncode != 0
    assert "already has an account" in again.stderr
    assert short.returncode != 0
    assert "at least 12 characters" in short.stderr
    with state.sessions() as session:
        user = session.scalars(select(StaffUser)).one()
        assert user.agent_id == session.scalars(select(Agent.id)).one()
        assert authenticate(session, "aida@hotline.example", "correct horse battery") is not None
        assert session.scalars(select(AuditEntry.action)).all() == ["user_added"]
