"""HTTPS targets: the pinned connection still verifies the certificate against the host name."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.notify.conftest import destination
from voxloop.notify.message import Message
from voxloop.notify.models import Delivery
from voxloop.notify.services import do_deliver_due, do_send

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


class _Ok(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], cert
    finally:
        server.shutdown()
        server.server_close()


def test_https_with_a_trusted_certificate(
    world: Any, allow_private: None, tls_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust our self-signed test certificate
    dest = destination(world.acme, "webhook", url=f"https://localhost:{port}/hook")
    [pk] = do_send(world.acme.pk, [dest.pk], Message(title="TLS", text="x"))
    do_deliver_due()
    assert Delivery.objects.get(pk=pk).state == "sent"
    assert b'"title":"TLS"' in _Ok.bodies[-1]


def test_https_with_an_untrusted_certificate_fails(
    world: Any, allow_private: None, tls_server: Any
) -> None:
    port, _cert = tls_server
    dest = destination(world.acme, "webhook", url=f"https://localhost:{port}/hook")
    [pk] = do_send(world.acme.pk, [dest.pk], Message(title="TLS", text="x"))
    do_deliver_due()
    row = Delivery.objects.get(pk=pk)
    assert row.state == "failed" and "CERTIFICATE_VERIFY_FAILED" in row.last_error
