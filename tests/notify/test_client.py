"""URL checks of the outbound HTTP client."""

from __future__ import annotations

from typing import Any

import pytest

from voxloop.notify import client


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T0/B0/xyz",
        "http://example.com:8080/hook?x=1",
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "https://8.8.8.8/hook",
    ],
)
def test_public_urls_pass(url: str, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert client.check_url(f"  {url} ") == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("javascript:alert(1)", "Only http:// and https://"),
        ("not a url", "not a valid URL"),
        ("", "Enter a URL"),
        ("http://", "no valid host"),
        ("http://example.com:99999/", "port"),
        ("http://127.0.0.1:8000/hook", "not allowed"),
        ("http://localhost/hook", "not allowed"),
        ("http://[::1]/hook", "not allowed"),
        ("http://10.1.2.3/hook", "not allowed"),
        ("http://192.168.0.10/hook", "not allowed"),
        ("http://169.254.169.254/latest/meta-data", "not allowed"),
        ("http://2130706433/hook", "not allowed"),  # 127.0.0.1 written as one number
        ("http://0x7f.1/hook", "not allowed"),
        ("http://[::ffff:127.0.0.1]/", "not allowed"),
        ("http://api.localhost/", "not allowed"),
        ("http://intranet/hook", "fully qualified"),
    ],
)
def test_bad_urls_are_refused(url: str, message: str, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.BASE_URL = "https://voxloop.acme.test"
    with pytest.raises(ValueError, match=message):
        client.check_url(url)


def test_this_server_is_refused(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.BASE_URL = "https://voxloop.acme.test"
    with pytest.raises(ValueError, match="not allowed"):
        client.check_url("https://voxloop.acme.test/api/v1/feedback")


def test_allowing_private_targets(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert client.check_url("http://127.0.0.1:9000/x") == "http://127.0.0.1:9000/x"
    with pytest.raises(ValueError, match="Only http"):
        client.check_url("ftp://127.0.0.1/x")


def test_a_name_resolving_to_loopback_is_blocked_at_send_time(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(client.BlockedURL, match="non-public"):
        client._resolve("localhost", 80, allow_private=False)
