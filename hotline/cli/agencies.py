"""``hotline agencies``: import the official registries of licensed agencies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from hotline.cli import app_from_env


@click.group()
def agencies() -> None:
    """Registries of licensed recruitment agencies."""


@agencies.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as-of",
    "as_of",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]),
    help="Date the registry published this list (YYYY-MM-DD).",
)
@click.option("--demo", is_flag=True, help="Mark the agencies as fictional demo data.")
@click.option("--force", is_flag=True, help="Import even over a newer or a real registry.")
def agencies_import(file: Path, as_of: dt.datetime, demo: bool, force: bool) -> None:
    """Replace the KG/UZ registries in FILE (CSV) with its contents and print what changed.

    The file is checked whole before anything is written: a rejected file lists every problem
    by line on stderr, exits 1 and leaves the registry as it was.
    """
    from hotline.agencies.registry_file import RegistryFileError, parse_registry_csv
    from hotline.agencies.registry_import import ImportRefused, import_registry
    from hotline.runtime import runtime

    try:
        rows = parse_registry_csv(file.read_bytes())
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from exc
    except RegistryFileError as exc:
        click.echo(f"{file}: rejected, nothing imported", err=True)
        click.echo(exc.summary(), err=True)
        raise SystemExit(1) from None
    try:
        with runtime(app_from_env()).session_scope() as session:
            diff = import_registry(
                session, rows, as_of.date(), source_name=file.name, demo=demo, force=force
            )
    except ImportRefused as exc:
        raise click.ClickException(f"{exc}; nothing imported (--force imports anyway)") from exc
    click.echo(diff.format())
