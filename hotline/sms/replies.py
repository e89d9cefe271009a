"""Reply texts per language (``content/replies.yaml``) and fitting them into three segments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hotline.config import LANGUAGES
from hotline.sms.segments import GSM7, count_segments, is_gsm7

CONTENT = Path(__file__).parent / "content"
MAX_SEGMENTS = 3
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
    return text[:low].rstrip() + ellipsis


@dataclass(frozen=True)
class ReplyBook:
    templates: dict[str, dict[str, str]]

    @classmethod
    def load(cls, path: Path = CONTENT / "replies.yaml") -> ReplyBook:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        templates = {key: dict(texts) for key, texts in data["replies"].items()}
        for key, texts in templates.items():
            missing = set(LANGUAGES) - set(texts)
            if missing:
                raise ValueError(f"reply {key!r} lacks {sorted(missing)}")
        return cls(templates)

    def text(self, key: str, language: str, **values: object) -> str:
        texts = self.templates[key]
        return texts.get(language, texts["ru"]).format(**values)
