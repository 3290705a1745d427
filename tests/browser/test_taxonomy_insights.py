"""The taxonomy page's accuracy panel in Chromium: the chart draws, progress polls until done."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests import factories
from voxloop.feedback.models import AnalysisModel, ReanalysisJob

pytestmark = pytest.mark.django_db(transaction=True)


def _versions(ws: Any) -> None:
    speed = factories.topic(ws, "Speed", "速度")
    for i, (version, topics) in enumerate([("v1-12", 0.5), ("v2-30", 0.6667)]):
        row = AnalysisModel.objects.create(
            workspace=ws,
            version=version,
            trained_on={"topics": 12 + 18 * i, "sentiment": 11},
            heldout_accuracy={
                "topics": topics,
                "sentiment": 0.5 + i / 10,
                "tested": {"topics": 12 + 18 * i, "sentiment": 3},
                "topics_baseline": 0.4,
                "per_topic": {str(speed.pk): {"corrections": 9, "tested": 9, "found": 6}},
            },
            payload=b"",
        )
        AnalysisModel.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(hours=2 - i)
        )


def test_chart_draws_and_progress_polls_until_done(live_server: Any, page: Any, world: Any) -> None:
    _versions(world.acme)
    job = ReanalysisJob.objects.create(workspace=world.acme, state="running", total=10, done=4)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.alice.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox/$"))
    page.goto(f"{live_server.url}/settings/taxonomy/")
    panel = page.locator("#taxonomy-insights")
    assert "66.7 %" in panel.locator("tr[data-field=topics]").inner_text()
    page.wait_for_selector("#model-accuracy-chart canvas")
    assert page.locator("#reanalysis-status").inner_text().startswith("Re-analysing: 4 / 10 (40 %)")

    ReanalysisJob.objects.filter(pk=job.pk).update(done=7)
    page.wait_for_selector("#reanalysis-status:has-text('7 / 10 (70 %)')")
    ReanalysisJob.objects.filter(pk=job.pk).update(
        state="done", done=10, finished_at=timezone.now()
    )
    page.wait_for_selector("#reanalysis-status[data-state=done]")
    assert "Last re-analysis finished at" in page.locator("#reanalysis-status").inner_text()
    assert page.locator("#reanalysis-status[hx-trigger]").count() == 0  # polling stopped

    # 中文: the panel's own words are all translated.
    page.click(".lang-switch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    text = panel.inner_text()
    text = text.replace("Speed", " ")
    assert {w for w in re.findall(r"[A-Za-z]{2,}", text)} == set(), text
    assert "模型准确率" in text and "上次重新分析完成于" in text
    assert errors == []
