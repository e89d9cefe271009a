"""Answer one inbound SMS: parse the keyword, act, and compose the reply in the right language.

Plain domain code: it takes a session, the content, the registry and the time, and returns the
reply text. The worker job around it stores and sends the reply.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from hotline.agencies.verify import RegistryIndex, record_verification, verify
from hotline.callbacks import request_callback
from hotline.callbacks.notices import expected_call
from hotline.cases import open_case
from hotline.config import LANGUAGES
from hotline.models import CallbackSource, CallbackStatus, Contact, Message
from hotline.phones import Destinations
from hotline.sms.countries import CountryMention
from hotline.sms.keywords import Command, KeywordTable, ParsedSms
from hotline.sms.replies import ReplyBook, fit_sms
from hotline.sms.rules import RulesBook, answer_rules, citizenship_for
from hotline.sms.verdicts import verdict_reply
from hotline.staffing import StaffedHours

_KYRGYZ_LETTERS = re.compile("[өүңӨҮҢ]")
_UZBEK_CYRILLIC = re.compile("[ўғқҳЎҒҚҲ]")
_UZBEK_LATIN = re.compile("(?i)[og][ʻʼ‘’'`]|\\bsh|ch\\b")
_KARAKALPAK_LATIN = re.compile("[áǵıńóúÁǴÍŃÓÚ]")
_CYRILLIC = re.compile("[а-яА-ЯёЁ]")
_COUNTRY_LANGUAGE = {"KG": "ky", "UZ": "uz"}


@dataclass(frozen=True)
class SmsContent:
    """Everything an answer is composed from; loaded once per process."""

    keywords: KeywordTable = field(default_factory=KeywordTable.load)
    replies: ReplyBook = field(default_factory=ReplyBook.load)
    rules: RulesBook = field(default_factory=RulesBook.load)

    @cached_property
    def _rules_words(self) -> frozenset[str]:
        return frozenset(
            w for w, (command, _) in self.keywords.words.items() if command is Command.RULES
        )

    def country_alone(self, text: str) -> CountryMention | None:
        """The country a text with no keyword consists of (RULES words may stand around it).

        A language name ("ru", "UZ") is not a country here: it may answer "choose a language".
        """
        return self.rules.countries.alone(
            text, filler=self._rules_words, not_countries=self.keywords.language_names
        )

    def parse(self, text: str) -> ParsedSms:
        """A keyword and its argument; a country named alone (RULES); else an agency lookup."""
        parsed = self.keywords.parse(text)
        if parsed.command is Command.LOOKUP:
            mention = self.country_alone(text)
            if mention is not None:
                return ParsedSms(Command.RULES, mention.code, mention.languages)
        return parsed


def guess_language(text: str) -> str | None:
    """The language a free-text message is written in, where its letters give it away."""
    if _KYRGYZ_LETTERS.search(text):
        return "ky"
    if _UZBEK_CYRILLIC.search(text):
        return "uz"
    if _KARAKALPAK_LATIN.search(text):
        return "kaa"
    if _CYRILLIC.search(text):
        return None  # Russian or Kyrgyz: the contact's own choice decides
    if _UZBEK_LATIN.search(text):
        return "uz"
    return None


def reply_language(parsed: ParsedSms, text: str, contact: Contact) -> str:
    """The request's language, else the contact's preferred one, else by the number's country."""
    preferred = contact.language if contact.language in LANGUAGES else None
    if len(parsed.languages) == 1:
        return next(iter(parsed.languages))
    if parsed.languages:
        if preferred in parsed.languages:
            return preferred
        by_country = _COUNTRY_LANGUAGE.get(contact.country or "")
        if by_country in parsed.languages:
            return by_country
        return sorted(parsed.languages)[0]
    guessed = guess_language(text)
    if guessed:
        return guessed
    if preferred:
        return preferred
    return "ru" if _CYRILLIC.search(text) else _COUNTRY_LANGUAGE.get(contact.country or "", "ru")


@dataclass
class Conversation:
    session: Session
    content: SmsContent
    registry: RegistryIndex
    hotline_number: str
    now: dt.datetime
    staffed_hours: StaffedHours | None = None  # to say when a callback will come
    call_destinations: Destinations | None = None  # numbers a callback may ring (toll fraud)
    callback_requested: bool = field(default=False, init=False)  # look for an agent after

    def answer(self, message: Message, contact: Contact) -> str:
        """Act on ``message`` from ``contact`` and return the reply (at most 3 segments)."""
        parsed = self.content.parse(message.body)
        language = reply_language(parsed, message.body, contact)
        if contact.language is None and parsed.command is not Command.LANG:
            contact.language = language
        return fit_sms(self._act(parsed, language, message, contact))

    def _text(self, key: str, language: str, **values: object) -> str:
        return self.content.replies.text(key, language, hotline=self.hotline_number, **values)

    def _act(self, parsed: ParsedSms, language: str, message: Message, contact: Contact) -> str:
        command, argument = parsed.command, parsed.argument
        if command in (Command.CHECK, Command.LOOKUP):
            if not argument:
                return self._text("check_empty", language)
            try:
                verification = verify(self.session, self.registry, argument, self.now.date())
            except ValueError:
                return self._text("help", language)
            record_verification(self.session, verification, "sms", contact.id)
            return verdict_reply(
                verification,
                language,
                self.content.replies,
                self.content.rules,
                self.hotline_number,
                self.now.date(),
            )
        if command is Command.RULES:
            return self._rules(argument, language, contact)
        if command is Command.REPORT:
            if not argument:
                return self._text("report_empty", language)
            case = open_case(
                self.session,
                contact_id=contact.id,
                source="sms",
                text=argument,
                message_id=message.id,
            )
            return self._text("report_ack", language, case_no=case.case_no)
        if command is Command.CALL:
            request = request_callback(
                self.session,
                contact,
                CallbackSource.SMS,
                language,
                self.now,
                destinations=self.call_destinations,
            )
            if request.status == CallbackStatus.REFUSED:
                return self._text("callback_refused", language)
            self.callback_requested = True
            when = ""
            if self.staffed_hours is not None:
                when = expected_call(
                    self.content.replies, self.staffed_hours, self.now, contact.phone, language
                )
                request.told_at = request.told_at or self.now  # this reply says when
            return self._text("call_ack", language, when=when)
        if command is Command.STOP:
            contact.opt_out(self.now)
            return self._text("stop_ack", language)
        if command is Command.START:
            contact.opt_in()
            return self._text("start_ack", language)
        if command is Command.LANG:
            chosen = self.content.keywords.language_named(argument) if argument else None
            if chosen is None:
                return self._text("lang_unknown", language)
            contact.language = chosen
            return self._text("lang_set", chosen)
        return self._text("help", language)

    def _rules(self, argument: str, language: str, contact: Contact) -> str:
        rules = self.content.rules
        destination, citizenship = rules.country_in(argument)
        if destination is None:
            covered = sorted({country for _, country in rules.sheets})
            names = ", ".join(f"{code} {rules.country_name(code, language)}" for code in covered)
            return self._text("rules_unknown_country", language, countries=names)
        answer = answer_rules(
            self.session,
            rules,
            self.content.replies,
            country=destination,
            citizenship=citizenship or citizenship_for(language, contact.country),
            language=language,
            hotline_number=self.hotline_number,
        )
        return answer.text
