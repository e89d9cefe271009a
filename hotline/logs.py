"""Logging set-up that keeps phone numbers, message bodies and secrets out of INFO logs.

Code masks numbers itself (``hotline.phones.mask``) and never logs a body. ``MaskPhoneNumbers``
is the safety net for what code does not control: access-log lines with ``?number=...``,
exception text carrying SQL parameters or Redis keys, a library that logs a request.

Every line logged while the web answers a request carries that request's id (``TagRequest``),
the id its error page shows, so a person's "request 3f2a..." leads to the traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar

_SECRET_QUERY = re.compile(r"(token=)[^&\s\"]+", re.IGNORECASE)
# Libraries that log whole requests (numbers, bodies) at INFO.
_CHATTY = ("twilio.http_client", "urllib3")
# Loggers whose records may reach a handler of their own (RQ's worker adds one), so they carry
# the filters themselves as well as the root handlers.
_OWN_HANDLERS = ("werkzeug", "rq.worker")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
# The id of the web request being answered in this thread; set by ``hotline.web.request_ids``.
REQUEST_ID: ContextVar[str | None] = ContextVar("hotline_request_id", default=None)

# Something written like a number: an optional international prefix (``+``, URL-encoded
# ``%2B``), then digits with spaces, dashes, brackets or URL-encoded spaces between them. A
# prefixed number is one wherever it stands (``tel:+996...``, ``hotline:rate:reply:+996...``); a
# bare run of digits is not part of a longer token (a SID, a UUID group, a decimal, an IP
# address, a job id such as ``sms-in-42-...``) nor the hours of a time (``13:25:29``).
_NUMBER_LIKE = re.compile(
    r"(?:(?P<prefix>\+|%2[Bb])(?=\d)|(?<![\w.%+-])|(?<=%[0-9A-Fa-f]{2}))"
    r"\d(?:[\d \-()+]|%20)*\d"
    r"(?!\w|\.\d|:\d\d(?!\w)|%(?![0-9A-Fa-f]{2}))"
)
# Where a run of digits may be cut in two: a digit, then a separator.
_CUT = re.compile(r"\d(?=[ \-()+]|%20)")
_LEADING_SEPARATORS = re.compile(r"(?:[ \-()]|%20|\+(?!\d))+")
# Kept whole even where a group of digits in them looks like a number.
_UUID = re.compile(r"\b[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
_DATE_START = re.compile(r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
# Between numbers side by side: two separators in a row, or one before a ``+`` and digits.
_SEPARATOR = r"(?:[ \-]|%20|\+(?!\d))"
_LOOSE_GAP = re.compile(rf"({_SEPARATOR}{{2,}}|{_SEPARATOR}+(?=\+\d))")
SHORTEST_NUMBER = 9  # a Kyrgyz or Uzbek number without its trunk 0 or country code
LONGEST_NUMBER = 15  # E.164


def _is_timestamp(digits: str) -> bool:
    """Epoch seconds or milliseconds, or a compact date-time stamp such as 202611251325."""
    if digits[0] == "1" and len(digits) in (10, 13):
        return True
    return len(digits) >= 12 and _DATE_START.match(digits) is not None


def _digits(text: str) -> tuple[str, bool]:
    """The digits of a written number, and whether it was written with a country code."""
    international = text.startswith(("+", "%2B", "%2b"))
    digits = re.sub(r"\D", "", text[3:] if text.startswith("%2") else text)
    if digits.startswith("00"):
        return digits[2:], True
    return digits, international


def _masked_one(text: str) -> str:
    digits, international = _digits(text)
    if not SHORTEST_NUMBER - (1 if international else 0) <= len(digits) <= LONGEST_NUMBER:
        return text
    if international:
        return f"+{digits[:3]}***{digits[-2:]}"
    return text if _is_timestamp(digits) else f"***{digits[-2:]}"


def _masked_pieces(text: str) -> str:
    """Mask a run of digit groups too long for one number, one number after another.

    ``+996555123456 3600`` (a key and a TTL in a Redis error) is a number and a count: take the
    longest head that can be a number, then do the same with what follows.
    """
    masked = []
    while text:
        cuts = [found.end() for found in _CUT.finditer(text)] + [len(text)]
        fitting = [cut for cut in cuts if len(_digits(text[:cut])[0]) <= LONGEST_NUMBER]
        head = max(fitting) if fitting else cuts[0]
        masked.append(_masked_one(text[:head]))
        text = text[head:]
        gap = _LEADING_SEPARATORS.match(text)
        if gap:
            masked.append(gap.group(0))
            text = text[gap.end() :]
    return "".join(masked)


def _masked_number(found: re.Match[str]) -> str:
    # Numbers side by side ("ids 12 345  678 9", "+996... +996..."): judge each part alone.
    parts = _LOOSE_GAP.split(found.group(0))
    return "".join(part if n % 2 else _masked_pieces(part) for n, part in enumerate(parts) if part)


def mask_numbers(text: str) -> str:
    """Replace what looks like a phone number in ``text`` by ``+996***56`` or ``***56``."""
    pieces = _UUID.split(text)
    kept = _UUID.findall(text)
    masked = [_NUMBER_LIKE.sub(_masked_number, piece) for piece in pieces]
    return "".join(part for pair in zip(masked, [*kept, ""], strict=True) for part in pair)


class MaskPhoneNumbers(logging.Filter):
    """Mask phone numbers in every record's message, arguments, traceback and stack.

    Each argument is masked on its own before formatting, so neighbours such as an access
    log's status and size (``200 523412``) never join into something that looks like a number.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str):
            shown = str(record.msg)  # log.error(exc): the exception is the message
            if mask_numbers(shown) != shown:
                record.msg = shown
        if isinstance(record.msg, str):
            record.msg = mask_numbers(record.msg)
        given = record.args
        if isinstance(given, tuple):
            record.args = tuple(_masked_argument(value) for value in given)
        elif isinstance(given, Mapping):
            record.args = {key: _masked_argument(value) for key, value in given.items()}
        if not _formats(record):
            # A number given as an integer to ``%d`` cannot become ``***56``: mask the line.
            record.args = given
            if _formats(record):
                record.msg, record.args = mask_numbers(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_numbers(record.stack_info)
        return True


def _masked_argument(value: object) -> object:
    """The masked text of a value that shows a number, else the value itself."""
    if value is None or isinstance(value, float | bool):
        return value
    text = str(value)
    masked = mask_numbers(text)
    return value if masked == text else masked


def _formats(record: logging.LogRecord) -> bool:
    try:
        record.getMessage()
    except (TypeError, ValueError, KeyError):
        return False
    return True


class TagRequest(logging.Filter):
    """Give every record ``request_id``: the web request it was logged in, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class RedactSecrets(logging.Filter):
    """Blank ``?token=`` values (Africa's Talking callback secret) in access-log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message.lower():
            record.msg = _SECRET_QUERY.sub(r"\1***", message)
            record.args = None
        return True


def _install(filterer: logging.Filterer, kind: type[logging.Filter]) -> None:
    if not any(isinstance(f, kind) for f in filterer.filters):
        filterer.addFilter(kind())


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    _install(logging.getLogger("werkzeug"), RedactSecrets)
    for handler in logging.getLogger().handlers:
        _install(handler, MaskPhoneNumbers)
        _install(handler, TagRequest)
    for name in _OWN_HANDLERS:
        _install(logging.getLogger(name), MaskPhoneNumbers)
        _install(logging.getLogger(name), TagRequest)
