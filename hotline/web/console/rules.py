"""Console page: the registration and stay rules SMS per citizenship and destination, editable.

Staff see what a ``RULES`` SMS answers in each language, how many segments it costs with the
hotline number after it, the published sources the rules come from (their addresses as links)
and when someone last checked them. An edit is stored in the database over the shipped YAML
(``hotline.sms.rules``), so every web process and worker answers with it from the next message
on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, redirect, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from hotline.config import LANGUAGES
from hotline.db import utcnow
from hotline.models import StaffUser
from hotline.runtime import request_session, runtime
from hotline.sms.replies import MAX_SEGMENTS
from hotline.sms.rules import (
    RuleEditRefused,
    RuleSheet,
    RuleText,
    current_texts,
    edit_rule,
    reply_segments,
    rules_reply,
)
from hotline.sms.segments import SegmentCount
from hotline.staff import audit, may
from hotline.web.console import blueprint, render, requires


@dataclass(frozen=True)
class LanguageText:
    """One language of a sheet as the page shows it: what is sent and what it costs."""

    rule: RuleText
    segments: SegmentCount  # of the whole reply, hotline number included
    machine_drafted: bool  # the shipped text was drafted by a machine and wants a review


_ADDRESS = re.compile(r"https?://[^\s;,()<>\"']+")


@blueprint.app_template_filter("cited")
def cited(source: str) -> Markup:
    """A rule's source as text with each web address a link, so staff open what to re-check.

    Staff type sources too, so everything but the addresses is escaped, and only ``http`` and
    ``https`` addresses become links.
    """
    shown, start = Markup(""), 0
    for found in _ADDRESS.finditer(source):
        address = found.group(0).rstrip(".")
        shown += escape(source[start : found.start()])
        shown += Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(address)
        start = found.start() + len(address)
    return shown + escape(source[start:])


@blueprint.get("/rules")
@requires("registry.view")
def rules(user: StaffUser) -> ResponseReturnValue:
    """Every sheet x language: segments, source, review date, and whether staff edited it."""
    book = runtime().sms_content.rules
    sheets = [(sheet, _language_texts(sheet)) for _, sheet in sorted(book.sheets.items())]
    return render(
        "console/rules.html",
        user,
        sheets=sheets,
        country_name=book.country_name,
        max_segments=MAX_SEGMENTS,
    )


@blueprint.get("/rules/<citizenship>/<country>")
@requires("registry.view")
def rule_sheet(user: StaffUser, citizenship: str, country: str) -> ResponseReturnValue:
    """One sheet: a form per language, with the segments its SMS takes now."""
    saved = request.args.get("saved", "")
    return _sheet_page(user, _sheet_or_404(citizenship, country), saved=saved)


@blueprint.post("/rules/<citizenship>/<country>")
@requires("rules.edit")
def rule_edit(user: StaffUser, citizenship: str, country: str) -> ResponseReturnValue:
    """Store one language's text, source and review date; a bad form stores nothing (400)."""
    sheet = _sheet_or_404(citizenship, country)
    language = request.form.get("language", "")
    form = {name: request.form.get(name, "") for name in ("text", "source", "reviewed")}
    state = runtime()
    db = request_session()
    now = utcnow()
    try:
        edit = edit_rule(db, sheet, language, form, replies=state.sms_content.replies,
                         hotline_number=state.settings.hotline_number,
                         editor=user.email, now=now)  # fmt: skip
    except RuleEditRefused as exc:
        page = _sheet_page(user, sheet, error=(language, str(exc)), typed=(language, form))
        return page, 400
    segments = _segments(edit.text, language).segments
    detail = (
        f"{sheet.citizenship}-{sheet.country}/{language}: {segments} segments, "
        f"reviewed {edit.reviewed.isoformat()}, source {edit.source}"
    )
    audit(db, user.email, "rules_edit", detail, now)
    db.commit()
    return redirect(
        f"/console/rules/{sheet.citizenship}/{sheet.country}?saved={language}#lang-{language}"
    )


def _sheet_or_404(citizenship: str, country: str) -> RuleSheet:
    sheet = runtime().sms_content.rules.sheet(citizenship.upper(), country.upper())
    if sheet is None:
        abort(404)
    return sheet


def _segments(text: str, language: str) -> SegmentCount:
    state = runtime()
    reply = rules_reply(text, language, state.sms_content.replies, state.settings.hotline_number)
    return reply_segments(reply)


def _language_texts(sheet: RuleSheet) -> dict[str, LanguageText]:
    texts = current_texts(request_session(), sheet)
    return {
        language: LanguageText(
            rule=texts[language],
            segments=_segments(texts[language].text, language),
            machine_drafted=language in sheet.machine_drafted and texts[language].edited_by is None,
        )
        for language in LANGUAGES
    }


def _sheet_page(
    user: StaffUser,
    sheet: RuleSheet,
    saved: str = "",
    error: tuple[str, str] | None = None,  # (language, message)
    typed: tuple[str, dict[str, str]] | None = None,  # a refused form, shown back as typed
) -> str:
    book = runtime().sms_content.rules
    return render(
        "console/rules_sheet.html",
        user,
        sheet=sheet,
        texts=_language_texts(sheet),
        country_name=book.country_name,
        saved=saved if saved in LANGUAGES else "",
        error=error,
        typed=typed,
        max_segments=MAX_SEGMENTS,
        may_edit=may(user.role, "rules.edit"),
    )
