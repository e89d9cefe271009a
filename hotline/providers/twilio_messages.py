"""Twilio's Messages.json over one kept-alive connection per thread, for bulk sending.

A campaign worker sends hundreds of messages a second from a pool of threads. Through the SDK
each message costs about four times the CPU of a plain ``http.client`` POST (building its
request and response objects, ``requests`` sessions), and that CPU is what limits a worker.
Everything else (calls, listing messages) still goes through the SDK.
"""

from __future__ import annotations

import base64
import http.client
import json
import select
import socket
import ssl
import threading
import weakref
from typing import Any
from urllib.parse import urlencode, urlsplit

from hotline.providers.base import ProviderError

# Invalid number, unsubscribed (21610), unreachable or unsupported destinations: never retried.
PERMANENT_CODES = frozenset(
    {"21211", "21214", "21408", "21610", "21612", "21614", "21606", "21659"}
)


def rest_error(status: int, code: str | None) -> ProviderError:
    """How Twilio's answer ``status`` (with its error ``code``) decides retrying."""
    retryable = (status == 429 or status >= 500) and code not in PERMANENT_CODES
    return ProviderError(
        f"Twilio answered {status}",
        retryable=retryable,
        code=code or str(status),
        maybe_sent=status >= 500,
    )


class MessagesApi:
    """POST one message and return Twilio's JSON; errors say whether to retry."""

    def __init__(self, base_url: str, account_sid: str, auth_token: str, timeout: float) -> None:
        address = urlsplit(base_url)
        self._https = address.scheme == "https"
        self._host = address.hostname or "api.twilio.com"
        self._port = address.port
        self._path = f"{address.path.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "hotline",
        }
        self._timeout = timeout
        self._tls = ssl.create_default_context() if self._https else None
        self._local = threading.local()
        self._open: set[http.client.HTTPConnection] = set()  # every thread's, to close them
        weakref.finalize(self, _close_all, self._open)

    def create(self, form: dict[str, str]) -> dict[str, Any]:
        body = urlencode(form).encode()
        try:
            connection = self._connection()
            connection.request("POST", self._path, body, self._headers)
        except OSError as exc:  # nothing reached Twilio: safe to send again later
            self._drop()
            raise ProviderError(
                f"Twilio unreachable: {type(exc).__name__}", retryable=True
            ) from exc
        try:
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._drop()  # sent, but no answer: only the provider can say whether it went out
            raise ProviderError(
                f"Twilio did not answer: {type(exc).__name__}", retryable=True, maybe_sent=True
            ) from exc
        if response.will_close:
            self._drop()
        answer = _json(payload)
        if response.status not in (200, 201):
            code = answer.get("code")
            raise rest_error(response.status, str(code) if code is not None else None)
        if not isinstance(answer.get("sid"), str):
            raise ProviderError("Twilio answered without a message sid", retryable=True,
                                maybe_sent=True)  # fmt: skip
        return answer

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and _closed_by_peer(connection):
            self._drop()
            connection = None
        if connection is None:
            if self._tls is not None:
                connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self._timeout, context=self._tls
                )
            else:
                connection = http.client.HTTPConnection(self._host, self._port,
                                                        timeout=self._timeout)  # fmt: skip
            connection.connect()
            assert connection.sock is not None
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.connection = connection
            self._open.add(connection)
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._open.discard(connection)
        self._local.connection = None

    def close(self) -> None:
        _close_all(self._open)


def _close_all(connections: set[http.client.HTTPConnection]) -> None:
    for connection in list(connections):
        connection.close()
    connections.clear()


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """An idle kept-alive socket that is readable has been closed (or broken) by the server."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _json(payload: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(payload)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
