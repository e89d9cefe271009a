"""Small HTTP servers on loopback that answer like Twilio's and Africa's Talking's REST APIs.

They record every request (method, path, headers, form) so tests can check the request format
the SDKs really produce, and they can inject failures (HTTP 500/429, slow answers, or a timed
outage: ``fail_for``).
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    form: dict[str, list[str]]

    def value(self, name: str) -> str | None:
        values = self.form.get(name)
        return values[0] if values else None


@dataclass
class FaultPlan:
    """Failures to inject: the next ``count`` sends answer ``status``; or a share at random."""

    queue: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0
    random_share: dict[int, float] = field(default_factory=dict)  # e.g. {500: 0.05, 429: 0.01}
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def next_status(self) -> int | None:
        if self.queue:
            return self.queue.pop(0)
        draw = self.rng.random()
        for status, share in self.random_share.items():
            if draw < share:
                return status
            draw -= share
        return None


OUTAGE_MODES = ("5xx", "429", "hang")


@dataclass
class Outage:
    """A provider outage in phases, e.g. ``[("5xx", 60), ("429", 60), ("hang", 60)]`` from now.

    ``5xx``: 503 for every request, though ``accepted_share`` of sends were taken anyway (a
    gateway failing after the backend accepted). ``429``: Too Many Requests with Retry-After.
    ``hang``: the request is handled (a send is accepted) but answered only after
    ``hang_seconds``, past the client's timeout.
    """

    phases: list[tuple[str, float]] = field(default_factory=list)
    hang_seconds: float = 12.0  # the Twilio client gives up after 10 s
    accepted_share: float = 0.2
    retry_after_seconds: int = 2
    started: float = field(default_factory=time.monotonic)
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    def mode(self) -> str | None:
        """The failure that applies now, or None once every phase has passed."""
        elapsed = time.monotonic() - self.started
        for mode, seconds in self.phases:
            if elapsed < seconds:
                return mode
            elapsed -= seconds
        return None

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.phases)


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops the SYNs of a worker opening a dozen connections at once,
    # and each dropped SYN costs a second: a real API's listen queue never does that.
    request_queue_size = 256


class _FakeApi:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.faults = FaultPlan()
        self.outage = Outage()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle's algorithm
            # and the client's delayed ACK add ~40 ms to every answer, as no real API does.
            disable_nagle_algorithm = True

            def log_message(self, *_: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                recorded = RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    form=parse_qs(raw, keep_blank_values=True),
                )
                with api._lock:
                    api.requests.append(recorded)
                    outage = api.outage.mode()
                    status = api.faults.next_status()
                if outage is not None:
                    self._outage(outage, recorded)
                    return
                if api.faults.delay_seconds:
                    time.sleep(api.faults.delay_seconds)
                if status is not None:
                    body = getattr(api, "answer_override", None) or {
                        "message": "injected failure",
                        "status": status,
                    }
                    self._send(status, body)
                    return
                code, body = api.answer(recorded)
                self._send(code, body)

            def _outage(self, mode: str, recorded: RecordedRequest) -> None:
                outage = api.outage
                if mode == "hang":
                    code, body = api.answer(recorded)  # taken, but answered too late
                    time.sleep(outage.hang_seconds)
                    self._send(code, body)  # the client gave up long ago
                elif mode == "429":
                    headers = {"Retry-After": str(outage.retry_after_seconds)}
                    self._send(429, {"code": 20429, "message": "Too Many Requests"}, headers)
                else:
                    if recorded.method == "POST" and outage.rng.random() < outage.accepted_share:
                        api.answer(recorded)
                    self._send(503, {"message": "Service Unavailable", "status": 503})

            def _send(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client died or gave up waiting

            do_GET = _handle
            do_POST = _handle

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def reset(self) -> None:
        """Forget recorded requests and planned faults (between tests)."""
        with self._lock:
            self.requests.clear()
            self.faults = FaultPlan()
            self.outage = Outage()

    def fail_for(self, *phases: tuple[str, float], **options: Any) -> Outage:
        """Start an outage now: each phase is a mode of ``OUTAGE_MODES`` and its seconds."""
        assert all(mode in OUTAGE_MODES for mode, _ in phases)
        outage = Outage(phases=list(phases), **options)
        with self._lock:
            self.outage = outage
        return outage

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def sent(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]


class FakeTwilioApi(_FakeApi):
    """Messages.json and Calls.json of Twilio's 2010-04-01 API, with Basic auth checked."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []
        self.answer_override: dict[str, Any] | None = None  # the body an injected fault carries

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.messages.clear()
            self.answer_override = None

    def answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/"
        if request.path == prefix + "Messages.json" and request.method == "POST":
            to = request.value("To") or ""
            if not to.startswith("+"):
                return 400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
            message = {
                "sid": "SM" + uuid.uuid4().hex,
                "account_sid": self.account_sid,
                "to": to,
                "from": request.value("From"),
                "messaging_service_sid": request.value("MessagingServiceSid"),
                "body": request.value("Body"),
                "status": "queued",
                "num_segments": "1",
                "date_created": "Wed, 25 Nov 2026 08:00:00 +0000",
            }
            with self._lock:
                self.messages.append(message)
            return 201, message
        if request.path == prefix + "Messages.json" and request.method == "GET":
            to = (request.query.get("To") or [None])[0]
            with self._lock:
                found = [m for m in self.messages if to is None or m["to"] == to]
            return 200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50}
        if request.path.startswith(prefix + "Recordings/") and request.method == "GET":
            return 200, {"recording": request.path.rsplit("/", 1)[-1]}
        if request.path == prefix + "Calls.json" and request.method == "POST":
            call = {
                "sid": "CA" + uuid.uuid4().hex,
                "to": request.value("To"),
                "from": request.value("From"),
                "status": "queued",
            }
            return 201, call
        return 404, {"code": 20404, "message": "not found", "status": 404}


class FakeAfricasTalkingApi(_FakeApi):
    """``/version1/messaging`` and voice ``/call``, with the apiKey header checked."""

    def __init__(self, username: str, api_key: str) -> None:
        super().__init__()
        self.username = username
        self.api_key = api_key

    def answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        if request.headers.get("apiKey") != self.api_key:
            return 401, {"message": "The supplied authentication is invalid"}
        if request.value("username") != self.username:
            return 401, {"message": "The supplied authentication is invalid"}
        if request.path == "/version1/messaging":
            recipients = [
                {
                    "statusCode": 101,
                    "number": number,
                    "status": "Success",
                    "cost": "KES 0.8000",
                    "messageId": "ATXid_" + uuid.uuid4().hex,
                }
                for number in (request.value("to") or "").split(",")
            ]
            return 201, {"SMSMessageData": {"Message": "Sent", "Recipients": recipients}}
        if request.path == "/call":
            entries = [
                {"phoneNumber": n, "status": "Queued", "sessionId": "ATVId_" + uuid.uuid4().hex}
                for n in (request.value("to") or "").split(",")
            ]
            return 201, {"entries": entries, "errorMessage": "None"}
        return 404, {"message": "not found"}


@contextmanager
def running(api: _FakeApi) -> Iterator[_FakeApi]:
    api.start()
    try:
        yield api
    finally:
        api.stop()
