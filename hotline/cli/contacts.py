"""``hotline contacts``: bring in the lists partner organisations keep in spreadsheets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from hotline.cli import app_from_env


@click.group()
def contacts() -> None:
    """People the hotline texts and calls."""


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def contacts_import(file: Path) -> None:
    """Add or update the contacts in FILE (CSV) and print the counts as JSON.

    Columns: phone (required), language, region, destination, stage, gender, consent_date.
    Rows that fail validation are listed by line on stderr and left out; the others go in
    together. An unreadable file lists its problems on stderr, exits 1 and imports nothing.
    """
    from sqlalchemy.exc import IntegrityError

    from hotline.runtime import runtime
    from sms_campaigns.contacts_import import (
        ContactFileError,
        import_contacts,
        parse_contacts_csv,
    )

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from exc
    state = runtime(app_from_env())
    today = dt.datetime.now(dt.UTC).date()
    try:
        parsed = parse_contacts_csv(data, state.settings.default_region, today)
    except ContactFileError as exc:
        click.echo(f"{file}: rejected, nothing imported", err=True)
        click.echo(exc.summary(), err=True)
        raise SystemExit(1) from None
    if parsed.ignored_columns:
        click.echo(f"line 1: ignoring column(s) {', '.join(parsed.ignored_columns)}", err=True)
    if parsed.problems:  # every one: each is a person left out, to fix and import again
        click.echo("\n".join(parsed.problems), err=True)
    try:
        with state.session_scope() as session:
            summary = import_contacts(session, parsed, today)
    except IntegrityError as exc:
        raise click.ClickException(
            "a number in the file became a contact during the import (an inbound SMS or "
            "call?); nothing imported, run the import again"
        ) from exc
    click.echo(json.dumps(summary.as_dict()))
