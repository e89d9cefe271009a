"""The voice menu as data: nodes loaded from YAML (``menus/hotline.yaml``).

Each node has a kind that says what happens there (a menu of digits, information, a licence
look-up, a recording, a callback, an agent, goodbye); the engine gives each kind its behaviour.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MENUS = Path(__file__).parent / "menus"
LANGUAGE_ORDER = ("ky", "ru", "uz", "kaa")


class NodeKind(enum.StrEnum):
    LANGUAGE = "language"
    MENU = "menu"
    INFO = "info"
    LICENCE_LOOKUP = "licence_lookup"
    RECORD = "record"
    CALLBACK = "callback"
    AGENT = "agent"
    GOODBYE = "goodbye"


class MenuError(ValueError):
    """The menu file cannot be read as a menu (the validator lists finer problems)."""


@dataclass(frozen=True)
class MenuNode:
    id: str
    kind: NodeKind
    prompt: str | None = None
    prompt_by_citizenship: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # digit -> node id (or language)
    next: str | None = None
    done_prompt: str | None = None
    closed_prompt: str | None = None
    fallback: str | None = None
    reason: str = "general"
    max_seconds: int = 120

    def prompt_ids(self) -> list[str]:
        found = [self.prompt, self.done_prompt, self.closed_prompt]
        found.extend(self.prompt_by_citizenship.values())
        return [prompt for prompt in found if prompt]

    def targets(self) -> list[str]:
        """Node ids this node can lead to."""
        found = [self.next, self.fallback]
        if self.kind is not NodeKind.LANGUAGE:
            found.extend(self.options.values())
        return [target for target in found if target]


@dataclass(frozen=True)
class Menu:
    language_menu: str
    main_menu: str
    nodes: dict[str, MenuNode]
    parents: dict[str, str]  # node -> the menu a caller pressing 0 returns to

    def node(self, node_id: str) -> MenuNode:
        return self.nodes[node_id]

    def parent(self, node_id: str) -> str:
        parent = self.parents.get(node_id, self.main_menu)
        return self.main_menu if parent == node_id else parent

    @classmethod
    def load(cls, path: Path = MENUS / "hotline.yaml") -> Menu:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise MenuError(f"{path.name}: {exc}") from exc
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: Any) -> Menu:
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict):
            raise MenuError("a menu needs a mapping with `nodes`")
        nodes = {str(key): _node(str(key), value) for key, value in data["nodes"].items()}
        language_menu = str(data.get("language_menu", ""))
        main_menu = str(data.get("main_menu", ""))
        parents: dict[str, str] = {}
        for node in nodes.values():
            if node.kind is NodeKind.MENU:
                for target in node.options.values():
                    parents.setdefault(target, node.id)
        for node in nodes.values():  # info and action nodes return where their menu is
            for following in (node.next, node.fallback):
                if following and node.id in parents:
                    parents.setdefault(following, parents[node.id])
        return cls(language_menu, main_menu, nodes, parents)


def _node(node_id: str, raw: Any) -> MenuNode:
    if not isinstance(raw, dict):
        raise MenuError(f"node {node_id}: expected a mapping")
    try:
        kind = NodeKind(str(raw.get("kind")))
    except ValueError as exc:
        raise MenuError(f"node {node_id}: unknown kind {raw.get('kind')!r}") from exc
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise MenuError(f"node {node_id}: options must map digits to nodes")
    by_citizenship = raw.get("prompt_by_citizenship") or {}
    return MenuNode(
        id=node_id,
        kind=kind,
        prompt=_text(raw.get("prompt")),
        prompt_by_citizenship={str(k): str(v) for k, v in by_citizenship.items()},
        options={str(digit): str(target) for digit, target in options.items()},
        next=_text(raw.get("next")),
        done_prompt=_text(raw.get("done_prompt")),
        closed_prompt=_text(raw.get("closed_prompt")),
        fallback=_text(raw.get("fallback")),
        reason=str(raw.get("reason", "general")),
        max_seconds=int(raw.get("max_seconds", 120)),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
