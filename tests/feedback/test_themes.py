"""Suggested themes: discovery among uncovered feedback, accept / merge / dismiss, the UI."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests import factories
from voxloop.accounts.models import AuditLog
from voxloop.feedback.models import (
    Channel,
    FeedbackTopic,
    ReanalysisJob,
    ThemeDiscovery,
    ThemeMember,
    ThemeSuggestion,
    Topic,
)
from voxloop.feedback.services import themes as theme_services
from voxloop.feedback.services.theme_actions import (
    do_accept_theme,
    do_dismiss_theme,
    do_merge_theme,
)
from voxloop.feedback.services.themes import (
    do_discover_themes,
    do_queue_due_discoveries,
    do_request_discovery,
    run_discovery,
    uncovered_items,
)

CRASH = [
    "App 一打开就闪退，根本用不了",
    "更新之后应用闪退了好几次",
    "打开相机就闪退，太烦了",
    "The app crashes every time I open it",
    "App keeps crashing after the update",
    "闪退严重，手机上装了三次还是闪退",
    "Crashes when I try to upload a photo",
    "昨天开始app频繁闪退",
    "The app crashed twice during checkout",
    "安卓版本闪退，希望尽快修复",
    "iOS app crashes on launch since the latest version",
    "点进订单页面就闪退",
    "应用老是崩溃闪退",
    "App crashes whenever I switch to dark mode",
    "闪退问题什么时候能解决",
    "It crashed again while I was paying",
    "打开消息就闪退",
    "This app crashes constantly on my phone",
    "登录后马上闪退",
    "After the update the app crashes on start",
]
INVOICE = [
    "开发票太麻烦了，找不到入口",
    "电子发票一直开不出来",
    "I can't download my invoice anywhere",
    "发票抬头填错了怎么修改",
    "Where can I get a VAT invoice for my order?",
    "申请发票三天了还没收到",
    "The invoice shows the wrong company name",
    "发票金额和订单金额不一致",
    "Please add an option to request an invoice",
    "能不能开增值税专用发票",
    "My invoice request has been pending for a week",
    "发票怎么重新开",
    "Invoice PDF download link is broken",
    "公司报销需要发票，但是开不了",
    "I need an invoice with our tax number",
    "发票信息提交后没有反应",
    "The invoice was never emailed to me",
    "开具发票的流程太复杂",
    "Invoice has the wrong address on it",
    "电子发票在哪里下载",
]
RENEWAL = [
    "会员自动续费没有任何提醒就扣钱了",
    "I was charged for auto-renewal without any notice",
    "自动续费怎么取消，找了半天",
    "Cancel the automatic renewal, I never agreed to it",
    "没同意就自动续费了，要求退款",
    "The subscription renewed automatically and charged my card",
    "自动扣费太坑了",
    "How do I turn off auto renew?",
    "会员到期自动续费了，没有短信通知",
    "Auto-renewal charged me twice this month",
    "取消自动续费的按钮藏得太深",
    "I want a refund for the auto renewal charge",
    "连续包月自动续费没提醒",
    "Stop renewing my membership automatically",
    "自动续费扣了我两次钱",
    "Your auto-renewal policy is a scam",
    "自动续费关不掉",
    "The renewal charge came without any email",
    "续费前应该提前通知用户",
    "Membership auto renewed even though I cancelled",
]
COVERED = ["配送太慢了，等了两个小时", "The courier was late again", "送货员态度很差"]


def _analysed(ws, text, hours_ago, channel=None, **kw):
    kw.setdefault("status", "analyzed")
    return factories.item(
        ws,
        text,
        channel=channel,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
        redacted_text=text,
        sentiment="negative",
        **kw,
    )


@pytest.fixture
def corpus(world):
    """acme: three uncovered themes (crashes new and in two channels), covered and junk items."""
    ws = world.acme
    app = Channel.objects.create(workspace=ws, kind="widget", name="App", slug="app")
    delivery = factories.topic(ws, "Delivery", "配送", keywords=["配送"])
    ids = {"crash": [], "invoice": [], "renewal": [], "covered": []}
    for i, text in enumerate(CRASH):  # all in the last two days, in two channels
        ids["crash"].append(_analysed(ws, text, 1 + 2 * i, channel=app if i % 2 else None).pk)
    for i, text in enumerate(INVOICE):  # spread over four weeks
        ids["invoice"].append(_analysed(ws, text, 12 + 33 * i).pk)
    for i, text in enumerate(RENEWAL):  # eight to thirteen days ago
        ids["renewal"].append(_analysed(ws, text, 24 * 8 + 6 * i).pk)
    for text in COVERED * 4:
        item = _analysed(ws, text, 5)
        FeedbackTopic.objects.create(item=item, topic=delivery, source="keyword", confidence=0.9)
        ids["covered"].append(item.pk)
    _analysed(ws, "闪退闪退闪退", 3, status="junk")
    _analysed(ws, "The app crashes every time I open it", 3, status="duplicate")
    return ids


def _by_theme(ws, ids):
    out = {}
    for s in ThemeSuggestion.objects.filter(workspace=ws):
        members = set(ThemeMember.objects.filter(suggestion=s).values_list("item_id", flat=True))
        name = max(ids, key=lambda k: len(members & set(ids[k])))
        out[name] = (s, members)
    return out


def test_discovery_finds_the_uncovered_themes(world, corpus):
    result = do_discover_themes(world.acme.pk)
    assert (result.items, result.themes, result.created) == (60, 3, 3)
    found = _by_theme(world.acme, corpus)
    assert set(found) == {"crash", "invoice", "renewal"}
    expected = {"crash": "闪退", "invoice": "发票", "renewal": "自动续费"}
    for name, (s, members) in found.items():
        assert members == set(corpus[name]), name  # no covered, junk or duplicate items
        assert expected[name] in s.label and expected[name] in s.keyphrases
        assert s.size == 20 and s.status == ThemeSuggestion.State.OPEN
        assert 1 <= len(s.representatives) <= 5 and set(s.representatives) <= members
        assert len(np.frombuffer(bytes(s.centroid), dtype=np.float32)) == 512
        assert s.first_seen <= s.last_seen
    crash, invoice, renewal = (found[k][0] for k in ("crash", "invoice", "renewal"))
    assert (crash.recent_count, crash.previous_count) == (20, 0)
    assert (renewal.recent_count, renewal.previous_count) == (0, 20)
    assert 0 < invoice.recent_count < 20
    app = Channel.objects.get(workspace=world.acme, slug="app")
    assert set(crash.channels) == {app.pk, Channel.objects.get(workspace=world.acme, slug="api").pk}
    assert crash.growth is not None and crash.growth > 0 > renewal.growth


def test_rerun_updates_and_dismissed_themes_are_not_offered_again(world, corpus):
    do_discover_themes(world.acme.pk)
    first = {s.pk: s.label for s in ThemeSuggestion.objects.filter(workspace=world.acme)}
    again = do_discover_themes(world.acme.pk)
    assert (again.created, again.updated, again.expired) == (0, 3, 0)
    assert {s.pk: s.label for s in ThemeSuggestion.objects.all()} == first
    assert ThemeMember.objects.count() == 60

    crash = _by_theme(world.acme, corpus)["crash"][0]
    do_dismiss_theme(factories.actor(world.acme, world.alice), crash.pk)
    third = do_discover_themes(world.acme.pk)
    assert (third.created, third.updated, third.skipped) == (0, 2, 1)
    crash.refresh_from_db()
    assert crash.status == ThemeSuggestion.State.DISMISSED
    assert ThemeSuggestion.objects.filter(status="open").count() == 2


def test_themes_no_longer_found_expire_and_come_back(world, corpus):
    do_discover_themes(world.acme.pk)
    invoice = _by_theme(world.acme, corpus)["invoice"][0]
    billing = factories.topic(world.acme, "Billing", "发票")
    links = [
        FeedbackTopic(item_id=i, topic=billing, source="manual", confidence=1.0)
        for i in corpus["invoice"]
    ]
    FeedbackTopic.objects.bulk_create(links)
    result = do_discover_themes(world.acme.pk)
    assert (result.items, result.expired) == (40, 1)
    invoice.refresh_from_db()
    assert invoice.status == ThemeSuggestion.State.EXPIRED
    FeedbackTopic.objects.filter(topic=billing).delete()
    back = do_discover_themes(world.acme.pk)
    invoice.refresh_from_db()
    assert back.created == 0 and invoice.status == ThemeSuggestion.State.OPEN


def test_covered_means_a_confident_or_manual_active_topic(world):
    ws = world.acme
    active = factories.topic(ws, "Delivery", "配送")
    old = factories.topic(ws, "Old", "旧")
    Topic.objects.filter(pk=old.pk).update(is_active=False)
    cases = {
        "none": None,
        "weak": (active, "example", 0.55),
        "inactive": (old, "keyword", 0.9),
        "confident": (active, "example", 0.7),
        "manual": (active, "manual", 0.1),
    }
    ids = {}
    for name, link in cases.items():
        item = _analysed(ws, f"text {name}", 2)
        if link:
            FeedbackTopic.objects.create(
                item=item, topic=link[0], source=link[1], confidence=link[2]
            )
        ids[item.pk] = name
    _analysed(ws, "", 2)  # nothing to read
    _analysed(ws, "too old", 24 * 40)
    now = timezone.now()
    found = uncovered_items(ws.pk, now - timedelta(days=30), now).values_list("pk", flat=True)
    assert sorted(ids[pk] for pk in found) == ["inactive", "none", "weak"]


def test_empty_workspace_and_failures_are_safe(world, monkeypatch):
    result = do_discover_themes(world.acme.pk)
    assert (result.items, result.themes, result.created) == (0, 0, 0)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(theme_services, "do_discover_themes", boom)
    assert run_discovery(world.acme.pk) is None
    row = ThemeDiscovery.objects.get(workspace=world.acme)
    assert row.state == "idle" and "disk on fire" in row.error


def test_scheduler_queues_each_due_workspace_once(world, monkeypatch):
    ran = []
    monkeypatch.setattr(theme_services, "run_discovery", lambda ws: ran.append(ws))
    now = timezone.now()
    queued = do_queue_due_discoveries(now)
    assert sorted(queued) == sorted([world.acme.pk, world.globex.pk])
    assert do_queue_due_discoveries(now + timedelta(minutes=5)) == []
    assert sorted(do_queue_due_discoveries(now + timedelta(hours=6, seconds=1))) == sorted(queued)
    row = ThemeDiscovery.objects.get(workspace=world.acme)
    assert row.due_at > now + timedelta(hours=6)


# --- decisions -------------------------------------------------------------------------------


def _suggestion(ws, label="闪退 / app / crashes", texts=("App 一打开就闪退", "The app crashes")):
    items = [_analysed(ws, t, 3) for t in texts]
    s = ThemeSuggestion.objects.create(
        workspace=ws,
        label=label,
        keyphrases=["闪退", "app", "crashes", "update"],
        size=len(items),
        recent_count=len(items),
        representatives=[i.pk for i in items],
        channels=[items[0].channel_id],
        centroid=np.ones(512, dtype=np.float32).tobytes(),
        first_seen=items[0].occurred_at,
        last_seen=items[-1].occurred_at,
    )
    ThemeMember.objects.bulk_create([ThemeMember(suggestion=s, item=i) for i in items])
    return s


def test_accept_creates_a_topic_and_queues_reanalysis(world):
    s = _suggestion(world.acme)
    parent = factories.topic(world.acme, "App", "应用")
    actor = factories.actor(world.acme, world.alice)
    topic = do_accept_theme(actor, s.pk, name_en="App crashes", name_zh="闪退", parent_id=parent.pk)
    assert (topic.parent, topic.level) == (parent, 2)
    assert topic.keywords == ["闪退", "crashes", "update"]  # "app" is too short a keyword
    assert topic.examples == ["App 一打开就闪退", "The app crashes"]
    s.refresh_from_db()
    assert (s.status, s.topic, s.decided_by) == ("accepted", topic, world.alice)
    assert ReanalysisJob.objects.filter(workspace=world.acme, state="pending").exists()
    assert AuditLog.objects.get(action="theme.accepted").after["topic"] == topic.pk
    assert AuditLog.objects.filter(action="topic.create", object_id=str(topic.pk)).exists()
    with pytest.raises(ValidationError, match="decided"):
        do_dismiss_theme(actor, s.pk)


def test_merge_adds_new_keywords_and_examples(world):
    s = _suggestion(world.acme)
    topic = factories.topic(world.acme, "App", "应用", keywords=["UPDATE", "卡顿"])
    actor = factories.actor(world.acme, world.alice)
    merged = do_merge_theme(actor, s.pk, topic.pk)
    assert merged.keywords == ["UPDATE", "卡顿", "闪退", "crashes"]  # "update" is there
    assert merged.examples == ["App 一打开就闪退", "The app crashes"]
    s.refresh_from_db()
    assert (s.status, s.topic_id) == ("merged", topic.pk)
    assert ReanalysisJob.objects.filter(workspace=world.acme).exists()
    assert AuditLog.objects.filter(action="theme.merged", object_id=str(s.pk)).exists()


def test_merge_respects_the_topic_limits(world):
    s = _suggestion(world.acme)
    topic = factories.topic(world.acme, "Full", "满", keywords=[f"k{i}" for i in range(49)])
    actor = factories.actor(world.acme, world.alice)
    with pytest.raises(ValidationError, match="1 more fit") as err:
        do_merge_theme(actor, s.pk, topic.pk)
    assert "keywords" in err.value.message_dict
    s.refresh_from_db()
    assert s.status == "open"


def test_dismiss_is_audited(world):
    s = _suggestion(world.acme)
    do_dismiss_theme(factories.actor(world.acme, world.alice), s.pk)
    s.refresh_from_db()
    assert (s.status, s.decided_by, s.topic) == ("dismissed", world.alice, None)
    assert AuditLog.objects.get(action="theme.dismissed").before == {"status": "open"}


# --- views -----------------------------------------------------------------------------------


def _mona(world):
    user = factories.UserFactory(email="mona@acme.test")
    factories.member(world.acme, user, "manager")
    return user


def test_panel_lists_open_themes(client, world, django_assert_max_num_queries):
    s = _suggestion(world.acme)
    gone = _suggestion(world.acme, label="dismissed theme")
    ThemeSuggestion.objects.filter(pk=gone.pk).update(status="dismissed")
    client.force_login(_mona(world))
    index = client.get(reverse("taxonomy:index")).content.decode()
    assert 'id="suggested-themes"' in index and reverse("taxonomy:themes") in index
    with django_assert_max_num_queries(10):
        panel = client.get(reverse("taxonomy:themes"), headers={"HX-Request": "true"})
    body = panel.content.decode()
    assert panel.status_code == 200 and "<html" not in body
    assert s.label in body and "dismissed theme" not in body
    assert "App 一打开就闪退" in body and f"?theme={s.pk}" in body
    assert reverse("taxonomy:theme_accept", args=[s.pk]) in body
    full = client.get(reverse("taxonomy:themes"))
    assert "<html" in full.content.decode() and s.label in full.content.decode()


def test_taxonomy_page_panel_shows_the_busiest_few(client, world):
    for n in range(7):
        s = _suggestion(world.acme, label=f"theme {n}", texts=(f"text {n}",))
        ThemeSuggestion.objects.filter(pk=s.pk).update(size=100 - n, recent_count=n)
    client.force_login(world.alice)
    url = reverse("taxonomy:themes") + "?view=panel"
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert body.count('class="theme-card"') == 5 and "theme 6" in body and "theme 1" not in body
    assert "All 7 suggested themes" in body and "hx-vals" in body
    full = client.get(reverse("taxonomy:themes")).content.decode()
    assert full.count('class="theme-card"') == 7 and "All 7" not in full


def test_empty_state_explains(client, world):
    client.force_login(world.alice)
    body = client.get(reverse("taxonomy:themes")).content.decode()
    assert "No suggestions yet" in body and "Find themes now" in body


def test_find_themes_now_runs_discovery(client, world, corpus, django_capture_on_commit_callbacks):
    client.force_login(_mona(world))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("taxonomy:themes_discover"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert ThemeSuggestion.objects.filter(workspace=world.acme, status="open").count() == 3
    row = ThemeDiscovery.objects.get(workspace=world.acme)
    assert (row.state, row.items, row.themes, row.error) == ("idle", 60, 3, "")
    assert AuditLog.objects.filter(action="theme.discover").count() == 1
    assert "闪退" in client.get(reverse("taxonomy:themes")).content.decode()


def test_find_themes_now_does_not_queue_twice(world):
    actor = factories.actor(world.acme, world.alice)
    assert do_request_discovery(actor) is True  # queued (runs after commit, never here)
    assert do_request_discovery(actor) is False
    ThemeDiscovery.objects.filter(workspace=world.acme).update(
        queued_at=timezone.now() - timedelta(hours=2)
    )
    assert do_request_discovery(actor) is True  # the earlier one was lost


def test_accept_view(client, world):
    s = _suggestion(world.acme)
    client.force_login(world.alice)
    url = reverse("taxonomy:theme_accept", args=[s.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert (form.initial["name_zh"], form.initial["name_en"]) == ("闪退", "Crashes")
    assert "The app crashes" in page.content.decode()
    response = client.post(
        url, {"name_zh": "闪退", "name_en": "Crashes", "keywords": "闪退, crash", "examples": ""}
    )
    assert response.status_code == 302
    topic = Topic.objects.get(workspace=world.acme, name_en="Crashes")
    assert (topic.keywords, topic.examples, topic.level) == (["闪退", "crash"], [], 1)
    assert response["Location"].endswith(f"#topic-{topic.pk}")
    again = client.get(url)  # decided: back to the taxonomy page
    assert again.status_code == 302


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name_en": "", "name_zh": " "}, "name_en"),
        ({"name_en": "x" * 121}, "name_en"),
        ({"name_en": "ok", "parent": "abc"}, "parent"),
        ({"name_en": "ok", "parent": 99999999}, "parent"),
        ({"name_en": "ok", "keywords": ",".join(f"k{i}" for i in range(51))}, "keywords"),
    ],
)
def test_accept_garbage_names_the_field(client, world, data, field):
    s = _suggestion(world.acme)
    client.force_login(world.alice)
    response = client.post(reverse("taxonomy:theme_accept", args=[s.pk]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'data-field="{field}"' in response.content.decode()
    s.refresh_from_db()
    assert s.status == "open"


def test_accept_under_a_third_level_topic_is_refused(client, world):
    s = _suggestion(world.acme)
    a = factories.topic(world.acme, "A", "甲")
    b = factories.topic(world.acme, "B", "乙", parent=a)
    c = factories.topic(world.acme, "C", "丙", parent=b)
    client.force_login(world.alice)
    response = client.post(
        reverse("taxonomy:theme_accept", args=[s.pk]), {"name_en": "Deep", "parent": c.pk}
    )
    assert response.status_code == 400
    assert "three levels" in response.context["form"].errors["parent"][0]


def test_merge_view_and_garbage(client, world):
    s = _suggestion(world.acme)
    topic = factories.topic(world.acme, "App", "应用")
    foreign = factories.topic(world.globex, "Billing", "账单")
    client.force_login(world.alice)
    url = reverse("taxonomy:theme_merge", args=[s.pk])
    assert client.get(url).status_code == 200
    for bad in ({"topic": ""}, {"topic": "zzz"}, {"topic": foreign.pk}):
        response = client.post(url, {**bad, "keywords": "闪退"})
        assert response.status_code == 400 and "topic" in response.context["form"].errors
    response = client.post(url, {"topic": topic.pk, "keywords": "x" * 201})
    assert response.status_code == 400 and "keywords" in response.context["form"].errors
    response = client.post(url, {"topic": topic.pk, "keywords": "闪退\ncrash", "examples": ""})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.keywords == ["闪退", "crash"]
    s.refresh_from_db()
    assert s.status == "merged"


def test_dismiss_view_with_htmx(client, world):
    s = _suggestion(world.acme)
    client.force_login(world.alice)
    url = reverse("taxonomy:theme_dismiss", args=[s.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "dismissed" in body and 'id="suggested-themes"' in body and f"theme-{s.pk}" not in body
    s.refresh_from_db()
    assert s.status == "dismissed"
    assert client.post(url).status_code == 302  # already decided: a message, nothing changes


def _every_view(pk):
    return [
        ("get", reverse("taxonomy:themes"), {}),
        ("post", reverse("taxonomy:themes_discover"), {}),
        ("get", reverse("taxonomy:theme_accept", args=[pk]), {}),
        ("post", reverse("taxonomy:theme_accept", args=[pk]), {"name_en": "X"}),
        ("get", reverse("taxonomy:theme_merge", args=[pk]), {}),
        ("post", reverse("taxonomy:theme_merge", args=[pk]), {"topic": 1}),
        ("post", reverse("taxonomy:theme_dismiss", args=[pk]), {}),
    ]


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_agent_and_viewer_get_403(client, world, who):
    s = _suggestion(world.acme)
    client.force_login(getattr(world, who))
    for method, url, data in _every_view(s.pk):
        assert getattr(client, method)(url, data).status_code == 403, url
    s.refresh_from_db()
    assert s.status == "open" and not ThemeDiscovery.objects.exists()


def test_outsider_gets_404_and_sees_only_own_themes(client, world):
    s = _suggestion(world.acme)
    client.force_login(world.charlie)
    for method, url, data in _every_view(s.pk)[2:]:
        assert getattr(client, method)(url, data).status_code == 404, url
    s.refresh_from_db()
    assert s.status == "open"
    assert s.label not in client.get(reverse("taxonomy:themes")).content.decode()


def test_inbox_filters_a_themes_items(client, world):
    s = _suggestion(world.acme)
    other = _analysed(world.acme, "unrelated feedback", 2)
    client.force_login(world.vera)  # viewers may read the inbox
    page = client.get(reverse("web:inbox"), {"theme": s.pk})
    shown = {row.item.pk for row in page.context["rows"]}
    assert shown == set(s.representatives) and other.pk not in shown
    assert f'name="theme" value="{s.pk}"' in page.content.decode()
    assert client.get(reverse("web:inbox"), {"theme": "abc"}).status_code == 400
    client.force_login(world.charlie)  # another workspace's theme id matches nothing
    assert client.get(reverse("web:inbox"), {"theme": s.pk}).context["rows"] == []


def test_api_lists_themes(api, outsider_api, world):
    s = _suggestion(world.acme)
    gone = _suggestion(world.acme, label="dismissed theme")
    ThemeSuggestion.objects.filter(pk=gone.pk).update(status="dismissed")
    body = api.get("/themes").json()
    assert [t["id"] for t in body] == [s.pk]
    theme = body[0]
    assert theme["label"] == s.label and theme["channels"] == ["api"]
    assert theme["representatives"] == s.representatives and theme["status"] == "open"
    assert theme["inbox_url"].endswith(f"?theme={s.pk}")
    assert (theme["label_source"], theme["name_en"], theme["summary"]) == ("keyphrases", "", "")
    assert (theme["summary_zh"], theme["summary_en"]) == ("", "")
    ThemeSuggestion.objects.filter(pk=s.pk).update(
        name_en="Leaking soup containers",
        name_zh="餐盒漏汤",
        summary_zh="新餐盒漏汤。",
        summary_en="Soup leaks from the new containers.",
        label_source="llm",
    )
    named = api.get("/themes").json()[0]
    assert (named["name_zh"], named["label_source"]) == ("餐盒漏汤", "llm")
    assert named["summary"] == "Soup leaks from the new containers." and named["label"] == s.label
    assert named["summary_zh"] == "新餐盒漏汤。"
    zh = {**api.headers, "Accept-Language": "zh-hans"}
    in_chinese = api.client.get("/api/v1/themes", headers=zh).json()[0]
    assert in_chinese["summary"] == "新餐盒漏汤。"
    assert [t["id"] for t in api.get("/themes", status="dismissed").json()] == [gone.pk]
    assert len(api.get("/themes", status="all").json()) == 2
    bad = api.get("/themes", status="weird")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert outsider_api.get("/themes").json() == []


def test_discover_themes_command(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("discover_themes", "--workspace", world.acme.slug, stdout=out)
    assert f"{world.acme.slug}: 0 uncovered items, 0 themes" in out.getvalue()
    with pytest.raises(CommandError, match="--workspace"):
        call_command("discover_themes", "--workspace", "nope")
    with pytest.raises(CommandError, match="--days"):
        call_command("discover_themes", "--days", "0")


def test_new_uncovered_feedback_joins_its_open_theme_between_runs(world):
    from voxloop.analysis.embed import embed
    from voxloop.feedback.models import FeedbackItem
    from voxloop.feedback.services.analyze import do_analyze_items
    from voxloop.feedback.services.themes import centroid_bytes

    texts = [
        "App 一打开就闪退",
        "The app crashes every time I open it",
        "应用闪退，打不开",
        "Update broke the app, it crashes on launch",
    ]
    vectors = embed(texts)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid)

    def theme(ws, status="open"):
        s = _suggestion(ws)
        ThemeSuggestion.objects.filter(pk=s.pk).update(
            centroid=centroid_bytes(centroid),
            cohesion=float((vectors @ centroid).mean()),
            status=status,
        )
        s.refresh_from_db()
        return s

    crashes = theme(world.acme)
    other_ws = theme(world.globex)
    email = Channel.objects.get(workspace=world.acme, slug="email")
    new = factories.item(world.acme, "打开app就闪退了", channel=email)
    unrelated = factories.item(world.acme, "The courier was very polite and early")
    before = (crashes.size, crashes.recent_count)
    assert do_analyze_items(world.acme.pk, [new.pk, unrelated.pk]) == 2
    crashes.refresh_from_db()
    assert (crashes.size, crashes.recent_count) == (before[0] + 1, before[1] + 1)
    assert email.pk in crashes.channels  # spread to a second channel raises severity
    members = set(ThemeMember.objects.filter(suggestion=crashes).values_list("item", flat=True))
    assert new.pk in members and unrelated.pk not in members
    # analysed again (bulk "re-analyse"): counted once
    FeedbackItem.objects.filter(pk=new.pk).update(status="received", analysis_claimed_at=None)
    do_analyze_items(world.acme.pk, [new.pk])
    crashes.refresh_from_db()
    assert crashes.size == before[0] + 1
    # another workspace's theme and a dismissed one take nothing
    gone = theme(world.acme, status="dismissed")
    late = factories.item(world.acme, "The app crashes when I pay")
    do_analyze_items(world.acme.pk, [late.pk])
    assert ThemeSuggestion.objects.get(pk=other_ws.pk).size == other_ws.size
    assert ThemeSuggestion.objects.get(pk=gone.pk).size == gone.size
