"""Queries against a synthetic registry, each labelled with the answer a careful person gives.

Issue 14 names the classes an independent check judges, and this module makes each of them
from a ``SyntheticRegistry`` (``synthetic``): registered names as families type them (another
script, a typo, legal form dropped or added, fillers, case), licence numbers in every shape the
registry's schemes allow, numbers shaped like the registry's that it lacks, bare heads shared
by a family, a sibling's full name, decoys that swap, add or drop one word, and names nobody
registered. The labels say what is right and what is dangerous; ``score`` turns answers into
the per-class figures the benchmark and the tests read.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from hotline.models import LicenceStatus

from .synthetic import (
    GENERICS,
    LEGAL,
    LEGAL_OTHER_SCRIPT,
    LicenceMaker,
    Style,
    SyntheticAgency,
    SyntheticRegistry,
    WordPool,
    join_words,
    retype,
    written_generic,
)
from .transliteration import (
    TO_CYRILLIC_SOUND,
    TO_CYRILLIC_TWIN,
    TO_LATIN_SOUND,
    TO_LATIN_TWIN,
    UZ_APOSTROPHES,
    skeleton,
)


class QueryClass(enum.StrEnum):
    """What a query is, as the issue's acceptance names the classes."""

    REGISTERED = "registered"  # a registered agency's name, as people type it
    LICENCE = "licence"  # a registered licence number, in any shape
    UNKNOWN_LICENCE = "unknown_licence"  # shaped like the registry's numbers, in none
    SHARED_HEAD = "shared_head"  # only the head word(s) a family of agencies shares
    SIBLING = "sibling"  # a family member's full name: it must win over its siblings
    DECOY = "decoy"  # a registered name with one word swapped, added or dropped
    UNREGISTERED = "unregistered"  # a name nobody registered


class Answer(enum.StrEnum):
    """What ``verify()`` said, reduced to what the labels compare."""

    NAMED = "named"  # one agency: licensed, suspended, revoked or expired
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Reply:
    """The parts of a verification the scoring reads."""

    answer: Answer
    licensed: bool
    agency_id: int | None  # the agency named, when one is
    candidates: frozenset[int]  # the agencies an ambiguous answer lists


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    kind: QueryClass
    how: str  # the noise or the change that made it, for reading failures
    agency_id: int | None = None  # the agency a right answer names
    family: frozenset[int] = frozenset()  # the agencies a shared head must list
    distinctive: bool = False  # a decoy that changes a distinctive word (not a trade word)
    risky_sibling: bool = False  # a shared head with a revoked or suspended sibling

    def is_right(self, reply: Reply) -> bool:
        if self.kind in (QueryClass.REGISTERED, QueryClass.LICENCE, QueryClass.SIBLING):
            return reply.answer is Answer.NAMED and reply.agency_id == self.agency_id
        if self.kind is QueryClass.SHARED_HEAD:
            return reply.answer is Answer.AMBIGUOUS and self.family <= reply.candidates
        if self.kind is QueryClass.UNKNOWN_LICENCE:
            return reply.answer is Answer.NOT_FOUND
        return reply.answer is not Answer.NAMED  # decoys and unregistered names

    def is_dangerous(self, reply: Reply) -> bool:
        """A "licensed" answer for an agency the query does not name."""
        return reply.licensed and not (
            self.kind in (QueryClass.REGISTERED, QueryClass.LICENCE, QueryClass.SIBLING)
            and reply.agency_id == self.agency_id
        )


FILLERS = (
    "проверка {}", "{} лицензия барбы", "{} litsenziya bormi", "tekshiring {}",
    "проверьте пожалуйста {}", "агентство {}", "{} agency", "check {}", "{} бар бы",
    "{} ishonchlimi", "{}?", "салам {}",
)  # fmt: skip
LICENCE_ANNOUNCERS = ("№ {}", "№{}", "No. {}", "N {}", "лиц. {}", "litsenziya {}", "лицензия {}")
# Trade words a decoy may add or swap in, beside those the registry's families use.
DECOY_TRADE = {"trade": ("Трейд", "Trade"), "tour": ("Тур", "Tour"), "plus": ("Плюс", "Plus")}


