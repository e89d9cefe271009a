"""Retype a name in the other script the way people do, and compare words for labelling.

The synthetic registries (``synthetic``) and their queries (``synthetic_queries``) need two
things from spelling: to produce the variants a person types (one transliteration scheme per
message, with a stray letter from another scheme now and then), and to tell whether two
words are the same, one typo apart, or far apart, so that every query is labelled with the
answer a careful person would give. Both are written here on purpose without
``hotline.agencies.names``: an instrument that folded names with the matcher's own code would
measure the matcher against itself.
"""

from __future__ import annotations

import random
import re
import unicodedata

from anyascii import anyascii

# Kyrgyz and Russian Cyrillic in Latin. Every letter's options, as DOMAIN.md lists them; a
# scheme is the first choice of each, a message keeps its scheme and strays now and then.
_CYRILLIC_OPTIONS: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
    "ё": ("yo", "io", "e"), "ж": ("j", "zh", "dj"), "з": ("z",), "и": ("i",),
    "й": ("y", "i", "j"), "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",),
    "ң": ("ng", "n", "ñ"), "о": ("o",), "ө": ("o", "ö", "oe"), "п": ("p",), "р": ("r",),
    "с": ("s",), "т": ("t",), "у": ("u",), "ү": ("u", "ü", "yu"), "ф": ("f",),
    "х": ("h", "kh", "x"), "ц": ("ts", "c"), "ч": ("ch",), "ш": ("sh",),
    "щ": ("shch", "sch", "sh"), "ъ": ("",), "ы": ("y", "i"), "ь": ("",), "э": ("e",),
    "ю": ("yu", "iu", "ju"), "я": ("ya", "ia", "ja"),
}  # fmt: skip
CYRILLIC_SCHEMES: dict[str, dict[str, str]] = {
    # Kyrgyz school Latin: ж j, ң ng, ө ö, ү ü.
    "kyrgyz": {"ж": "j", "ң": "ng", "ө": "ö", "ү": "ü", "х": "h", "й": "y", "ы": "y"},
    # Russian passport style: ж zh, х kh, the Kyrgyz letters lose their marks.
    "russian": {"ж": "zh", "ң": "n", "ө": "o", "ү": "u", "х": "kh", "й": "y", "ы": "y"},
    # A phone keyboard without diacritics, English habits: j, x, oe, yu, c.
    "english": {"ж": "j", "ң": "ng", "ө": "oe", "ү": "yu", "х": "x", "й": "i", "ц": "c"},
    # Plain ASCII, each letter its simplest Latin letter.
    "plain": {"ж": "j", "ң": "n", "ө": "o", "ү": "u", "х": "h", "й": "i", "ы": "i", "я": "ia"},
}
STRAY = 0.12  # chance that one letter of a message is spelled in another scheme's way

# Uzbek Cyrillic and Uzbek Latin, letter for letter (the 1995 alphabet).
_UZ_CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts",
    "ч": "ch", "ш": "sh", "ъ": "ʼ", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "oʻ",
    "қ": "q", "ғ": "gʻ", "ҳ": "h",
}  # fmt: skip
_UZ_LATIN_DIGRAPHS = {
    "oʻ": "ў", "gʻ": "ғ", "sh": "ш", "ch": "ч", "ya": "я", "yo": "ё", "yu": "ю", "ts": "ц",
}  # fmt: skip
_UZ_LATIN_LETTERS = dict(zip("abcdefghijklmnopqrstuvxyz", "абкдефгҳижклмнопқрстувхйз", strict=True))
# Uzbek Cyrillic typed on a Russian keyboard, which lacks ў ғ қ ҳ.
_RUSSIAN_KEYBOARD = str.maketrans("ўғқҳЎҒҚҲ", "угкхУГКХ")
# Uzbek Cyrillic in Latin by someone schooled in Russian: k for қ, kh for х, u for ў.
_UZ_RUSSIAN_STYLE = {"қ": "k", "х": "kh", "ў": "u", "ғ": "g", "ҳ": "h", "ж": "zh"}

