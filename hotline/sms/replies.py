"""Reply texts per language (``content/replies.yaml``) and fitting them into three segments.

The same texts answer on the public ``/verify`` page and the API, which also speak English
(``PAGE_LANGUAGES``) and head each answer with the verdict in words (``heading``), never a
machine code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hotline.config import LANGUAGES
from hotline.sms.segments import GSM7, count_segments, is_gsm7

CONTENT = Path(__file__).parent / "content"
MAX_SEGMENTS = 3
PAGE_LANGUAGES = (*LANGUAGES, "en")  # the public page and API; SMS replies use LANGUAGES
# Typographic characters with a GSM-7 twin: Uzbek oʻ/gʻ are written o'/g' when that keeps a
# message in GSM-7 (160 characters a segment instead of 70).
_GSM_TWINS = str.maketrans(
    {
        "ʻ": "'",
        "ʼ": "'",
        "‘": "'",
        "’": "'",
        "`": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "…": "...",
    }
)


def fit_sms(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """Return ``text`` in GSM-7 when twins allow it, cut to ``max_segments`` if still longer."""
    twin = text.translate(_GSM_TWINS)
    if is_gsm7(twin):
        text = twin
    if count_segments(text).segments <= max_segments:
        return text
    ellipsis = "..." if count_segments(text).encoding == GSM7 else "…"
    low, high = 0, len(text)
    while low < high:  # longest prefix that still fits with the ellipsis
        middle = (low + high + 1) // 2
        if count_segments(text[:middle].rstrip() + ellipsis).segments <= max_segments:
            low = middle
        else:
            high = middle - 1
    if low < len(text) and not text[low].isspace():  # the cut falls inside a word: drop it
        space = text.rfind(" ", 0, low)
        if space > low // 2:
            low = space
    return text[:low].rstrip(" ,;:-") + ellipsis


def _texts(data: dict[str, Any], section: str, languages: tuple[str, ...]) -> dict[str, Any]:
    texts = {key: dict(per_language) for key, per_language in data.get(section, {}).items()}
    for key, per_language in texts.items():
        missing = set(languages) - set(per_language)
        if missing:
            raise ValueError(f"{section} {key!r} lacks {sorted(missing)}")
    return texts


@dataclass(frozen=True)
class ReplyBook:
    templates: dict[str, dict[str, str]]
    headings: dict[str, dict[str, str]]  # verdict -> the page's heading, per page language
    standings: dict[str, dict[str, str]]  # an agency's standing in a list, per page language

    @classmethod
    def load(cls, path: Path = CONTENT / "replies.yaml") -> ReplyBook:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            _texts(data, "replies", LANGUAGES),
            _texts(data, "headings", PAGE_LANGUAGES),
            _texts(data, "standings", PAGE_LANGUAGES),
        )

    def text(self, key: str, language: str, **values: object) -> str:
        texts = self.templates[key]
        return texts.get(language, texts["ru"]).format(**values)

    def heading(self, key: str, language: str, **values: object) -> str:
        texts = self.headings[key]
        return texts.get(language, texts["ru"]).format(**values)

    def standing(self, key: str, language: str) -> str:
        texts = self.standings[key]
        return texts.get(language, texts["ru"])
