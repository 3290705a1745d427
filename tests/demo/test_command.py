"""`voxloop demo`: a fresh workspace, login and API key on SQLite and PostgreSQL."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from voxloop.accounts.models import ApiKey, Membership, Workspace
from voxloop.customers.models import Customer
from voxloop.demo.services import DEMO_EMAIL, DEMO_NAME
from voxloop.demo.taxonomy import walk
from voxloop.feedback.models import Channel, FeedbackItem, Status, Topic
from voxloop.insights.models import AlertRule, DailyRollup, HourlyRollup
from voxloop.server.management.commands import demo as demo_command


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _run(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--no-serve", "--no-progress", "--jobs", "1", *args, stdout=out)
    return out.getvalue()


def _demo() -> Workspace:
    return Workspace.objects.get(name=DEMO_NAME, memberships__user__email=DEMO_EMAIL)


@pytest.mark.django_db(transaction=True)
def test_demo_creates_workspace_login_and_key(data_dir: Path, client: Any) -> None:
    output = _run("--items", "120", "--seed", "5")
    workspace = _demo()
    assert workspace.timezone == "Asia/Shanghai"
    assert FeedbackItem.objects.filter(workspace=workspace).count() == 120
    assert not FeedbackItem.objects.filter(workspace=workspace, status=Status.RECEIVED).exists()
    assert Customer.objects.filter(workspace=workspace).count() == 1_500
    assert Topic.objects.filter(workspace=workspace).count() == len(walk())
    assert Topic.objects.filter(workspace=workspace, level=3).exists()
    slugs = set(Channel.objects.filter(workspace=workspace).values_list("slug", flat=True))
    assert {"app-reviews", "nps-survey", "delivery-csat", "weibo", "call-centre"} <= slugs
    assert Membership.objects.filter(workspace=workspace).count() == 5

    email, password = (data_dir / "demo-login").read_text().split()
    assert email == DEMO_EMAIL and f"Password: {password}" in output
    assert "URL:      http://127.0.0.1:8000/" in output
    assert "analyze" in output and "load" in output  # phase timings are printed
    # the dashboard and the alert centre are ready: rollups built once, detection run once
    assert "insights" in output and "open alerts" in output
    totals = DailyRollup.objects.filter(workspace=workspace, topic=None, channel=None)
    assert HourlyRollup.objects.filter(workspace=workspace).exists()
    assert totals.aggregate(n=Sum("n"))["n"] > 0
    assert AlertRule.objects.filter(workspace=workspace).exists()  # detection installed them
    assert client.login(email=email, password=password)

    key = (data_dir / "demo-api-key").read_text().strip()
    assert (data_dir / "demo-api-key").stat().st_mode & 0o077 == 0
    answer = client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    created = client.post(
        "/api/v1/feedback",
        data={"text": "配送太慢了，等了两个小时", "nps": 3, "customer": "M100234"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert created.status_code in (200, 201), created.content
    item = FeedbackItem.objects.get(pk=created.json()["id"])
    assert item.workspace == workspace and item.customer.segment  # an existing demo customer


@pytest.mark.django_db(transaction=True)
def test_running_it_again_replaces_the_demo(data_dir: Path, client: Any) -> None:
    _run("--items", "60", "--no-analyze")
    first = _demo()
    old_key = (data_dir / "demo-api-key").read_text().strip()
    old_password = (data_dir / "demo-login").read_text().split()[1]
    assert FeedbackItem.objects.filter(workspace=first, status=Status.RECEIVED).count() == 60

    _run("--items", "80")
    assert not Workspace.objects.filter(pk=first.pk).exists()
    workspace = _demo()
    assert Workspace.objects.filter(name=DEMO_NAME).count() == 1
    assert FeedbackItem.objects.filter(workspace=workspace).count() == 80
    assert not FeedbackItem.objects.filter(workspace=workspace, analyzed_at__isnull=True).exists()
    assert ApiKey.objects.filter(workspace=workspace).count() == 1
    answer = client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {old_key}"})
    assert answer.status_code == 401
    assert not client.login(email=DEMO_EMAIL, password=old_password)


@pytest.mark.django_db(transaction=True)
def test_demo_serves_after_creating(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    real = demo_command.call_command

    def fake(name: str, *args: Any, **kwargs: Any) -> None:
        if name == "serve":
            calls.append((name, kwargs))
            return
        real(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", fake)
    out = StringIO()
    call_command(
        "demo",
        *("--items", "50", "--jobs", "1", "--no-progress", "--host", "0.0.0.0", "--port", "8765"),
        stdout=out,
    )
    assert calls == [("serve", {"host": "0.0.0.0", "port": 8765, "no_migrate": True})]
    assert "http://0.0.0.0:8765/" in out.getvalue()


@pytest.mark.parametrize("items", ["10", "300000"])
def test_demo_refuses_bad_item_counts(items: str) -> None:
    with pytest.raises(CommandError, match="--items"):
        call_command("demo", "--items", items, "--no-serve")


def test_demo_refuses_garbage_arguments() -> None:
    with pytest.raises(CommandError, match="items"):
        call_command("demo", "--items", "many", "--no-serve")
    with pytest.raises(CommandError, match="--jobs"):
        call_command("demo", "--jobs", "0", "--no-serve")