# Invented English-style words in Cyrillic, as an ad in Bishkek would spell them.
_ENGLISH_DIGRAPHS = {
    "sh": ("ш",), "ch": ("ч",), "th": ("т", "с"), "ck": ("к",), "ph": ("ф",), "ee": ("и",),
    "oo": ("у",), "ay": ("эй", "ей"), "ey": ("ей", "и"), "ow": ("оу", "ау"), "wh": ("у", "в"),
}  # fmt: skip
_ENGLISH_LETTERS: dict[str, tuple[str, ...]] = {
    "a": ("а", "э"), "b": ("б",), "c": ("к",), "d": ("д",), "e": ("е", "э"), "f": ("ф",),
    "g": ("г",), "h": ("х",), "i": ("и",), "j": ("дж",), "k": ("к",), "l": ("л",),
    "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",), "q": ("к",), "r": ("р",), "s": ("с",),
    "t": ("т",), "u": ("а", "у"), "v": ("в",), "w": ("в", "у"), "x": ("кс",), "y": ("и", "й"),
    "z": ("з",),
}  # fmt: skip

UZ_APOSTROPHES = ("ʻ", "'", "`", "’", "‘", "ʼ", "")

# Letters that look the same in Latin and Cyrillic capitals: a registry clerk or a phone
# keyboard puts either in a licence number.
LATIN_TWINS = "ABCEHKMOPTXY"
CYRILLIC_TWINS = "АВСЕНКМОРТХУ"
TO_CYRILLIC_TWIN = dict(zip(LATIN_TWINS, CYRILLIC_TWINS, strict=True))
TO_LATIN_TWIN = dict(zip(CYRILLIC_TWINS, LATIN_TWINS, strict=True))
# How a capital letter of a licence number is retyped by sound on the other keyboard.
TO_LATIN_SOUND = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "З": "Z", "И": "I",
    "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S",
    "Т": "T", "У": "U", "Ф": "F", "Х": "X",
}  # fmt: skip
TO_CYRILLIC_SOUND = {
    "A": "А", "B": "Б", "D": "Д", "E": "Е", "F": "Ф", "G": "Г", "I": "И", "K": "К", "L": "Л",
    "M": "М", "N": "Н", "O": "О", "P": "П", "R": "Р", "S": "С", "T": "Т", "U": "У", "V": "В",
    "X": "Х", "Z": "З",
}  # fmt: skip


def is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def _cased(latin: str, like: str) -> str:
    if not like.isupper():
        return latin
    return latin.capitalize()


def cyrillic_to_latin(text: str, rng: random.Random, scheme: str | None = None) -> str:
    """Spell Kyrgyz or Russian Cyrillic in Latin, in one scheme with an occasional stray."""
    chosen = CYRILLIC_SCHEMES[scheme or rng.choice(sorted(CYRILLIC_SCHEMES))]
    stray = {
        letter: rng.choice(options)
        for letter, options in _CYRILLIC_OPTIONS.items()
        if len(options) > 1 and rng.random() < STRAY
    }
    out = []
    for ch in text:
        low = ch.lower()
        if low not in _CYRILLIC_OPTIONS:
            out.append(ch)
            continue
        latin = stray.get(low) or chosen.get(low) or _CYRILLIC_OPTIONS[low][0]
        out.append(_cased(latin, ch))
    return "".join(out)


def uzbek_cyrillic_to_latin(text: str, rng: random.Random) -> str:
    """Spell Uzbek Cyrillic in Uzbek Latin, with any apostrophe, or Russian-schooled."""
    mark = rng.choice(UZ_APOSTROPHES)
    russian = rng.random() < 0.25
    out = []
    for i, ch in enumerate(text):
        low = ch.lower()
        latin = _UZ_RUSSIAN_STYLE.get(low) if russian else None
        if latin is None:
            latin = _UZ_CYRILLIC_TO_LATIN.get(low)
        if latin is None:
            out.append(ch)
            continue
        if low == "е" and (i == 0 or not text[i - 1].isalpha()):
            latin = "ye"
        out.append(_cased(latin.replace("ʻ", mark), ch))
    return "".join(out)


