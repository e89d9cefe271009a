"""Every request gets an id: in its ``X-Request-Id`` header, on its error page, in its log lines.

A person who meets an error quotes the id from the page; the same id is in every line logged
while that request was answered (``hotline.logs.TagRequest``), the traceback included. A load
balancer's id is kept when it is sane (short, plain characters), so one id follows a request
through the proxy and the web; anything else is replaced, never logged as sent.

It is WSGI middleware, not a Flask hook, so the id is set before the first ``before_request``
and stays set while the response is written, which is when the development server logs the
request line.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import request
from werkzeug.wsgi import ClosingIterator

from hotline.logs import REQUEST_ID

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HEADER = "X-Request-Id"
ENVIRON_KEY = "hotline.request_id"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def accepted_request_id(sent: str | None) -> str | None:
    """The incoming id if it is 8 to 128 plain characters (letters, digits, ``._:-``)."""
    if sent is None or _SANE.fullmatch(sent) is None:
        return None
    return sent


def new_request_id() -> str:
    return secrets.token_hex(16)


def current_request_id() -> str:
    """The id of the request being answered (made on the spot outside the middleware)."""
    found = request.environ.get(ENVIRON_KEY)
    if isinstance(found, str):
        return found
    made = new_request_id()
    request.environ[ENVIRON_KEY] = made
    return made


class RequestIds:
    """Wrap a WSGI app: choose the request's id, log under it, and answer with it."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = accepted_request_id(environ.get("HTTP_X_REQUEST_ID")) or new_request_id()
        environ[ENVIRON_KEY] = request_id
        REQUEST_ID.set(request_id)

        def start_with_id(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            kept = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            return start_response(status, [*kept, (HEADER, request_id)], exc_info)

        try:
            body = self.app(environ, start_with_id)
        except BaseException:
            _forget_request_id()
            raise
        return ClosingIterator(body, _forget_request_id)


def _forget_request_id() -> None:
    """After the response: lines logged later in this thread belong to no request."""
    REQUEST_ID.set(None)
