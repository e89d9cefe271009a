"""Registration and stay rules per citizenship and destination (``content/rules/*.yaml``).

Each file carries its source and last-reviewed date so staff can see what to re-check; the
texts are data, editable without touching code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hotline.config import LANGUAGES
from hotline.sms.words import fold_phrase

CONTENT = Path(__file__).parent / "content"
CITIZENSHIPS = ("KG", "UZ")


@dataclass(frozen=True)
class RuleSheet:
    citizenship: str
    country: str
    source: str
    last_reviewed: dt.date
    review_note: str
    machine_drafted: frozenset[str]
    text: dict[str, str]


@dataclass(frozen=True)
class Country:
    code: str
    names: dict[str, str]


@dataclass(frozen=True)
class RulesBook:
    countries: dict[str, Country]
    spellings: dict[str, str]  # folded spelling -> code
    sheets: dict[tuple[str, str], RuleSheet]

    @classmethod
    def load(cls, folder: Path = CONTENT) -> RulesBook:
        data: dict[str, Any] = yaml.safe_load((folder / "countries.yaml").read_text("utf-8"))
        countries: dict[str, Country] = {}
        spellings: dict[str, str] = {}
        for code, entry in data["countries"].items():
            countries[code] = Country(code, dict(entry["names"]))
            for spelling in [code, *entry.get("spellings", []), *entry["names"].values()]:
                spellings[fold_phrase(str(spelling))] = code
        sheets = {}
        for path in sorted((folder / "rules").glob("*.yaml")):
            sheet = _sheet(yaml.safe_load(path.read_text("utf-8")), path.name)
            sheets[(sheet.citizenship, sheet.country)] = sheet
        return cls(countries, spellings, sheets)

    def country_in(self, text: str) -> tuple[str | None, str | None]:
        """Find a destination (and an optional citizenship after it) in ``RULES`` text."""
        words = fold_phrase(text).split()
        found: list[str] = []
        start = 0
        while start < len(words):
            for end in range(len(words), start, -1):  # longest spelling first
                code = self.spellings.get(" ".join(words[start:end]))
                if code:
                    found.append(code)
                    start = end
                    break
            else:
                start += 1
        destination = found[0] if found else None
        citizenship = next((c for c in found[1:] if c in CITIZENSHIPS), None)
        return destination, citizenship

    def country_name(self, code: str, language: str) -> str:
        country = self.countries.get(code)
        if country is None:
            return code
        return country.names.get(language) or country.names.get("en") or code

    def sheet(self, citizenship: str, country: str) -> RuleSheet | None:
        return self.sheets.get((citizenship, country))


def _sheet(data: dict[str, Any], name: str) -> RuleSheet:
    text = {language: str(data["text"][language]).strip() for language in data["text"]}
    missing = set(LANGUAGES) - set(text)
    if missing:
        raise ValueError(f"{name}: rules text lacks {sorted(missing)}")
    reviewed = data["last_reviewed"]
    if not isinstance(reviewed, dt.date):
        reviewed = dt.date.fromisoformat(str(reviewed))
    return RuleSheet(
        citizenship=str(data["citizenship"]),
        country=str(data["country"]),
        source=str(data["source"]),
        last_reviewed=reviewed,
        review_note=str(data.get("review_note", "")),
        machine_drafted=frozenset(data.get("machine_drafted", [])),
        text=text,
    )
