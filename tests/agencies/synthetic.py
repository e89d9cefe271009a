"""Build a fictional agency registry from a seed: a registry the agency check has never seen.

Issue 14 asks that the matcher be measured on registries it was not tuned on, so every seed
gives a new one, built the way real Kyrgyz and Uzbek registries are: names made of invented
words in five styles (Kyrgyz Cyrillic, Uzbek Latin with oʻ gʻ, Uzbek Cyrillic, Russian,
English), legal forms before or after, the Uzbek phrase "xususiy bandlik agentligi" or XBA, an
alias in the other script now and then; **families** of agencies sharing one or two head words,
with generic tails (Travel, Сервис, Kadr...) and distinctive ones, some siblings revoked or
suspended, a sibling now and then registered in the other script; and **licence numbers in
every format at once** (KG-0145-23, L123-24, РЛ-0456, UZ 00123, № 045/2024, 2024-KG-17,
014523, AB1234, 145-23, 1001/24) plus two formats invented for the seed, with Latin and
Cyrillic look-alike letters mixed as clerks type them.

Every word is invented from syllables (nothing comes from a real registry), and any two
invented words are at least three edits apart once transliteration is folded away, so the
labels the queries carry (``synthetic_queries``) are never in doubt.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import process
from rapidfuzz.distance import OSA

from hotline.agencies.matching import RegistryName
from hotline.agencies.verify import AgencyFacts
from hotline.agencies.vocabulary import FILLER_WORDS, GENERIC_WORDS, LEGAL_FORMS, LOANWORDS
from hotline.models import LicenceStatus

from .transliteration import (
    TO_CYRILLIC_TWIN,
    TO_LATIN_TWIN,
    cyrillic_to_latin,
    english_to_cyrillic,
    is_cyrillic,
    skeleton,
    uzbek_cyrillic_to_latin,
    uzbek_latin_to_cyrillic,
)


class Style(enum.StrEnum):
    """How an agency's name is written: its language, script and legal forms."""

    KYRGYZ = "kg"  # Kyrgyz Cyrillic, ОсОО / ЖЧК
    UZBEK_LATIN = "uz"  # Uzbek Latin with oʻ gʻ, MChJ / XK, xususiy bandlik agentligi
    UZBEK_CYRILLIC = "uz-cyr"  # Uzbek Cyrillic with ў ғ қ ҳ, МЧЖ / ХК, хусусий бандлик агентлиги
    RUSSIAN = "ru"  # Russian Cyrillic, ООО
    ENGLISH = "en"  # English-style Latin, LLC / Ltd


STYLE_WEIGHTS = {
    Style.KYRGYZ: 35,
    Style.UZBEK_LATIN: 25,
    Style.UZBEK_CYRILLIC: 15,
    Style.RUSSIAN: 12,
    Style.ENGLISH: 13,
}

# Invented, plainly fictional name parts: syllables, and short words for two-word heads.
SYLLABLES: dict[Style, tuple[str, ...]] = {
    Style.KYRGYZ: tuple(
        "ак ай бек жан нур тал сай кур бол мир ас ыл ар ман тур кан дөө лөт эр кин са да ры ба "
        "ты ке ме ле чол пон үл гү өр нек күм түн тем жал зар ис кул мүр сы доо ко сар ур жең "
        "ың төр ча шар бу".split()
    ),
    Style.UZBEK_LATIN: tuple(
        "bo ri sha hon dil zo ra gul nav ro mir ja lol qa sim ot yor qin su lay mo hi xon gʻa "
        "ni oʻr tosh ul fa ziz dor bek shod ma ki la ye na sar chi lon vo sit oʻl gʻul qo".split()
    ),
    Style.RUSSIAN: tuple(
        "сло вен гор бор мир вол дар зор рус тан лес ник ров ско град ель вер ста ков мил лад "
        "ра до ве ли сла ми ро жу кра то пол".split()
    ),
    Style.ENGLISH: tuple(
        "bran wel stan mor ford lin dal ton ker vin bel mark win hal bro ley kent sel tor ber "
        "nel gar bin fen mil dor sten wick ro ma den".split()
    ),
}
SYLLABLES[Style.UZBEK_CYRILLIC] = SYLLABLES[Style.UZBEK_LATIN]
SHORT_WORDS: dict[Style, tuple[str, ...]] = {
    Style.KYRGYZ: tuple(
        "Ак Кок Жол Нур Бел Сай Тор Ай Эл Күн Кен Таш Суу Кыз Улу Ала Көк Чак".split()
    ),
    Style.UZBEK_LATIN: tuple("Oq Nur Yoʻl Tog Suv Kun Oy Dil Zar Gul Mir Qut Sap".split()),
    Style.RUSSIAN: tuple("Мир Дар Лад Сад Яр Гор Дом Вес Лес".split()),
    Style.ENGLISH: tuple("Sun Oak Elm Kin Ray Ash Fox Bel".split()),
}
SHORT_WORDS[Style.UZBEK_CYRILLIC] = SHORT_WORDS[Style.UZBEK_LATIN]