def uzbek_latin_to_cyrillic(
    text: str, rng: random.Random, *, russian_keyboard: bool | None = None
) -> str:
    """Spell Uzbek Latin in Uzbek Cyrillic, or as typed on a Russian keyboard (no ў ғ қ ҳ)."""
    source = text
    for mark in UZ_APOSTROPHES[1:-1]:
        source = source.replace(mark, "ʻ")
    out, i = [], 0
    while i < len(source):
        pair = source[i : i + 2]
        if pair.lower() in _UZ_LATIN_DIGRAPHS and source[i + 2 : i + 3] != "ʻ":  # yoʻl: й-ў-л
            out.append(_cased(_UZ_LATIN_DIGRAPHS[pair.lower()], pair[0]))
            i += 2
            continue
        ch = source[i]
        if ch == "ʻ":
            i += 1
            continue
        letter = _UZ_LATIN_LETTERS.get(ch.lower())
        if letter is not None and ch.lower() == "e" and (i == 0 or not source[i - 1].isalpha()):
            letter = "э"
        out.append(ch if letter is None else letter.upper() if ch.isupper() else letter)
        i += 1
    cyrillic = "".join(out)
    if russian_keyboard is None:
        russian_keyboard = rng.random() < 0.3
    return cyrillic.translate(_RUSSIAN_KEYBOARD) if russian_keyboard else cyrillic


def english_to_cyrillic(text: str, rng: random.Random) -> str:
    """Spell an English-style Latin name in Cyrillic, by sound, as ads in Bishkek do."""
    out, i = [], 0
    while i < len(text):
        pair = text[i : i + 2]
        options = _ENGLISH_DIGRAPHS.get(pair.lower())
        step = 2
        if options is None:
            options = _ENGLISH_LETTERS.get(text[i].lower())
            step = 1
        if options is None:
            out.append(text[i])
        else:
            cyrillic = options[0] if rng.random() < 0.7 else rng.choice(options)
            out.append(cyrillic.capitalize() if text[i].isupper() else cyrillic)
        i += step
    return "".join(out)


# ---- comparing words, for labels -------------------------------------------------------------

_FOLD_FIRST = str.maketrans(
    {"ў": "o", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ү": "u", "ҳ": "h", "ё": "e", "э": "e"}
    | {mark: "" for mark in "ʻ'`’‘ʼ"}
)
_SOUNDS = [
    ("shch", "S"), ("sch", "S"), ("sh", "S"), ("ch", "C"), ("dzh", "j"), ("dj", "j"),
    ("zh", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("ts", "s"), ("ck", "k"),
    ("ng", "n"), ("oe", "o"), ("ue", "u"), ("x", "h"), ("q", "k"), ("w", "v"), ("y", "i"),
    ("c", "k"), ("iu", "u"), ("ju", "u"), ("ia", "a"), ("ja", "a"), ("ie", "e"), ("ee", "i"),
    ("oo", "u"),
]  # fmt: skip
_SOUND_RE = re.compile("|".join(re.escape(spelled) for spelled, _ in _SOUNDS))
_SOUND_OF = dict(_SOUNDS)
_DOUBLED = re.compile(r"(.)\1+")
_NOT_LETTER = re.compile(r"[^a-z]")


def skeleton(word: str) -> str:
    """Reduce a word to letters every usual transliteration keeps (Жол = Jol = Zhol = jol).

    Coarser than a person's judgement on purpose: labels built on it call two words the same
    only when nobody could tell them apart, and "far apart" only when they are.
    """
    text = unicodedata.normalize("NFKC", word).lower().translate(_FOLD_FIRST)
    text = _NOT_LETTER.sub("", anyascii(text).lower())
    text = _SOUND_RE.sub(lambda m: _SOUND_OF[m.group()], text)
    return _DOUBLED.sub(r"\1", text)
