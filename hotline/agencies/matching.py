"""Match a texted agency name or licence number against the registry, refusing to guess.

A wrong "licensed" answer can send someone to a trafficker who borrowed a real agency's name,
so the matcher answers UNIQUE only when exactly one agency fits word for word (allowing the
usual transliteration noise and one typo per long word) and nothing else fits as well. A query
that shares a word with a registered agency but differs in another ("Ak-Jol Trade" against
"Ak-Jol Travel") is vetoed; a query that fits several agencies is AMBIGUOUS; a query made only of
trade words ("travel") never identifies an agency.

Licence numbers are recognised by the registry (``licences``): a run of query words that folds
to a registered number, in whatever scheme, is a licence query. Failing that, the digit groups
alone compare on a key with leading zeros dropped, joined by "-", so "№ 145-23", "lic 145/23"
and "145 23" find «KG-0145-23»; a query of one digit group ("14523") matches a licence whose
groups run together to it, when exactly one does. Letters typed in this registry's scheme that
name no registered number ("AB 145-23" where only «CD-145-23» exists) are a number not in the
registry, never another agency's licence.
"""

from __future__ import annotations

import enum
import gc
import operator
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hotline.agencies.alignment import Fit, Verdict, judge
from hotline.agencies.licences import LicenceBook
from hotline.agencies.names import (
    NameForm,
    NameReader,
    Word,
    glue,
    is_generic,
    keyboard_spellings,
    near_generic,
)
from hotline.agencies.word_index import WordIndex, pack, unpack


@dataclass(frozen=True)
class RegistryName:
    """One agency as the matcher sees it: its registered name and any other known names."""

    agency_id: int
    licence_no: str
    name: str
    aliases: tuple[str, ...] = ()


class MatchKind(enum.StrEnum):
    """How sure the matcher is; only LICENCE and UNIQUE may be read as "this agency"."""

    LICENCE = "licence"  # exact licence-number hit
    UNIQUE = "unique"  # exactly one agency clearly matches, with a margin
    AMBIGUOUS = "ambiguous"  # several agencies fit (e.g. a shared head word), or only partly
    NONE = "none"  # nothing fits; candidates, if any, are rejected near misses for staff


@dataclass(frozen=True)
class Candidate:
    """An agency the query was compared with, and why it scored as it did."""

    agency_id: int
    licence_no: str
    name: str
    score: float
    reason: str


@dataclass(frozen=True)
class Match:
    """The answer to one query: a kind and the candidates behind it, best first."""

    kind: MatchKind
    candidates: tuple[Candidate, ...]


_LICENCE_BODY = r"(\d+(?:(?:\s*[-/.–—]\s*|\s+)\d+)*)"
_LICENCE_PREFIXED = re.compile(
    r"(?:№|#|\bno\.?|\bn(?=\s*\d)|\blic[a-z]*\.?|\blits[a-z]*|\bлиц[а-яё]*\.?)\s*[:.]?\s*"
    + _LICENCE_BODY,
    re.IGNORECASE,
)
_LICENCE_EMBEDDED = re.compile(r"(?<![\w.])(\d+(?:\s*[-/–—]\s*\d+)+)(?![\w])")
_LICENCE_ALONE = re.compile(r"^\s*" + _LICENCE_BODY + r"\s*$")
_DIGIT_GROUP = re.compile(r"\d+")


def licence_key(licence_no: str) -> str:
    """Return the comparable form of a licence number: digit groups without zero padding."""
    return "-".join(str(int(group)) for group in _DIGIT_GROUP.findall(licence_no))


def _find_licence(text: str) -> tuple[str, tuple[int, int]] | None:
    """Find a licence number in ``text`` (prefixed, bare, or digits-separator-digits)."""
    for pattern in (_LICENCE_PREFIXED, _LICENCE_ALONE, _LICENCE_EMBEDDED):
        found = pattern.search(text)
        if found:
            return licence_key(found.group(1)), found.span()
    return None


def licence_number_in(text: str) -> str | None:
    """Return the normalised licence key in ``text``, or None when it holds no number.

    A bare number in the middle of a name ("Ak-Jol 2000") is part of the name, not a licence;
    it counts as a licence number only with a prefix (№, No, lic, лиц), with a separator
    ("145-23"), or when it is the whole message.
    """
    found = _find_licence(text)
    return found[0] if found else None


