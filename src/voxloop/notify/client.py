"""The one HTTP client every outbound notification request goes through (tests replace `transport`).

It refuses non-http(s) URLs and, unless private targets are allowed, any address that is not
public (loopback, private ranges, link-local, this server), checked again on the resolved IP at
send time and then pinned so DNS cannot swap the target between check and connect. Redirects
are not followed. Every request has a connect and a read timeout and a bounded response size.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

CONNECT_TIMEOUT = 5.0  # seconds to open the connection (and finish TLS)
READ_TIMEOUT = 10.0  # seconds of silence tolerated while waiting for / reading the answer
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "VoxLoop-Notify/1.0"


class TransportError(Exception):
    """The request did not get an HTTP answer (refused, timed out, TLS, DNS...)."""


class BlockedURL(TransportError):
    """The URL is not allowed as a target; retrying will not help."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def allow_private_default() -> bool:
    """VOXLOOP_WEBHOOK_ALLOW_PRIVATE (settings.WEBHOOK_ALLOW_PRIVATE), false when not defined."""
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def _numeric_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # legacy forms a resolver also accepts: 2130706433, 0x7f.1, 127.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _own_hosts() -> set[str]:
    hosts = {"localhost"}
    base = urlsplit(str(getattr(settings, "BASE_URL", "") or ""))
    if base.hostname:
        hosts.add(base.hostname.lower())
    return hosts


def check_url(url: str, *, allow_private: bool | None = None) -> str:
    """The URL stripped, or ValueError with a message for the person who typed it."""
    if allow_private is None:
        allow_private = allow_private_default()
    url = (url or "").strip()
    if not url:
        raise ValueError(_("Enter a URL."))
    if any(c.isspace() for c in url) or len(url) > 2000:
        raise ValueError(_("This is not a valid URL."))
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(_("Only http:// and https:// URLs are allowed."))
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(_("The port in this URL is not valid.")) from None
    if not host or host.startswith(".") or ".." in host:
        raise ValueError(_("This URL has no valid host name."))
    if allow_private:
        return url
    host = host.lower().rstrip(".")
    ip = _numeric_ip(host)
    if (
        (ip is not None and not is_public_ip(ip))
        or host in _own_hosts()
        or host.endswith(".localhost")
    ):
        raise ValueError(
            _("URLs pointing at this server, loopback or private networks are not allowed.")
        )
    if ip is None and "." not in host:
        raise ValueError(_("Use a fully qualified host name (like hooks.example.com)."))
    return url


def _resolve(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TransportError(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise TransportError(f"cannot resolve {host}")
    if not allow_private:
        for address in addresses:
            if not is_public_ip(ipaddress.ip_address(address.split("%")[0])):
                raise BlockedURL(f"{host} resolves to a non-public address ({address})")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, ip: str) -> None:
        super().__init__(host, port, timeout=CONNECT_TIMEOUT)
        self.pinned_ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_ip, self.port), CONNECT_TIMEOUT)
        self.sock.settimeout(READ_TIMEOUT)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str) -> None:
        super().__init__(host, port, timeout=CONNECT_TIMEOUT, context=ssl.create_default_context())
        self.pinned_ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_ip, self.port), CONNECT_TIMEOUT)
        sock.settimeout(CONNECT_TIMEOUT)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
        self.sock.settimeout(READ_TIMEOUT)


def _http_transport(
    method: str, url: str, body: bytes, headers: Mapping[str, str], allow_private: bool
) -> Response:
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    ip = _resolve(host, port, allow_private)
    conn: http.client.HTTPConnection = (
        _PinnedHTTPS(host, port, ip) if https else _PinnedHTTP(host, port, ip)
    )
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    deadline = time.monotonic() + CONNECT_TIMEOUT + READ_TIMEOUT
    try:
        conn.request(method, target, body=body, headers=dict(headers))
        answer = conn.getresponse()
        chunks: list[bytes] = []
        size = 0
        while size < MAX_RESPONSE_BYTES and time.monotonic() < deadline:
            chunk = answer.read1(8192) if hasattr(answer, "read1") else answer.read(8192)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return Response(status=answer.status, body=b"".join(chunks)[:MAX_RESPONSE_BYTES])
    except TimeoutError:
        raise TransportError("timed out waiting for the server") from None
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(
            f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        ) from None
    finally:
        conn.close()


Transport = Callable[[str, str, bytes, Mapping[str, str], bool], Response]

# The single replaceable point: tests may swap this for a fake (the default is real HTTP).
transport: Transport = _http_transport


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    allow_private: bool | None = None,
) -> Response:
    """POST `body` to `url`; raises BlockedURL / TransportError when no HTTP answer came."""
    if allow_private is None:
        allow_private = allow_private_default()
    try:
        check_url(url, allow_private=allow_private)
    except ValueError as exc:
        raise BlockedURL(str(exc)) from None
    all_headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json; charset=utf-8"}
    all_headers.update(headers or {})
    return transport("POST", url, body, all_headers, allow_private)
