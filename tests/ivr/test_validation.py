"""The validator catches what would strand a caller; the shipped menu passes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audio.library import PromptLibrary
from ivr_menus.menu import Menu
from ivr_menus.validation import check_menu, duplicate_digits

TEXTS = PromptLibrary.load().prompt_texts.texts


def test_the_shipped_menu_is_valid() -> None:
    assert check_menu(Menu.load(), TEXTS) == []
    assert duplicate_digits() == []


def test_hotline_ivr_check_exits_zero_for_the_shipped_menu() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "ivr", "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "menu ok" in result.stdout


def _menu(**nodes: dict[str, object]) -> Menu:
    base: dict[str, dict[str, object]] = {
        "language": {
            "kind": "language",
            "prompt": "language_choice",
            "options": {"1": "ky", "2": "ru", "3": "uz", "4": "kaa"},
            "next": "main",
        },
        "main": {"kind": "menu", "prompt": "main_menu", "options": {"1": "goodbye"}},
        "goodbye": {"kind": "goodbye", "prompt": "goodbye"},
    }
    base.update(nodes)
    return Menu.from_data({"language_menu": "language", "main_menu": "main", "nodes": base})


@pytest.mark.parametrize(
    ("nodes", "problem"),
    [
        ({"main": {"kind": "menu", "prompt": "main_menu", "options": {"1": "nowhere"}}},
         "leads to missing node 'nowhere'"),
        ({"orphan": {"kind": "goodbye", "prompt": "goodbye"}}, "orphan cannot be reached"),
        ({"main": {"kind": "menu", "prompt": "main_menu", "options": {"0": "goodbye"}}},
         "must be a digit 1-9"),
        ({"main": {"kind": "menu", "prompt": "no_such_prompt", "options": {"1": "goodbye"}}},
         "has no text"),
        ({"main": {"kind": "menu", "options": {"1": "goodbye"}}}, "has no prompt"),
        ({"main": {"kind": "menu", "prompt": "main_menu", "options": {"1": "tip"}},
          "tip": {"kind": "info", "prompt": "goodbye"}}, "needs `next`"),
    ],
)  # fmt: skip
def test_problems_are_named(nodes: dict[str, dict[str, object]], problem: str) -> None:
    problems = check_menu(_menu(**nodes), TEXTS)
    assert any(problem in p for p in problems), problems


def test_a_prompt_missing_in_one_language_is_reported() -> None:
    texts = {key: dict(value) for key, value in TEXTS.items()}
    del texts["main_menu"]["kaa"]
    assert "main: prompt 'main_menu' is missing in kaa" in check_menu(_menu(), texts)


def test_a_digit_listed_twice_is_reported(tmp_path: Path) -> None:
    menu = tmp_path / "menu.yaml"
    menu.write_text("nodes:\n  main:\n    options:\n      '1': a\n      '1': b\n", encoding="utf-8")
    assert duplicate_digits(menu) == ["line 4: key '1' appears twice"]
