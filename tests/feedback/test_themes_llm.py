"""LLM mode in theme discovery: names and summaries from a stub endpoint, and every fallback."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.urls import reverse

from tests import factories
from tests.analysis.llm_stub import Reply, StubLLM, chat_reply
from tests.feedback.test_themes import CRASH, INVOICE, RENEWAL, _analysed, _by_theme, _suggestion
from tests.startup import start_django
from voxloop.feedback.models import FeedbackItem, ThemeDiscovery, ThemeSuggestion
from voxloop.feedback.services.theme_actions import do_dismiss_theme
from voxloop.feedback.services.themes import (
    LLM_CONCURRENCY,
    do_discover_themes,
    llm_config,
    run_discovery,
)

# What the stub LLM answers for a theme, by a key phrase discovery finds in it.
NAMES = {  # key phrase: (name zh, name en, summary zh, summary en)
    "闪退": (
        "应用闪退",
        "App crashes",
        "用户反映应用一打开就闪退。",
        "Customers report the app crashing on launch.",
    ),
    "发票": (
        "发票开具",
        "Invoices",
        "用户拿不到或改不了发票。",
        "Customers cannot get or correct their invoices.",
    ),
    "自动续费": (
        "自动续费",
        "Auto-renewal",
        "用户未经同意被自动续费扣款。",
        "Customers were charged for renewals unasked.",
    ),
}
KEYPHRASE_LINE = "Key phrases of the theme: "


def _phrases(body) -> str:
    prompt = body["messages"][-1]["content"]
    return prompt.split(KEYPHRASE_LINE, 1)[1].split("\n", 1)[0]


def _name(body, broken=()) -> Reply:
    phrases = _phrases(body).split(", ")
    for key, (zh, en, summary_zh, summary_en) in NAMES.items():
        if key in phrases:
            if key in broken:
                return chat_reply('{"label_zh": "坏的", "label_en": ')
            answer = {
                "label_zh": zh,
                "label_en": en,
                "summary_zh": summary_zh,
                "summary_en": summary_en,
            }
            return chat_reply("```json\n" + json.dumps(answer, ensure_ascii=False) + "\n```")
    return Reply(status=500, body=b"unexpected theme")


@pytest.fixture
def stub():
    server = StubLLM(reply=_name)
    yield server
    server.close()


@pytest.fixture
def llm_on(settings, stub):
    settings.LLM_URL = stub.url
    settings.LLM_MODEL = "stub-model"
    settings.LLM_API_KEY = "sk-stub"
    settings.LLM_TIMEOUT = 2
    return stub


@pytest.fixture
def themes(world):
    """acme: three uncovered themes of twenty items each (crashes, invoices, auto-renewal)."""
    ids = {"crash": [], "invoice": [], "renewal": []}
    for name, texts, start in (
        ("crash", CRASH, 1),
        ("invoice", INVOICE, 30),
        ("renewal", RENEWAL, 200),
    ):
        for i, text in enumerate(texts):
            ids[name].append(_analysed(world.acme, text, start + 3 * i).pk)
    return ids


KEY = {"crash": "闪退", "invoice": "发票", "renewal": "自动续费"}


def test_discovery_with_llm_stores_names_and_summaries(world, themes, llm_on):
    result = do_discover_themes(world.acme.pk)
    assert (result.themes, result.created, result.named) == (3, 3, 3)
    found = _by_theme(world.acme, themes)
    assert set(found) == set(KEY)
    for name, (s, _members) in found.items():
        zh, en, summary_zh, summary_en = NAMES[KEY[name]]
        assert (s.label_source, s.name_zh, s.name_en) == ("llm", zh, en)
        assert (s.summary_zh, s.summary_en) == (summary_zh, summary_en)
        assert KEY[name] in s.label  # the keyphrase label is kept as the fallback
    assert len(llm_on.requests) == 3
    for seen in llm_on.requests:
        assert seen.headers["Authorization"] == "Bearer sk-stub"
        assert seen.body["model"] == "stub-model" and "in English" in seen.prompt
    # Only redacted texts of representative items are sent.
    crash = found["crash"][0]
    (prompt,) = [r.prompt for r in llm_on.requests if "闪退" in _phrases(r.body).split(", ")]
    for text in FeedbackItem.objects.filter(pk__in=crash.representatives).values_list(
        "redacted_text", flat=True
    ):
        assert text in prompt


def test_rerun_keeps_names_and_asks_only_about_changed_themes(world, themes, llm_on):
    do_discover_themes(world.acme.pk)
    again = do_discover_themes(world.acme.pk)
    assert (again.updated, again.named) == (3, 0)
    assert len(llm_on.requests) == 3  # nothing new to name
    assert set(ThemeSuggestion.objects.values_list("label_source", flat=True)) == {"llm"}

    invoice = _by_theme(world.acme, themes)["invoice"][0]
    ThemeSuggestion.objects.filter(pk=invoice.pk).update(label="an older keyphrase label")
    third = do_discover_themes(world.acme.pk)
    assert third.named == 1 and len(llm_on.requests) == 4
    assert "发票" in _phrases(llm_on.requests[-1].body).split(", ")
    invoice.refresh_from_db()
    assert (invoice.label_source, invoice.name_en) == ("llm", "Invoices")
    assert "发票" in invoice.label


def test_failing_llm_keeps_keyphrase_labels_and_logs(world, themes, llm_on, caplog):
    llm_on.reply = lambda body: Reply(status=500, body=b"model not loaded")
    with caplog.at_level(logging.WARNING):
        result = run_discovery(world.acme.pk)
    assert result is not None and (result.created, result.named) == (3, 0)
    row = ThemeDiscovery.objects.get(workspace=world.acme)
    assert (row.themes, row.error) == (3, "")
    for s in ThemeSuggestion.objects.filter(workspace=world.acme):
        assert (s.label_source, s.name_zh, s.name_en) == ("keyphrases", "", "")
        assert (s.summary_zh, s.summary_en) == ("", "")
        assert s.label and s.display_label == s.label
    assert 1 <= len(llm_on.requests) <= LLM_CONCURRENCY  # it stops asking a broken endpoint
    assert "HTTP 500: model not loaded" in caplog.text
    assert "named 0 of 3 themes" in caplog.text


def test_slow_llm_does_not_hold_discovery(world, themes, llm_on, settings):
    settings.LLM_TIMEOUT = 1
    llm_on.reply = lambda body: chat_reply("{}", delay=30)
    started = time.monotonic()
    result = do_discover_themes(world.acme.pk)
    elapsed = time.monotonic() - started
    assert (result.created, result.named) == (3, 0)
    # One timeout (the first requests run side by side, then it stops asking), plus the
    # clustering itself; the stub would hold a waiting caller for 30 s.
    assert elapsed < 1 + 5, elapsed
    assert len(llm_on.requests) <= LLM_CONCURRENCY
    assert set(ThemeSuggestion.objects.values_list("label_source", flat=True)) == {"keyphrases"}


def test_one_bad_answer_falls_back_for_that_theme_only(world, themes, llm_on):
    llm_on.reply = lambda body: _name(body, broken=("发票",))
    result = do_discover_themes(world.acme.pk)
    assert result.named == 2 and len(llm_on.requests) == 3
    found = _by_theme(world.acme, themes)
    assert found["invoice"][0].label_source == "keyphrases"
    assert {found[k][0].label_source for k in ("crash", "renewal")} == {"llm"}


def test_failed_names_are_asked_for_again_and_old_names_cleared_when_label_changes(
    world, themes, llm_on
):
    llm_on.reply = lambda body: Reply(status=503)
    do_discover_themes(world.acme.pk)
    llm_on.reply = _name
    retry = do_discover_themes(world.acme.pk)
    assert retry.named == 3  # the endpoint is back: the unnamed themes get their names

    crash = _by_theme(world.acme, themes)["crash"][0]
    ThemeSuggestion.objects.filter(pk=crash.pk).update(label="outdated")
    llm_on.reply = lambda body: Reply(status=503)
    do_discover_themes(world.acme.pk)
    crash.refresh_from_db()
    assert (crash.label_source, crash.name_en, crash.summary_en) == ("keyphrases", "", "")
    assert "闪退" in crash.label


def test_themes_people_decided_on_are_not_sent(world, themes, stub, settings):
    settings.LLM_URL = ""
    do_discover_themes(world.acme.pk)
    crash = _by_theme(world.acme, themes)["crash"][0]
    do_dismiss_theme(factories.actor(world.acme, world.alice), crash.pk)
    settings.LLM_URL, settings.LLM_MODEL, settings.LLM_TIMEOUT = stub.url, "stub-model", 2
    result = do_discover_themes(world.acme.pk)
    assert (result.updated, result.skipped, result.named) == (2, 1, 2)
    asked = {key for r in stub.requests for key in NAMES if key in _phrases(r.body).split(", ")}
    assert asked == {"发票", "自动续费"}


def test_llm_off_makes_no_request(world, themes, stub, settings):
    settings.LLM_URL = ""
    settings.LLM_MODEL = "stub-model"
    assert llm_config() is None
    result = do_discover_themes(world.acme.pk)
    assert (result.created, result.named) == (3, 0)
    assert stub.requests == []
    assert set(ThemeSuggestion.objects.values_list("label_source", flat=True)) == {"keyphrases"}


# --- the taxonomy page -----------------------------------------------------------------------


def _named_suggestion(ws):
    s = _suggestion(ws)
    ThemeSuggestion.objects.filter(pk=s.pk).update(
        label_source="llm",
        name_zh="应用闪退",
        name_en="App crashes",
        summary_zh="用户反映应用一打开就闪退。",
        summary_en="Customers report the app crashing on launch.",
    )
    s.refresh_from_db()
    return s


def _mona(world):
    user = factories.UserFactory(email="mona@acme.test")
    factories.member(world.acme, user, "manager")
    return user


def test_panel_shows_llm_name_and_summary(client, world):
    s = _named_suggestion(world.acme)
    plain = _suggestion(world.acme, label="发票 / invoice", texts=("电子发票开不出来",))
    client.force_login(_mona(world))
    body = client.get(reverse("taxonomy:themes"), headers={"HX-Request": "true"}).content.decode()
    card, other = body.split(f'id="theme-{plain.pk}"')[0], body.split(f'id="theme-{plain.pk}"')[1]
    assert "<h3>App crashes</h3>" in card
    assert "Customers report the app crashing on launch." in card
    assert f"Named and summarised by the LLM (key phrases: {s.label})" in card
    assert "<h3>发票 / invoice</h3>" in other and "by the LLM" not in other

    client.cookies["django_language"] = "zh-hans"
    zh = client.get(reverse("taxonomy:themes"), headers={"Accept-Language": "zh-hans"})
    text = zh.content.decode()
    assert "<h3>应用闪退</h3>" in text and "用户反映应用一打开就闪退。" in text
    assert "Customers report the app crashing" not in text
    assert "由大模型命名并总结" in text and "Named and summarised" not in text


def test_accept_form_proposes_the_llm_names(client, world):
    s = _named_suggestion(world.acme)
    client.force_login(world.alice)
    form = client.get(reverse("taxonomy:theme_accept", args=[s.pk])).context["form"]
    assert (form.initial["name_zh"], form.initial["name_en"]) == ("应用闪退", "App crashes")


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_others_do_not_see_the_summary(client, world, who):
    _named_suggestion(world.acme)
    client.force_login(getattr(world, who))
    response = client.get(reverse("taxonomy:themes"))
    assert response.status_code == (403 if who == "bob" else 200)
    assert "Customers report the app crashing" not in response.content.decode()


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"VOXLOOP_LLM_URL": "ftp://127.0.0.1/v1", "VOXLOOP_LLM_MODEL": "m"}, "VOXLOOP_LLM_URL"),
        ({"VOXLOOP_LLM_URL": "garbage", "VOXLOOP_LLM_MODEL": "m"}, "VOXLOOP_LLM_URL"),
        ({"VOXLOOP_LLM_URL": "http://", "VOXLOOP_LLM_MODEL": "m"}, "VOXLOOP_LLM_URL"),
        ({"VOXLOOP_LLM_URL": "http://h:port/v1", "VOXLOOP_LLM_MODEL": "m"}, "VOXLOOP_LLM_URL"),
        ({"VOXLOOP_LLM_URL": "http://127.0.0.1:11434/v1"}, "VOXLOOP_LLM_MODEL"),
        ({"VOXLOOP_LLM_TIMEOUT": "0"}, "VOXLOOP_LLM_TIMEOUT"),
        ({"VOXLOOP_LLM_TIMEOUT": "soon"}, "VOXLOOP_LLM_TIMEOUT"),
    ],
)
def test_bad_llm_settings_stop_start_up_naming_the_variable(tmp_path, env, variable):
    res = start_django(tmp_path, **env)
    assert res.returncode != 0 and variable in res.stderr, res.stderr[-500:]


def test_good_llm_settings_start(tmp_path):
    res = start_django(
        tmp_path,
        VOXLOOP_LLM_URL="http://127.0.0.1:11434/v1",
        VOXLOOP_LLM_MODEL="qwen2.5:7b-instruct",
        VOXLOOP_LLM_TIMEOUT="45",
    )
    assert res.returncode == 0, res.stderr
