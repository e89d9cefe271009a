"""A text that is nothing but a country asks for that country's rules, in every language we speak.

The table is generated from ``content/countries.yaml``: every country, every language's name and
listed spelling, in upper, lower and title case, with punctuation, filler and every apostrophe
people type for Uzbek oʻ/gʻ. A hand-written table of what newcomers really sent sits beside it,
so a spelling dropped from the data shows up as a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from hotline.sms.conversation import SmsContent
from hotline.sms.countries import CONTENT, CountryVocabulary
from hotline.sms.keywords import Command
from hotline.sms.words import fold_phrase

CONTENT_FOR_SMS = SmsContent()
DATA = yaml.safe_load((CONTENT / "countries.yaml").read_text(encoding="utf-8"))["countries"]
LANGUAGE_NAMES = set(CONTENT_FOR_SMS.keywords.language_names)
SHEET_COUNTRIES = sorted({country for _, country in CONTENT_FOR_SMS.rules.sheets})
_CYRILLIC = re.compile("[а-яА-ЯёЁўғқҳЎҒҚҲөүңӨҮҢ]")
_APOSTROPHES = "ʻ'`’‘ʼ"


def _forms() -> list[tuple[str, str, str]]:
    """(country, language, form) for every display name and listed spelling."""
    forms: list[tuple[str, str, str]] = []
    for code, entry in DATA.items():
        written = [(language, str(name)) for language, name in entry["names"].items()]
        written += [
            (language, str(spelling))
            for language, spellings in entry["spellings"].items()
            for spelling in spellings
        ]
        for language, form in written:
            if fold_phrase(form) not in LANGUAGE_NAMES:
                forms.append((code, language, form))
    return forms


def _variants(form: str) -> list[str]:
    """How people type one spelling: any case, a question mark, every apostrophe or none."""
    variants = {form, form.upper(), form.lower(), form.title(), f"{form}?", f" {form}! "}
    if any(mark in form for mark in _APOSTROPHES):
        bare = form.translate(str.maketrans("", "", _APOSTROPHES))
        variants |= {re.sub(f"[{_APOSTROPHES}]", mark, form) for mark in _APOSTROPHES}
        variants.add(bare)
    return sorted(variants)


EVERY_FORM = [
    (code, language, variant) for code, language, form in _forms() for variant in _variants(form)
]


@pytest.mark.parametrize(("code", "language", "text"), EVERY_FORM)
def test_a_country_alone_is_a_rules_request(code: str, language: str, text: str) -> None:
    parsed = CONTENT_FOR_SMS.parse(text)

    assert (parsed.command, parsed.argument) == (Command.RULES, code)
    assert parsed.languages <= {language} - {"en"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RUSSIA", "RU"),
        ("РОССИЯ", "RU"),
        ("Россия", "RU"),
        ("RF", "RU"),
        ("РФ", "RU"),
        ("Rossiya", "RU"),
        ("Rossiya Federatsiyasi", "RU"),
        ("Орусия", "RU"),
        ("Орусияга", "RU"),
        ("в Россию", "RU"),
        ("Россия правила", "RU"),
        ("Kazakstan", "KZ"),
        ("Qozog'iston", "KZ"),
        ("Qozogʻiston", "KZ"),
        ("Qozog`iston", "KZ"),
        ("Qozogiston", "KZ"),
        ("Казакстан", "KZ"),
        ("Қозоғистон", "KZ"),
        ("Qazaqstan", "KZ"),
        ("Корея", "KR"),
        ("Koreya", "KR"),
        ("South Korea", "KR"),
        ("UK", "GB"),
        ("Britain", "GB"),
        ("Angliya", "GB"),
        ("to the UK, please", "GB"),
        ("Türkiye", "TR"),
        ("Туркия", "TR"),
        ("Qirgʻiziston", "KG"),
        ("Germaniya", "DE"),
    ],
)
def test_what_newcomers_texted(text: str, code: str) -> None:
    parsed = CONTENT_FOR_SMS.parse(text)
    assert (parsed.command, parsed.argument) == (Command.RULES, code)


@pytest.mark.parametrize(
    "text",
    [
        "Russia Travel Service",
        "Rossiya Ish MChJ",
        "Koreya Job",
        "UK Consulting",
        "Ak-Jol Russia",
        "Россия 2000",
        "Turkiya Safar xususiy bandlik agentligi",
        "KG-0145-23",
    ],
)
def test_an_agency_name_with_a_country_in_it_is_still_an_agency_check(text: str) -> None:
    assert CONTENT_FOR_SMS.parse(text).command is Command.LOOKUP


@pytest.mark.parametrize("text", ["RU", "ru", "UZ", "uz", "KG", "rus"])
def test_a_language_name_alone_is_not_taken_for_a_country(text: str) -> None:
    """ "ru" may answer "choose a language"; RULES RU still means Russia."""
    assert CONTENT_FOR_SMS.parse(text).command is not Command.RULES
    assert CONTENT_FOR_SMS.rules.country_in(text)[0] == text.upper()[:2]


@pytest.mark.parametrize("text", ["CHECK Russia", "TEKSHIR Rossiya", "ПРОВЕРКА Корея"])
def test_a_keyword_says_what_is_asked(text: str) -> None:
    assert CONTENT_FOR_SMS.parse(text).command is Command.CHECK


@pytest.mark.parametrize("text", ["в", "please", "?!", "правила пожалуйста"])
def test_filler_alone_names_no_country(text: str) -> None:
    assert CONTENT_FOR_SMS.country_alone(text) is None


@pytest.mark.parametrize("code", sorted(DATA))
@pytest.mark.parametrize("script", ["en", "ru", "ky", "uz Latin", "uz Cyrillic", "kaa"])
def test_every_country_can_be_named_in_every_language_and_script(code: str, script: str) -> None:
    language, _, alphabet = script.partition(" ")
    entry = DATA[code]
    written = [str(entry["names"][language]), *map(str, entry["spellings"].get(language, []))]
    if alphabet == "Cyrillic":
        written = [w for w in written if _CYRILLIC.search(w)]
    elif alphabet == "Latin":
        written = [w for w in written if not _CYRILLIC.search(w)]
    assert written, f"{code} has no {script} spelling"


def test_every_country_with_rules_is_in_the_vocabulary() -> None:
    assert set(SHEET_COUNTRIES) <= set(DATA)


def test_a_spelling_of_two_countries_is_refused(tmp_path: Path) -> None:
    clash = tmp_path / "countries.yaml"
    clash.write_text(
        "countries:\n"
        "  KR: {names: {en: Korea}, spellings: {ru: [КОРЕЯ]}}\n"
        "  KP: {names: {en: North Korea}, spellings: {ru: [корея]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="KR and KP"):
        CountryVocabulary.load(clash)
