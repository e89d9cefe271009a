"""Phone numbers as migrants and providers write them, to E.164."""

from __future__ import annotations

import pytest

from hotline.phones import InvalidPhoneNumber, country_of, mask, parse_phone


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+996 555 123 456", "KG", "+996555123456"),
        ("00996555123456", "KG", "+996555123456"),
        ("0555 123 456", "KG", "+996555123456"),
        ("+998 90 123 45 67", "KG", "+998901234567"),
        ("8 90 123 45 67", "UZ", "+998901234567"),
        ("8 (90) 123-45-67", "UZ", "+998901234567"),
        ("90 123 45 67", "UZ", "+998901234567"),
        ("+7 916 123-45-67", "KG", "+79161234567"),
    ],
)
def test_numbers_are_normalised_to_e164(raw: str, region: str, expected: str) -> None:
    assert parse_phone(raw, region) == expected


@pytest.mark.parametrize(
    "raw", ["", "hello", "+996", "12", "+996 555 123 456 789 000", "DROP TABLE"]
)
def test_garbage_is_not_a_number(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        parse_phone(raw, "KG")


def test_country_comes_from_the_prefix() -> None:
    assert country_of("+996555123456") == "KG"
    assert country_of("+998901234567") == "UZ"


def test_masked_numbers_keep_only_country_code_and_last_digits() -> None:
    assert mask("+996555123456") == "+996***56"
    assert "555123" not in mask("+996555123456")
