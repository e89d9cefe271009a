"""Bulk sending's own HTTP path to Twilio: kept-alive connections and what a lost answer means.

A raw socket server on loopback plays a Twilio that closes idle connections, or takes a
message and hangs up before answering: the cases where sending again could text twice.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from hotline.providers.base import ProviderError
from hotline.providers.twilio_messages import MessagesApi

CREATED = json.dumps({"sid": "SM" + "a" * 32, "status": "queued"}).encode()
Behaviour = Callable[[socket.socket, int], bool]  # (client, request number) -> keep going


class ScriptedTwilio:
    """Accepts connections; for each request read, ``behaviour`` decides how to answer."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        self.connections = 0
        self.hung_up = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(client,), daemon=True).start()

    def _talk(self, client: socket.socket) -> None:
        try:
            self._answer(client)
        finally:
            client.close()
            self.hung_up.set()

    def _answer(self, client: socket.socket) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = client.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(buffer) < length:
                buffer += client.recv(65536)
            self.requests.append(head + b"\r\n\r\n" + buffer[:length])
            buffer = buffer[length:]
            if not self.behaviour(client, len(self.requests)):
                return

    def close(self) -> None:
        self._listener.close()


def answer(client: socket.socket, status: str, body: bytes, close: bool = False) -> None:
    headers = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
    headers += f"Content-Length: {len(body)}\r\n"
    headers += "Connection: close\r\n" if close else ""
    client.sendall(headers.encode() + b"\r\n" + body)


@pytest.fixture
def twilio_playing() -> Iterator[Callable[[Behaviour], tuple[ScriptedTwilio, MessagesApi]]]:
    servers: list[ScriptedTwilio] = []

    def start(behaviour: Behaviour) -> tuple[ScriptedTwilio, MessagesApi]:
        server = ScriptedTwilio(behaviour)
        servers.append(server)
        return server, MessagesApi(server.url, "AC" + "1" * 32, "token", timeout=2.0)

    yield start
    for server in servers:
        server.close()


def test_messages_reuse_one_connection(twilio_playing) -> None:  # type: ignore[no-untyped-def]
    server, api = twilio_playing(lambda client, n: answer(client, "201 Created", CREATED) or True)

    for _ in range(5):
        assert api.create({"To": "+996555123456", "Body": "hi"})["sid"].startswith("SM")

    assert len(server.requests) == 5
    assert server.connections == 1
    api.close()


def test_a_connection_the_server_closed_while_idle_is_replaced_without_resending(
    twilio_playing,  # type: ignore[no-untyped-def]
) -> None:
    def answer_then_hang_up(client: socket.socket, n: int) -> bool:
        answer(client, "201 Created", CREATED)  # keep-alive promised, then closed while idle
        return False

    server, api = twilio_playing(answer_then_hang_up)
    api.create({"To": "+996555123456", "Body": "one"})
    assert server.hung_up.wait(2)
    api.create({"To": "+996555123456", "Body": "two"})

    assert len(server.requests) == 2  # each message reached Twilio once
    assert server.connections == 2
    api.close()


def test_a_lost_answer_means_the_message_may_have_gone_out(
    twilio_playing,  # type: ignore[no-untyped-def]
) -> None:
    server, api = twilio_playing(lambda client, n: False)  # read the message, hang up

    with pytest.raises(ProviderError) as raised:
        api.create({"To": "+996555123456", "Body": "hi"})

    assert raised.value.retryable
    assert raised.value.maybe_sent  # so it is reconciled with Twilio, never resent blind
    assert len(server.requests) == 1


def test_an_answer_without_a_sid_is_not_taken_as_sent(
    twilio_playing,  # type: ignore[no-untyped-def]
) -> None:
    _, api = twilio_playing(lambda client, n: answer(client, "201 Created", b"<html>") or True)

    with pytest.raises(ProviderError) as raised:
        api.create({"To": "+996555123456", "Body": "hi"})

    assert raised.value.maybe_sent
    api.close()


@pytest.mark.parametrize(
    ("status", "code", "retryable", "maybe_sent"),
    [
        ("429 Too Many Requests", 20429, True, False),
        ("503 Service Unavailable", None, True, True),
        ("400 Bad Request", 21610, False, False),
        ("400 Bad Request", 21211, False, False),
    ],
)
def test_errors_carry_twilios_code_and_say_whether_to_retry(
    twilio_playing,  # type: ignore[no-untyped-def]
    status: str,
    code: int | None,
    retryable: bool,
    maybe_sent: bool,
) -> None:
    body = json.dumps({"code": code, "message": "no", "status": int(status[:3])}).encode()
    _, api = twilio_playing(lambda client, n: answer(client, status, body) or True)

    with pytest.raises(ProviderError) as raised:
        api.create({"To": "+996555123456", "Body": "hi"})

    assert raised.value.retryable is retryable
    assert raised.value.maybe_sent is maybe_sent
    assert raised.value.code == str(code or status[:3])
    api.close()
