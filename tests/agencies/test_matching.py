"""Specification of the agency matcher: labelled queries, generated noise, and safety rules.

``labelled_queries.csv`` is the specification a person can read: every row is a message a
family might send, what the matcher must answer, and which kind of noise it exercises. The
generated set (``noisy_queries``) checks the same rules on names the matcher was not tuned on.
"""

from __future__ import annotations

import csv
import threading
from collections import Counter
from pathlib import Path

import pytest

from hotline.agencies.matching import (
    Match,
    MatchKind,
    NameIndex,
    RegistryName,
    licence_number_in,
)

from .noisy_queries import generate_queries, generate_registry

HERE = Path(__file__).parent


def _read_registry() -> list[RegistryName]:
    with (HERE / "registry_fixture.csv").open(encoding="utf-8") as f:
        return [
            RegistryName(
                int(row["agency_id"]),
                row["licence_no"],
                row["name"],
                tuple(alias for alias in row["aliases"].split("|") if alias),
            )
            for row in csv.DictReader(f)
        ]


def _read_labelled() -> list[dict[str, str]]:
    with (HERE / "labelled_queries.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


REGISTRY = _read_registry()
LABELLED = _read_labelled()


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(REGISTRY)


def _is_right(match: Match, expected_kind: str, expected_licence: str) -> bool:
    if match.kind.value != expected_kind:
        return False
    return not expected_licence or match.candidates[0].licence_no == expected_licence


@pytest.mark.parametrize(
    "row", LABELLED, ids=[f"{r['expected_kind']}:{r['query']}" for r in LABELLED]
)
def test_labelled_query(index: NameIndex, row: dict[str, str]) -> None:
    match = index.match(row["query"])
    assert _is_right(match, row["expected_kind"], row["expected_licence_no"]), (
        f"{row['noise']}: got {match.kind.value} "
        f"{[(c.name, c.reason) for c in match.candidates[:3]]}"
    )


def test_labelled_accuracy(index: NameIndex) -> None:
    """Registered names >= 97 %, licence numbers 100 %, and no decoy ever answered UNIQUE."""
    tally: Counter[str] = Counter()
    for row in LABELLED:
        match = index.match(row["query"])
        right = _is_right(match, row["expected_kind"], row["expected_licence_no"])
        group = {"unique": "registered", "licence": "licence"}.get(row["expected_kind"], "other")
        tally[f"{group}:total"] += 1
        tally[f"{group}:right"] += right
        if group == "other" and match.kind is MatchKind.UNIQUE:
            tally["decoy:unique"] += 1
    registered = tally["registered:right"] / tally["registered:total"]
    licence = tally["licence:right"] / tally["licence:total"]
    print(
        f"\nlabelled: registered {tally['registered:right']}/{tally['registered:total']} "
        f"= {registered:.2%}; licence {tally['licence:right']}/{tally['licence:total']}; "
        f"decoy/ambiguous/generic {tally['other:right']}/{tally['other:total']} as labelled, "
        f"{tally['decoy:unique']} answered UNIQUE"
    )
    assert registered >= 0.97
    assert licence == 1.0
    assert tally["decoy:unique"] == 0


def test_generated_noise_accuracy() -> None:
    """~200 generated agencies, ~2,000 noisy queries and decoys, on word pools never tuned on."""
    registry = generate_registry(200, seed=2024)
    queries = generate_queries(registry, per_agency=8, decoys_per_agency=2, seed=99)
    index = NameIndex(registry)
    tally: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for labelled in queries:
        match = index.match(labelled.query)
        if labelled.expected_kind == "decoy":
            tally["decoys"] += 1
            tally["decoys unique"] += match.kind is MatchKind.UNIQUE
            continue
        tally["registered"] += 1
        right = (
            match.kind is MatchKind.UNIQUE
            and match.candidates[0].agency_id == labelled.expected_agency_id
        )
        tally["right"] += right
        if not right:
            missed.update(labelled.noise.split("+"))
    accuracy = tally["right"] / tally["registered"]
    decoy_rate = tally["decoys unique"] / tally["decoys"]
    print(
        f"\ngenerated: registered {tally['right']}/{tally['registered']} = {accuracy:.2%}; "
        f"decoys UNIQUE {tally['decoys unique']}/{tally['decoys']} = {decoy_rate:.2%}; "
        f"misses by noise {dict(missed.most_common())}"
    )
    assert accuracy >= 0.97
    assert decoy_rate <= 0.005


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("145-23", "145-23"),
        ("№ 145-23", "145-23"),
        ("lic 145-23", "145-23"),
        ("№145/23", "145-23"),
        ("лиц. 0145 23", "145-23"),
        ("Ak-Jol Travel 145-23", "145-23"),
        ("Ak-Jol 2000", None),
        ("Ak-Jol Travel", None),
        ("2000", "2000"),
    ],
)
def test_licence_number_in(text: str, key: str | None) -> None:
    assert licence_number_in(text) == key


def test_too_in_ala_too_is_a_word_not_a_legal_form() -> None:
    index = NameIndex(
        [RegistryName(1, "1-1", "ОсОО «Ала-Тоо»"), RegistryName(2, "2-2", "ОсОО «Ала»")]
    )
    match = index.match("Ала-Тоо")
    assert (match.kind, match.candidates[0].agency_id) == (MatchKind.UNIQUE, 1)


def test_decoy_is_explained_to_staff(index: NameIndex) -> None:
    match = index.match("Ак-Жол Трейд")
    assert match.kind is MatchKind.NONE
    assert {c.licence_no for c in match.candidates} == {"102-24", "103-24"}
    assert all("trade" in c.reason for c in match.candidates)


def test_ambiguous_lists_every_agency_sharing_the_head_word(index: NameIndex) -> None:
    match = index.match("Ak-Jol")
    assert match.kind is MatchKind.AMBIGUOUS
    assert {c.licence_no for c in match.candidates} == {"102-24", "103-24"}


def test_aliases_belong_to_the_same_agency() -> None:
    index = NameIndex([RegistryName(7, "7-24", "ОсОО «Согдиана»", ("Sogʻdiyona",))])
    match = index.match("Sogdiyona")
    assert match.kind is MatchKind.UNIQUE
    assert [c.agency_id for c in match.candidates] == [7]


def test_shared_licence_number_is_ambiguous() -> None:
    index = NameIndex([RegistryName(1, "5-24", "Aska"), RegistryName(2, "005/24", "Bermet")])
    assert index.match("№ 5-24").kind is MatchKind.AMBIGUOUS


def test_empty_and_noise_only_queries_match_nothing(index: NameIndex) -> None:
    for text in ("", "   ", "???", "«»", "OsOO", "проверка лицензия"):
        assert index.match(text).kind is MatchKind.NONE


def test_index_is_safe_to_share_between_threads(index: NameIndex) -> None:
    texts = [row["query"] for row in LABELLED]
    expected = [index.match(text) for text in texts]
    results: dict[int, list[Match]] = {}

    def run(worker: int) -> None:
        results[worker] = [index.match(text) for text in texts]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[n] == expected for n in range(4))
