"""Every console form answers hostile fields with a clear refusal, never a 500, losing nothing.

Each POST form under ``/console`` (found in ``url_map``; file uploads and logging in and out
have tests of their own) gets hypothesis-made values for its fields: huge and negative numbers,
``²``, floats, NaN and infinities, empty and 10 kB strings, SQL, XML and spreadsheet formulas,
impossible dates and times. The account is an admin's, so every form is allowed. After each
request the seeded rows are all still there. PostgreSQL refuses more than SQLite (integers past
2**31-1, dates out of range, strings too long for a ``VARCHAR(n)``), so both databases run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.callbacks.outcomes import RESULTS, TOPICS
from hotline.config import LANGUAGES
from hotline.db import utcnow
from hotline.models import (
    Agency,
    Agent,
    AgentStatus,
    AuditEntry,
    CallbackRequest,
    Campaign,
    Contact,
    Role,
    StaffUser,
)
from hotline.models.contacts import STAGES
from hotline.runtime import Runtime
from hotline.staff import add_user
from sms_campaigns.definition import ACTIVITIES, parse_campaign
from sms_campaigns.lifecycle import create_campaign
from tests.fuzz.conftest import CASES, Seeded, fuzz_settings
from tests.fuzz.hostile import SQL_PAYLOADS, XML_PAYLOADS, hostile_text
from tests.fuzz.probes import Probe, send
from tests.web.console.conftest import PASSWORD, form_token

FORM_CASES = max(CASES // 4, 20)  # per form, and each form runs twice: SQLite and PostgreSQL
SEEDED_PHONE = "+996555123456"  # the contact ``seeded`` made
OTHER_STAFF = "manager@hotline.example"
# Forms with tests of their own: file uploads (recordings, CSV imports) and the login pair.
NOT_FUZZED_HERE = frozenset(
    {
        "/console/login",
        "/console/logout",
        "/console/prompts/upload",
        "/console/contacts/import",
        "/console/registry/import",
    }
)

NUMBERS = (
    "0", "-1", "-2147483649", "2147483648", "9223372036854775808", "99999999999999999999999",
    "²", "1²", "٣", "０１", "1.5", "-0.0", "0.9999999999999999", "1e308", "1e309", "1e-400",
    "nan", "NaN", "inf", "-inf", "Infinity", "0x10", "1_000", " 7 ", "3650", "3651", "",
)  # fmt: skip
DATES = (
    "0000-00-00", "0001-01-01", "9999-12-31", "99999-12-31", "2027-02-30", "2027-13-01",
    "-2027-01-01", "2027-01-01T09:00:00", "2027-01-10T09:00:00+06:00",
    "0001-01-01T00:00:00+06:00", "9999-12-31T23:59:59-06:00", "9999-12-31T23:59:59+14:00",
    "2027-01-10T25:61:00+06:00", "2027-01-10T09:00:00+99:00", "1970-01-01", "31.12.2027",
    "today", "",
)  # fmt: skip
TIMES = (
    "25:61-26:00", "09:00-20:00", "00:00-24:00", "24:00-09:00", "20:00-09:00", "09:60-10:00",
    "9-5", "-", "09:00", "99999:00-1:00", "-1:00-02:00", "²:00-03:00", "٠٩:٠٠-٢٠:٠٠", "",
)  # fmt: skip
FORMULAS = ('=HYPERLINK("http://evil.example")', "=1+1", "+SUM(A1:A9)", "-2+3", "@cmd",
            "=cmd|' /C calc'!A0")  # fmt: skip


def _ten_kilobytes(seed: str) -> str:
    return (seed * (10_240 // len(seed) + 1))[:10_240]


huge_text = st.sampled_from(["x", "Ж", "'", "9", "👍", "<a>", "=1+"]).map(_ten_kilobytes)
# Any field may get anything; each field also gets values of its own kind more often.
anything = st.one_of(
    hostile_text,
    huge_text,
    st.sampled_from(NUMBERS + DATES + TIMES + FORMULAS + SQL_PAYLOADS + XML_PAYLOADS),
)
numbers = st.sampled_from(NUMBERS) | st.integers(-(2**70), 2**70).map(str) | st.floats().map(str)
dates = st.sampled_from(DATES) | st.dates().map(lambda day: day.isoformat())
times = st.sampled_from(TIMES) | st.tuples(st.integers(-1, 99), st.integers(-1, 99)).map(
    lambda t: f"{t[0]:02d}:{t[1]:02d}-{t[1]:02d}:{t[0]:02d}"
)


@dataclass(frozen=True)
class Field:
    """What a careful person would type in a field, and what the fuzz types instead."""

    plausible: st.SearchStrategy[str | list[str]]
    hostile: st.SearchStrategy[str | list[str]]


def kind(*plausible: str, hostile: st.SearchStrategy[str] = anything) -> Field:
    """A field with these sensible values; hostile ones are mostly ``hostile``, else anything."""
    return Field(st.sampled_from(plausible), _mostly(hostile))


@st.composite
def _mostly(draw: st.DrawFn, hostile: st.SearchStrategy[str]) -> str:
    """Three times in four a value of the field's own kind, else anything at all."""
    return draw(anything if draw(st.integers(0, 3)) == 0 else hostile)