# Trade words: canonical key -> (Cyrillic, Latin) spelling, as registries write them.
GENERICS: dict[str, tuple[str, str]] = {
    "travel": ("Тревел", "Travel"),
    "service": ("Сервис", "Service"),
    "group": ("Групп", "Group"),
    "kadr": ("Кадр", "Kadr"),
    "staff": ("Стафф", "Staff"),
    "work": ("Ворк", "Work"),
    "job": ("Джоб", "Job"),
    "express": ("Экспресс", "Express"),
    "invest": ("Инвест", "Invest"),
    "consulting": ("Консалтинг", "Consulting"),
}
# Other spellings people and registries use, so that labels know them as the same trade word.
_GENERIC_VARIANTS = {
    "travel": "Трэвел Травел Trevel Travl",
    "service": "Servis Сервиз Serviz",
    "group": "Grupp Груп Grup Группа",
    "kadr": "Кадры Kadry",
    "staff": "Стаф Staf",
    "work": "Vork Уорк",
    "job": "Djob Dzhob Жоб",
    "express": "Ekspress Экспрес Ekspres",
    "invest": "Investment",
    "consulting": "Konsalting Konsulting Консултинг",
}
_GENERIC_KEY = {
    skeleton(spelling): key
    for key, (cyrillic, latin) in GENERICS.items()
    for spelling in (cyrillic, latin, *_GENERIC_VARIANTS[key].split())
}

LEGAL: dict[Style, tuple[str, ...]] = {
    Style.KYRGYZ: ("ОсОО", "ОсОО", "ЖЧК"),
    Style.RUSSIAN: ("ООО",),
    Style.UZBEK_LATIN: ("MChJ", "MChJ", "XK"),
    Style.UZBEK_CYRILLIC: ("МЧЖ", "МЧЖ", "ХК"),
    Style.ENGLISH: ("LLC", "Ltd"),
}
# A legal form retyped in the other script.
LEGAL_OTHER_SCRIPT = {
    "ОсОО": "OsOO", "ООО": "OOO", "ЖЧК": "JChK", "МЧЖ": "MChJ", "ХК": "XK", "MChJ": "МЧЖ",
    "XK": "ХК", "LLC": "LLC", "Ltd": "Ltd", "OsOO": "ОсОО", "OOO": "ООО",
}  # fmt: skip
PHRASES: dict[Style, tuple[str, str]] = {  # the Uzbek phrase, in full and abbreviated
    Style.UZBEK_LATIN: ("xususiy bandlik agentligi", "XBA"),
    Style.UZBEK_CYRILLIC: ("хусусий бандлик агентлиги", "ХБА"),
}
PHRASE_OTHER_SCRIPT = {
    "xususiy bandlik agentligi": "хусусий бандлик агентлиги",
    "хусусий бандлик агентлиги": "xususiy bandlik agentligi",
    "XBA": "ХБА",
    "ХБА": "XBA",
}

# Licence number formats; {s}: serial, {s3}-{s5}: zero-padded, {yy}/{yyyy}: year, {AB}: letters.
LICENCE_FORMATS = (
    "KG-{s4}-{yy}",
    "L{s3}-{yy}",
    "РЛ-{s4}",
    "UZ {s5}",
    "№ {s3}/{yyyy}",
    "{yyyy}-KG-{s}",
    "{s4}{yy}",
    "{AB}{s4}",
    "{s}-{yy}",
    "{s}/{yy}",
)
INVENTED_FORMATS = 2  # new numbering schemes per registry, which no code may know beforehand
_PLACEHOLDER = re.compile(r"\{(s|s3|s4|s5|yy|yyyy|AB)\}")
_DIGITS = re.compile(r"\d+")

