"""The Done-when flow in Chromium: sign in, filter, open, relabel, switch to 中文; screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.data import seed_inbox
from voxloop.feedback.models import Correction, FeedbackItem, Topic

pytestmark = pytest.mark.django_db(transaction=True)

# Words that stay as they are in a Chinese interface: the product's name, rating-scale
# acronyms, and the language switch naming English in English.
ALLOWED = {"VoxLoop", "NPS", "CSAT", "CES", "ID", "API", "English"}

UI_TEXT_JS = """() => {
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    for (const a of ['placeholder', 'aria-label', 'title']) {
      if (el.hasAttribute(a)) parts.push(el.getAttribute(a));
    }
  }
  parts.push(document.title);
  return parts.join('\\n');
}"""


def english_words(page: Any, data: list[str]) -> set[str]:
    """English words on the page that are not part of the data shown."""
    text = page.evaluate(UI_TEXT_JS)
    for value in sorted({d for d in data if d}, key=len, reverse=True):
        text = text.replace(value, " ")
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED}


def data_strings(world: Any, seeded: dict[str, Any]) -> list[str]:
    out = [world.alice.name, world.alice.email, world.acme.name, world.globex.name]
    for item in FeedbackItem.objects.filter(workspace=world.acme):
        out += [item.text, item.redacted_text, item.raw_payload, *item.keyphrases]
    for c in seeded["customers"]:
        out += [c.name, c.external_id, c.segment, c.tier, c.email]
    out += [ch.name for ch in world.acme.channels.all()]
    out += [n for t in Topic.objects.filter(workspace=world.acme) for n in (t.name_zh, t.name_en)]
    return out


def test_sign_in_filter_open_relabel_and_read_it_in_chinese(
    live_server: Any, page: Any, world: Any
) -> None:
    seeded = seed_inbox(world.acme)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.alice.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox/$"))
    assert page.locator(".feed-row").count() == 18
    page.screenshot(path=str(SCREENSHOTS / "inbox-en.png"))

    # Filter: htmx swaps the results and pushes a shareable URL.
    page.select_option("#filters select[name=sentiment]", "negative")
    page.wait_for_url(re.compile(r"sentiment=negative"))
    page.wait_for_function("document.querySelectorAll('.feed-row').length === 10")
    assert "channel=" not in page.url  # empty filters are left out of the URL
    assert page.locator(".feed-row .chip.s-positive").count() == 0
    page.fill("#filters input[name=q]", "五天")
    page.wait_for_url(re.compile(r"q=%E4%BA%94%E5%A4%A9"))
    page.wait_for_function("document.querySelectorAll('.feed-row').length === 2")

    # Open the item, relabel it.
    target = seeded["items"][0]
    page.click(f"a.feed-text[href^='/inbox/{target.pk}/']")
    page.wait_for_url(re.compile(rf"/inbox/{target.pk}/"))
    assert page.locator("mark.ev-sentiment", has_text="太失望了").count() == 1
    page.select_option("form.relabel select[name=sentiment]", "neutral")
    page.select_option("form.relabel select[name=kind]", "suggestion")
    page.locator("form.relabel label", has_text="Packaging").locator("input").check()
    page.click("form.relabel button[type=submit]")
    page.wait_for_selector(".message.success")
    item = FeedbackItem.objects.get(pk=target.pk)
    assert (item.sentiment, item.kind) == ("neutral", "suggestion")
    assert set(Correction.objects.filter(item=item).values_list("field", flat=True)) == {
        "sentiment",
        "kind",
        "topics",
    }
    assert page.locator("table.corrections tbody tr").filter(has_text="Negative").count() == 1

    # 中文: every label of the item page and of the inbox is translated.
    page.click(".lang-switch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.url.endswith(f"/inbox/{target.pk}/")
    data = data_strings(world, seeded)
    assert english_words(page, data) == set()
    assert page.locator("h2", has_text="修正记录").count() == 1

    page.goto(f"{live_server.url}/inbox/?sentiment=negative")
    page.wait_for_selector(".feed-row")
    assert english_words(page, data) == set()
    page.goto(f"{live_server.url}/inbox/")
    page.wait_for_selector(".feed-row")
    assert english_words(page, data) == set()
    page.screenshot(path=str(SCREENSHOTS / "inbox-zh.png"))


def test_bulk_action_and_narrow_screen_navigation(live_server: Any, page: Any, world: Any) -> None:
    seed_inbox(world.acme)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.alice.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox/$"))
    rows = page.locator(".feed-row .row-check")
    rows.nth(0).check()
    rows.nth(1).check()
    assert page.locator("[data-selected-count]").inner_text() == "2"
    page.select_option("[data-bulk-action]", "set_sentiment")
    page.select_option("select[data-bulk-value=set_sentiment]", "positive")
    page.click("[data-bulk-apply]")
    page.wait_for_selector(".message.success")
    assert "2 items changed." in page.locator(".message.success").inner_text()

    page.set_viewport_size({"width": 420, "height": 800})
    # The sidebar slides away (a CSS transition): wait for it to be off-screen, then back.
    page.wait_for_function(
        "() => { const r = document.querySelector('#sidebar').getBoundingClientRect();"
        " return r.right <= 0 || r.width === 0; }"
    )
    page.click("[data-toggle-nav]")
    page.wait_for_function(
        "() => document.querySelector('#sidebar').getBoundingClientRect().x === 0"
    )
    page.click("#sidebar a[href='/insights/alerts/']")
    page.wait_for_url(re.compile(r"/insights/alerts/"))