_MAX_SCORED = 200  # entries aligned per query, fewest words first
_MAX_VOUCHED = 40  # entries aligned when one query word found no counterpart in the index
_MAX_CANDIDATES = 5  # near misses shown to staff when nothing fits
MAX_FITTING = 50  # agencies an ambiguous answer lists: every one that fits, within reason


def _is_clear_winner(best: Verdict, rest: list[Verdict]) -> bool:
    """Tell whether ``best`` stands alone: the margin rule behind every UNIQUE answer.

    A full match wins over other agencies only if none fits fully with as few typos and none
    that explains every query word fits partly with fewer typos or fewer words run together
    ("Aska" against «Asko» and «Aska Travel» stays ambiguous, so does "Zarul" against «Zar
    Yoʻl» and «Zarul Job»); a match that omits trade words wins only if nothing else fits.
    """
    if not best.distinctive:
        return False
    if not best.in_order:
        return False  # "таш көк" is not «Кок-Таш», "Вергордар" not «Дар Вергор»: a near miss
    if best.fit is Fit.FULL:
        return all(
            other.edits > best.edits or (other.edits == best.edits and _order_wins(best, other))
            if other.fit is Fit.FULL
            else (other.edits >= best.edits and other.seams >= best.seams)
            or other.fit is Fit.QUERY_EXTRA
            for other in rest
        )
    return best.fit is Fit.GENERIC_OMITTED and not rest


def _order_wins(best: Verdict, other: Verdict) -> bool:
    """The query's word order decides between two names of the same words («Көк Эл», «Эл Көк»)."""
    return best.in_order and not other.in_order


def _heads(form: NameForm) -> Iterator[str]:
    """Every leading run of a name's words that holds a name word, glued ("akjol", "akjoltravel").

    The whole name is one of them, so «Ак Жол», registered bare, joins «Ак Жол Тревел»'s head.
    """
    for end in range(1, len(form.parts) + 1):
        if any(form.identifying[:end]):
            yield from _head_keys(glue(form.words[:end]))


_VOWELS = str.maketrans("", "", "aeiou")
_LEAST_CONSONANTS = 4


def _head_keys(head: str) -> tuple[str, ...]:
    """A head as glued, and by its consonants when it has enough of them to tell heads apart.

    Vowels are where scripts disagree most («Сан» for "Sun", «Рэй» for "Ray"), so siblings
    registered in two scripts share the consonant key. The coarser key can only add siblings
    to an answer, never pick an agency, so its collisions cost a question, not a wrong answer.
    """
    consonants = head.translate(_VOWELS)
    if len(consonants) >= _LEAST_CONSONANTS:
        return head, "~" + consonants
    return (head,)