def _typo(word: str, rng: random.Random) -> str | None:
    """One edit inside a long word, as a thumb on a keypad makes it, or None if too short."""
    if len(word) < 6 or "-" in word:
        return None
    i = rng.randrange(1, len(word) - 1)
    letters = [ch for ch in word.lower() if ch.isalpha()]
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(letters) + word[i + 1 :]


class QueryMaker:
    """Makes the labelled queries of every class for one registry."""

    def __init__(self, registry: SyntheticRegistry, seed: int) -> None:
        self.registry = registry
        self.rng = random.Random(seed)
        self.pool = WordPool(registry.taken)
        self.licences = LicenceMaker(registry.licence_signatures)
        self.families = registry.families()

    # --- spelling a name --------------------------------------------------------------------

    def spelled(self, agency: SyntheticAgency, head: Sequence[str], tail: Sequence[str]) -> str:
        """Words of ``agency`` (or changed ones) as a person types them: one or two noises."""
        rng = self.rng
        head, tail = list(head), list(tail)
        hyphenated = agency.hyphenated and rng.random() < 0.6
        noises = rng.sample(("script", "typo", "legal", "case", "filler", "quotes", "plain"), 2)
        if "script" in noises and agency.style is not Style.ENGLISH and agency.native:
            head, tail = retype(head, agency.style, rng), retype(tail, agency.style, rng)
        if "typo" in noises:
            long_words = [i for i, w in enumerate(head) if len(w) >= 6]
            if long_words:
                i = rng.choice(long_words)
                head[i] = _typo(head[i], rng) or head[i]
        text = join_words(head, hyphenated, tail)
        if agency.style in (Style.UZBEK_LATIN,) and rng.random() < 0.3:
            text = text.replace("ʻ", rng.choice(UZ_APOSTROPHES))
        if "legal" in noises:
            legal = agency.legal if rng.random() < 0.6 else rng.choice(LEGAL[agency.style])
            if "script" in noises:
                legal = LEGAL_OTHER_SCRIPT.get(legal, legal)
            text = f"{legal} {text}" if rng.random() < 0.5 else f"{text} {legal}"
        if "quotes" in noises:
            text = rng.choice(("«{}»", '"{}"', "'{}'")).format(text)
        if "case" in noises:
            text = rng.choice((str.lower, str.upper, str.title))(text)
        if "filler" in noises:
            text = rng.choice(FILLERS).format(text)
        return text

    # --- the classes ------------------------------------------------------------------------

    def registered(self, agency: SyntheticAgency) -> LabelledQuery:
        text = self.spelled(agency, agency.head, agency.tail)
        kind = QueryClass.SIBLING if agency.family is not None else QueryClass.REGISTERED
        if self.rng.random() < 0.15:
            text = agency.name  # the name exactly as the registry prints it
        return LabelledQuery(text, kind, "name", agency_id=agency.agency_id)

    def licence(self, agency: SyntheticAgency) -> LabelledQuery:
        number, how = self.licence_shape(agency.licence_no)
        if self.rng.random() < 0.4:
            number = self.rng.choice(LICENCE_ANNOUNCERS).format(number)
            how += "+announced"
        elif self.rng.random() < 0.15:
            number = self.rng.choice(FILLERS).format(number)
            how += "+filler"
        return LabelledQuery(number, QueryClass.LICENCE, how, agency_id=agency.agency_id)

    def licence_shape(self, number: str) -> tuple[str, str]:
        """The number as someone retypes it: case, look-alikes, separators, padding."""
        rng = self.rng
        how = rng.choice(("as-is", "lower", "twins", "sound", "separators", "padding", "glued"))
        if how == "lower":
            return number.lower(), how
        if how == "twins":
            twins = TO_LATIN_TWIN | TO_CYRILLIC_TWIN
            return "".join(twins.get(ch, ch) for ch in number), how
        if how == "sound":
            sounds = TO_LATIN_SOUND | TO_CYRILLIC_SOUND
            if any(ch in TO_LATIN_SOUND for ch in number):
                sounds = TO_LATIN_SOUND
            return "".join(sounds.get(ch, ch) for ch in number), how
        if how == "separators":
            sep = rng.choice(("-", " ", "/", ".", " - "))
            bare = number.removeprefix("№").strip()
            return "".join(sep if ch in "-/ ." else ch for ch in bare), how
        if how == "padding":
            out, digits = [], ""
            for ch in [*number, ""]:
                if ch.isdigit():
                    digits += ch
                    continue
                if digits:
                    out.append(digits.lstrip("0") or "0" if digits.startswith("0") else digits)
                    digits = ""
                out.append(ch)
            return "".join(out), how
        if how == "glued":
            return "".join(ch for ch in number if ch.isalnum()), how
        return number, how

    def unknown_licence(self) -> LabelledQuery:
        template = self.rng.choice(self.registry.licence_formats)
        number = self.licences.make(template, self.rng)
        text, how = self.licence_shape(number)
        if self.rng.random() < 0.3:
            text = self.rng.choice(LICENCE_ANNOUNCERS).format(text)
        return LabelledQuery(text, QueryClass.UNKNOWN_LICENCE, f"{template}:{how}")

    def shared_head(self, members: Sequence[SyntheticAgency]) -> LabelledQuery:
        first = members[0]
        bare = [m for m in members if not m.tail]
        if bare:  # a member registered with the head alone: the head is its exact name
            return self.registered(bare[0])
        text = self.spelled(first, first.head, ())
        risky = any(m.status in (LicenceStatus.REVOKED, LicenceStatus.SUSPENDED) for m in members)
        family = frozenset(m.agency_id for m in members)
        return LabelledQuery(
            text, QueryClass.SHARED_HEAD, "head", family=family, risky_sibling=risky
        )

    def decoy(self, agency: SyntheticAgency) -> LabelledQuery | None:
        """One word of a registered name swapped, added or dropped; None if it names another."""
        rng = self.rng
        head, tail, keys = list(agency.head), list(agency.tail), list(agency.tail_keys)
        change = rng.choice(("swap-tail", "swap-head", "add", "add-trade", "swap-trade", "drop"))
        distinctive = True
        if change == "swap-tail" and tail:
            i = rng.randrange(len(tail))
            tail[i] = self.pool.invent(agency.style, rng)  # a new name word: distinctive
        elif change == "swap-head" and len(head) == 2:
            head[rng.randrange(2)] = self.pool.invent(agency.style, rng)
        elif change == "add":
            word = self.pool.invent(agency.style, rng)
            tail.insert(rng.randrange(len(tail) + 1), word)
        elif change in ("add-trade", "swap-trade"):
            siblings = self.families.get(agency.family, (agency,)) if agency.family else (agency,)
            used = {key for member in siblings for key in member.tail_keys}
            free = sorted((set(GENERICS) | set(DECOY_TRADE)) - used)
            key = rng.choice(free)
            spelled = (
                written_generic(key, agency.style, rng)
                if key in GENERICS
                else DECOY_TRADE[key][agency.style in (Style.UZBEK_LATIN, Style.ENGLISH)]
            )
            if change == "swap-trade" and any(keys):
                i = rng.choice([i for i, k in enumerate(keys) if k])
                tail[i] = spelled
            else:
                tail.append(spelled)
            distinctive = False
            change = "swap-trade" if change == "swap-trade" and any(keys) else "add-trade"
        elif change == "drop" and (len(head) == 2 or (tail and not all(keys))):
            if tail and not all(keys) and rng.random() < 0.5:
                tail.pop(next(i for i, k in enumerate(keys) if not k))
            elif len(head) == 2:
                head.pop(rng.randrange(2))
            else:
                return None
        else:
            return None
        if self.registry.resembles(head + tail) is not None:
            return None  # by chance another registered name, or the head of a family
        if change == "drop" and not tail and len(head) == 1:
            heads = [
                a
                for a in self.registry.agencies
                if a.head and skeleton(a.head[0]) == skeleton(head[0])
            ]
            if heads:
                return None  # what is left is a head some agency has: not a decoy
        text = self.spelled(agency, head, tail)
        return LabelledQuery(text, QueryClass.DECOY, change, distinctive=distinctive)

    def unregistered(self) -> LabelledQuery:
        rng = self.rng
        style = rng.choice(list(Style))
        words = [self.pool.invent(style, rng)]
        if rng.random() < 0.6:
            words.append(written_generic(rng.choice(sorted(GENERICS)), style, rng))
        elif rng.random() < 0.5:
            words.append(self.pool.invent(style, rng))
        text = " ".join(words)
        if rng.random() < 0.5:
            text = f"{rng.choice(LEGAL[style])} {text}"
        if rng.random() < 0.3:
            text = rng.choice(FILLERS).format(text)
        return LabelledQuery(text, QueryClass.UNREGISTERED, "invented", distinctive=True)


