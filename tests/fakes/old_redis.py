"""A loopback server that answers like an old Redis: PING, AUTH and INFO, nothing else.

Enough for a client to connect and ask the version, so the start-up check can be shown to
refuse a server older than the one we support without installing one.
"""

from __future__ import annotations

import socketserver
import threading
from types import TracebackType


class _Handler(socketserver.StreamRequestHandler):
    server: OldRedis

    def handle(self) -> None:
        while command := self._read_command():
            name = command[0].upper()
            if name == b"PING":
                self.wfile.write(b"+PONG\r\n")
            elif name == b"AUTH":
                self.wfile.write(b"+OK\r\n")
            elif name == b"INFO":
                info = f"# Server\r\nredis_version:{self.server.version}\r\n".encode()
                self.wfile.write(b"$%d\r\n%s\r\n" % (len(info), info))
            else:
                self.wfile.write(b"-ERR unknown command '" + name + b"'\r\n")

    def _read_command(self) -> list[bytes]:
        header = self.rfile.readline()
        if not header.startswith(b"*"):
            return []
        parts = []
        for _ in range(int(header[1:])):
            length = int(self.rfile.readline()[1:])
            parts.append(self.rfile.read(length + 2)[:-2])
        return parts


class OldRedis(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, version: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.version = version

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"redis://{host!s}:{port}/0"

    def __enter__(self) -> OldRedis:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: object, tb: TracebackType | None
    ) -> None:
        self.shutdown()
        self.server_close()
