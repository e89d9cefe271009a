"""The SMS keyword table (data in ``content/keywords.yaml``) and the parser that uses it.

A message whose first word is no keyword is an agency lookup: families text just a name
(unless the whole text is a country, which ``SmsContent.parse`` answers with its rules).
STOP and START count only as the whole message, as carriers do, so "stop this agency" is not an
opt-out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hotline.sms.words import fold_phrase, fold_word, split_first_word

CONTENT = Path(__file__).parent / "content"


class Command(enum.StrEnum):
    CHECK = "check"
    RULES = "rules"
    REPORT = "report"
    CALL = "call"
    HELP = "help"
    STOP = "stop"
    START = "start"
    LANG = "lang"
    LOOKUP = "lookup"  # no keyword: the whole text names an agency or licence


WHOLE_MESSAGE_ONLY = frozenset({Command.STOP, Command.START})


@dataclass(frozen=True)
class ParsedSms:
    command: Command
    argument: str
    languages: frozenset[str]  # languages the keyword belongs to (empty: English or none)


@dataclass(frozen=True)
class KeywordTable:
    words: dict[str, tuple[Command, frozenset[str]]]
    language_names: dict[str, str]

    @classmethod
    def load(cls, path: Path = CONTENT / "keywords.yaml") -> KeywordTable:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        words: dict[str, tuple[Command, set[str]]] = {}
        for command_id, per_language in data["keywords"].items():
            command = Command(command_id)
            for language, entries in per_language.items():
                for entry in entries:
                    key = fold_word(str(entry))
                    known = words.setdefault(key, (command, set()))
                    if known[0] is not command:
                        raise ValueError(f"keyword {entry!r} maps to {known[0]} and {command}")
                    if language != "en":
                        known[1].add(language)
        names = {
            fold_phrase(str(entry)): language
            for language, entries in data.get("languages", {}).items()
            for entry in entries
        }
        return cls({k: (c, frozenset(ls)) for k, (c, ls) in words.items()}, names)

    def parse(self, text: str) -> ParsedSms:
        first, rest = split_first_word(text.strip())
        found = self.words.get(fold_word(first)) if first else None
        if found is None or (found[0] in WHOLE_MESSAGE_ONLY and rest):
            return ParsedSms(Command.LOOKUP, text.strip(), frozenset())
        command, languages = found
        return ParsedSms(command, rest, languages)

    def language_named(self, text: str) -> str | None:
        """``"ky"``, ``"кыргызча"``, ``"O'zbek"`` -> a language code, or None."""
        return self.language_names.get(fold_phrase(text))
