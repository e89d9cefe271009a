"""Recognise licence numbers by the registry, whatever numbering scheme it uses.

Registries do not share a format (``KG-0145-23``, ``L123-24``, ``РЛ-0456``, ``UZ 00123``,
``№ 045/2024``), and the next import may bring a new one, so no regular expression decides what a
licence number is. Every imported number is folded to comparable forms, and a query is a licence
query when a run of its words folds to one of them. Folding forgets what people vary when they
type a number: case, Latin/Cyrillic look-alikes (``Р`` typed as ``P`` or, transliterated, as
``R``; ``Л`` as ``L``), ``№``/``No``/``N``, spaces, dashes, slashes, dots and zero padding.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from anyascii import anyascii

# How a Cyrillic letter of a licence number is retyped in Latin: by eye (Р as P, Н as H) or by
# sound (Р as R, Н as N, Х as X, as Uzbek Latin writes it, or as KH). Every reading is a form.
_READINGS: dict[str, tuple[str, ...]] = {
    "а": ("a",), "в": ("b", "v"), "е": ("e",), "к": ("k",), "м": ("m",), "н": ("h", "n"),
    "о": ("o",), "р": ("p", "r"), "с": ("c", "s"), "т": ("t",), "у": ("y", "u"),
    "х": ("x", "h", "kh"), "і": ("i",), "ј": ("j",), "ѕ": ("s",), "ԛ": ("q",), "ԝ": ("w",),
}  # fmt: skip
MAX_READINGS = 64  # spellings tried per number; a number with more falls back to two
_NOT_ALNUM = re.compile(r"[\W_]+")
_ZERO_PADDING = re.compile(r"(?<!\d)0+(?=\d)")
# Words that announce a number rather than belong to it.
_ANNOUNCING = re.compile(
    r"^(?:№|#|n|no|nr|num|number|lic\w*|licen[cs]\w*|лиц\w*|litsen\w*|litsenz\w*|ruxsat\w*)$"
)
_GLUED_ANNOUNCER = re.compile(r"^(?:№|#|no\.|n\.|nr\.)\s*(?=\d)", re.IGNORECASE)
_SPLIT = re.compile(r"[\s,;:()\[\]{}\"'«»“”„]+")
_SEPARATOR_ONLY = re.compile(r"^[-–—/.\\|]+$")
MAX_WORDS = 4  # a licence number is written in at most this many space-separated parts


def licence_forms(text: str) -> set[str]:
    """The comparable forms of a licence number as written (empty when it has no digit)."""
    lowered = text.casefold().replace("№", " ")
    forms = set()
    for folded in _readings(lowered):
        folded = folded.casefold()
        # Padding goes from each digit group ("24.05638" = "24.5638") and, once separators are
        # gone, only where digits begin ("СМ2405638" keeps the zero it was typed with).
        for compact in (
            _NOT_ALNUM.sub("", _ZERO_PADDING.sub("", folded)),
            _ZERO_PADDING.sub("", _NOT_ALNUM.sub("", folded)),
        ):
            if any(ch.isdigit() for ch in compact):
                forms.add(compact)
    return forms


def _readings(lowered: str) -> list[str]:
    """Every Latin spelling of a number, one reading per Cyrillic letter (ДХР: dxr, dkhr...)."""
    choices = [_READINGS.get(ch) or (anyascii(ch),) for ch in lowered]
    count = 1
    for options in choices:
        count *= len(options)
    if count > MAX_READINGS:
        by_eye = "".join(options[0] for options in choices)
        by_sound = "".join(options[-1] for options in choices)
        return [by_eye, by_sound, anyascii(lowered)]
    return ["".join(spelling) for spelling in itertools.product(*choices)] + [anyascii(lowered)]


def shape(form: str) -> str:
    """Letters as ``a`` and digit runs as ``9``: ``rl456`` -> ``aa9``."""
    return re.sub(r"\d+", "9", re.sub(r"[^\d]", "a", form))


@dataclass(frozen=True)
class LicenceMention:
    """Where a query names a licence number, and the agencies (by position) it names."""

    start: int
    end: int
    text: str
    agencies: tuple[int, ...]


class LicenceBook:
    """Every licence number of a registry snapshot, in its comparable forms."""

    def __init__(self, numbers: Iterable[tuple[int, str]]) -> None:
        self._agencies: dict[str, list[int]] = {}
        for agency, licence_no in numbers:
            for form in licence_forms(licence_no):
                holders = self._agencies.setdefault(form, [])
                if agency not in holders:
                    holders.append(agency)
        self._shapes = {shape(form) for form in self._agencies}

    def find(self, query: str) -> LicenceMention | None:
        """The longest run of the query's words that is a registered licence number."""
        best: LicenceMention | None = None
        for start, end, text in _runs(query, whole=True):
            if best is not None and end - start <= best.end - best.start:
                continue
            holders: list[int] = []
            for form in licence_forms(text):
                holders += [a for a in self._agencies.get(form, ()) if a not in holders]
            if holders:
                best = LicenceMention(start, end, text, tuple(holders))
        return best

    def shaped_run(self, query: str) -> tuple[int, int] | None:
        """A run of letters and digits shaped like this registry's numbers but not one of them.

        Only runs that mix letters and digits count ("L999-99", "РЛ-0999"): a bare number in a
        name ("Ak-Jol 2000") stays part of the name.
        """
        for start, end, text in _runs(query):
            forms = licence_forms(text)
            if any(not f.isdigit() and shape(f) in self._shapes for f in forms):
                if any(ch.isalpha() for ch in text):
                    return start, end
        return None

    def looks_like_one(self, text: str) -> bool:
        """Whether ``text`` is shaped like this registry's numbers (letters, digit runs)."""
        return any(shape(form) in self._shapes for form in licence_forms(text))


def _runs(query: str, *, whole: bool = False) -> Iterator[tuple[int, int, str]]:
    """Runs of up to ``MAX_WORDS`` words holding a digit.

    ``whole`` keeps only runs that are not part of a longer number: none joined to the word
    before or after by a dash or slash, or followed or preceded by a bare digit group
    ("2025" in "УХ - 9760 - 2025" is no licence «002025»).
    """
    words = [
        (m.start(), m.end())
        for m in re.finditer(r"[^\s,;:()\[\]{}\"'«»“”„]+", query)
        if not _SEPARATOR_ONLY.match(m.group())  # "2021 - KG - 17": the dashes are not words
    ]

    def joined(left: int, right: int, neighbour: int) -> bool:
        gap = query[words[left][1] : words[right][0]]
        word = query[slice(*words[neighbour])]
        if word.isdigit():
            return True
        dashed = _SEPARATOR_ONLY.match(gap.replace(" ", "")) is not None
        return dashed and not _ANNOUNCING.match(word.casefold().strip("."))

    for first in range(len(words)):
        for last in range(first, min(first + MAX_WORDS, len(words))):
            start, end = words[first][0], words[last][1]
            text = query[start:end]
            if not any(ch.isdigit() for ch in text):
                continue
            if whole and (
                (first > 0 and joined(first - 1, first, first - 1))
                or (last + 1 < len(words) and joined(last, last + 1, last + 1))
            ):
                continue
            # An announcing word ("N", "No") is tried as part of the number too: «Н 05541 2023»
            # typed by sound is "N 05541 2023". The run without it is tried as well.
            yield start, end, _GLUED_ANNOUNCER.sub("", text)
