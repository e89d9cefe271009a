"""Fold words the way people type them, so "Qoʻngʻiroq", "QO'NG'IROQ" and "qongiroq" meet."""

from __future__ import annotations

import re

APOSTROPHES = "ʻʼ‘’'`´ʹ"
_APOSTROPHE_TABLE = str.maketrans("", "", APOSTROPHES)
_LETTER_FIXES = str.maketrans({"ı": "i", "ё": "е"})
_WORD = re.compile(r"[^\s:;,.!?()\"«»“”„]+")


def fold_word(word: str) -> str:
    """Case-fold, drop apostrophe variants, and unify ı/i and ё/е."""
    return word.casefold().translate(_LETTER_FIXES).translate(_APOSTROPHE_TABLE)


def fold_phrase(text: str) -> str:
    """Fold every word of ``text`` and join them with single spaces."""
    return " ".join(fold_word(word) for word in _WORD.findall(text))


def split_first_word(text: str) -> tuple[str, str]:
    """Return the first word and the rest (``"CHECK: Ak-Jol"`` -> ``("CHECK", "Ak-Jol")``)."""
    match = _WORD.search(text)
    if match is None:
        return "", ""
    rest = text[match.end() :].lstrip(" \t\r\n:;,.-—–")
    return match.group(0), rest.strip()