MIN_APART = 3  # edits between any two invented words, after folding
_VOCABULARY = frozenset(
    skeleton(word)
    for word in (
        *FILLER_WORDS.split(),
        *GENERIC_WORDS.split(),
        *(w for english, variants in LOANWORDS.items() for w in (english, *variants)),
        *(form for forms in LEGAL_FORMS.values() for form in forms),
        *(w for phrase, _ in PHRASES.values() for w in phrase.split()),
        *(w for pair in GENERICS.values() for w in pair),
    )
)


def generic_key(word: str) -> str | None:
    """The trade word ``word`` spells ("Трэвел" -> "travel"), or None for a name word."""
    return _GENERIC_KEY.get(skeleton(word))


def written_generic(key: str, style: Style, rng: random.Random) -> str:
    """A trade word as a registry in ``style`` writes it."""
    cyrillic, latin = GENERICS[key]
    if style is Style.UZBEK_LATIN and key == "service":
        return "Servis"
    if style is Style.KYRGYZ and key == "travel" and rng.random() < 0.3:
        return "Трэвел"
    return cyrillic if style in (Style.KYRGYZ, Style.RUSSIAN, Style.UZBEK_CYRILLIC) else latin


def retype(words: Sequence[str], style: Style, rng: random.Random) -> list[str]:
    """Spell native-script words of ``style`` in the other script, one scheme for the message.

    Trade words are usually spelled as people know them (Тревел -> Travel), sometimes letter
    by letter (Тревел -> Trevel).
    """
    if not words:
        return []
    text = " ".join(words)
    if style in (Style.KYRGYZ, Style.RUSSIAN):
        scheme = "russian" if style is Style.RUSSIAN and rng.random() < 0.6 else None
        spelled = cyrillic_to_latin(text, rng, scheme)
    elif style is Style.UZBEK_LATIN:
        spelled = uzbek_latin_to_cyrillic(text, rng)
    elif style is Style.UZBEK_CYRILLIC:
        spelled = uzbek_cyrillic_to_latin(text, rng)
    else:
        spelled = english_to_cyrillic(text, rng)
    out = spelled.split(" ")
    to_cyrillic = not is_cyrillic(text)
    for i, word in enumerate(words):
        key = generic_key(word)
        if key is not None and rng.random() < 0.7:
            out[i] = GENERICS[key][0 if to_cyrillic else 1]
    return out


