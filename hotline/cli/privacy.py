"""``hotline privacy``: retention, and one person's data exported or deleted on request."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import click

from hotline.cli import app_from_env


@click.group("privacy")
def privacy() -> None:
    """Keep what people told us no longer than needed; answer access and deletion requests."""


@privacy.command("retention")
@click.option("--days", type=click.IntRange(min=1), help="Texts older than this (RETENTION_DAYS).")
@click.option(
    "--recording-days",
    type=click.IntRange(min=1),
    help="Recordings older than this (RECORDING_RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
def retention(days: int | None, recording_days: int | None, dry_run: bool) -> None:
    """Blank old texts and delete old recordings; print the counts as JSON."""
    from hotline.db import utcnow
    from hotline.privacy import RetentionPolicy, apply_retention
    from hotline.runtime import runtime

    state = runtime(app_from_env())
    policy = RetentionPolicy(
        now=utcnow(),
        text_days=days or state.settings.retention_days,
        recording_days=recording_days or state.settings.recording_retention_days,
    )
    with state.sessions() as session:
        counts = apply_retention(session, policy, dry_run=dry_run)
        session.commit()
    click.echo(json.dumps({"dry_run": dry_run, **counts.as_dict()}))


def _phone(raw: str, region: str) -> str:
    from hotline.phones import InvalidPhoneNumber, parse_phone

    try:
        return parse_phone(raw, region)
    except InvalidPhoneNumber as exc:
        raise click.ClickException(f"{raw!r} is {exc}") from exc


@contextmanager
def _destination(output: Path | None) -> Iterator[IO[str]]:
    if output is None:
        yield sys.stdout
        return
    with output.open("w", encoding="utf-8", newline="") as target:
        yield target


@privacy.command("export")
@click.argument("phone")
@click.option("--format", "kind", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="json: everything; csv: the messages only.")  # fmt: skip
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Instead of stdout."
)
def export(phone: str, kind: str, output: Path | None) -> None:
    """Write everything stored about PHONE (a subject access request).

    The file holds the person's number and words: hand it to them, do not keep copies.
    """
    from hotline.privacy import contact_dossier, message_rows
    from hotline.privacy.dossier import MESSAGE_COLUMNS
    from hotline.runtime import runtime
    from hotline.spreadsheet import csv_lines

    state = runtime(app_from_env())
    number = _phone(phone, state.settings.default_region)
    with state.sessions() as session, _destination(output) as target:
        if kind == "csv":
            target.writelines(csv_lines(MESSAGE_COLUMNS, message_rows(session, number)))
        else:
            dossier = contact_dossier(session, number)
            target.write(json.dumps(dossier, ensure_ascii=False, indent=2) + "\n")


@privacy.command("delete")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who asked (audit log).")
def delete(phone: str, yes: bool, actor: str) -> None:
    """Delete what identifies PHONE and keep it opted out; print the counts as JSON."""
    from hotline.db import utcnow
    from hotline.privacy import erase_contact
    from hotline.runtime import runtime

    if not yes:
        raise click.UsageError("deleting cannot be undone: add --yes")
    state = runtime(app_from_env())
    number = _phone(phone, state.settings.default_region)
    with state.session_scope() as session:
        counts = erase_contact(session, number, actor, utcnow())
    click.echo(json.dumps(counts.as_dict()))
