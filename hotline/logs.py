"""Logging set-up that keeps phone numbers, message bodies and secrets out of INFO logs.

Code masks numbers itself (``hotline.phones.mask``) and never logs a body. ``MaskPhoneNumbers``
is the safety net for what code does not control: access-log lines with ``?number=...``,
exception text carrying SQL parameters, a library that logs a request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

_SECRET_QUERY = re.compile(r"(token=)[^&\s\"]+", re.IGNORECASE)
# Libraries that log whole requests (numbers, bodies) at INFO.
_CHATTY = ("twilio.http_client", "urllib3")
# Loggers whose records may reach a handler of their own (RQ's worker adds one), so they carry
# the filters themselves as well as the root handlers.
_OWN_HANDLERS = ("werkzeug", "rq.worker")

# Something written like a number: an optional international prefix (``+``, URL-encoded
# ``%2B``), then digits with spaces, dashes, brackets or URL-encoded spaces between them. Not
# part of a longer token (a SID, a UUID group, a decimal, a time, an IP address).
_NUMBER_LIKE = re.compile(
    r"(?<![\w.:%+-])(?P<prefix>\+|%2[Bb])?\d(?:[\d \-()+]|%20)*\d(?![\w:%]|\.\d)"
)
_DIGIT_RUN = re.compile(r"(?<![\w.:%+-])\d+(?![\w:%]|\.\d)")
_DATE_START = re.compile(r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
_LOOSE_SPACING = re.compile(r"[ \-+]{2,}|%20[ \-+]|[ \-+]%20")
SHORTEST_NUMBER = 9  # a Kyrgyz or Uzbek number without its trunk 0 or country code
LONGEST_NUMBER = 15  # E.164


def _is_timestamp(digits: str) -> bool:
    """Epoch seconds or milliseconds, or a compact date-time stamp such as 202611251325."""
    if digits[0] == "1" and len(digits) in (10, 13):
        return True
    return len(digits) >= 12 and _DATE_START.match(digits) is not None


def _masked_number(found: re.Match[str]) -> str:
    text = found.group(0)
    digits = re.sub(r"\D", "", text.removeprefix(found.group("prefix") or ""))
    international = found.group("prefix") is not None or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if len(digits) > LONGEST_NUMBER or _LOOSE_SPACING.search(text):
        # Several numbers side by side ("ids 12 345  678 9"): judge each digit run alone.
        return _DIGIT_RUN.sub(_masked_run, text)
    if len(digits) < SHORTEST_NUMBER - (1 if international else 0):
        return text
    if international:
        return f"+{digits[:3]}***{digits[-2:]}"
    return text if _is_timestamp(digits) else f"***{digits[-2:]}"


def _masked_run(found: re.Match[str]) -> str:
    digits = found.group(0)
    if not SHORTEST_NUMBER <= len(digits) <= LONGEST_NUMBER or _is_timestamp(digits):
        return digits
    return f"***{digits[-2:]}"


def mask_numbers(text: str) -> str:
    """Replace what looks like a phone number in ``text`` by ``+996***56`` or ``***56``."""
    return _NUMBER_LIKE.sub(_masked_number, text)


class MaskPhoneNumbers(logging.Filter):
    """Mask phone numbers in every record's message, arguments and traceback.

    Each argument is masked on its own before formatting, so neighbours such as an access
    log's status and size (``200 523412``) never join into something that looks like a number.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_numbers(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked_argument(value) for value in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _masked_argument(value) for key, value in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        return True


def _masked_argument(value: object) -> object:
    """The masked text of a value that shows a number, else the value (``%d`` keeps working)."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    masked = mask_numbers(text)
    return value if masked == text else masked


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
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    _install(logging.getLogger("werkzeug"), RedactSecrets)
    for handler in logging.getLogger().handlers:
        _install(handler, MaskPhoneNumbers)
    for name in _OWN_HANDLERS:
        _install(logging.getLogger(name), MaskPhoneNumbers)
