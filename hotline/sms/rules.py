"""Registration and stay rules per citizenship and destination (``content/rules/*.yaml``).

Each file carries its source and last-reviewed date so staff can see what to re-check; the
texts are data, editable without touching code.

Staff edit them in the console too. The YAML stays the shipped default, loaded once per process
(it only changes with a deploy); an edit is a ``RuleEdit`` row per (citizenship, country,
language) that overrides one language's text, source and review date. Every RULES answer reads
the rows of its sheet afresh, one query on the table's unique index, so each web process and
worker on every machine answers with an edit from the moment it is committed: no cache to
invalidate and no version counter to keep in step. RULES is rare next to its SMS round trip, so
the query costs nothing worth caching away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.config import LANGUAGES
from hotline.models import RuleEdit
from hotline.sms.countries import CITIZENSHIPS, CountryVocabulary
from hotline.sms.replies import MAX_SEGMENTS, ReplyBook, fit_sms
from hotline.sms.segments import SegmentCount, count_segments

CONTENT = Path(__file__).parent / "content"
_LANGUAGE_CITIZENSHIP = {"ky": "KG", "uz": "UZ", "kaa": "UZ"}


@dataclass(frozen=True)
class RuleSheet:
    citizenship: str
    country: str
    source: str
    last_reviewed: dt.date
    review_note: str
    machine_drafted: frozenset[str]
    text: dict[str, str]


@dataclass(frozen=True)
class RulesBook:
    countries: CountryVocabulary
    sheets: dict[tuple[str, str], RuleSheet]

    @classmethod
    def load(cls, folder: Path = CONTENT) -> RulesBook:
        countries = CountryVocabulary.load(folder / "countries.yaml")
        sheets = {}
        for path in sorted((folder / "rules").glob("*.yaml")):
            sheet = _sheet(yaml.safe_load(path.read_text("utf-8")), path.name)
            sheets[(sheet.citizenship, sheet.country)] = sheet
        return cls(countries, sheets)

    def country_in(self, text: str) -> tuple[str | None, str | None]:
        """Find a destination (and an optional citizenship after it) in ``RULES`` text."""
        return self.countries.in_text(text)

    def country_name(self, code: str, language: str) -> str:
        return self.countries.name(code, language)

    def sheet(self, citizenship: str, country: str) -> RuleSheet | None:
        return self.sheets.get((citizenship, country))


def _sheet(data: dict[str, Any], name: str) -> RuleSheet:
    text = {language: str(data["text"][language]).strip() for language in data["text"]}
    missing = set(LANGUAGES) - set(text)
    if missing:
        raise ValueError(f"{name}: rules text lacks {sorted(missing)}")
    reviewed = data["last_reviewed"]
    if not isinstance(reviewed, dt.date):
        reviewed = dt.date.fromisoformat(str(reviewed))
    return RuleSheet(
        citizenship=str(data["citizenship"]),
        country=str(data["country"]),
        source=str(data["source"]),
        last_reviewed=reviewed,
        review_note=str(data.get("review_note", "")),
        machine_drafted=frozenset(data.get("machine_drafted", [])),
        text=text,
    )


@dataclass(frozen=True)
class RuleText:
    """One language of a sheet as migrants get it now: the staff edit, else the shipped YAML."""

    language: str
    text: str
    source: str
    reviewed: dt.date
    edited_by: str | None  # None while the shipped text stands
    edited_at: dt.datetime | None


class RuleEditRefused(ValueError):
    """An edit that would not make a usable SMS; nothing was stored."""


def current_texts(session: Session, sheet: RuleSheet) -> dict[str, RuleText]:
    """Every language of ``sheet`` with the staff edits laid over it (one indexed query)."""
    texts = {
        language: RuleText(language, text, sheet.source, sheet.last_reviewed, None, None)
        for language, text in sheet.text.items()
    }
    edits = session.scalars(
        select(RuleEdit).where(
            RuleEdit.citizenship == sheet.citizenship, RuleEdit.country == sheet.country
        )
    )
    for edit in edits:
        texts[edit.language] = RuleText(
            edit.language, edit.text, edit.source, edit.reviewed, edit.edited_by, edit.edited_at
        )
    return texts


def rules_reply(text: str, language: str, replies: ReplyBook, hotline_number: str) -> str:
    """The RULES answer as sent: the sheet's text and the hotline number after it."""
    return text + " " + replies.text("hotline_suffix", language, hotline=hotline_number)


