"""``hotline callbacks`` and ``hotline agents``: the callback queue and who answers it."""

from __future__ import annotations

import datetime as dt
import json

import click
from sqlalchemy import select

from hotline.cli import app_from_env
from hotline.phones import mask


@click.group()
def callbacks() -> None:
    """Requests to be called back by the hotline."""


@callbacks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--full-numbers", is_flag=True, help="Show whole numbers (agents dialling).")
def callbacks_list(as_json: bool, full_numbers: bool) -> None:
    """Open requests, urgent first, then oldest."""
    from hotline.callbacks.outcomes import open_requests
    from hotline.runtime import runtime

    state = runtime(app_from_env())
    with state.sessions() as session:
        rows = [
            {
                "id": request.id,
                "phone": request.phone,
                "source": str(request.source),
                "status": str(request.status),
                "language": request.language,
                "reason": request.reason,
                "requests": request.requests,
                "attempts": request.attempts,
                "next_attempt_at": _iso(request.next_attempt_at),
                "created_at": _iso(request.created_at),
            }
            for request in open_requests(session)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        phone = row["phone"] if full_numbers else mask(str(row["phone"]))
        click.echo(
            f"{row['id']:>6}  {row['reason']:<11} {row['status']:<8} {row['language'] or '-':<3} "
            f"{phone:<16} {row['source']:<11} attempts {row['attempts']}  since {row['created_at']}"
        )


@callbacks.command("outcome")
@click.argument("request_id", type=int)
@click.option(
    "--result", required=True, type=click.Choice(["reached", "no_answer", "wrong_number"])
)
@click.option(
    "--topic",
    type=click.Choice(
        ["agency", "registration", "wages", "documents", "trafficking", "return", "other"]
    ),
)
@click.option("--notes", default=None)
@click.option("--by", default="agent", help="Who records it (kept in the history).")
def callbacks_outcome(
    request_id: int, result: str, topic: str | None, notes: str | None, by: str
) -> None:
    """Record how a callback went; a trafficking topic opens a case."""
    from hotline.callbacks.outcomes import OutcomeError, record_outcome
    from hotline.db import utcnow
    from hotline.models import CallbackRequest, CallbackStatus
    from hotline.runtime import runtime
    from workers.callbacks import enqueue_text, text_gave_up

    state = runtime(app_from_env())
    with state.sessions() as session:
        before = session.get(CallbackRequest, request_id)
        was = before.status if before else None
        try:
            request = record_outcome(session, request_id, result, topic, notes, utcnow(), by)
        except OutcomeError as exc:
            raise click.ClickException(str(exc)) from exc
        message_id = None
        if request.status == CallbackStatus.GAVE_UP and was != CallbackStatus.GAVE_UP:
            message_id = text_gave_up(state, session, request.id)  # that was the last try
        session.commit()
        if message_id is not None:
            enqueue_text(state, message_id)
        click.echo(json.dumps({"id": request.id, "status": str(request.status)}))


@callbacks.command("sla")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 366))
@click.option("--json", "as_json", is_flag=True)
def callbacks_sla(days: int, as_json: bool) -> None:
    """Per day: requests, minutes to the first attempt, share reached, attempts per request."""
    from hotline.callbacks.outcomes import service_levels
    from hotline.db import utcnow
    from hotline.runtime import runtime

    state = runtime(app_from_env())
    with state.sessions() as session:
        report = service_levels(
            session, state.staffed_hours.zone, utcnow() - dt.timedelta(days=days)
        )
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for day in report:
        wait = day["minutes_to_first_attempt"]["median"]
        click.echo(
            f"{day['day']}  requests {day['requests']:>4}  first attempt (median) "
            f"{'-' if wait is None else f'{wait} min':>9}  reached {day['reached']:>4} "
            f"({day['share_reached'] if day['share_reached'] is not None else '-'})  "
            f"attempts/request {day['attempts_per_request']}  refused {day['refused']}"
        )


@click.group()
def agents() -> None:
    """Hotline consultants who take callbacks."""


