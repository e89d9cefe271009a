"""Segment counting and fitting replies into three segments."""

from __future__ import annotations

import pytest

from hotline.sms.replies import fit_sms
from hotline.sms.segments import count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("{" * 80, "GSM-7", 1),  # extension characters take two septets
        ("{" * 81, "GSM-7", 2),
        ("ж" * 70, "UCS-2", 1),
        ("ж" * 71, "UCS-2", 2),
        ("Qoʻngʻiroq", "UCS-2", 1),
        ("Qo'ng'iroq", "GSM-7", 1),
        ("😀" * 35, "UCS-2", 1),  # each emoji is two UTF-16 units
    ],
)
def test_count(text: str, encoding: str, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.segments) == (encoding, segments)


def test_uzbek_apostrophes_become_ascii_when_that_keeps_gsm7() -> None:
    assert fit_sms("Qoʻngʻiroq qiling") == "Qo'ng'iroq qiling"


def test_typographic_apostrophes_stay_when_the_text_is_ucs2_anyway() -> None:
    assert fit_sms("Oʻzbek: ПОМОЩЬ") == "Oʻzbek: ПОМОЩЬ"


@pytest.mark.parametrize("text", ["word " * 200, "слово " * 200, "Qoʻngʻiroq " * 100])
def test_long_replies_are_cut_to_three_segments(text: str) -> None:
    fitted = fit_sms(text)
    assert count_segments(fitted).segments == 3
    assert fitted.endswith(("...", "…"))


@pytest.mark.parametrize(
    "text",
    [
        "Жумуш сунушун агенттиктен түз текшериңиз. " * 8,
        "Jumıs usınısın agentlikten tikkeley tekseriń. " * 8,
        "Baribir ish taklifini agentlikning o'zidan tekshiring. " * 10,
    ],
)
def test_a_cut_reply_ends_after_a_whole_word(text: str) -> None:
    fitted = fit_sms(text)
    kept = fitted.removesuffix("...").removesuffix("…")

    assert count_segments(fitted).segments == 3
    assert text.startswith(kept)
    assert text[len(kept)] in " ,."