class NameIndex:
    """Built once per registry snapshot; immutable; safe to share between threads.

    ``countries`` picks the legal-form lists to strip (both by default, since a query does not
    say where it comes from). Queries only read the index; the word memo inside the name reader
    may grow, which is safe under concurrent use.
    """

    def __init__(self, names: Iterable[RegistryName], *, countries: Iterable[str] = ("KG", "UZ")):
        self._reader = NameReader(countries)
        self._agencies: list[RegistryName] = []
        # One entry per distinct name or alias: its agency, and its form packed in strings.
        entry_agency: list[int] = []
        self._entry_forms: list[tuple[str, str]] = []
        by_key: dict[str, list[int]] = {}
        by_licence: dict[str, list[int]] = {}
        by_digits: dict[str, list[int]] = {}
        forms: list[NameForm] = []
        numbers: list[tuple[int, str]] = []
        by_head: dict[str, list[int]] = {}
        # The build allocates a million short-lived objects and no cycles; pausing the cycle
        # collector meanwhile cuts a 100,000-agency build by a third. What the index keeps is
        # strings, bytes and tuples of strings, which collections need not scan.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for agency in names:
                number = len(self._agencies)
                self._agencies.append(agency)
                numbers.append((number, agency.licence_no))
                key = licence_key(agency.licence_no)
                if key:
                    by_licence.setdefault(key, []).append(number)
                    by_digits.setdefault(key.replace("-", ""), []).append(number)
                seen: set[tuple[str, ...]] = set()
                written = (agency.name, *agency.aliases)
                for text in (*written, *(k for t in written for k in keyboard_spellings(t))):
                    form = self._reader.form(text, registry=True)
                    if form.words and form.words not in seen:
                        seen.add(form.words)
                        by_key.setdefault(form.key, []).append(len(forms))
                        for head in _heads(form):
                            holders = by_head.setdefault(head, [])
                            if not holders or holders[-1] != number:
                                holders.append(number)
                        forms.append(form)
                        entry_agency.append(number)
                        self._entry_forms.append(form.packed)
            self._words = WordIndex(forms)
            self._licences = LicenceBook(numbers)
            self._reader.forget()
            self._entry_agency = pack(entry_agency)
            self._by_key = {key: pack(entries) for key, entries in by_key.items()}
            self._by_licence = {key: pack(agencies) for key, agencies in by_licence.items()}
            self._by_licence_digits = {key: pack(agencies) for key, agencies in by_digits.items()}
            # Heads shared by several agencies: the families a bare head must never pick from.
            self._families = {
                head: pack(agencies) for head, agencies in by_head.items() if len(agencies) > 1
            }
        finally:
            if collecting:
                gc.enable()

    def match(self, query: str) -> Match:
        """Answer a texted query: a licence number first, then the name."""
        mention = self._licences.find(query)
        if mention is not None:
            hits: list[int] = list(mention.agencies)
            key, (start, end) = mention.text, (mention.start, mention.end)
        elif (found := _find_licence(query)) is not None:
            key, (start, end) = found
            hits = list(unpack(self._by_licence.get(key, b"")))
            if not hits and "-" not in key:
                hits = list(unpack(self._by_licence_digits.get(key, b"")))
            if hits and (
                self._in_another_scheme(query, start, end)
                or _DIGIT_GROUP.search(query, end) is not None
                or _DIGIT_GROUP.search(query, 0, start) is not None
            ):
                hits = []  # "2023-KG-6313" is not «OK2023»: the digits are only part of a number
            shaped = None if hits else self._licences.shaped_run(query)
            if shaped is not None and shaped[0] < end and start < shaped[1]:
                start, end = min(start, shaped[0]), max(end, shaped[1])  # "SU - 3172 - 2020"
        elif (shaped := self._licences.shaped_run(query)) is not None:
            hits, (start, end) = [], shaped
            key = query[start:end]
        else:
            return self._match_name(query)
        if hits:
            kind = MatchKind.LICENCE if len(hits) == 1 else MatchKind.AMBIGUOUS
            reason = f"licence number {key}"
            return Match(kind, tuple(self._candidate(a, 100.0, reason) for a in hits))
        by_name = self._match_name(query[:start] + " " + query[end:])
        if by_name.kind is not MatchKind.UNIQUE:
            return by_name
        first, *others = by_name.candidates
        doubt = f"{first.reason}; but licence {key} sent is not in the registry"
        first = Candidate(first.agency_id, first.licence_no, first.name, first.score, doubt)
        return Match(MatchKind.AMBIGUOUS, (first, *others))

    def _in_another_scheme(self, query: str, start: int, end: int) -> bool:
        """Whether letters typed before the digits make it a number in the registry's scheme."""
        before = query[:start].split()
        if not before:
            return False
        return self._licences.looks_like_one(before[-1] + query[start:end])

    def _agency_of(self, entry: int) -> int:
        return int.from_bytes(self._entry_agency[4 * entry : 4 * entry + 4], sys.byteorder)

    def _candidate(self, agency: int, score: float, reason: str) -> Candidate:
        record = self._agencies[agency]
        return Candidate(record.agency_id, record.licence_no, record.name, score, reason)

    def _prepare(self, query: NameForm) -> NameForm:
        """Read query words the registry lacks: a mistyped trade word, or glued words.

        "Serivs" one typo from "servis" is a trade word, whatever else it could be; "zumradjob"
        is "zumrad" + "job" when the registry knows both.
        """
        parts: list[Word] = []
        for word in query.parts:
            near = self._words.near(word.skeleton) if word.identifying else set()
            if word.identifying and not any(map(operator.not_, map(is_generic, near))):
                if near or near_generic(word.skeleton):
                    parts.append(word._replace(generic=True))
                    continue
                pieces = self._reader.segments(word.spelled, self._words.closeness)
                if pieces is not None:
                    parts += pieces
                    continue
            parts.append(word)
        if len(parts) == len(query.parts) and all(map(operator.is_, parts, query.parts)):
            return query
        return NameForm(tuple(parts)) if parts else query

    def _to_align(self, query: NameForm) -> list[int]:
        """Entries worth aligning: those with a counterpart for every identifying query word.

        If there are none, a word may carry a typo the index cannot see (two edits, or one
        inside a short word): entries vouched for by every other identifying word, at least
        two, are aligned instead, so the near miss can be told and explained.
        """
        needed = sum(1 << i for i, wanted in enumerate(query.identifying) if wanted)
        masks = self._words.coverage(query)

        def fewest_words_first(entries: list[int], limit: int) -> list[int]:
            return sorted(entries, key=lambda e: (self._entry_forms[e][0].count(" "), e))[:limit]

        full = [e for e, mask in masks.items() if mask & needed == needed]
        if full:
            return fewest_words_first(full, _MAX_SCORED)
        count = needed.bit_count()
        vouched = [e for e, mask in masks.items() if (mask & needed).bit_count() == count - 1]
        if count >= 2 and vouched:
            return fewest_words_first(vouched, _MAX_VOUCHED)
        return fewest_words_first(list(masks), _MAX_CANDIDATES)

    def _match_name(self, text: str) -> Match:
        query = self._prepare(self._reader.form(text))
        if not query.words:
            return Match(MatchKind.NONE, ())
        if not any(query.identifying) and not all(query.generic):
            # Only what could be mistyped legal forms is left ("Яр Лад" reads like ЯТТ, Ltd):
            # those words are the name, not noise around it.
            query = NameForm(tuple(w._replace(legal_like=False) for w in query.parts))
        if not any(query.identifying):
            exact = {self._agency_of(e) for e in unpack(self._by_key.get(query.key, b""))}
            reason = "only trade words: names no agency"
            found = tuple(self._candidate(a, 50.0, reason) for a in sorted(exact))
            return Match(MatchKind.AMBIGUOUS if found else MatchKind.NONE, found[:MAX_FITTING])
        best: dict[int, tuple[Verdict, int]] = {}
        for entry in self._to_align(query):
            agency = self._agency_of(entry)
            verdict = judge(query, NameForm.unpack(*self._entry_forms[entry]))
            held = best.get(agency)
            if held is None or (verdict.fit, verdict.score) > (held[0].fit, held[0].score):
                best[agency] = (verdict, entry)
        ranked = sorted(
            ((a, v) for a, (v, _) in best.items()), key=lambda item: (-item[1].score, item[0])
        )
        fits = [(a, v) for a, v in ranked if v.fit is not Fit.VETO]
        if not fits:
            return Match(MatchKind.NONE, self._candidates(ranked, _MAX_CANDIDATES))
        leader, verdict = fits[0]
        winner = _is_clear_winner(verdict, [v for _, v in fits[1:]])
        family: tuple[int, ...] = ()
        if not (winner and verdict.fit is Fit.FULL):
            family = next(
                (f for a, v in fits[:3] if len(f := self._family_of(v, best[a][1])) > 1), ()
            )
        if family:
            listed = {a for a, _ in fits}
            reason = "shares its head with the agency named first; the query names no tail"
            kin = [self._candidate(a, verdict.score, reason) for a in family if a not in listed]
            found = (*self._candidates(fits, MAX_FITTING), *kin)
            return Match(MatchKind.AMBIGUOUS, found[:MAX_FITTING])
        kind = MatchKind.UNIQUE if winner else MatchKind.AMBIGUOUS
        return Match(kind, self._candidates(fits, MAX_FITTING))

    def _family_of(self, verdict: Verdict, entry: int) -> tuple[int, ...]:
        """The agencies sharing the head a query named, when it named no more than a head.

        A query that leaves out words of the best name ("Ак Жол" for «Ак Жол Тревел») and
        whose matched words are the head of several agencies names none of them, even where
        typos or another script kept the siblings from aligning; an exact name wins outright.
        """
        if verdict.fit not in (Fit.GENERIC_OMITTED, Fit.PARTIAL) or not verdict.matched:
            return ()
        if verdict.matched != tuple(range(len(verdict.matched))):
            return ()  # not a leading run of the name's words: no head
        words = self._entry_forms[entry][0].split()
        family: list[int] = []
        for key in _head_keys(glue(words[: len(verdict.matched)])):
            family += [a for a in unpack(self._families.get(key, b"")) if a not in family]
        return tuple(family)

    def _candidates(self, verdicts: list[tuple[int, Verdict]], most: int) -> tuple[Candidate, ...]:
        return tuple(self._candidate(agency, v.score, v.reason) for agency, v in verdicts[:most])
