"""Find the registry names that could fit a query without comparing it to every name.

A full alignment costs about a hundred microseconds; a registry of 100,000 agencies would take
seconds per SMS. This inverted index narrows the field first: each registry word points to the
names that hold it, and a one-deletion neighbourhood (both the word and every string one letter
shorter point back to it) finds every word one typo away by dictionary look-ups.

Everything is stored in objects the garbage collector does not track (strings, bytes), so
that a 100,000-agency index adds nothing to collection pauses.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

from rapidfuzz.distance import OSA

from hotline.agencies.alignment import typo_budget
from hotline.agencies.names import NameForm, is_generic


def pack(entries: list[int]) -> bytes:
    """Store entry numbers as bytes: unlike lists and arrays, bytes are not scanned by the GC."""
    return array("I", entries).tobytes()


def unpack(packed: bytes) -> memoryview:
    """Read entry numbers stored by ``pack``, without copying."""
    return memoryview(packed).cast("I")


def _deletions(word: str) -> Iterator[str]:
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


class _Words:
    """Words -> entries, and a one-deletion neighbourhood over the words."""

    def __init__(self, postings: dict[str, list[int]]) -> None:
        self.postings = {word: pack(entries) for word, entries in postings.items()}
        neighbours: dict[str, list[str]] = {}
        for word in postings:
            if len(word) >= 4:
                for variant in set(_deletions(word)):
                    neighbours.setdefault(variant, []).append(word)
        self.neighbours = {variant: " ".join(words) for variant, words in neighbours.items()}

    def near(self, word: str, budget_of: int) -> set[str]:
        """Words within one typo of ``word`` whose own budget allows one.

        ``budget_of`` is subtracted from a word's length before its budget is read, so that
        folded spellings ("tash", four letters for three sounds) are held to the skeleton's
        budget.
        """
        found = {word} if word in self.postings else set()
        if len(word) < 3:
            return found
        close = set(self.neighbours.get(word, "").split())
        for variant in _deletions(word):
            close.update(self.neighbours.get(variant, "").split())
            if variant in self.postings:
                close.add(variant)
        for other in close - found:
            if (
                typo_budget(len(other) - budget_of)
                and OSA.distance(word, other, score_cutoff=1) <= 1
            ):
                found.add(other)
        return found


class WordIndex:
    """Registry words of every entry (a name or an alias), by skeleton and by spelling."""

    def __init__(self, forms: list[NameForm]) -> None:
        skeletons: dict[str, list[int]] = {}
        spellings: dict[str, list[int]] = {}
        generic_spellings: set[str] = set()
        for entry, form in enumerate(forms):
            for word in set(form.words):
                skeletons.setdefault(word, []).append(entry)
            for part in form.parts:
                entries = spellings.setdefault(part.spelled, [])
                if not entries or entries[-1] != entry:
                    entries.append(entry)
                if part.generic:
                    generic_spellings.add(part.spelled)
        # Trade words never lead to a name: half the registry says "travel".
        self._generic_spellings = frozenset(generic_spellings)
        self._entry_words = [" ".join(form.words) for form in forms]
        self._skeletons = _Words(skeletons)
        # Spellings (folded, before skeletons) find typos a skeleton hides: "Quyohs" for
        # "Quyosh" is one swap in spelling, two edits in skeleton ("kuiohs" / "kuioS").
        self._spellings = _Words(spellings)

    def knows(self, skeleton: str) -> bool:
        """Tell whether some registry name holds this word."""
        return skeleton in self._skeletons.postings

    def near(self, skeleton: str) -> set[str]:
        """Registry words within one typo of ``skeleton`` (itself included when known)."""
        return self._skeletons.near(skeleton, 0)

    def closeness(self, skeleton: str) -> int | None:
        """Typos between a skeleton and the nearest registry word: 0, 1, or None (none near).

        Only words of five letters or more may carry a typo inside a glued word: "Рарасу" must
        not read as «Кара» + «Суу».
        """
        if skeleton in self._skeletons.postings:
            return 0
        if len(skeleton) >= 5 and self.near(skeleton):
            return 1
        return None

    def _holding_all(self, words: list[str]) -> Iterator[int]:
        """Entries holding all ``words``, found by walking the shortest posting list."""
        postings = self._skeletons.postings
        shortest = min(words, key=lambda w: len(postings[w]))
        needed = set(words)
        return (
            e for e in unpack(postings[shortest]) if needed.issubset(self._entry_words[e].split())
        )

    def _glued(self, word: str) -> Iterator[int]:
        """Entries whose neighbouring words run together into ``word`` ("akjoltravel")."""
        postings = self._skeletons.postings
        for cut in range(1, len(word)):
            head = word[:cut]
            if head not in postings:
                continue
            if word[cut:] in postings:
                yield from self._holding_all([head, word[cut:]])
            for cut2 in range(cut + 1, len(word)):
                middle, tail = word[cut:cut2], word[cut2:]
                if middle in postings and tail in postings:
                    yield from self._holding_all([head, middle, tail])

    def coverage(self, query: NameForm) -> dict[int, int]:
        """Map entries to a bit mask of the query words they hold a counterpart for.

        Trade words are not looked up (half the registry says "travel"); runs of two or three
        query words are looked up glued together, for names registered as one word.
        """
        masks: dict[int, int] = {}

        def mark(entries: Iterable[int], bits: int) -> None:
            for entry in entries:
                masks[entry] = masks.get(entry, 0) | bits

        words = query.words
        for i in range(len(words)):
            for end in (i + 1, i + 2, i + 3):
                if end > len(words) or (end == i + 1 and not query.identifying[i]):
                    continue
                bits = sum(1 << k for k in range(i, end))
                joined = "".join(words[i:end])
                for word in self._skeletons.near(joined, 0):
                    if not is_generic(word):
                        mark(unpack(self._skeletons.postings[word]), bits)
                if end == i + 1:
                    for spelled in self._spellings.near(query.parts[i].spelled, 1):
                        if spelled not in self._generic_spellings:
                            mark(unpack(self._spellings.postings[spelled]), bits)
                    mark(self._glued(joined), bits)
        return masks
