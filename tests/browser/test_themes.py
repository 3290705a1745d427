"""Suggested themes in Chromium: the panel loads into the taxonomy page, dismiss swaps it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from tests import factories
from voxloop.feedback.models import ThemeMember, ThemeSuggestion

pytestmark = pytest.mark.django_db(transaction=True)


def _theme(ws: Any, label: str, text: str, recent: int) -> ThemeSuggestion:
    item = factories.item(ws, text, status="analyzed", redacted_text=text)
    s = ThemeSuggestion.objects.create(
        workspace=ws,
        label=label,
        keyphrases=label.split(" / "),
        size=recent + 3,
        recent_count=recent,
        previous_count=3,
        channels=[item.channel_id],
        representatives=[item.pk],
        centroid=np.ones(512, dtype=np.float32).tobytes(),
        first_seen=timezone.now(),
        last_seen=timezone.now(),
    )
    ThemeMember.objects.create(suggestion=s, item=item)
    return s


def test_panel_loads_and_dismiss_swaps_it(live_server: Any, page: Any, world: Any) -> None:
    leak = _theme(world.acme, "餐盒 / 漏汤 / leaking", "餐盒盖子盖不紧，漏汤漏得到处都是", 20)
    _theme(world.acme, "发票 / invoice", "电子发票一直开不出来", 8)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.alice.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox/$"))
    page.goto(f"{live_server.url}/settings/taxonomy/")
    panel = page.locator("#suggested-themes")
    page.wait_for_selector("#suggested-themes .theme-card")
    cards = panel.locator(".theme-card")
    assert cards.count() == 2 and "餐盒盖子盖不紧" in cards.first.inner_text()  # busiest first

    cards.last.locator("button", has_text="Dismiss").click()
    page.wait_for_selector("#suggested-themes .messages")
    assert panel.locator(".theme-card").count() == 1
    assert "will not be suggested again" in panel.inner_text()
    assert ThemeSuggestion.objects.get(label="发票 / invoice").status == "dismissed"

    panel.locator("a", has_text="Open in the inbox").click()
    page.wait_for_url(re.compile(rf"/inbox/\?theme={leak.pk}$"))
    assert "餐盒盖子盖不紧" in page.locator("#results").inner_text()
    assert errors == []
