"""Signed Twilio webhooks sent without pause from a few threads, as during a busy hour.

Each thread in turn texts in (a new MessageSid from a new number), starts a call and presses a
key, calls the missed-call line, and reports delivery of a reply Twilio "sent" (from the fake
Twilio's record). Every answer's status and time is kept for the test to judge.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.conftest import TWILIO_SID
from tests.fakes.provider_api import FakeTwilioApi
from tests.signing import twilio_signature

REPORT_AFTER_SECONDS = 1.0  # Twilio reports delivery a moment after it accepted a message


@dataclass(frozen=True)
class Answer:
    kind: str
    status: int  # 599: no answer at all (refused, reset, or no answer within 20 s)
    seconds: float
    started: float  # time.monotonic() when it was sent


@dataclass
class Sent:
    """What the platform accepted (answered 200), to be found in the database afterwards."""

    sms: dict[str, str] = field(default_factory=dict)  # MessageSid -> sender
    missed_calls: dict[str, str] = field(default_factory=dict)  # CallSid -> caller
    statuses: set[str] = field(default_factory=set)  # reply MessageSids reported delivered


class Traffic:
    def __init__(
        self,
        port: int,
        base_url: str,
        token: str,
        hotline: str,
        missed_line: str,
        twilio: FakeTwilioApi,
        threads: int,
        pause: float,
    ) -> None:
        self.port, self.base_url, self.token = port, base_url, token
        self.hotline, self.missed_line, self.twilio = hotline, missed_line, twilio
        self.pause = pause  # seconds each thread waits between two webhooks
        self.answers: list[Answer] = []
        self.sent = Sent()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._seen: dict[str, float] = {}  # reply sid -> when the fake Twilio first showed it
        self._reporting: set[str] = set()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _number(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}{next(self._numbers):06d}"

    def post(self, kind: str, path: str, form: dict[str, str]) -> tuple[int, str]:
        form = {**form, "AccountSid": TWILIO_SID}  # as Twilio names our account in each
        body = urlencode(form)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(self.token, self.base_url + path, form),
        }
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            status, data = response.status, response.read().decode()
        except OSError:
            status, data = 599, ""
        finally:
            connection.close()
        with self._lock:
            self.answers.append(Answer(kind, status, time.monotonic() - started, started))
        return status, data

    def _run(self) -> None:
        steps = itertools.cycle((self._sms, self._call, self._missed_call, self._report))
        while not self._stop.wait(self.pause):
            next(steps)()

    def _sms(self) -> None:
        sid, sender = "SM" + uuid.uuid4().hex, self._number("+996555")
        form = {"MessageSid": sid, "From": sender, "To": self.hotline,
                "Body": "HELP", "NumMedia": "0"}  # fmt: skip
        if self.post("sms", "/twilio/sms", form)[0] == 200:
            with self._lock:
                self.sent.sms[sid] = sender

    def _call(self) -> None:
        form = {"CallSid": "CA" + uuid.uuid4().hex, "From": self._number("+996770"),
                "To": self.hotline}  # fmt: skip
        status, document = self.post("voice", "/twilio/voice", form)
        if status != 200 or not document:
            return
        gather = ET.fromstring(document).find("Gather")  # noqa: S314 - the platform's own XML
        if gather is None:
            return
        action = (gather.get("action") or "").removeprefix(self.base_url)
        self.post("voice", action, {**form, "Digits": "2"})

    def _missed_call(self) -> None:
        sid, caller = "CA" + uuid.uuid4().hex, self._number("+996700")
        form = {"CallSid": sid, "From": caller, "To": self.missed_line}
        status, document = self.post("missed_call", "/twilio/voice", form)
        if status == 200 and "<Reject" in document:
            with self._lock:
                self.sent.missed_calls[sid] = caller

    def _report(self) -> None:
        now = time.monotonic()
        due = None
        for message in list(self.twilio.messages):
            sid = str(message["sid"])
            first_seen = self._seen.setdefault(sid, now)
            if now - first_seen < REPORT_AFTER_SECONDS:
                continue
            with self._lock:
                if sid in self._reporting:
                    continue
                self._reporting.add(sid)
            due = message
            break
        if due is None:
            return
        form = {"MessageSid": str(due["sid"]), "MessageStatus": "delivered",
                "To": str(due["to"])}  # fmt: skip
        if self.post("status", "/twilio/status", form)[0] == 200:
            with self._lock:
                self.sent.statuses.add(str(due["sid"]))
