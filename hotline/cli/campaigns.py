"""``hotline campaigns``: define, approve, launch, pause, resume, cancel and watch campaigns."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.orm import Session

from hotline.cli import app_from_env
from hotline.db import utcnow
from hotline.models import Campaign
from hotline.runtime import Runtime, runtime


@click.group()
def campaigns() -> None:
    """Safe-migration SMS campaigns."""


@contextmanager
def _campaign(campaign_id: int) -> Iterator[tuple[Runtime, Session, Campaign]]:
    from sms_campaigns.lifecycle import CampaignStateError

    state = runtime(app_from_env())
    with state.session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise click.ClickException(f"no campaign {campaign_id}")
        try:
            yield state, session, campaign
        except CampaignStateError as exc:
            raise click.ClickException(str(exc)) from exc


@campaigns.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "author", help="Who wrote it (a different person must approve).")
def create(file: Path, author: str | None) -> None:
    """Create a draft campaign from FILE (YAML) and print its id."""
    from sms_campaigns.definition import CampaignDefinitionError, parse_campaign
    from sms_campaigns.lifecycle import create_campaign

    try:
        spec = parse_campaign(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from exc
    except CampaignDefinitionError as exc:
        for problem in exc.problems:
            click.echo(f"{file}: {problem}", err=True)
        raise SystemExit(1) from None
    state = runtime(app_from_env())
    with state.session_scope() as session:
        campaign = create_campaign(session, spec, state.settings.provider, utcnow(), author)
        campaign_id = campaign.id
    click.echo(campaign_id)


@campaigns.command("approve")
@click.argument("campaign_id", type=int)
@click.option("--by", "approver", required=True, help="Who approves (not the author).")
def approve_command(campaign_id: int, approver: str) -> None:
    """Approve a draft (by a second staff member)."""
    from sms_campaigns.lifecycle import approve

    with _campaign(campaign_id) as (_, session, campaign):
        approve(session, campaign, approver, utcnow())
    click.echo(f"campaign {campaign_id} approved by {approver}")


@campaigns.command("launch")
@click.argument("campaign_id", type=int)
@click.option("--approve", "self_approve", is_flag=True, help="Single operator: approve too.")
def launch_command(campaign_id: int, self_approve: bool) -> None:
    """Enrol the audience and start sending at send_at (needs approval)."""
    from sms_campaigns.lifecycle import approve, launch
    from workers.campaigns import schedule_dispatch

    with _campaign(campaign_id) as (state, session, campaign):
        if self_approve and campaign.state == "draft":
            approve(session, campaign, None, utcnow())
        added = launch(session, campaign, utcnow())
        send_at = campaign.send_at
        queues = state.queues
    schedule_dispatch(campaign_id, max(send_at, utcnow()), queues)
    click.echo(f"campaign {campaign_id} launched: {added} recipients, sending from {send_at}")


def _transition(
    campaign_id: int, change: Callable[[Session, Campaign], None], word: str
) -> Runtime:
    with _campaign(campaign_id) as (state, session, campaign):
        change(session, campaign)
    click.echo(f"campaign {campaign_id} {word}")
    return state


@campaigns.command("pause")
@click.argument("campaign_id", type=int)
def pause_command(campaign_id: int) -> None:
    """Stop sending for now (recipients keep their place)."""
    from sms_campaigns.lifecycle import pause

    _transition(campaign_id, lambda _s, c: pause(c), "paused")


@campaigns.command("resume")
@click.argument("campaign_id", type=int)
def resume_command(campaign_id: int) -> None:
    """Continue a paused campaign."""
    from sms_campaigns.lifecycle import resume
    from workers.campaigns import schedule_dispatch

    state = _transition(campaign_id, lambda _s, c: resume(c), "resumed")
    schedule_dispatch(campaign_id, utcnow(), state.queues)


@campaigns.command("cancel")
@click.argument("campaign_id", type=int)
def cancel_command(campaign_id: int) -> None:
    """Stop for good; recipients not yet texted are skipped."""
    from sms_campaigns.lifecycle import cancel

    _transition(campaign_id, lambda s, c: cancel(s, c, utcnow()), "cancelled")


@campaigns.command("status")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status_command(campaign_id: int, as_json: bool) -> None:
    """State, counts per recipient status, segments per language and estimated cost."""
    from sms_campaigns.lifecycle import status_report

    with _campaign(campaign_id) as (state, session, campaign):
        report = status_report(session, campaign, state.settings.sms_price_per_segment, utcnow())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"{report['name']} ({report['state']})")
    for status, count in report["counts"].items():
        if count:
            click.echo(f"  {status:<12} {count}")
    for language, segments in report["segments"].items():
        click.echo(
            f"  {language:<4} {segments['recipients']} recipients, "
            f"{segments['segments']} segment(s) {segments['encoding']}"
        )
    click.echo(f"  estimated cost {report['estimated_cost']}")


@campaigns.command("results")
@click.argument("campaign_id", type=int)
def results_command(campaign_id: int) -> None:
    """Delivery, replies, and calls or agency checks compared with the hold-out (JSON)."""
    from sms_campaigns.results import campaign_results

    with _campaign(campaign_id) as (_, session, campaign):
        report = campaign_results(session, campaign)
    click.echo(json.dumps(report, ensure_ascii=False))
