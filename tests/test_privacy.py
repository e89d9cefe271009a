"""Numbers, bodies and secrets stay out of logs at INFO."""

from __future__ import annotations

import ast
import io
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from hotline.logs import LOG_FORMAT, MaskPhoneNumbers, RedactSecrets, TagRequest, mask_numbers
from hotline.runtime import Runtime
from hotline.sms.outbound import queue_sms
from tests.conftest import TwilioWebhooks
from workers.sms import send_sms


def test_receiving_and_sending_log_no_number_or_body(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    run_jobs: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    twilio_webhooks.sms("+996555123456", "My recruiter Ak-Jol took my passport")
    with state.sessions() as session:
        message = queue_sms(session, "twilio", "+996555123456", "Reply about Ak-Jol")
        session.commit()
    state.queues.enqueue(send_sms, message.id, "twilio")
    run_jobs()

    assert "555123456" not in caplog.text
    assert "passport" not in caplog.text
    assert "Reply about" not in caplog.text


def test_callback_token_is_blanked_in_access_logs() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '"POST /africastalking/sms?token=%s HTTP/1.1"',
        ("s3cr3t",),
        None,
    )
    RedactSecrets().filter(record)
    assert "s3cr3t" not in record.getMessage()


# --- The safety net: numbers masked in every record -------------------------------------------


@pytest.mark.parametrize(
    ("written", "logged"),
    [
        ("+996555123456", "+996***56"),
        ("+996 555 123 456", "+996***56"),
        ("+7 916 123-45-67", "+791***67"),
        ("00996555123456", "+996***56"),
        ("number=%2B996555123456", "number=+996***56"),
        ("number=0555+123+456", "number=***56"),
        ("0555 123 456", "***56"),
        ("0555-12-34-56", "***56"),
        ("8 (90) 123-45-67", "***67"),
        ("996555123456", "***56"),
        ("555123456", "***56"),
        ("from +998901234567 at 13:25.", "from +998***67 at 13:25."),
        ("a 555123456 and 0555123457", "a ***56 and ***57"),
    ],
)
def test_what_looks_like_a_phone_number_is_masked(written: str, logged: str) -> None:
    assert mask_numbers(written) == logged


@pytest.mark.parametrize(
    "ordinary",
    [
        "message 12345678 sent",  # ids stay readable below nine digits
        "2026-11-25 13:25:29,123",
        "job sms-in-42-202611251325",  # compact date-time stamps
        "stamp 20261125132529",
        "epoch 1764077129, in ms 1764077129123",
        "127.0.0.1:5000 and 192.168.100.200",
        "took 0.123456789 s, 3.14159265358",
        "SM0123456789abcdef0123456789abcdef",
        "123e4567-e89b-12d3-a456-426614174000",
        "x=12345678901234567890",  # longer than any number
        '"GET /console/contacts/12 HTTP/1.1" 200 -',
    ],
)
def test_ordinary_numbers_are_left_alone(ordinary: str) -> None:
    assert mask_numbers(ordinary) == ordinary


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, "", 0, msg, args, None)


def test_each_argument_is_masked_before_formatting() -> None:
    access = record(
        '%s - - [%s] "%s" %s %s',
        "10.0.0.7",
        "25/Nov/2026 13:25:29",
        "GET /console/contacts?number=0555+123+456 HTTP/1.1",
        "200",
        "523412",
    )
    MaskPhoneNumbers().filter(access)

    line = access.getMessage()
    assert "number=***56 HTTP/1.1" in line
    assert line.endswith('" 200 523412')  # status and size do not join into a number


def test_numbers_formatted_with_percent_d_still_format() -> None:
    counted = record("%d messages to %s", 3, "+996555123456")
    MaskPhoneNumbers().filter(counted)
    assert counted.getMessage() == "3 messages to +996***56"


def test_tracebacks_are_masked_too() -> None:
    try:
        raise ValueError("duplicate key (phone)=(+996555123456)")
    except ValueError:
        failed = logging.LogRecord("hotline", logging.ERROR, "", 0, "insert failed", None,
                                   sys.exc_info())  # fmt: skip
    MaskPhoneNumbers().filter(failed)
    assert failed.exc_text is not None
    assert "+996***56" in failed.exc_text
    assert "555123456" not in failed.exc_text