def ticks(values: tuple[str, ...], *plausible: str) -> Field:
    """Boxes the form repeats (ticked boxes): known values or not, several at once."""
    return Field(st.just(list(plausible)), st.lists(st.sampled_from(values) | anything, max_size=4))


@dataclass(frozen=True)
class Context:
    """The rows a form can act on; hypothesis prints it, so it stays short."""

    request_id: int
    campaign_id: int
    victim_id: int  # a contact the delete form may really delete (not one we count)
    other_account_id: int
    admin_id: int
    sheet: tuple[str, str]


# Each form: its fields and how to fill them, where its page is, and how to build its path.
Fields = dict[str, Field]


@dataclass(frozen=True)
class Form:
    page: str  # a page that carries the form (and so the CSRF token)
    fields: Fields
    path: Callable[[Context], st.SearchStrategy[str]]


def _id(real: int) -> st.SearchStrategy[str]:
    """Mostly the row the form is about; sometimes one that is not there, or past any integer."""
    absent = st.sampled_from(["0", "2147483647", "2147483648", "99999999999999999999999"])
    return st.sampled_from([str(real)] * 4) | absent


def _fixed(path: str) -> Callable[[Context], st.SearchStrategy[str]]:
    return lambda _: st.just(path)


MESSAGES: Fields = {f"message_{lang}": kind("Не платите агентам.", "Salom") for lang in LANGUAGES}
FORMS: dict[str, Form] = {
    "/console/language": Form(
        "/console/dashboard",
        {"language": kind("en", "ru", hostile=st.sampled_from(["de", "EN", "ru "]))},
        _fixed("/console/language"),
    ),
    "/console/callbacks/availability": Form(
        "/console/callbacks",
        {"status": kind("available", "away", hostile=st.sampled_from(["on_call", "AVAILABLE"]))},
        _fixed("/console/callbacks/availability"),
    ),
    "/console/callbacks/<int:request_id>/outcome": Form(
        "/console/callbacks",
        {
            "result": kind(*RESULTS),
            "topic": kind(*TOPICS, ""),
            "notes": kind("Said 'call later'", ""),
        },
        lambda c: _id(c.request_id).map(lambda i: f"/console/callbacks/{i}/outcome"),
    ),
    "/console/campaigns/new": Form(
        "/console/campaigns/new",
        {
            "name": kind("UK seasonal work"),
            **MESSAGES,
            "language": ticks(LANGUAGES, "ky", "ru"),
            "stage": ticks(STAGES),
            "activity": ticks(ACTIVITIES, "verified"),
            "region": kind("Osh, Batken", "", ",,,"),
            "destination": kind("RU, gb", "", "ru"),
            "gender": kind("", "f", "m, f"),
            "active_within_days": kind("", "30", hostile=numbers),
            "send_window": kind("00:00-24:00", "09:00-20:00", hostile=times),
            "rate_per_second": kind("500", "0.5", hostile=numbers),
            "holdout": kind("0", "0.1", hostile=numbers),
            "send_at": kind("", "2027-01-10T09:00:00+06:00", hostile=dates),
            "action": kind("save", "count"),
        },
        _fixed("/console/campaigns/new"),
    ),
    "/console/campaigns/estimate": Form(
        "/console/campaigns/new", MESSAGES, _fixed("/console/campaigns/estimate")
    ),
    "/console/campaigns/<int:campaign_id>/<action>": Form(
        "/console/campaigns",
        {},
        lambda c: st.tuples(
            _id(c.campaign_id),
            st.sampled_from(["approve", "launch", "pause", "resume", "cancel", "delete", "x"]),
        ).map(lambda p: f"/console/campaigns/{p[0]}/{p[1]}"),
    ),
    "/console/contacts/<int:contact_id>/delete": Form(
        "/console/contacts",
        {"confirm": kind("DELET", "", hostile=st.sampled_from(["DELETE", " delete ", "DELETE x"]))},
        lambda c: _id(c.victim_id).map(lambda i: f"/console/contacts/{i}/delete"),
    ),
    "/console/contacts/import/confirm": Form(
        "/console/contacts",
        {"token": kind("a" * 32, "../../etc/passwd"), "name": kind("contacts.csv")},
        _fixed("/console/contacts/import/confirm"),
    ),
    "/console/registry/import/confirm": Form(
        "/console/registry",
        {
            "token": kind("a" * 32),
            "as_of": kind("2027-01-10", hostile=dates),
            "name": kind("registry.csv"),
        },
        _fixed("/console/registry/import/confirm"),
    ),
    "/console/rules/<citizenship>/<country>": Form(
        "/console/rules",
        {
            "language": kind(*LANGUAGES, "en"),
            "text": kind("Регистрация в течение 7 дней."),
            "source": kind("mid.ru, 2026", "=HYPERLINK(1)"),
            "reviewed": kind("2026-01-10", hostile=dates),
        },
        lambda c: st.sampled_from([c.sheet, c.sheet, c.sheet, ("kg", "ru"), ("XX", "Ж")]).map(
            lambda s: f"/console/rules/{s[0]}/{s[1]}"
        ),
    ),
    "/console/users": Form(
        "/console/users",
        {
            "email": Field(
                st.integers(0, 10**6).map(lambda n: f"new{n}@hotline.example"),
                st.sampled_from(["ADMIN@hotline.example", "a@b", "@", "x" * 250 + "@b.kg"])
                | anything,
            ),
            "role": kind(*Role, hostile=st.sampled_from(["root", "ADMIN"])),
            "password": kind(PASSWORD, hostile=st.just("short")),
        },
        _fixed("/console/users"),
    ),
    "/console/users/<int:account_id>/deactivate": Form(
        "/console/users",
        {},
        lambda c: (_id(c.other_account_id) | st.just(str(c.admin_id))).map(
            lambda i: f"/console/users/{i}/deactivate"
        ),
    ),
    "/console/users/<int:account_id>/activate": Form(
        "/console/users",
        {},
        lambda c: _id(c.other_account_id).map(lambda i: f"/console/users/{i}/activate"),
    ),
    "/console/users/<int:account_id>/role": Form(
        "/console/users",
        {"role": kind(*Role, hostile=st.sampled_from(["root", "ADMIN", " admin"]))},
        lambda c: (_id(c.other_account_id) | st.just(str(c.admin_id))).map(
            lambda i: f"/console/users/{i}/role"
        ),
    ),
    "/console/users/<int:account_id>/password": Form(
        "/console/users",
        {"password": kind("a brand new passphrase", hostile=st.just("short"))},
        lambda c: (_id(c.other_account_id) | st.just(str(c.admin_id))).map(
            lambda i: f"/console/users/{i}/password"
        ),
    ),
    "/console/users/<int:account_id>/logout": Form(
        "/console/users",
        {},
        lambda c: (_id(c.other_account_id) | st.just(str(c.admin_id))).map(
            lambda i: f"/console/users/{i}/logout"
        ),
    ),
    # Never the admin's right password: a change would end the fuzz's own session.
    "/console/account/password": Form(
        "/console/account",
        {
            "current_password": kind("not the password at all", ""),
            "password": kind("a brand new passphrase", hostile=st.just("short")),
        },
        _fixed("/console/account/password"),
    ),
}