def citizenship_for(language: str, country: str | None = None) -> str:
    """Whose rules to answer with: the sender's country when we know it, else the language's."""
    if country in CITIZENSHIPS:
        return str(country)
    return _LANGUAGE_CITIZENSHIP.get(language, "KG")


@dataclass(frozen=True)
class RulesAnswer:
    """A RULES answer in full; an SMS cuts it to its segments, a web page shows all of it."""

    country: str
    citizenship: str
    language: str  # the language ``text`` is in: the one asked, or Russian when none is written
    text: str
    rules: RuleText | None  # None: no rules for this citizenship and country yet


def answer_rules(
    session: Session,
    book: RulesBook,
    replies: ReplyBook,
    *,
    country: str,
    citizenship: str,
    language: str,
    hotline_number: str,
) -> RulesAnswer:
    """The rules for ``citizenship`` in ``country`` as migrants get them now (staff edits too)."""
    sheet = book.sheet(citizenship, country)
    if sheet is None:
        name = book.country_name(country, language)
        text = replies.text("rules_no_content", language, country=name, hotline=hotline_number)
        return RulesAnswer(country, citizenship, language, text, None)
    texts = current_texts(session, sheet)  # staff edits are in the db
    written = language if language in texts else "ru"
    rule = texts[written]
    reply = rules_reply(rule.text, written, replies, hotline_number)
    return RulesAnswer(country, citizenship, written, reply, rule)


def reply_segments(reply: str) -> SegmentCount:
    """Segments ``reply`` takes once ``fit_sms`` has put typographic quotes into GSM-7."""
    return count_segments(fit_sms(reply, max_segments=1_000_000))  # twins only, never cut


def edit_rule(
    session: Session,
    sheet: RuleSheet,
    language: str,
    form: dict[str, str],
    *,
    replies: ReplyBook,
    hotline_number: str,
    editor: str,
    now: dt.datetime,
) -> RuleEdit:
    """Store one language's text, source and review date, or refuse without storing anything.

    ``form`` holds ``text``, ``source`` and ``reviewed`` (YYYY-MM-DD) as staff typed them. The
    text must leave room for the hotline number within the three segments a reply may take.
    """
    text, source, reviewed_text = (
        form.get(name, "").replace("\r\n", "\n").strip() for name in ("text", "source", "reviewed")
    )
    if language not in LANGUAGES:
        raise RuleEditRefused(f"unknown language {language!r}")
    if not text:
        raise RuleEditRefused("the text is empty")
    if not source:
        raise RuleEditRefused("say where the rules come from (the source)")
    try:
        reviewed = dt.date.fromisoformat(reviewed_text)
    except ValueError:
        raise RuleEditRefused(f"{reviewed_text!r} is not a date (YYYY-MM-DD)") from None
    if reviewed > now.date():
        raise RuleEditRefused("the review date is in the future")
    count = reply_segments(rules_reply(text, language, replies, hotline_number))
    if count.segments > MAX_SEGMENTS:
        raise RuleEditRefused(
            f"with the hotline number the SMS takes {count.segments} segments "
            f"({count.units} {count.encoding} characters); at most {MAX_SEGMENTS} are sent"
        )
    edit = session.scalars(
        select(RuleEdit).where(
            RuleEdit.citizenship == sheet.citizenship,
            RuleEdit.country == sheet.country,
            RuleEdit.language == language,
        )
    ).one_or_none()
    if edit is None:
        edit = RuleEdit(citizenship=sheet.citizenship, country=sheet.country, language=language)
        session.add(edit)
    edit.text, edit.source, edit.reviewed = text, source, reviewed
    edit.edited_by, edit.edited_at = editor, now
    session.flush()
    return edit