def synthetic_queries(
    registry: SyntheticRegistry, seed: int, per_class: int = 300
) -> list[LabelledQuery]:
    """About ``per_class`` labelled queries of each class (fewer where the registry lacks them)."""
    maker = QueryMaker(registry, seed)
    rng = maker.rng
    agencies = list(registry.agencies)
    singles = [a for a in agencies if a.family is None]
    families = list(maker.families.values())
    members = [a for a in agencies if a.family is not None]
    queries: list[LabelledQuery] = []

    def draw(pool: Sequence[SyntheticAgency]) -> Iterator[SyntheticAgency]:
        for _ in range(per_class):
            yield rng.choice(pool)

    queries += [maker.registered(a) for a in draw(singles)]
    queries += [maker.registered(a) for a in draw(members)]
    queries += [maker.licence(a) for a in draw(agencies)]
    queries += [maker.unknown_licence() for _ in range(per_class)]
    queries += [maker.shared_head(rng.choice(families)) for _ in range(per_class)]
    decoys: list[LabelledQuery] = []
    for _ in range(per_class * 4):
        if len(decoys) >= per_class:
            break
        decoy = maker.decoy(rng.choice(agencies))
        if decoy is not None:
            decoys.append(decoy)
    queries += decoys
    queries += [maker.unregistered() for _ in range(per_class)]
    return queries


