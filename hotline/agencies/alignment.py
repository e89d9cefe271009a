"""Pair the words of a query with the words of one registry name, and judge the fit.

This is where a decoy is told from a transliteration. Each word must find its counterpart:
exactly, glued to or split from its neighbours ("Akjol" = "Ak" + "Jol"), or within a typo budget
that grows with word length and is zero for short words, where one edit makes another word
("Jol"/"Tol"). A distinctive word left over on the query's side vetoes the name outright;
leftovers on the registry's side only weaken the fit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from hotline.agencies.names import NameForm, Word, glue, spellings


class Fit(enum.IntEnum):
    """How a registry name fits the query, best last; VETO never counts as a match."""

    VETO = 0  # a word on one side has no counterpart on the other
    PARTIAL = 1  # the query lacks a distinctive word of the name ("Жаңы" for «Жаңы Муун»)
    QUERY_EXTRA = 2  # the query adds trade words the name lacks ("Aska Travel" for «Аска»)
    GENERIC_OMITTED = 3  # the query omits only trade words ("Golden" for Golden Work Travel)
    FULL = 4  # every word on both sides has its counterpart


@dataclass(frozen=True)
class Verdict:
    """How one registry name fits the query, and why, in words staff can read."""

    fit: Fit
    edits: int
    score: float  # 0..100
    reason: str
    distinctive: bool  # a distinctive (non-trade) registry word was matched
    in_order: bool = True  # the name words stand in the name's order («Көк Эл», not «Эл Көк»)
    matched: tuple[int, ...] = ()  # the registry name's words the query matched, in order
    seams: int = 0  # words matched glued to or split from their neighbours ("Zarul"/«Zar Yul»)


_BASE_SCORE = {
    Fit.VETO: 10.0,
    Fit.PARTIAL: 60.0,
    Fit.QUERY_EXTRA: 72.0,
    Fit.GENERIC_OMITTED: 88.0,
    Fit.FULL: 100.0,
}


def typo_budget(length: int) -> int:
    """Typos allowed in a registry word of ``length`` skeleton letters.

    None in short words, where one edit makes another word ("Jol"/"Tol", "Kok"/"Kol").
    """
    return 0 if length <= 3 else 1 if length <= 9 else 2


def _edits(query: Word, name: Word, budget: int) -> int:
    """Edits from a query word to the registry word, from whichever reading is closer.

    Skeletons are compared against every known spelling of a loanword (a typo in "Servis" is
    one edit from "servis", two from "service"); the folded spellings catch typos the skeleton
    hides, such as one inside "sh" or between doubled letters ("Дөөөт" for «Дөөлөт»).
    """
    best = budget + 1
    for spelling in (*spellings(name.skeleton), name.spelled):
        target = query.spelled if spelling is name.spelled else query.skeleton
        if abs(len(target) - len(spelling)) <= budget:
            best = min(best, OSA.distance(target, spelling, score_cutoff=budget))
    return best


def _one_letter_off(query: Word, name: Word) -> bool:
    """Tell whether a short registry word was probably mistyped ("Тнш" for «Таш»).

    Short words get no typo budget, since "Tol" may be a different agency from "Jol"; such a
    near miss is offered as a suggestion (AMBIGUOUS), never answered as a match.
    """
    if name.generic or len(name.skeleton) > 3 or len(query.skeleton) > 4:
        return False
    return (
        OSA.distance(query.skeleton, name.skeleton, score_cutoff=1) <= 1
        or OSA.distance(query.spelled, name.spelled, score_cutoff=1) <= 1
    )


@dataclass(frozen=True)
class _Link:
    query: tuple[int, ...]
    name: tuple[int, ...]
    edits: int


class _Linker:
    """Greedy pairing of query and name words: exact, then glued, then within the budget."""

    def __init__(self, query: tuple[Word, ...], name: tuple[Word, ...]) -> None:
        self.query, self.name = query, name
        self.links: list[_Link] = []
        self.q_free = set(range(len(query)))
        self.n_free = set(range(len(name)))

    def take(self, qs: tuple[int, ...], ns: tuple[int, ...], edits: int) -> None:
        self.links.append(_Link(qs, ns, edits))
        self.q_free.difference_update(qs)
        self.n_free.difference_update(ns)

    def run(self) -> list[_Link]:
        for i, word in enumerate(self.query):
            for j in sorted(self.n_free):
                if self.name[j].skeleton == word.skeleton:
                    self.take((i,), (j,), 0)
                    break
        self.glued(fuzzy=False)
        pairs = []
        for i in self.q_free:
            for j in self.n_free:
                q, n = self.query[i], self.name[j]
                budget = typo_budget(len(n.skeleton))
                if budget and (edits := _edits(q, n, budget)) <= budget:
                    pairs.append((edits, i, j))
        for edits, i, j in sorted(pairs):
            if i in self.q_free and j in self.n_free:
                self.take((i,), (j,), edits)
        self.glued(fuzzy=True)
        return self.links

    def glued(self, *, fuzzy: bool) -> None:
        """Pair one word with two or three neighbours run together, on either side.

        The typo budget of a glued pair is that of its parts, so "aktol" cannot pass for
        "ak" + "jol" although five letters would otherwise allow a typo.
        """
        for flip in (False, True):
            single, many = (self.name, self.query) if flip else (self.query, self.name)
            one_free, many_free = (self.n_free, self.q_free) if flip else (self.q_free, self.n_free)
            for i in sorted(one_free):
                for width in (2, 3):
                    for start in range(len(many) - width + 1):
                        span = tuple(range(start, start + width))
                        if i not in one_free or not many_free.issuperset(span):
                            continue
                        joined = glue(many[k].skeleton for k in span)
                        budget = min(
                            typo_budget(len(single[i].skeleton)),
                            sum(typo_budget(len(many[k].skeleton)) for k in span),
                        )
                        if not fuzzy:
                            edits = 0 if single[i].skeleton == joined else 1
                            budget = 0
                        else:
                            edits = OSA.distance(single[i].skeleton, joined, score_cutoff=budget)
                        if edits <= budget:
                            self.take(span if flip else (i,), (i,) if flip else span, edits)


def _quote(words: Iterable[str]) -> str:
    return "'" + " ".join(words) + "'"


def judge(query: NameForm, name: NameForm) -> Verdict:
    """Decide how one registry name fits the query."""
    links = _Linker(query.parts, name.parts).run()
    edits = sum(link.edits for link in links)
    q_left = [i for i in range(len(query.parts)) if not any(i in k.query for k in links)]
    linked = [i for k in links for i in k.query]
    first, last = (min(linked), max(linked)) if linked else (0, -1)
    edge = [i for i in q_left if query.parts[i].legal_like and not first <= i <= last]
    forgiven = [query.words[i] for i in edge]
    q_left = [i for i in q_left if i not in edge]
    n_left = [j for j in range(len(name.parts)) if not any(j in k.name for k in links)]
    q_distinct = [query.words[i] for i in q_left if not query.generic[i]]
    n_distinct = [name.words[j] for j in n_left if not name.generic[j]]
    q_extra = [query.words[i] for i in q_left]
    n_extra = [name.words[j] for j in n_left]
    matched_length = sum(len(name.words[j]) for k in links for j in k.name)
    distinctive = any(not name.generic[j] for k in links for j in k.name)
    typos = [
        f"{_quote(query.words[i] for i in k.query)}~{_quote(name.words[j] for j in k.name)}"
        for k in links
        if k.edits
    ]
    if (
        len(q_left) == 1
        and len(n_left) == 1
        and _one_letter_off(query.parts[q_left[0]], name.parts[n_left[0]])
    ):
        fit = Fit.PARTIAL
        reason = f"{_quote(q_extra)} is one letter off {_quote(n_extra)}, too short to forgive"
    elif q_distinct or (q_extra and n_extra):
        fit = Fit.VETO
        theirs = f" vs {_quote(n_extra)}" if n_extra else f" not in {_quote(name.words)}"
        reason = f"{_quote(q_extra)}{theirs}"
    elif edits > (1 if matched_length < 10 else 2):
        fit, reason = Fit.VETO, f"too many edits ({', '.join(typos)})"
    elif q_extra:
        fit, reason = Fit.QUERY_EXTRA, f"name {_quote(name.words)} lacks {_quote(q_extra)}"
    elif n_distinct:
        fit, reason = Fit.PARTIAL, f"query lacks distinctive {_quote(n_distinct)}"
    elif n_extra:
        fit, reason = Fit.GENERIC_OMITTED, f"matches, omitting generic {_quote(n_extra)}"
    else:
        fit, reason = Fit.FULL, f"all words match {_quote(name.words)}"
    if fit is not Fit.VETO and typos:
        reason += f"; {len(typos)} typo: {', '.join(typos)}"
    if fit is not Fit.VETO and forgiven:
        reason += f"; ignored mistyped legal form {_quote(forgiven)}"
    by_name = sorted(
        (k for k in links if not all(name.generic[j] for j in k.name)), key=lambda k: k.name
    )
    in_order = all(a.query < b.query for a, b in zip(by_name, by_name[1:], strict=False))
    if fit is Fit.VETO:
        matched = len(name.words) - len(n_left)
        score = _BASE_SCORE[fit] + 30.0 * matched / max(len(name.words), 1)
    else:
        score = _BASE_SCORE[fit] - 10.0 * edits - 3.0 * max(len(n_extra) - 1, 0)
        score -= 0.0 if in_order else 1.0
    name_words = tuple(sorted(j for link in links for j in link.name))
    seams = sum(len(link.query) != len(link.name) for link in links)
    return Verdict(fit, edits, max(score, 0.0), reason, distinctive, in_order, name_words, seams)
