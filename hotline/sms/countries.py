"""The countries people name in a text (``content/countries.yaml``), and finding them there.

Two questions are asked of a text. ``RULES Rossiya UZ`` names a destination, perhaps followed by
a citizenship, anywhere in its words (``in_text``). A text with no keyword that is nothing but a
country ("RUSSIA", "в Россию", "Qozogʻistonga") asks for that country's rules (``alone``): the
README promises rules for a texted country, and such a text names no agency. Only the whole
text counts, so "Russia Travel Service" is still checked as an agency.

The vocabulary is data: every spelling listed in the YAML under the language whose speakers
write it, matched after ``fold_phrase``; no pattern in code is tuned to examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hotline.sms.words import fold_phrase

CONTENT = Path(__file__).parent / "content"
CITIZENSHIPS = ("KG", "UZ")


@dataclass(frozen=True)
class Country:
    code: str
    names: dict[str, str]  # language -> display name


@dataclass(frozen=True)
class CountryMention:
    """A text that names one country and nothing else."""

    code: str
    languages: frozenset[str]  # the one language its spelling belongs to, or none


@dataclass(frozen=True)
class CountryVocabulary:
    countries: dict[str, Country]
    spellings: dict[str, str]  # folded spelling -> code
    spelling_languages: dict[str, frozenset[str]]  # folded spelling -> languages that write it
    filler: frozenset[str]  # folded words that may stand around a country named alone

    @classmethod
    def load(cls, path: Path = CONTENT / "countries.yaml") -> CountryVocabulary:
        data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
        countries: dict[str, Country] = {}
        spellings: dict[str, str] = {}
        languages: dict[str, set[str]] = {}
        for code, entry in data["countries"].items():
            countries[code] = Country(code, dict(entry["names"]))
            listed: list[tuple[str | None, object]] = [(None, code)]
            listed += [(language, name) for language, name in entry["names"].items()]
            listed += [
                (language, spelling)
                for language, words in entry.get("spellings", {}).items()
                for spelling in words
            ]
            for language, spelling in listed:
                key = fold_phrase(str(spelling))
                known = spellings.setdefault(key, code)
                if known != code:
                    raise ValueError(f"country spelling {spelling!r} is {known} and {code}")
                written = languages.setdefault(key, set())
                if language is not None:
                    written.add(language)
        filler = frozenset(
            fold_phrase(str(word)) for words in data.get("filler", {}).values() for word in words
        )
        return cls(countries, spellings, {k: frozenset(v) for k, v in languages.items()}, filler)

    def name(self, code: str, language: str) -> str:
        """The country's display name in ``language`` (English, then the code, if none)."""
        country = self.countries.get(code)
        if country is None:
            return code
        return country.names.get(language) or country.names.get("en") or code

    def in_text(self, text: str) -> tuple[str | None, str | None]:
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

    def alone(
        self, text: str, *, filler: Iterable[str] = (), not_countries: Iterable[str] = ()
    ) -> CountryMention | None:
        """The country ``text`` consists of, around filler and punctuation; else None.

        ``filler`` adds words that may stand around it (the RULES keywords); a spelling in
        ``not_countries`` (folded: the language names, "ru", "uz") does not count alone.
        """
        around = self.filler | {fold_phrase(word) for word in filler}
        refused = {fold_phrase(word) for word in not_countries}
        words = [w for w in fold_phrase(text).split() if any(ch.isalnum() for ch in w)]
        first = 0
        while first < len(words):
            last = len(words)
            while last > first:
                spelling = " ".join(words[first:last])
                code = self.spellings.get(spelling)
                if code is not None:
                    if spelling in refused:
                        return None
                    written = self.spelling_languages[spelling] - {"en"}
                    return CountryMention(code, written if len(written) == 1 else frozenset())
                if words[last - 1] not in around:
                    break
                last -= 1
            if words[first] not in around:
                return None
            first += 1
        return None