class WordPool:
    """Every word in use, so that an invented word is far from all of them.

    Far means ``MIN_APART`` edits between skeletons for invented words, two from the
    matcher's vocabulary (fillers, trade words, legal forms); short words only need to differ.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._by_length: dict[int, list[str]] = {}
        self._vocabulary_by_length: dict[int, list[str]] = {}
        self._all: set[str] = set()
        for word in _VOCABULARY:
            self._vocabulary_by_length.setdefault(len(word), []).append(word)
        for word in taken:
            self.remember(word)

    @property
    def taken(self) -> frozenset[str]:
        return frozenset(self._all)

    def remember(self, folded: str) -> None:
        """Take a skeleton (a word, or two head words glued as people glue them)."""
        if folded not in self._all:
            self._all.add(folded)
            self._by_length.setdefault(len(folded), []).append(folded)

    def is_far(self, folded: str, apart: int = MIN_APART) -> bool:
        if folded in self._all or folded in _VOCABULARY:
            return False
        for store, distance in ((self._by_length, apart), (self._vocabulary_by_length, 2)):
            for length in range(len(folded) - distance + 1, len(folded) + distance):
                words = store.get(length)
                if words and process.extractOne(
                    folded, words, scorer=OSA.distance, score_cutoff=distance - 1
                ):
                    return False
        return True

    def invent(self, style: Style, rng: random.Random, syllables: tuple[int, ...] = (2, 3)) -> str:
        """A new word in ``style``, far from every word taken, and now taken itself."""
        parts = SYLLABLES[style]
        for attempt in range(10_000):
            count = rng.choice(syllables) + attempt // 100  # longer when the short ones run out
            word = "".join(rng.choice(parts) for _ in range(count)).capitalize()
            if style is Style.UZBEK_CYRILLIC:
                word = uzbek_latin_to_cyrillic(word, rng, russian_keyboard=False)
            folded = skeleton(word)
            if len(folded) >= 4 and self.is_far(folded):
                self.remember(folded)
                return word
        raise RuntimeError(f"no new {style} word after 10,000 attempts")

    def short_pair(self, style: Style, rng: random.Random) -> tuple[str, str] | None:
        """Two short words ("Ак Жол") that no head uses yet, glued far from any word."""
        shorts = [w for w in SHORT_WORDS[style] if skeleton(w) not in _VOCABULARY]
        for _ in range(50):
            first, second = rng.sample(shorts, 2)
            if style is Style.UZBEK_CYRILLIC:
                first, second = (
                    uzbek_latin_to_cyrillic(w, rng, russian_keyboard=False) for w in (first, second)
                )
            glued = skeleton(first + second)
            if self.is_far(glued, apart=2):
                self.remember(glued)
                return first, second
        return None


@dataclass(frozen=True)
class SyntheticAgency:
    """One fictional agency, with the parts its name was built from."""

    agency_id: int
    licence_no: str
    licence_format: str
    name: str
    aliases: tuple[str, ...]
    status: LicenceStatus
    style: Style
    head: tuple[str, ...]  # as written in the name
    tail: tuple[str, ...]
    tail_keys: tuple[str, ...]  # the trade word each tail word spells, "" for a name word
    hyphenated: bool  # head words joined by a hyphen («Ак-Жол»)
    legal: str
    legal_first: bool
    phrase: str
    quotes: tuple[str, str]
    native: bool  # written in its style's own script; False for a sibling transliterated
    native_words: tuple[str, ...]  # head + tail in the style's own script
    family: int | None

    @property
    def words(self) -> tuple[str, ...]:
        return self.head + self.tail

    @property
    def core(self) -> str:
        """The name without legal form, phrase or quotes."""
        return join_words(self.head, self.hyphenated, self.tail)

    @property
    def registry_name(self) -> RegistryName:
        return RegistryName(self.agency_id, self.licence_no, self.name, self.aliases)

    @property
    def generic_tail(self) -> bool:
        return bool(self.tail) and all(self.tail_keys)

    def facts(self, today: dt.date) -> AgencyFacts:
        """What ``verify()`` would know of this agency on ``today``."""
        expired = self.status is LicenceStatus.EXPIRED
        uzbek = self.style in (Style.UZBEK_LATIN, Style.UZBEK_CYRILLIC)
        return AgencyFacts(
            id=self.agency_id,
            licence_no=self.licence_no,
            name=self.name,
            registry="UZ" if uzbek else "KG",
            status=str(self.status),
            valid_from=today - dt.timedelta(days=300),
            valid_until=today + dt.timedelta(days=-20 if expired else 200),
            destinations=("RU", "KR"),
            status_since=today - dt.timedelta(days=30),
            demo=False,
        )


def join_words(head: Sequence[str], hyphenated: bool, tail: Sequence[str]) -> str:
    return " ".join(["-".join(head) if hyphenated else " ".join(head), *tail])


def render_name(
    core: str, legal: str, legal_first: bool, phrase: str, quotes: tuple[str, str]
) -> str:
    """Put a name together as a registry writes it: «core», the Uzbek phrase, legal form."""
    quoted = f"{quotes[0]}{core}{quotes[1]}"
    body = f"{quoted} {phrase}" if phrase else quoted
    if not legal:
        return body
    return f"{legal} {body}" if legal_first else f"{body} {legal}"


@dataclass(frozen=True)
class SyntheticRegistry:
    """A registry built from one seed, and what the query generator needs to label against."""

    seed: int
    agencies: tuple[SyntheticAgency, ...]
    licence_formats: tuple[str, ...]
    taken: frozenset[str]  # skeletons of every word in use
    licence_signatures: frozenset[tuple[str, ...]]
    by_token: dict[str, tuple[int, ...]]  # distinctive word skeleton -> agency positions

    def names(self) -> list[RegistryName]:
        return [agency.registry_name for agency in self.agencies]

    def facts(self, today: dt.date) -> dict[int, AgencyFacts]:
        return {agency.agency_id: agency.facts(today) for agency in self.agencies}

    def families(self) -> dict[int, tuple[SyntheticAgency, ...]]:
        grouped: dict[int, list[SyntheticAgency]] = {}
        for agency in self.agencies:
            if agency.family is not None:
                grouped.setdefault(agency.family, []).append(agency)
        return {family: tuple(members) for family, members in grouped.items()}

    def resembles(self, words: Sequence[str]) -> SyntheticAgency | None:
        """The registered agency these words would name, allowing a typo per long word.

        Used to make sure a decoy or an unregistered name is not, by accident, some other
        registered agency's name.
        """
        tokens = _tokens(words)
        positions = {p for token in tokens for p in self.by_token.get(token, ())}
        if not any(not token.startswith("=") for token in tokens):  # trade words only
            positions = set(range(len(self.agencies)))
        for position in sorted(positions):
            agency = self.agencies[position]
            spellings = [agency.words, *(tuple(alias.split()) for alias in agency.aliases)]
            if any(_same_tokens(tokens, _tokens(spelled)) for spelled in spellings):
                return agency
        return None


def _tokens(words: Sequence[str]) -> list[str]:
    """Words as labels compare them: "=travel" for a trade word, else its skeleton."""
    out = []
    for word in words:
        for part in word.split("-"):
            key = generic_key(part)
            out.append(f"={key}" if key else skeleton(part))
    return [token for token in out if token]


def _same_tokens(ours: list[str], theirs: list[str]) -> bool:
    if len(ours) != len(theirs):
        return False
    free = list(theirs)
    for token in ours:
        for i, other in enumerate(free):
            budget = 0 if token.startswith("=") or len(token) <= 3 else 1 if len(token) < 10 else 2
            if token == other or (
                budget and not other.startswith("=") and OSA.distance(token, other) <= budget
            ):
                del free[i]
                break
        else:
            return False
    return True


def licence_signatures(licence_no: str) -> set[tuple[str, ...]]:
    """Every reading of a number's digits that could make two licences look alike."""
    groups = _DIGITS.findall(licence_no)
    stripped = [str(int(group)) for group in groups]
    return {
        ("groups", *stripped),
        ("glued", "".join(stripped)),
        ("digits", "".join(groups).lstrip("0")),
    }


