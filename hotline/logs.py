"""Logging set-up that keeps phone numbers, message bodies and secrets out of INFO logs."""

from __future__ import annotations

import logging
import re

_SECRET_QUERY = re.compile(r"(token=)[^&\s\"]+", re.IGNORECASE)
# Libraries that log whole requests (numbers, bodies) at INFO.
_CHATTY = ("twilio.http_client", "urllib3")


class RedactSecrets(logging.Filter):
    """Blank ``?token=`` values (Africa's Talking callback secret) in access-log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message.lower():
            record.msg = _SECRET_QUERY.sub(r"\1***", message)
            record.args = None
        return True


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSecrets) for f in werkzeug.filters):
        werkzeug.addFilter(RedactSecrets())
