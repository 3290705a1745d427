"""A stub OpenAI-compatible chat server on loopback (threaded http.server) for the LLM tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before answering
    trickle: float = 0.0  # seconds between the bytes of the answer (a server that stalls)


def chat_reply(content: str | None, **kw: Any) -> Reply:
    """A chat/completions answer whose first choice says ``content``."""
    body = {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "model": "stub",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }
    return Reply(body=json.dumps(body, ensure_ascii=False).encode(), **kw)


def json_reply(payload: Any, **kw: Any) -> Reply:
    return Reply(body=json.dumps(payload).encode(), **kw)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def prompt(self) -> str:
        return str(self.body["messages"][-1]["content"])


@dataclass
class StubLLM:
    """Answers POSTs with ``reply(request body)``; records requests and the most in flight."""

    reply: Callable[[Any], Reply] = field(
        default=lambda body: chat_reply('{"label_zh": "测试", "label_en": "Test", "summary": ""}')
    )
    requests: list[Seen] = field(default_factory=list)
    max_in_flight: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                with stub._lock:
                    stub.requests.append(Seen(self.path, dict(self.headers), body))
                    stub._in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub._in_flight)
                try:
                    self._answer(stub.reply(body))
                finally:
                    with stub._lock:
                        stub._in_flight -= 1

            def _answer(self, reply: Reply) -> None:
                if reply.delay and stub.release.wait(reply.delay):
                    return  # the test is over
                head = (
                    f"HTTP/1.1 {reply.status} Stub\r\nContent-Type: {reply.content_type}\r\n"
                    f"Content-Length: {len(reply.body)}\r\nConnection: close\r\n\r\n"
                ).encode()
                if reply.trickle:
                    for i in range(len(head)):
                        self.wfile.write(head[i : i + 1])
                        self.wfile.flush()
                        if stub.release.wait(reply.trickle):
                            return
                else:
                    self.wfile.write(head)
                self.wfile.write(reply.body)
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the client hung up on a slow answer, as it should

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
