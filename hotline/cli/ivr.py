"""``hotline ivr``: check the voice menu before callers meet it."""

from __future__ import annotations

import click


@click.group()
def ivr() -> None:
    """The voice menu."""


@ivr.command("check")
def ivr_check() -> None:
    """Validate the menu: dead ends, unreachable nodes, duplicate digits, missing prompts."""
    from audio.library import PromptLibrary
    from ivr_menus.menu import Menu, MenuError
    from ivr_menus.validation import check_menu, duplicate_digits

    try:
        menu = Menu.load()
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    texts = PromptLibrary.load().prompt_texts.texts
    problems = duplicate_digits() + check_menu(menu, texts)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"menu ok: {len(menu.nodes)} nodes, every prompt in ky, ru, uz and kaa")