class LicenceMaker:
    """Licence numbers in given formats whose digits no other number shares."""

    def __init__(self, used: Iterable[tuple[str, ...]] = ()) -> None:
        self.used: set[tuple[str, ...]] = set(used)

    def make(self, template: str, rng: random.Random) -> str:
        for _ in range(1_000):
            serial, year = rng.randint(1, 9_999), rng.randint(2020, 2025)
            alphabet = "ABCEHKMOPTX" if rng.random() < 0.7 else "DFGLNRSUZ"
            letters = "".join(rng.choice(alphabet) for _ in range(2))
            values = {
                "s": str(serial),
                "s3": f"{serial:03d}",
                "s4": f"{serial:04d}",
                "s5": f"{serial:05d}",
                "yy": f"{year % 100:02d}",
                "yyyy": str(year),
                "AB": letters,
            }
            number = _PLACEHOLDER.sub(lambda m, v=values: v[m.group(1)], template)
            signatures = licence_signatures(number)
            if self.used.isdisjoint(signatures):
                self.used |= signatures
                return number
        raise RuntimeError(f"no free licence number in {template!r}")


def invent_licence_format(rng: random.Random) -> str:
    """A numbering scheme no code has seen: letters, serial and year in some order."""
    alphabet = "АБВГДЕЖКЛМНПРСТУХ" if rng.random() < 0.5 else "ABCDEFGHKLMNPRSTUXZ"
    letters = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3)))
    serial = rng.choice(("{s3}", "{s4}", "{s5}", "{s}"))
    year = rng.choice(("{yy}", "{yyyy}"))
    parts = rng.choice(
        ((letters, serial, year), (year, letters, serial), (serial, letters),
         (letters, year, serial), (serial, year, letters), (letters, serial))
    )  # fmt: skip
    out = parts[0]
    for before, part in zip(parts, parts[1:], strict=False):
        digits_meet = before.startswith("{") and part.startswith("{")
        out += rng.choice(("-", "/", ".", " ") if digits_meet else ("-", "/", ".", " ", "")) + part
    return out


