"""Real receivers on loopback for notify tests: an HTTP server and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from tests import factories


@dataclass
class Received:
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Behaviour:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0


@dataclass
class Receiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    behaviours: dict[str, Behaviour] = field(default_factory=dict)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, status: int = 200, body: Any = b"ok", delay: float = 0.0) -> str:
        raw = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        self.behaviours[path] = Behaviour(status, raw, delay)
        return self.url(path)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if urlsplit(r.path).path == path]


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.receiver.requests.append(
            Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        behaviour = self.receiver.behaviours.get(urlsplit(self.path).path, Behaviour())
        if behaviour.delay:
            time.sleep(behaviour.delay)
        try:
            self.send_response(behaviour.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(behaviour.body)))
            self.end_headers()
            self.wfile.write(behaviour.body)
        except OSError:  # the client gave up (timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def allow_private(settings: Any) -> None:
    """Loopback receivers are private addresses; production refuses them by default."""
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver(allow_private: None) -> Iterator[Receiver]:
    rec = Receiver()
    handler = type("Handler", (_Handler,), {"receiver": rec})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


class SmtpHandler:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse_rcpt = ""  # e.g. "550 5.1.1 no such user"
        self.refuse_data = ""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return self.refuse_data
        self.messages.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpHandler]:
    handler = SmtpHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


def destination(ws: Any, kind: str, **config: Any) -> Any:
    from voxloop.notify.models import Destination

    name = config.pop("name", f"{kind} {Destination.objects.count() + 1}")
    extra = {
        k: config.pop(k) for k in list(config) if k.startswith("quiet_") or k.endswith("_digest")
    }
    return Destination.objects.create(workspace=ws, kind=kind, name=name, config=config, **extra)


@pytest.fixture
def acme_admin(world: Any) -> Any:
    return factories.actor(world.acme, world.alice)