@st.composite
def form_fields(
    draw: st.DrawFn, fields: Fields, focus: str | None, token: str
) -> tuple[tuple[str, str], ...]:
    """A sensible form but for ``focus`` (and now and then one more field), plus invented ones.

    Making every field hostile at once would stop each form at its first check; a form that is
    sound but for one field reaches the code behind the checks, and each field gets its turn.
    """
    names = sorted(fields)
    spoilt = {focus} | set(draw(st.lists(st.sampled_from(names), max_size=1))) if names else set()
    pairs: list[tuple[str, str]] = [("csrf_token", token)]
    for name in names:
        field = fields[name]
        times_sent = draw(st.sampled_from([1, 1, 1, 1, 0, 2])) if name in spoilt else 1
        for _ in range(times_sent):
            value = draw(field.hostile if name in spoilt else field.plausible)
            pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    pairs += draw(st.lists(st.tuples(hostile_text, hostile_text), max_size=2))
    return tuple(pairs)


# Each form once per field (the field the fuzz spoils); a form without fields, for its path.
FOCUSES = [
    pytest.param(rule, focus, id=f"{rule}:{focus or 'path'}")
    for rule, form in sorted(FORMS.items())
    for focus in sorted(form.fields) or [None]
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Forms run on both databases, whatever ``FUZZ_DATABASES`` says."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@dataclass(frozen=True)
class Stored:
    """What must survive every form: the seeded rows, and at least as many of the rest."""

    agencies: int
    campaigns: int
    staff: int
    audit: int


def _stored(state: Runtime) -> Stored:
    with state.sessions() as session:

        def count(model: type) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        return Stored(count(Agency), count(Campaign), count(StaffUser), count(AuditEntry))


def _assert_nothing_lost(state: Runtime, context: Context, before: Stored) -> None:
    now = _stored(state)
    assert now.agencies == before.agencies
    assert now.campaigns >= before.campaigns
    assert now.staff >= before.staff
    assert now.audit >= before.audit
    with state.sessions() as session:
        assert session.scalar(select(Contact.id).where(Contact.phone == SEEDED_PHONE))
        assert session.get(CallbackRequest, context.request_id) is not None
        assert session.get(Campaign, context.campaign_id) is not None
        assert session.get(StaffUser, context.other_account_id) is not None
        admin = session.get(StaffUser, context.admin_id)
        assert admin is not None
        assert admin.active, "the admin deactivated their own account"
        assert session.scalar(select(func.count()).select_from(Agent)) == 2


@pytest.fixture
def console(
    app: Flask, seeded: Seeded, login_as: Callable[..., FlaskClient]
) -> Iterator[tuple[FlaskClient, Context]]:
    """An admin who is also an agent (away), a draft by someone else, a contact to delete."""
    state = seeded.state
    client = login_as("admin")
    with state.sessions() as session:
        admin = session.scalars(select(StaffUser).where(StaffUser.role == Role.ADMIN)).one()
        agent = Agent(name="Admin on the phones", phone="+996700000002", languages=["ru"])
        agent.status = AgentStatus.AWAY
        session.add(agent)
        session.flush()
        admin.agent_id = agent.id
        other = add_user(session, OTHER_STAFF, "campaign_manager", PASSWORD)
        victim = Contact(phone="+996555000099", country="KG", language="ru")
        session.add(victim)
        spec = parse_campaign("name: Draft\nmessages: {ru: Не платите агентам.}\n")
        draft = create_campaign(session, spec, "console", utcnow(), by=OTHER_STAFF)
        request_id = session.scalars(select(CallbackRequest.id)).one()
        session.commit()
        context = Context(
            request_id=request_id,
            campaign_id=draft.id,
            victim_id=victim.id,
            other_account_id=other.id,
            admin_id=admin.id,
            sheet=next(iter(sorted(state.sms_content.rules.sheets))),
        )
    yield client, context
    _assert_nothing_lost(state, context, Stored(2, 1, 2, 0))


def test_every_console_form_is_fuzzed(app: Flask) -> None:
    """A form added later fails here until someone says how to fuzz it."""
    posted = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/console") and "POST" in (rule.methods or set())
    }
    assert posted - NOT_FUZZED_HERE == set(FORMS)


@pytest.mark.parametrize(("rule", "focus"), FOCUSES)
@fuzz_settings(FORM_CASES)
@given(data=st.data())
def test_a_console_form_refuses_hostile_fields_clearly(
    state: Runtime,
    console: tuple[FlaskClient, Context],
    rule: str,
    focus: str | None,
    data: st.DataObject,
) -> None:
    client, context = console
    form = FORMS[rule]
    before = _stored(state)
    token = form_token(client, form.page)
    path = data.draw(form.path(context), label="path")
    fields = data.draw(form_fields(form.fields, focus, token), label="form")

    answer = send(client, Probe(rule, "POST", path, form=fields, note=f"console form, {focus}"))

    assert answer.status_code < 500
    _assert_nothing_lost(state, context, before)