@agents.command("add")
@click.argument("name")
@click.argument("phone")
@click.option("--languages", required=True, help="Comma-separated: ky,ru,uz,kaa.")
@click.option("--shift-days", default="", help="e.g. mon-fri (default: the hotline's days).")
@click.option("--shift-hours", default="", help="e.g. 09:00-14:00 (default: staffed hours).")
@click.option("--available", is_flag=True, help="Start as available rather than away.")
def agents_add(
    name: str, phone: str, languages: str, shift_days: str, shift_hours: str, available: bool
) -> None:
    """Add an agent (or update the one with this number)."""
    from hotline.config import LANGUAGES
    from hotline.models import Agent, AgentStatus
    from hotline.runtime import runtime

    state = runtime(app_from_env())
    number = _phone_number(state.settings.default_region, phone)
    spoken = [code.strip().lower() for code in languages.split(",") if code.strip()]
    unknown = [code for code in spoken if code not in LANGUAGES]
    if not spoken or unknown:
        raise click.ClickException(f"languages must be some of {', '.join(LANGUAGES)}")
    try:
        state.staffed_hours.shift(shift_hours, shift_days.lower())
    except ValueError as exc:
        raise click.ClickException(f"shift: {exc}") from exc
    with state.sessions() as session:
        agent = session.scalars(select(Agent).where(Agent.phone == number)).first()
        if agent is None:
            agent = Agent(phone=number, status=AgentStatus.AWAY)
            session.add(agent)
        agent.name, agent.languages = name.strip()[:100], spoken
        agent.shift_days, agent.shift_hours = shift_days.lower(), shift_hours
        if available:
            agent.status = AgentStatus.AVAILABLE
        session.commit()
        click.echo(json.dumps({"id": agent.id, "name": agent.name, "status": str(agent.status)}))


@agents.command("status")
@click.argument("phone")
@click.argument("status", type=click.Choice(["available", "away"]))
def agents_status(phone: str, status: str) -> None:
    """An agent says they are available for calls, or away (on a call is set by the system)."""
    from hotline.models import Agent, AgentStatus
    from hotline.runtime import runtime
    from workers.callbacks import enqueue_placing

    state = runtime(app_from_env())
    number = _phone_number(state.settings.default_region, phone)
    with state.sessions() as session:
        agent = session.scalars(select(Agent).where(Agent.phone == number)).first()
        if agent is None:
            raise click.ClickException("no agent with that number")
        if agent.status == AgentStatus.ON_CALL:
            raise click.ClickException("the agent is on a call; try again when it ends")
        agent.status = AgentStatus(status)
        session.commit()
    if status == "available":
        enqueue_placing(state)
    click.echo(json.dumps({"phone": mask(number), "status": status}))


@agents.command("list")
@click.option("--json", "as_json", is_flag=True)
def agents_list(as_json: bool) -> None:
    """Agents, their languages, shifts and status."""
    from hotline.models import Agent
    from hotline.runtime import runtime

    state = runtime(app_from_env())
    with state.sessions() as session:
        rows = [
            {
                "id": agent.id,
                "name": agent.name,
                "phone": agent.phone,
                "languages": agent.languages,
                "status": str(agent.status),
                "shift_days": agent.shift_days or state.settings.staffed_days,
                "shift_hours": agent.shift_hours or state.settings.staffed_hours,
            }
            for agent in session.scalars(select(Agent).order_by(Agent.name))
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['name']:<24} {mask(str(row['phone'])):<16} {','.join(agent_languages(row)):<12} "
            f"{row['status']:<10} {row['shift_days']} {row['shift_hours']}"
        )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def agent_languages(row: dict[str, object]) -> list[str]:
    languages = row["languages"]
    return [str(code) for code in languages] if isinstance(languages, list) else []


@click.group()
def users() -> None:
    """Staff accounts for the web console."""


@users.command("add")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "campaign_manager", "agent", "viewer"])
)
@click.option("--password", default=None, help="Asked for (hidden) when not given.")
@click.option("--agent-phone", default=None, help="Link the account to this agent's number.")
def users_add(email: str, role: str, password: str | None, agent_phone: str | None) -> None:
    """Create a console account."""
    from hotline.db import utcnow
    from hotline.models import Agent
    from hotline.runtime import runtime
    from hotline.staff import StaffError, add_user, audit

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    state = runtime(app_from_env())
    with state.sessions() as session:
        try:
            user = add_user(session, email, role, password)
        except StaffError as exc:
            raise click.ClickException(str(exc)) from exc
        if agent_phone:
            number = _phone_number(state.settings.default_region, agent_phone)
            agent = session.scalars(select(Agent).where(Agent.phone == number)).first()
            if agent is None:
                raise click.ClickException("no agent with that number (hotline agents add)")
            user.agent_id = agent.id
        audit(session, "cli", "user_added", f"{user.email} as {role}", utcnow())
        session.commit()
        click.echo(json.dumps({"id": user.id, "email": user.email, "role": role}))


def _phone_number(region: str, text: str) -> str:
    """E.164 for a number typed by staff, or a clean error."""
    from hotline.phones import InvalidPhoneNumber, parse_phone

    try:
        return parse_phone(text, region)
    except InvalidPhoneNumber as exc:
        raise click.ClickException(f"{text!r} is not a phone number") from exc
