"""Sign requests the way Twilio does, written independently of the SDK the app uses."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence


def twilio_signature(auth_token: str, url: str, form: Mapping[str, str | Sequence[str]]) -> str:
    """HMAC-SHA1 over the URL followed by each form key and value, keys sorted."""
    payload = url
    for key in sorted(form):
        values = form[key]
        for value in [values] if isinstance(values, str) else sorted(values):
            payload += key + value
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