@dataclass
class ClassFigures:
    """How one class of queries fared."""

    total: int = 0
    right: int = 0
    dangerous: int = 0
    failures: list[tuple[LabelledQuery, Reply]] = field(default_factory=list)

    @property
    def right_share(self) -> float:
        return self.right / self.total if self.total else 1.0

    @property
    def dangerous_share(self) -> float:
        return self.dangerous / self.total if self.total else 0.0


def score(
    queries: Sequence[LabelledQuery], answer: Callable[[str], Reply]
) -> dict[str, ClassFigures]:
    """Figures per class, and per subclass the acceptance names separately.

    Subclasses: ``decoy/distinctive`` and ``decoy/trade`` (a changed trade word), and
    ``shared_head/risky`` (a sibling revoked or suspended: never ``licensed``).
    """
    figures: dict[str, ClassFigures] = {}
    for query in queries:
        reply = answer(query.text)
        names = [str(query.kind)]
        if query.kind is QueryClass.DECOY:
            names.append("decoy/distinctive" if query.distinctive else "decoy/trade")
        if query.kind is QueryClass.SHARED_HEAD and query.risky_sibling:
            names.append("shared_head/risky")
        for name in names:
            figure = figures.setdefault(name, ClassFigures())
            figure.total += 1
            right, dangerous = query.is_right(reply), query.is_dangerous(reply)
            figure.right += right
            figure.dangerous += dangerous
            if not right or dangerous:
                figure.failures.append((query, reply))
    return figures
