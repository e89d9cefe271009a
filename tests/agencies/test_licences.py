"""Licence numbers are recognised by the registry, in any numbering scheme it brings."""

from __future__ import annotations

import pytest

from hotline.agencies.licences import LicenceBook, licence_forms
from hotline.agencies.matching import MatchKind, NameIndex, RegistryName

REGISTRY = [
    RegistryName(1, "KG-0145-23", "Ак-Жол Тревел"),
    RegistryName(2, "L123-24", "Бийик Тоо Сервис"),
    RegistryName(3, "РЛ-0456", "Асыл Нур"),
    RegistryName(4, "UZ 00123", "Zumrad Travel"),
    RegistryName(5, "№ 045/2024", "Chinor Group"),
    RegistryName(6, "2024-KG-17", "Kutman Consulting"),
    RegistryName(7, "QX·77/B", "Tunuk Job"),  # a scheme no code has seen
    RegistryName(8, "СМ-24.05638", "Сармүрлөт Инвест"),  # padding inside a group
    RegistryName(9, "07117-2022ДХР", "Kenkum Staff"),  # Cyrillic letters after the digits
    RegistryName(10, "Н 05541 2023", "Elm Rovinmark"),
    RegistryName(11, "ОK2023", "Тыжалда Экспресс"),  # digits a longer number may contain
    RegistryName(12, "002025", "Коввенжу Ладраста"),
]


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(REGISTRY)


@pytest.mark.parametrize(
    ("query", "licence"),
    [
        ("L123-24", "L123-24"),
        ("l 123/24", "L123-24"),
        ("Л123-24", "L123-24"),  # Cyrillic Л for Latin L
        ("лицензия L123-24", "L123-24"),
        ("РЛ-0456", "РЛ-0456"),
        ("RL 456", "РЛ-0456"),  # transliterated, zero padding dropped
        ("PL-0456", "РЛ-0456"),  # typed by eye: Р looks like P
        ("rl0456", "РЛ-0456"),
        ("UZ 00123", "UZ 00123"),
        ("uz123", "UZ 00123"),
        ("УЗ 123", "UZ 00123"),
        ("№ 045/2024", "№ 045/2024"),
        ("N045/2024", "№ 045/2024"),
        ("No.045/2024", "№ 045/2024"),
        ("045 2024", "№ 045/2024"),
        ("KG 145 23", "KG-0145-23"),
        ("КГ-0145-23", "KG-0145-23"),
        ("145-23", "KG-0145-23"),
        ("Ак-Жол Тревел KG-0145-23", "KG-0145-23"),
        ("2024-KG-17", "2024-KG-17"),
        ("2024 кг 17", "2024-KG-17"),
        ("QX 77 B", "QX·77/B"),
        ("qx77b", "QX·77/B"),
        ("СМ-24.5638", "СМ-24.05638"),
        ("cm 24 5638", "СМ-24.05638"),
        ("07117-2022DXR", "07117-2022ДХР"),  # Х typed by sound as X, Р as R
        ("7117 2022 dhr", "07117-2022ДХР"),
        ("No. N 05541 2023", "Н 05541 2023"),  # Н typed by sound, after an announcing word
        ("лиц. - 045 - 2024", "№ 045/2024"),  # a dash after the announcing word joins nothing
    ],
)
def test_a_licence_in_any_registry_format_and_as_people_type_it_is_found(
    index: NameIndex, query: str, licence: str
) -> None:
    match = index.match(query)

    assert match.kind is MatchKind.LICENCE
    assert [c.licence_no for c in match.candidates] == [licence]


@pytest.mark.parametrize(
    "query",
    ["L999-99", "РЛ-0999", "UZ 99999", "AB 145-23", "QX 78 B",
     "№2023-KG-6313",  # holds 2023, but is no «ОK2023»
     "УХ - 9760 - 2025", "УХ 9760 2025"],  # ends in 2025, but is no «002025»
)  # fmt: skip
def test_a_number_in_the_registry_s_shape_that_it_lacks_names_no_agency(
    index: NameIndex, query: str
) -> None:
    match = index.match(query)

    assert match.kind is MatchKind.NONE
    assert match.candidates == ()


def test_a_name_with_a_number_that_is_not_its_licence_is_never_a_clear_answer(
    index: NameIndex,
) -> None:
    assert index.match("Ак-Жол Тревел L999-99").kind is MatchKind.AMBIGUOUS


def test_a_number_two_agencies_share_is_ambiguous() -> None:
    book = NameIndex([RegistryName(1, "A-100", "Asyl"), RegistryName(2, "А-0100", "Nur")])

    assert book.match("A100").kind is MatchKind.AMBIGUOUS


def test_forms_forget_case_script_separators_and_padding() -> None:
    assert licence_forms("РЛ-0456") == {"pl456", "rl456"}
    assert licence_forms("rl 456") == {"rl456"}
    assert licence_forms("Travel") == set()


def test_a_bare_number_in_a_name_is_not_taken_for_a_licence() -> None:
    book = LicenceBook([(0, "L123-24")])

    assert book.shaped_run("Ak-Jol 2000") is None
    assert book.shaped_run("L999-99") == (0, 7)