def test_the_app_installs_the_filter_on_the_root_handlers(app: Flask) -> None:
    handlers = logging.getLogger().handlers
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, MaskPhoneNumbers) for f in handler.filters)
    assert any(isinstance(f, MaskPhoneNumbers) for f in logging.getLogger("werkzeug").filters)


LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
PERSONAL = {"phone", "to", "sender", "body", "text", "query", "notes"}
SAFE_WRAPPERS = {"mask", "len", "mask_numbers"}


def raw_personal_values(node: ast.AST) -> Iterator[str]:
    """Names of personal values in ``node`` that are not wrapped in ``mask()`` or ``len()``."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in SAFE_WRAPPERS:
        return
    if isinstance(node, ast.Attribute) and node.attr in PERSONAL:
        yield node.attr
    if isinstance(node, ast.Name) and node.id in PERSONAL:
        yield node.id
    for child in ast.iter_child_nodes(node):
        yield from raw_personal_values(child)


def test_no_log_call_passes_a_raw_number_or_body() -> None:
    """A reading of the code: numbers go through ``mask``, bodies only as their length."""
    found = []
    for package in ("hotline", "workers", "sms_campaigns", "ivr_menus", "audio"):
        for path in Path(package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in LOG_METHODS
                    and getattr(node.func.value, "id", "") in {"log", "logger", "logging"}
                ):
                    for argument in [*node.args, *(k.value for k in node.keywords)]:
                        found += [f"{path}:{node.lineno} {name}"
                                  for name in raw_personal_values(argument)]  # fmt: skip
    assert found == []


# --- Real tracebacks: a number wherever it stands ----------------------------------------------


@pytest.fixture
def masked_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose lines are formatted as the app formats them, filters included."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(MaskPhoneNumbers())
    handler.addFilter(TagRequest())
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, written
    logger.removeHandler(handler)
    logger.propagate = True


def _rate_window(key: str) -> None:
    raise redis.ResponseError(
        f"Command # 2 (EXPIRE {key} 3600 NX) of pipeline caused error: "
        "wrong number of arguments for 'expire' command"
    )


def _send_reply() -> None:
    try:
        _rate_window("hotline:rate:reply:+996555123456")
    except redis.ResponseError as exc:
        raise RuntimeError(
            "reply failed: POST https://api.twilio.com/2010-04-01/Accounts/AC0/Messages.json"
            "?To=%2B998901234567&From=%2B15005550006; call back tel:+77011234567 "
            "or +996 700 12 34 56 or 0555-98-76-54"
        ) from exc


WRITTEN_NUMBERS = ("555123456", "901234567", "7011234567", "700 12 34 56", "98-76-54")


def test_a_logged_traceback_shows_no_whole_number(
    masked_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, written = masked_log
    try:
        _send_reply()
    except RuntimeError as exc:
        logger.exception("answering %s failed (%s)", "hotline:rate:reply:+996555123456", exc)
        logger.error(exc)

    text = written.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "The above exception was the direct cause" in text  # both exceptions are there
    for number in WRITTEN_NUMBERS:
        assert number not in text
    assert "EXPIRE hotline:rate:reply:+996***56 3600 NX" in text
    assert "To=+998***67&From=+150***06" in text
    assert "tel:+770***67" in text


def test_a_number_given_to_percent_d_is_masked_and_still_formats(
    masked_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, written = masked_log
    logger.warning("no reply to %d, %d messages today", 996555123456, 3)
    assert "no reply to ***56, 3 messages today" in written.getvalue()


DEBUGGING_TEXT = [
    "job sms-in-42-202611251325 and callbacks-place-20261125132529",
    "rq:job:12345678-1234-1234-1234-123456789012 finished",
    "campaign-7-batch-123456-3 took 0.123456789 s",
    "2026-11-25 13:25:29,123 and 2026-11-25T13:25:29.123456+06:00",
    "epoch 1764077129, in ms 1764077129123",
    "redis://127.0.0.1:6379/15 set hotline:rate:reply-country:RU 3600",
    "SM0123456789abcdef0123456789abcdef sent",
]


@pytest.mark.parametrize("line", DEBUGGING_TEXT)
def test_ids_times_and_counts_stay_readable(
    masked_log: tuple[logging.Logger, io.StringIO], line: str
) -> None:
    logger, written = masked_log
    try:
        raise ValueError(line)
    except ValueError:
        logger.exception("while %s", line)
    text = written.getvalue()
    assert f"while {line}" in text
    assert f"ValueError: {line}" in text
