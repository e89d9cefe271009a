"""Who is calling: a number we can use, or a hidden caller and the way their number was hidden."""

from __future__ import annotations

import pytest

from hotline.callers import Caller, HiddenCaller, caller_of


@pytest.mark.parametrize(
    ("raw", "region", "phone"),
    [
        ("+996555123456", "KG", "+996555123456"),
        ("0555 123 456", "KG", "+996555123456"),
        (" +998901234567 ", "KG", "+998901234567"),
        ("8 90 123 45 67", "UZ", "+998901234567"),
    ],
)
def test_a_number_is_kept_in_e164(raw: str, region: str, phone: str) -> None:
    caller = caller_of(raw, region)

    assert caller == Caller(phone=phone, hidden=None)
    assert not caller.is_hidden


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("anonymous", HiddenCaller.ANONYMOUS),
        ("Anonymous", HiddenCaller.ANONYMOUS),
        ("ANONYMOUS", HiddenCaller.ANONYMOUS),
        ("private", HiddenCaller.ANONYMOUS),
        ("withheld", HiddenCaller.ANONYMOUS),
        # Twilio's keypad spellings: A-N-O-N-Y-M-O-U-S, R-E-S-T-R-I-C-T-E-D, B-L-O-C-K-E-D, ...
        ("+266696687", HiddenCaller.ANONYMOUS),
        ("266696687", HiddenCaller.ANONYMOUS),
        ("restricted", HiddenCaller.RESTRICTED),
        ("Restricted", HiddenCaller.RESTRICTED),
        ("blocked", HiddenCaller.RESTRICTED),
        ("+7378742833", HiddenCaller.RESTRICTED),
        ("+2562533", HiddenCaller.RESTRICTED),
        ("unavailable", HiddenCaller.UNAVAILABLE),
        ("Unknown", HiddenCaller.UNAVAILABLE),
        ("+8656696", HiddenCaller.UNAVAILABLE),
        ("+86282452253", HiddenCaller.UNAVAILABLE),
        ("", HiddenCaller.UNAVAILABLE),
        ("   ", HiddenCaller.UNAVAILABLE),
        (None, HiddenCaller.UNAVAILABLE),
        ("client:alice", HiddenCaller.APP),
        ("client:anonymous", HiddenCaller.APP),
        ("sip:someone@example.org", HiddenCaller.APP),
        ("+1", HiddenCaller.UNPARSEABLE),
        ("12", HiddenCaller.UNPARSEABLE),
        ("+996", HiddenCaller.UNPARSEABLE),
        ("DROP TABLE calls", HiddenCaller.UNPARSEABLE),
        ("+996555123456" * 10, HiddenCaller.UNPARSEABLE),
    ],
)
def test_a_caller_without_a_usable_number_is_hidden_and_keeps_only_the_kind(
    raw: str | None, kind: HiddenCaller
) -> None:
    caller = caller_of(raw, "KG")

    assert caller == Caller(phone=None, hidden=kind)
    assert caller.is_hidden


def test_the_keypad_spellings_are_hidden_whatever_phonenumbers_makes_of_them() -> None:
    """+7 378... reads as a Russian/Kazakh prefix, in a country we call back: never ring it."""
    assert caller_of("+7 378 742 833", "KG").hidden is HiddenCaller.RESTRICTED