def _mix_lookalikes(licence_no: str, rng: random.Random) -> str:
    """Type one letter in the other script, as a clerk switching keyboards does (КG-0145-23)."""
    places = [i for i, ch in enumerate(licence_no) if ch in TO_CYRILLIC_TWIN or ch in TO_LATIN_TWIN]
    if not places:
        return licence_no
    i = rng.choice(places)
    ch = licence_no[i]
    twin = TO_CYRILLIC_TWIN.get(ch) or TO_LATIN_TWIN[ch]
    return licence_no[:i] + twin + licence_no[i + 1 :]


STATUS_WEIGHTS = {
    LicenceStatus.ACTIVE: 60,
    LicenceStatus.SUSPENDED: 12,
    LicenceStatus.REVOKED: 18,
    LicenceStatus.EXPIRED: 10,
}


def _status(rng: random.Random) -> LicenceStatus:
    return rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]


class _Builder:
    """The state of one registry being built: its words, licence numbers and agencies."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pool = WordPool()
        self.licences = LicenceMaker()
        invented = tuple(invent_licence_format(self.rng) for _ in range(INVENTED_FORMATS))
        self.formats = LICENCE_FORMATS + invented
        self.agencies: list[SyntheticAgency] = []

    def style(self) -> Style:
        return self.rng.choices(list(STYLE_WEIGHTS), weights=list(STYLE_WEIGHTS.values()))[0]

    def head(self, style: Style, two_words: float) -> tuple[tuple[str, ...], bool]:
        rng = self.rng
        if rng.random() < two_words:
            shape = rng.random()
            pair = self.pool.short_pair(style, rng) if shape < 0.4 else None
            if pair is not None:
                return pair, rng.random() < 0.4
            long_word = self.pool.invent(style, rng)
            short = rng.choice(SHORT_WORDS[style])
            if style is Style.UZBEK_CYRILLIC:
                short = uzbek_latin_to_cyrillic(short, rng, russian_keyboard=False)
            words = (long_word, short) if shape < 0.7 else (short, long_word)
            self.pool.remember(skeleton("".join(words)))
            return words, rng.random() < 0.4
        return (self.pool.invent(style, rng),), False

    def tail(self, style: Style, kind: str, exclude: set[str]) -> tuple[list[str], list[str]]:
        rng = self.rng
        if kind == "none":
            return [], []
        if kind == "distinctive":
            return [self.pool.invent(style, rng)], [""]
        keys = rng.sample(sorted(set(GENERICS) - exclude), 2 if kind == "generic2" else 1)
        return [written_generic(key, style, rng) for key in keys], keys

    def agency(
        self,
        style: Style,
        head: tuple[str, ...],
        hyphenated: bool,
        tail_kind: str,
        family: int | None = None,
        exclude: set[str] | None = None,
    ) -> SyntheticAgency:
        rng = self.rng
        tail, keys = self.tail(style, tail_kind, exclude if exclude is not None else set())
        legal = rng.choice(LEGAL[style])
        legal_first = rng.random() < {Style.KYRGYZ: 0.7, Style.RUSSIAN: 0.8}.get(style, 0.2)
        phrase = ""
        if style in PHRASES and rng.random() < 0.7:
            phrase = PHRASES[style][0 if rng.random() < 0.75 else 1]
        quotes = ("«", "»") if style in (Style.KYRGYZ, Style.RUSSIAN) else ('"', '"')
        if rng.random() < (0.15 if style in (Style.KYRGYZ, Style.RUSSIAN) else 0.4):
            quotes = ("", "")
        words = [*head, *tail]
        shown_head, shown_tail = list(head), tail
        if style in PHRASES and rng.random() < 0.15:  # Uzbek registries often print capitals
            shown_head, shown_tail = [w.upper() for w in head], [w.upper() for w in tail]
            legal, phrase = legal.upper(), phrase.upper()
        core = join_words(shown_head, hyphenated, shown_tail)
        aliases = ()
        if rng.random() < 0.25:
            aliases = (join_words(retype(head, style, rng), hyphenated, retype(tail, style, rng)),)
        template = rng.choice(self.formats)
        licence_no = self.licences.make(template, rng)
        if rng.random() < 0.2:
            licence_no = _mix_lookalikes(licence_no, rng)
        return SyntheticAgency(
            agency_id=0,
            licence_no=licence_no,
            licence_format=template,
            name=render_name(core, legal, legal_first, phrase, quotes),
            aliases=aliases,
            status=_status(rng),
            style=style,
            head=tuple(shown_head),
            tail=tuple(shown_tail),
            tail_keys=tuple(keys),
            hyphenated=hyphenated,
            legal=legal,
            legal_first=legal_first,
            phrase=phrase,
            quotes=quotes,
            native=True,
            native_words=tuple(words),
            family=family,
        )

    def family(self, number: int) -> list[SyntheticAgency]:
        """Two to four agencies sharing a head, some of them revoked or suspended."""
        rng = self.rng
        style = self.style()
        head, hyphenated = self.head(style, two_words=0.4)
        size = rng.choices((2, 3, 4), weights=(45, 35, 20))[0]
        shape = rng.random()
        if shape < 0.5:
            kinds = ["generic"] * size
        elif shape < 0.85:
            kinds = ["generic", "generic", *["distinctive"] * (size - 2)]
        else:
            kinds = ["distinctive"] * size
        if rng.random() < 0.15:
            kinds[0] = "generic2" if kinds[0] == "generic" else kinds[0]
        if rng.random() < 0.1:  # one member registered with the head alone («Ак Жол»)
            kinds[-1] = "none"
        used: set[str] = set()
        members = []
        for kind in kinds:
            member = self.agency(style, head, hyphenated, kind, number, exclude=used)
            used.update(member.tail_keys)
            members.append(member)
        if rng.random() < 0.5 and all(m.status is LicenceStatus.ACTIVE for m in members):
            i = rng.randrange(size)
            bad = rng.choice((LicenceStatus.REVOKED, LicenceStatus.SUSPENDED))
            members[i] = replace(members[i], status=bad)
        if rng.random() < 0.2:  # one sibling registered in the other script
            i = rng.randrange(size)
            members[i] = self.other_script(members[i])
        return members

    def other_script(self, agency: SyntheticAgency) -> SyntheticAgency:
        rng = self.rng
        head = tuple(retype(agency.head, agency.style, rng))
        tail = tuple(retype(agency.tail, agency.style, rng))
        legal = LEGAL_OTHER_SCRIPT.get(agency.legal, agency.legal)
        phrase = PHRASE_OTHER_SCRIPT.get(agency.phrase, agency.phrase)
        quotes = ('"', '"') if agency.quotes[0] else ("", "")
        core = join_words(head, agency.hyphenated, tail)
        return replace(
            agency,
            name=render_name(core, legal, agency.legal_first, phrase, quotes),
            aliases=(),
            head=head,
            tail=tail,
            legal=legal,
            phrase=phrase,
            quotes=quotes,
            native=False,
        )

    def single(self) -> SyntheticAgency:
        style = self.style()
        head, hyphenated = self.head(style, two_words=0.3)
        kind = self.rng.choices(
            ("none", "generic", "generic2", "distinctive"), weights=(35, 35, 8, 22)
        )[0]
        if kind == "none" and len(head) == 1 and len(skeleton(head[0])) < 5:
            kind = "generic"  # a four-letter word alone is not how agencies are named
        return self.agency(style, head, hyphenated, kind)


def generate_registry(size: int, seed: int, *, family_share: float = 0.3) -> SyntheticRegistry:
    """Build a fictional registry of ``size`` agencies; the same seed gives the same registry.

    About ``family_share`` of the agencies belong to families sharing a head word; the rest
    have head words of their own.
    """
    builder = _Builder(seed)
    in_families: list[SyntheticAgency] = []
    family = 0
    while len(in_families) < size * family_share:
        in_families += builder.family(family)
        family += 1
    agencies = in_families + [builder.single() for _ in range(max(0, size - len(in_families)))]
    builder.rng.shuffle(agencies)
    agencies = [replace(agency, agency_id=i + 1) for i, agency in enumerate(agencies)]
    by_token: dict[str, list[int]] = {}
    for position, agency in enumerate(agencies):
        for text in (agency.core, *agency.aliases):
            for token in _tokens(text.split()):
                if not token.startswith("="):
                    by_token.setdefault(token, []).append(position)
    return SyntheticRegistry(
        seed=seed,
        agencies=tuple(agencies),
        licence_formats=builder.formats,
        taken=builder.pool.taken,
        licence_signatures=frozenset(builder.licences.used),
        by_token={token: tuple(sorted(set(p))) for token, p in by_token.items()},
    )
