"""Shared heads and siblings are decided explicitly (issue 14).

The matcher knows which leading words several agencies share: a query naming only such a
head is ambiguous with every agency that has it, whatever script each is registered in; a
query that adds a tail picks the sibling with that tail, and a tail no sibling has is a decoy.
An exact full name wins over its siblings, in the order its words are written.
"""

from __future__ import annotations

import pytest

from hotline.agencies.matching import Match, MatchKind, NameIndex, RegistryName

REGISTRY = [
    RegistryName(1, "KG-0145-23", "ОсОО «Ак Жол Тревел»"),
    RegistryName(2, "KG-0146-23", "ОсОО «Ак Жол Кадр»"),  # the revoked sibling, in the story
    RegistryName(3, "KG-0147-23", "Ак Жол Сервис ЖЧК"),
    RegistryName(4, "KG-0201-24", "Бийик Тоо Тревел"),
    RegistryName(5, "KG-0202-24", "Бийик Тоо Стафф"),
    RegistryName(6, "KG-0203-24", "ОсОО «Бийик Тоо»"),  # the head alone is a registered name
    RegistryName(7, "UB 6349-21", "Ltd Sun-Morbelwin Job"),
    RegistryName(8, "SD2088", '"Сан-Морбэлвин Инвест" Ltd'),  # a sibling in the other script
    RegistryName(9, "№ 5956/2024", "ОсОО «Көк Эл»"),
    RegistryName(10, "2021-KG-1069", "ЖЧК «Эл Көк»"),
    RegistryName(11, "PЛ-1527", "ООО Дар Вергор Групп"),
    RegistryName(12, "UZ 09134", "Zar Yoʻl xususiy bandlik agentligi XK"),
    RegistryName(13, "KG-8132-23", "ОсОО «Зарүл Джоб»"),
    RegistryName(14, "1052/2022", '"Qaro Yoʻl Travel" XBA XK'),
    RegistryName(15, "7765/2021", "Яр-Лад Сервис ООО"),
    RegistryName(16, "KG-8114-22", "ОсОО «Буис Экспресс»"),
    RegistryName(17, "KG-5154-25", "ОсОО «Ай-Суу Джоб»"),
    RegistryName(18, "7054-25", "ОсОО «Бачолле»"),
]


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(REGISTRY)


def _ids(match: Match) -> set[int]:
    return {candidate.agency_id for candidate in match.candidates}


@pytest.mark.parametrize("query", ["Ак Жол", "ак-жол", "Ak Jol", "ОсОО Ак Жол", "Ак Жол?"])
def test_a_bare_shared_head_is_ambiguous_with_every_sibling(index: NameIndex, query: str) -> None:
    match = index.match(query)

    assert match.kind is MatchKind.AMBIGUOUS
    assert _ids(match) == {1, 2, 3}


@pytest.mark.parametrize(("query", "sibling"), [("Ак Жол Кадр", 2), ("Ak Jol Servis", 3)])
def test_a_tail_picks_the_sibling_it_names(index: NameIndex, query: str, sibling: int) -> None:
    match = index.match(query)

    assert match.kind is MatchKind.UNIQUE
    assert match.candidates[0].agency_id == sibling


@pytest.mark.parametrize("query", ["Ак Жол Трейд", "Ак Жол Тур", "Ак Жол Нурбек", "Ак Жол Групп"])
def test_a_tail_no_sibling_has_names_none_of_them(index: NameIndex, query: str) -> None:
    assert index.match(query).kind is not MatchKind.UNIQUE


@pytest.mark.parametrize(
    ("query", "agency"),
    [("Бийик Тоо Тревел", 4), ("Бийик Тоо Стафф", 5), ("Бийик Тоо", 6), ("Bijik Too Staff", 5)],
)
def test_an_exact_name_wins_over_siblings_with_generic_tails(
    index: NameIndex, query: str, agency: int
) -> None:
    match = index.match(query)

    assert match.kind is MatchKind.UNIQUE
    assert match.candidates[0].agency_id == agency


@pytest.mark.parametrize("query", ["Sun Morbelwin", "Сан Морбэлвин", "Sun-Morbelwin ltd"])
def test_a_sibling_registered_in_the_other_script_is_still_a_sibling(
    index: NameIndex, query: str
) -> None:
    match = index.match(query)

    assert match.kind is MatchKind.AMBIGUOUS
    assert _ids(match) == {7, 8}


def test_word_order_tells_two_names_of_the_same_words_apart(index: NameIndex) -> None:
    assert index.match("Эл Көк").candidates[0].agency_id == 10
    assert index.match("Эл Көк").kind is MatchKind.UNIQUE
    assert index.match("Kok El").candidates[0].agency_id == 9
    assert index.match("Kok El").kind is MatchKind.UNIQUE


def test_a_name_s_words_out_of_order_are_a_near_miss(index: NameIndex) -> None:
    assert index.match("Вергор Дар Групп").kind is not MatchKind.UNIQUE
    assert index.match("Вергордар").kind is not MatchKind.UNIQUE


def test_words_run_together_do_not_beat_a_head_matched_word_for_word(index: NameIndex) -> None:
    match = index.match("Zarul")

    assert match.kind is MatchKind.AMBIGUOUS
    assert {12, 13} <= _ids(match)


def test_uzbek_typed_on_a_russian_keyboard_finds_the_name(index: NameIndex) -> None:
    match = index.match("Каро Йул Травел")  # ў typed as у, қ as к

    assert match.kind is MatchKind.UNIQUE
    assert match.candidates[0].agency_id == 14


@pytest.mark.parametrize(("query", "agency"), [("Яр Лад Сервис", 15), ("Буис Экспресс", 16)])
def test_name_words_that_look_like_legal_forms_or_fillers_stay_name_words(
    index: NameIndex, query: str, agency: int
) -> None:
    """«Яр», «Лад» are one letter from ЯТТ and Ltd; «Буис» is "bu" + "is" run together."""
    match = index.match(query)

    assert match.kind is MatchKind.UNIQUE
    assert match.candidates[0].agency_id == agency


@pytest.mark.parametrize(("query", "kept_from"), [("Суу Джоб", 17), ("Айбачол", 18)])
def test_a_short_word_is_never_dropped_to_make_a_name_fit(
    index: NameIndex, query: str, kept_from: int
) -> None:
    """«Ай» sounds like the legal form АЖ, and "ай" cut off "Айбачол" would leave «Бачолле»."""
    assert index.match(query).kind is not MatchKind.UNIQUE
