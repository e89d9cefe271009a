"""Check a menu before callers meet it: ``hotline ivr check`` and the tests run this.

A dangling target is a dead end for a caller, an unreachable node is content nobody hears,
a duplicate digit is a key that lies, a prompt missing in one language is silence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from ivr_menus.engine import SYSTEM_PROMPTS
from ivr_menus.menu import LANGUAGE_ORDER, MENUS, Menu, NodeKind

GLOBAL_KEYS = frozenset("*0")
_DIGIT = re.compile(r"^[1-9]$")


def duplicate_digits(path: Path = MENUS / "hotline.yaml") -> list[str]:
    """YAML keeps only the last of two equal keys, so duplicates are looked for in the text."""
    problems = []

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: Loader, node: yaml.MappingNode) -> dict[object, object]:
        keys = [loader.construct_object(key) for key, _ in node.value]
        seen: set[object] = set()
        for key in keys:
            if key in seen:
                problems.append(f"line {node.start_mark.line + 1}: key {key!r} appears twice")
            seen.add(key)
        return loader.construct_mapping(node)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - SafeLoader subclass
    return problems


def check_menu(menu: Menu, prompts: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Every problem in ``menu`` given the prompt texts (``prompt id -> language -> text``)."""
    problems: list[str] = []
    for start in (menu.language_menu, menu.main_menu):
        if start not in menu.nodes:
            problems.append(f"start node {start!r} does not exist")
    for node in menu.nodes.values():
        for target in node.targets():
            if target not in menu.nodes:
                problems.append(f"{node.id}: leads to missing node {target!r}")
        for digit in node.options:
            if digit in GLOBAL_KEYS or not _DIGIT.match(digit):
                problems.append(
                    f"{node.id}: option {digit!r} must be a digit 1-9 (* and 0 are global)"
                )
        if node.kind is NodeKind.LANGUAGE and set(node.options.values()) - set(LANGUAGE_ORDER):
            problems.append(f"{node.id}: language options must be {', '.join(LANGUAGE_ORDER)}")
        if node.kind is NodeKind.MENU and not node.options:
            problems.append(f"{node.id}: a menu needs options")
        if (
            node.kind
            in (NodeKind.INFO, NodeKind.LICENCE_LOOKUP, NodeKind.RECORD, NodeKind.CALLBACK)
            and not node.next
        ):
            problems.append(f"{node.id}: needs `next` (where the caller goes afterwards)")
        if node.kind is NodeKind.AGENT and not node.fallback:
            problems.append(f"{node.id}: needs a `fallback` for when no agent answers")
        if not node.prompt and not node.prompt_by_citizenship:
            problems.append(f"{node.id}: has no prompt")
        for prompt in node.prompt_ids():
            texts = prompts.get(prompt)
            if texts is None:
                problems.append(f"{node.id}: prompt {prompt!r} has no text")
                continue
            for language in LANGUAGE_ORDER:
                if not str(texts.get(language) or "").strip():
                    problems.append(f"{node.id}: prompt {prompt!r} is missing in {language}")
    for prompt in SYSTEM_PROMPTS:
        texts = prompts.get(prompt) or {}
        missing = [code for code in LANGUAGE_ORDER if not str(texts.get(code) or "").strip()]
        if missing:
            problems.append(f"system prompt {prompt!r} is missing in {', '.join(missing)}")
    problems.extend(f"{node} cannot be reached" for node in sorted(unreachable(menu)))
    return problems


def unreachable(menu: Menu) -> set[str]:
    seen: set[str] = set()
    stack = [menu.language_menu, menu.main_menu]
    while stack:
        current = stack.pop()
        if current in seen or current not in menu.nodes:
            continue
        seen.add(current)
        stack.extend(menu.nodes[current].targets())
    return set(menu.nodes) - seen
