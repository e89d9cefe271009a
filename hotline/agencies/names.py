"""Fold agency names as people write them into comparable word skeletons.

The same agency reaches us as «Аска Тревел», "Aska-Trevel", "ASKA TRAVEL OsOO" or
"аска травел проверка". Matching raw strings cannot tell a transliteration from a different
agency, so every name (registry side and query side alike) goes through one pipeline: fold the
script to Latin, drop what carries no identity (legal forms, the Uzbek "xususiy bandlik
agentligi" phrase, filler words), then reduce each word to a phonetic skeleton in which the usual
spelling variants (zh/j/dj, kh/h/x, q/k, y/i, doubled letters, English loanwords spelled in
Cyrillic) coincide. Identity is decided later, word by word, in ``alignment``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from anyascii import anyascii
from rapidfuzz.distance import OSA

from hotline.agencies.vocabulary import (
    FILLER_WORDS,
    GENERIC_WORDS,
    LEGAL_FORMS,
    LOANWORDS,
    UZBEK_PHRASE,
)

# Uzbek oʻ/gʻ are written with any of these, or with nothing: they are deleted, never spaced.
_APOSTROPHES = "'`´ʹʻʼʽ‘’‛′"
# Quotes and symbols that separate words but never belong to a name.
_SEPARATORS = '«»"“”„‟‹›「」『』&+_|\\/,;:!?()[]{}<>*#@=~^%$'

# Letters whose anyascii reading is not how Kyrgyz/Uzbek Latin writes them. Uzbek ў is oʻ
# (anyascii says u), ғ is gʻ (anyascii says gh); Turkic-style Latin letters are spelled out.
_LETTER_FIXES = str.maketrans(
    {
        "ў": "o",
        "ғ": "g",
        "қ": "q",
        "ҳ": "h",
        "ң": "ng",
        "ө": "o",
        "ү": "u",
        "ё": "yo",
        "ъ": "",
        "ь": "",
        "ş": "sh",
        "ç": "ch",
        "ğ": "g",
        "ı": "i",
        "ñ": "ng",
        "ä": "a",
        "ә": "a",
        "ұ": "u",
        "і": "i",
    }
    | {ch: "" for ch in _APOSTROPHES}
    | {ch: " " for ch in _SEPARATORS}
)

# Letters that look alike across scripts; a word mixing scripts is read in its majority script.
_LATIN_LOOKALIKES = "ABEKMHOPCTYXaeopcyxkmt"
_CYRILLIC_LOOKALIKES = "АВЕКМНОРСТУХаеорсухкмт"
# anyascii's reading of every lower-case Cyrillic and accented Latin letter, as one table:
# str.translate is far cheaper than a call per name when building a 100,000-name index.
_ASCII_LETTERS = str.maketrans(
    {
        chr(cp): anyascii(chr(cp)).lower()
        for cp in (*range(0x00C0, 0x0250), *range(0x0400, 0x0530))
        if chr(cp).islower()
    }
)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")

# SMS "translit" digits inside a word (ma4ta, 9rmarka); digit-only words stay numbers.
_SMS_DIGITS = str.maketrans({"4": "ch", "9": "ya", "3": "z", "0": "o"})
_WORD = re.compile(r"[a-z0-9]+")

# Spelling variants that must coincide, longest first (regex alternation takes the first hit).
_SPELLING = {
    "tzh": "tj",  # т + ж («Лөтжең»), not German tz + h
    "tsh": "tS",  # т + ш («Ситтшон»), not ts + h
    "shch": "S",
    "sch": "S",
    "sh": "S",
    "ch": "C",
    "ddzh": "j",
    "ddj": "j",
    "dzh": "j",
    "dj": "j",
    "zh": "j",
    "kh": "h",
    "gh": "g",
    "ph": "f",
    "th": "t",
    "ts": "s",
    "tz": "s",
    "ck": "k",
    "ng": "n",
    "oe": "o",
    "ue": "u",
    "x": "h",
    "q": "k",
    "w": "v",
    "y": "i",
}
_SPELLING_RE = re.compile("|".join(sorted(_SPELLING, key=len, reverse=True)) + "|c")
_DOUBLED = re.compile(r"(.)\1+")
# Kyrgyz й is written j too (Kajrat = Kairat, Bijik = Biyik): after a vowel and before a
# consonant or i, j is read as й, not ж.
_J_AS_Y = re.compile(r"(?<=[aeiou])j(?=[^aeou]|$)")


_RUSSIAN_KEYBOARD = str.maketrans("ўЎ", "уУ")
_UZBEK_O = re.compile("([oO])[" + _APOSTROPHES + "]")


def keyboard_spellings(name: str) -> tuple[str, ...]:
    """An Uzbek name as typed on a Russian keyboard, which has у but no ў: «Йўл» -> "Йул".

    Every other letter it lacks (қ ғ ҳ) folds onto its stand-in anyway; ў, written oʻ in
    Latin, folds onto o while the stand-in у is u, so the registry keeps that spelling too.
    """
    spellings = []
    if "ў" in name.lower():
        spellings.append(name.translate(_RUSSIAN_KEYBOARD))
    latin = _UZBEK_O.sub(lambda m: "u" if m.group(1) == "o" else "U", name)
    if latin != name:
        spellings.append(latin)
    return tuple(spellings)


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_latin(ch: str) -> bool:
    return ch.isascii() or "\u00c0" <= ch <= "\u024f"


def _one_script(match: re.Match[str]) -> str:
    """Read a word that mixes scripts in its majority script (Cyrillic о in "Glоbal")."""
    word = match.group()
    if word.isascii() or not _ASCII_LETTER.search(word):
        return word
    cyrillic = [ch for ch in word if _is_cyrillic(ch)]
    latin = [ch for ch in word if _is_latin(ch)]
    if not cyrillic or not latin:
        return word
    strong_cyrillic = sum(ch not in _CYRILLIC_LOOKALIKES for ch in cyrillic)
    strong_latin = sum(ch not in _LATIN_LOOKALIKES for ch in latin)
    if (strong_cyrillic, len(cyrillic)) > (strong_latin, len(latin)):
        return word.translate(_TO_CYRILLIC)
    return word.translate(_TO_LATIN)


def fold_script(text: str) -> str:
    """Return ``text`` as lower-case ASCII, spelled the way Kyrgyz/Uzbek Latin spells it.

    Apostrophes vanish (Sogʻdiyona = Sog'diyona = Sogdiyona), quotes and punctuation become
    spaces, and dots vanish so that "M.Ch.J." reads as the legal form "mchj".
    """
    text = unicodedata.normalize("NFKC", text)
    if _ASCII_LETTER.search(text) and _CYRILLIC_LETTER.search(text):
        text = _LETTER_RUN.sub(_one_script, text)
    text = text.lower().translate(_LETTER_FIXES).translate(_ASCII_LETTERS)
    if not text.isascii():
        text = anyascii(text).lower()
    return text.replace(".", "").replace("'", "")


def _spell_one(match: re.Match[str]) -> str:
    found = match.group()
    if found == "c":  # c is s before a front vowel (Center), k elsewhere (Capital)
        following = match.string[match.end() : match.end() + 1]
        return "s" if following in ("e", "i", "y") else "k"
    return _SPELLING[found]


@lru_cache(maxsize=200_000)
def _spelling_skeleton(word: str) -> str:
    """Reduce one folded word to the letters that survive every usual transliteration."""
    if not word.isdigit():
        word = word.translate(_SMS_DIGITS)
    skeleton = _SPELLING_RE.sub(_spell_one, word)
    skeleton = _J_AS_Y.sub("i", skeleton).replace("iu", "u")
    if skeleton.startswith("ie"):
        skeleton = skeleton[1:]
    return _DOUBLED.sub(r"\1", skeleton)


def _skeletons_of(words: str) -> list[str]:
    return [_spelling_skeleton(w) for w in _WORD.findall(fold_script(words))]


_LOANWORD_CANONICAL: dict[str, str] = {}
_LOANWORD_SPELLINGS: dict[str, frozenset[str]] = {}
for _english, _variants in LOANWORDS.items():
    _canonical = _spelling_skeleton(_english)
    _spellings = {_canonical, *(s for v in _variants for s in _skeletons_of(v))}
    _LOANWORD_SPELLINGS[_canonical] = frozenset(_spellings)
    _LOANWORD_CANONICAL |= dict.fromkeys(_spellings, _canonical)


def canonical(skeleton: str) -> str:
    """Return a loanword skeleton in its canonical spelling (trevel -> travel), else itself."""
    return _LOANWORD_CANONICAL.get(skeleton, skeleton)


def spellings(skeleton: str) -> frozenset[str]:
    """Return every known spelling of a canonical word, so a typo is measured from the nearest."""
    return _LOANWORD_SPELLINGS.get(skeleton) or frozenset((skeleton,))


@lru_cache(maxsize=200_000)
def word_skeleton(word: str) -> str:
    """Return the skeleton of one folded word, with loanwords in their canonical spelling."""
    return canonical(_spelling_skeleton(word))


def glue(skeletons: Iterable[str]) -> str:
    """Run word skeletons together as one word would be spelled ("ak" + "kol" -> "akol")."""
    return _DOUBLED.sub(r"\1", "".join(skeletons))


_GENERIC = frozenset(canonical(s) for s in _skeletons_of(GENERIC_WORDS))
_FILLERS = frozenset(canonical(s) for s in _skeletons_of(FILLER_WORDS))
_LONG_FILLERS: dict[int, list[str]] = {}
for _filler in sorted(f for f in _FILLERS if len(f) >= 6):
    _LONG_FILLERS.setdefault(len(_filler), []).append(_filler)
_PHRASE = tuple(word_skeleton(w) for w in UZBEK_PHRASE)
_PHRASE_WORDS = frozenset(_PHRASE)


def is_generic(skeleton: str) -> bool:
    """Tell whether a word skeleton describes a trade (travel, service...) rather than a name."""
    return skeleton in _GENERIC


_GENERIC_SPELLINGS = tuple(sorted({s for word in _GENERIC for s in spellings(word)}))


@lru_cache(maxsize=50_000)
def near_generic(skeleton: str) -> bool:
    """Tell whether a word of five letters or more is one typo from a trade word ("Serivs")."""
    return len(skeleton) >= 5 and any(
        OSA.distance(skeleton, s, score_cutoff=1) <= 1 for s in _GENERIC_SPELLINGS
    )


def _in_uzbek_phrase(skeletons: list[str], i: int) -> bool:
    """Tell whether word ``i`` is a mistyped word of "xususiy bandlik agentligi" in place.

    Beside an intact word of the phrase, two typos are forgiven ("Xuussiy Bandlik").
    """
    for place, expected in enumerate(_PHRASE):
        if OSA.distance(skeletons[i], expected, score_cutoff=2) > 2:
            continue
        before = place > 0 and i > 0 and skeletons[i - 1] == _PHRASE[place - 1]
        after = place < 2 and i + 1 < len(skeletons) and skeletons[i + 1] == _PHRASE[place + 1]
        if before or after:
            return True
    return False


def _looks_like_legal_form(word: str, legal_forms: frozenset[str]) -> bool:
    """Tell whether a folded word looks like a mistyped legal form ("ЖК", "ЧЖК", "OsOOO").

    That is: a single letter, one typo from a legal form of four letters or more, or one
    typo in skeleton from one of three sounds or more. Such words are never removed from a name
    (that is how «Ала-Тоо» would lose "Тоо"); the matcher only forgives them when they are left
    over before or after every matched word, where legal forms stand.
    """
    if len(word) == 1:
        return True
    if len(word) > 8:
        return False
    if any(OSA.distance(word, form, score_cutoff=1) <= 1 for form in legal_forms if len(form) >= 4):
        return True
    skeleton = _spelling_skeleton(word)
    return any(
        OSA.distance(skeleton, form, score_cutoff=1) <= 1
        for form in map(_spelling_skeleton, legal_forms)
        if len(form) >= 3
    )


class Word(NamedTuple):
    """One word of a name: its skeleton, how it was spelled, and what kind of word it is.

    A tuple rather than a class instance, so the garbage collector stops tracking the tens of
    thousands of them an index holds.
    """

    skeleton: str
    spelled: str  # folded as written: a typo inside "sh" or "өө" shows here, not in the skeleton
    generic: bool
    legal_like: bool

    @property
    def identifying(self) -> bool:
        """Whether the word can identify an agency: no trade word, no mistyped legal form."""
        return not (self.generic or self.legal_like)


@dataclass(frozen=True)
class NameForm:
    """A name reduced to the words that carry its identity, in written order."""

    parts: tuple[Word, ...]

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The skeletons, which is what names are compared by."""
        return tuple(part.skeleton for part in self.parts)

    @cached_property
    def generic(self) -> tuple[bool, ...]:
        return tuple(part.generic for part in self.parts)

    @cached_property
    def identifying(self) -> tuple[bool, ...]:
        return tuple(part.identifying for part in self.parts)

    @property
    def key(self) -> str:
        """The words run together, so that "Ak-Jol", "Ak Jol" and "Akjol" share one key."""
        return "".join(self.words)

    @property
    def packed(self) -> tuple[str, str]:
        """The form as two strings, skeletons and spellings, for compact storage."""
        return " ".join(self.words), " ".join(part.spelled for part in self.parts)

    @classmethod
    def unpack(cls, skeletons: str, spelled: str) -> NameForm:
        """Rebuild a registry name's form from ``packed`` (registry words are never legal-like)."""
        return cls(
            tuple(
                Word(skeleton, spelling, skeleton in _GENERIC, legal_like=False)
                for skeleton, spelling in zip(skeletons.split(), spelled.split(), strict=True)
            )
        )


class NameReader:
    """Read names as written in the given countries, remembering what each word turned into.

    Legal forms are dropped by exact folded match, fillers by skeleton; if that would leave
    nothing (a name that is only "Agency"), the words are kept rather than lost. Word analyses
    are memoised because registry names repeat words heavily (100,000 names, ~30,000 words);
    the memo is bounded, and safe to share between threads (a race only repeats the work).
    """

    _MEMO_LIMIT = 500_000

    def __init__(self, countries: Iterable[str]) -> None:
        self.legal_forms = frozenset(
            word
            for country in countries
            for form in LEGAL_FORMS[country]
            for word in _WORD.findall(fold_script(form))
        )
        legal = {_spelling_skeleton(form) for form in self.legal_forms}
        # A legal form's sound-alikes are noise only from three letters on: «Ай» sounds like
        # АЖ, and a name word must not vanish for it (АЖ itself goes as an exact legal form).
        self.noise = _FILLERS | {form for form in legal if len(form) >= 3}
        self._noise_by_head: dict[str, list[str]] = {}
        for word in self.noise:
            self._noise_by_head.setdefault(word[:2], []).append(word)
        self._memo: dict[str, tuple[Word, bool]] = {}
        self._registry_memo: dict[str, tuple[Word, bool]] = {}

    def _is_noise(self, skeleton: str) -> bool:
        """Fillers match exactly, glued in pairs ("xususiybandlik", "agentligimchj"), or within
        one typo when long enough to be unmistakable. Glued pieces have three letters or more:
        two short fillers run together ("bu" + "is") make a name word («Буис»), not noise."""
        if skeleton in self.noise:
            return True
        for head in self._noise_by_head.get(skeleton[:2], ()):
            rest = skeleton[len(head) :]
            if (
                len(head) >= 3
                and len(rest) >= 3
                and skeleton.startswith(head)
                and rest in self.noise
            ):
                return True
        return len(skeleton) >= 6 and any(
            OSA.distance(skeleton, f, score_cutoff=1) <= 1
            for size in (len(skeleton) - 1, len(skeleton), len(skeleton) + 1)
            for f in _LONG_FILLERS.get(size, ())
        )

    def forget(self) -> None:
        """Drop the registry-word memo: it speeds up a bulk build, then only holds memory."""
        self._registry_memo = {}

    def _read(self, folded: str, registry: bool = False) -> tuple[Word, bool]:
        """Return a folded word as a Word, and whether it is noise (filler or legal form).

        Registry words skip the mistyped-legal-form test, which only ever forgives query words.
        """
        memo = self._registry_memo if registry else self._memo
        known = memo.get(folded)
        if known is None:
            skeleton = word_skeleton(folded)
            legal_like = not registry and _looks_like_legal_form(folded, self.legal_forms)
            known = (
                Word(skeleton, folded, skeleton in _GENERIC, legal_like),
                self._is_noise(skeleton),
            )
            if len(memo) > self._MEMO_LIMIT:
                memo.clear()
            memo[folded] = known
        return known

    def form(self, text: str, *, registry: bool = False) -> NameForm:
        """Reduce a texted query, or a registry name, to its identifying words."""
        folded = _WORD.findall(fold_script(text))
        kept = [w for w in folded if w not in self.legal_forms] or folded
        read = [self._read(w, registry) for w in kept]
        skeletons = [word.skeleton for word, _ in read]
        phrase = not _PHRASE_WORDS.isdisjoint(skeletons)
        useful = [
            word
            for i, (word, noise) in enumerate(read)
            if not (noise or (phrase and _in_uzbek_phrase(skeletons, i)))
        ] or [word for word, _ in read]
        return NameForm(tuple(useful))

    def segments(self, folded: str, closeness: Callable[[str], int | None]) -> list[Word] | None:
        """Split a glued word ("zumradjob", "agentligimchj") into known words, dropping noise.

        ``closeness`` tells how many typos separate a skeleton from a known word (None: no
        known word is near). Cuts are made in the folded spelling, before "dj" or "ue" can
        swallow the seam. Noise pieces go only from four letters on ("mchj", "agentligi"): a
        short filler cut off a word («Борполли» as "bor" + ..., «Айбачол» as "ai" + ...) would
        turn an unknown name into a registered one. Of all splits into at most three parts,
        each a known word or noise, with at most one typo in all, the one with fewest typos and
        most known letters wins. Returns None when there is no such split, or when every piece
        is noise.
        """
        best: tuple[tuple[int, int, int], list[Word]] | None = None
        for pieces in _splits(folded, 3):
            words: list[Word] = []
            typos = letters = 0
            for piece in pieces:
                word, noise = self._read(piece)
                if noise and len(piece) >= _LEAST_GLUED_NOISE:
                    continue
                edits = closeness(word.skeleton)
                if edits is None:
                    break
                typos += edits
                letters += len(piece)
                words.append(word._replace(legal_like=False))  # "лад" cut off «Ладлесгор» is no Ltd
            else:
                rank = (typos, -letters, len(pieces))
                if words and typos <= 1 and (best is None or rank < best[0]):
                    best = (rank, words)
        return None if best is None else best[1]


_LEAST_GLUED_NOISE = 4


def _splits(folded: str, most: int) -> Iterator[list[str]]:
    """Every way to cut a word into at most ``most`` pieces of two letters or more."""
    yield [folded]
    if most > 1:
        for cut in range(2, len(folded) - 1):
            for rest in _splits(folded[cut:], most - 1):
                yield [folded[:cut], *rest]
