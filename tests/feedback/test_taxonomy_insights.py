"""The taxonomy page's model-accuracy panel and re-analysis after taxonomy changes."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from voxloop.accounts.actors import Actor
from voxloop.feedback import tasks
from voxloop.feedback.models import (
    AnalysisModel,
    Correction,
    FeedbackItem,
    ReanalysisJob,
    Topic,
)
from voxloop.feedback.services.analyze import do_analyze_items
from voxloop.feedback.services.labels import do_relabel, do_save_topic
from voxloop.feedback.services.learning import (
    REANALYSIS_DELAY,
    REANALYSIS_STALE,
    do_reanalyze_workspace,
    do_refit_workspace_model,
    model_history,
    request_reanalysis,
)


@pytest.fixture
def tree(world):
    delivery = factories.topic(world.acme, "Delivery", "配送", keywords=["配送"])
    speed = factories.topic(world.acme, "Speed", "速度", parent=delivery)
    product = factories.topic(world.acme, "Product", "商品")
    return {"delivery": delivery, "speed": speed, "product": product}


def _analyze(ws, *texts):
    items = [factories.item(ws, t) for t in texts]
    do_analyze_items(ws.pk, [i.pk for i in items])
    return [FeedbackItem.objects.get(pk=i.pk) for i in items]


def _panel(client):
    page = client.get(reverse("taxonomy:index"))
    assert page.status_code == 200
    body = page.content.decode()
    start = body.index('id="taxonomy-insights"')
    return page, body[start : body.index("</section>", start)]


def _row(panel, field):
    m = re.search(rf'<tr data-field="{field}">(.*?)</tr>', panel, re.S)
    assert m, field
    return m.group(1)


def _model(ws, version, minutes_ago, heldout, trained_on):
    row = AnalysisModel.objects.create(
        workspace=ws,
        version=version,
        trained_on=trained_on,
        heldout_accuracy=heldout,
        payload=b"",
    )
    AnalysisModel.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


# --- the accuracy panel ----------------------------------------------------------------------


def test_panel_without_a_model_says_how_many_corrections_are_needed(client, world, tree):
    client.force_login(world.alice)
    page, panel = _panel(client)
    assert 'data-empty="no-model"' in panel and "at least 3 items" in panel
    for field in ("topics", "sentiment", "kind"):
        assert "Too few corrections to measure: 0 of the 10 needed." in _row(panel, field)
    assert page.context["accuracy"]["current"] is None
    assert 'id="reanalysis-status"' in panel and 'data-state="none"' in panel
    assert "hx-trigger" not in panel  # nothing to poll


def test_panel_shows_the_numbers_of_model_history(
    client, world, tree, django_assert_max_num_queries
):
    ws = world.acme
    _model(
        ws,
        "v1-30",
        90,
        {"topics": 0.6, "sentiment": 0.9, "tested": {"topics": 20, "sentiment": 4}},
        {"topics": 20, "sentiment": 10},
    )
    _model(
        ws,
        "v2-42",
        5,
        {
            "topics": 0.7143,
            "sentiment": 0.75,
            "kind": None,
            "tested": {"topics": 28, "sentiment": 4},
            "topics_baseline": 0.5,
            "per_topic": {
                str(tree["speed"].pk): {"corrections": 12, "tested": 12, "found": 9},
                str(tree["product"].pk): {"corrections": 16, "tested": 16, "found": 12},
                "999999": {"corrections": 1, "tested": 1, "found": 0},
            },
        },
        {"topics": 28, "sentiment": 10, "kind": 4},
    )
    history = model_history(ws.pk)
    assert [h["version"] for h in history] == ["v2-42", "v1-30"]
    assert history[0]["heldout_accuracy"] == {"topics": 0.7143, "sentiment": 0.75, "kind": None}
    assert history[0]["tested"] == {"topics": 28, "sentiment": 4}
    ReanalysisJob.objects.create(workspace=ws, state="running", total=10, done=4)
    client.force_login(world.alice)
    with django_assert_max_num_queries(11):
        page, panel = _panel(client)
    assert "v2-42" in panel and "v1-30" in panel  # current, and the versions table
    topics, sentiment, kind = (_row(panel, f) for f in ("topics", "sentiment", "kind"))
    assert "71.4 %" in topics and "on 28 corrections" in topics and "↑ +11.4 pts" in topics
    assert 'class="delta up"' in topics
    assert "75 %" in sentiment and "↓ -15 pts" in sentiment and 'class="delta down"' in sentiment
    assert "Too few corrections to measure: 0 of the 10 needed." in kind
    assert "50 % on the same corrections" in panel  # names, keywords and examples alone
    # per topic, most corrected first, with names from this workspace
    rows = re.findall(r'<tr data-topic="(\d+)">(.*?)</tr>', panel, re.S)
    assert [int(k) for k, _ in rows] == [tree["product"].pk, tree["speed"].pk, 999999]
    assert "Product" in rows[0][1] and "12 / 16 (75 %)" in rows[0][1]
    assert "Speed" in rows[1][1] and "9 / 12 (75 %)" in rows[1][1]
    assert "(deleted topic)" in rows[2][1]
    # the chart's data is the same history, oldest first
    series = json.loads(
        re.search(r'id="model-accuracy-data"[^>]*>(.*?)</script>', panel, re.S).group(1)
    )
    assert [(s["version"], s["topics"], s["sentiment"]) for s in series] == [
        ("v1-30", 60.0, 90.0),
        ("v2-42", 71.4, 75.0),
    ]
    assert page.context["accuracy"]["fields"][0].change == 11.4


def test_panel_after_a_real_refit_and_new_corrections(client, world, tree):
    ws = world.acme
    actor = Actor(workspace=ws, user=world.alice, role="owner")
    texts = [
        "配送太慢了，等了三天",
        "快递员把包裹扔在门口",
        "The courier was two days late",
        "送货速度太慢",
        "Delivery took a week",
        "配送员态度很差",
        "包装破了，东西洒了一地",
        "The product broke after a day",
        "商品和图片不一样",
        "质量太差，用了一次就坏了",
        "The colour is not what the photo showed",
        "尺码偏小",
    ]
    items = _analyze(ws, *texts)
    for i, item in enumerate(items):
        topic = tree["speed"] if i < 6 else tree["product"]
        do_relabel(actor, item.pk, topic_ids=[topic.pk])
    row = do_refit_workspace_model(ws.pk)
    assert row is not None
    current = model_history(ws.pk)[0]
    # items analysis already labelled right make no correction
    n = Correction.objects.filter(workspace=ws, field="topics").count()
    accuracy = current["heldout_accuracy"]["topics"]
    assert accuracy is not None and current["tested"]["topics"] == n  # every correction tested
    per_topic = current["per_topic"]
    assert per_topic[str(tree["speed"].pk)]["corrections"] == 6
    assert per_topic[str(tree["speed"].pk)]["tested"] == 6
    assert sum(v["corrections"] for v in per_topic.values()) == n
    do_relabel(actor, items[0].pk, sentiment="positive")  # surely not what analysis said
    client.force_login(world.alice)
    _page, panel = _panel(client)
    shown = round(accuracy * 100, 1)
    assert f'data-accuracy="{shown}"' in _row(panel, "topics")
    assert "Too few corrections to measure: 1 of the 10 needed." in _row(panel, "sentiment")
    assert 'data-new-corrections="1"' in panel
    assert f'data-trained-on="topics">Topics {n}<' in panel


# --- re-analysis progress --------------------------------------------------------------------


def test_progress_partial_running_finished_failed(client, world):
    client.force_login(world.alice)
    url = reverse("taxonomy:reanalysis")
    job = ReanalysisJob.objects.create(workspace=world.acme)
    body = client.get(url).content.decode()
    assert 'data-state="pending"' in body and 'hx-trigger="every 2s"' in body
    assert "Re-analysis queued" in body

    ReanalysisJob.objects.filter(pk=job.pk).update(state="running", total=6000, done=1234)
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Re-analysing: 1,234 / 6,000 (20 %)" in body
    assert f'hx-get="{url}"' in body and 'hx-trigger="every 2s"' in body
    assert 'value="20"' in body

    later = ReanalysisJob.objects.create(workspace=world.acme)  # a newer edit waits meanwhile
    body = client.get(url).content.decode()
    assert "Re-analysing: 1,234" in body and "Another re-analysis is queued" in body
    later.delete()

    finished = timezone.now()
    ReanalysisJob.objects.filter(pk=job.pk).update(state="done", done=6000, finished_at=finished)
    body = client.get(url).content.decode()
    stamp = timezone.localtime(finished).strftime("%Y-%m-%d %H:%M")
    assert f"Last re-analysis finished at {stamp} (6000 items)." in body
    assert "hx-trigger" not in body  # polling stops

    ReanalysisJob.objects.filter(pk=job.pk).update(
        state="failed", done=500, error="OperationalError: database is locked"
    )
    body = client.get(url).content.decode()
    assert 'role="alert"' in body and "OperationalError: database is locked" in body
    assert "after 500 of 6,000 items" in body and "hx-trigger" not in body


def test_a_real_job_saves_its_progress_after_every_batch(world, tree, settings, monkeypatch):
    settings.ANALYSIS_BATCH_SIZE = 2
    texts = ["配送太慢了", "商品坏了，很失望", "快递员很粗鲁", "颜色和图片不一样", "包装很好看"]
    items = _analyze(world.acme, *texts)
    assert all(i.status == "analyzed" for i in items)
    job = ReanalysisJob.objects.create(workspace=world.acme)
    seen = []
    original = ReanalysisJob.save

    def save(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if "done" in (kwargs.get("update_fields") or []):
            seen.append((self.done, self.total))

    monkeypatch.setattr(ReanalysisJob, "save", save)
    done = do_reanalyze_workspace(world.acme.pk, job.pk)
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert done.state == "done" and done.done == done.total == 5 and done.finished_at


def test_a_job_another_worker_runs_is_not_run_twice(world, tree):
    _analyze(world.acme, "配送太慢")
    job = ReanalysisJob.objects.create(workspace=world.acme, state="running")
    again = do_reanalyze_workspace(world.acme.pk, job.pk)
    assert again.state == "running" and again.done == 0


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_agent_and_viewer_cannot_see_or_start(client, world, who):
    """The panel lives on the taxonomy page: taxonomy.manage (owner, admin, manager)."""
    _analyze(world.acme, "配送太慢")
    client.force_login(getattr(world, who))
    assert client.get(reverse("taxonomy:index")).status_code == 403
    assert client.get(reverse("taxonomy:reanalysis")).status_code == 403
    assert client.post(reverse("taxonomy:reanalyze")).status_code == 403
    assert not ReanalysisJob.objects.exists()


def test_manager_sees_the_panel(client, world):
    mona = factories.UserFactory(email="mona@acme.test")
    factories.member(world.acme, mona, "manager")
    client.force_login(mona)
    assert client.get(reverse("taxonomy:reanalysis")).status_code == 200
    assert 'id="taxonomy-insights"' in client.get(reverse("taxonomy:index")).content.decode()


def test_outsider_sees_only_their_own_workspace(client, world, tree):
    ReanalysisJob.objects.create(
        workspace=world.acme, state="running", total=10, done=3, error="acme secret"
    )
    _model(world.acme, "v7-acme", 1, {"topics": 0.5}, {"topics": 30})
    _analyze(world.acme, "配送太慢")
    client.force_login(world.charlie)
    body = client.get(reverse("taxonomy:reanalysis")).content.decode()
    assert 'data-state="none"' in body and "3 / 10" not in body
    page = client.get(reverse("taxonomy:index")).content.decode()
    assert "v7-acme" not in page and "No model yet" in page
    # "re-analyse now" acts on the outsider's own (empty) workspace only
    assert client.post(reverse("taxonomy:reanalyze")).status_code == 302
    assert not ReanalysisJob.objects.filter(workspace=world.globex).exists()
    assert ReanalysisJob.objects.filter(workspace=world.acme).count() == 1


# --- re-analysis after taxonomy edits --------------------------------------------------------


class _Spy:
    """Stands in for the reanalyze_workspace task: records what would be queued."""

    def __init__(self):
        self.queued: list[int] = []
        self.run_after = None

    def get_backend(self):
        return SimpleNamespace(supports_defer=True)

    def using(self, run_after):
        self.run_after = run_after
        return self

    def enqueue(self, job_id):
        self.queued.append(job_id)


@pytest.fixture
def spy(monkeypatch):
    spy = _Spy()
    monkeypatch.setattr(tasks, "reanalyze_workspace", spy)
    return spy


def test_several_quick_edits_queue_exactly_one_reanalysis(
    client, world, tree, spy, django_capture_on_commit_callbacks
):
    _analyze(world.acme, "配送太慢", "商品坏了")
    client.force_login(world.alice)
    d, s = tree["delivery"], tree["speed"]
    with django_capture_on_commit_callbacks(execute=True):
        edit = reverse("taxonomy:edit", args=[d.pk])
        assert (
            client.post(edit, {"name_en": "Delivery", "name_zh": "配送", "keywords": "快递"})
        ).status_code == 302
        assert (
            client.post(
                edit,
                {"name_en": "Shipping", "name_zh": "配送", "keywords": "快递", "examples": "慢"},
            )
        ).status_code == 302
        assert client.post(reverse("taxonomy:new"), {"name_en": "Price"}).status_code == 302
        move = reverse("taxonomy:edit", args=[s.pk])
        assert client.post(move, {"name_en": "Speed", "name_zh": "速度"}).status_code == 302
        assert client.post(reverse("taxonomy:deactivate", args=[s.pk])).status_code == 302
        assert client.post(reverse("taxonomy:activate", args=[s.pk])).status_code == 302
        price = Topic.objects.get(workspace=world.acme, name_en="Price")
        assert client.post(reverse("taxonomy:delete", args=[price.pk])).status_code == 302
        upload = json.dumps({"topics": [{"name_en": "Returns", "keywords": ["退货"]}]})
        assert client.post(reverse("taxonomy:import"), {"text": upload}).status_code == 302
    job = ReanalysisJob.objects.get(workspace=world.acme)
    assert job.state == "pending" and job.reason == "topic.update"
    assert spy.queued == [job.pk]  # one job, queued once
    assert spy.run_after is not None and spy.run_after > timezone.now()  # waits for more edits
    assert spy.run_after <= timezone.now() + REANALYSIS_DELAY
    # the worker then runs it once; a second delivery of the task does nothing
    finished = do_reanalyze_workspace(world.acme.pk, job.pk)
    assert finished.state == "done" and finished.done == 2
    assert do_reanalyze_workspace(world.acme.pk, job.pk).done == 2
    # an edit after the job started makes a new one
    actor = Actor(workspace=world.acme, user=world.alice, role="owner")
    with django_capture_on_commit_callbacks(execute=True):
        do_save_topic(actor, topic_id=d.pk, name_en="Shipping", name_zh="物流")
    assert ReanalysisJob.objects.filter(workspace=world.acme).count() == 2
    assert len(spy.queued) == 2


def test_edits_that_change_nothing_for_analysis_queue_nothing(client, world, tree, spy):
    _analyze(world.acme, "配送太慢")
    actor = Actor(workspace=world.acme, user=world.alice, role="owner")
    d = tree["delivery"]
    do_save_topic(actor, topic_id=d.pk, name_en="Delivery", name_zh="配送", keywords=["配送"])
    client.force_login(world.alice)
    assert client.post(reverse("taxonomy:activate", args=[d.pk])).status_code == 302  # active
    assert not ReanalysisJob.objects.exists()


def test_no_job_without_analysed_feedback(world, tree, spy):
    assert request_reanalysis(world.acme.pk) is None
    actor = Actor(workspace=world.acme, user=world.alice, role="owner")
    do_save_topic(actor, name_en="Fresh", name_zh="新")
    assert not ReanalysisJob.objects.exists()


def test_a_job_waiting_too_long_is_queued_again(
    world, tree, spy, django_capture_on_commit_callbacks
):
    _analyze(world.acme, "配送太慢")
    with django_capture_on_commit_callbacks(execute=True):
        job = request_reanalysis(world.acme.pk)
    ReanalysisJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - REANALYSIS_STALE - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = request_reanalysis(world.acme.pk)
    assert again.pk == job.pk and spy.queued == [job.pk, job.pk]


def test_a_job_that_cannot_be_queued_says_so(
    world, tree, monkeypatch, django_capture_on_commit_callbacks
):
    class Broken(_Spy):
        def enqueue(self, job_id):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "reanalyze_workspace", Broken())
    _analyze(world.acme, "配送太慢")
    with django_capture_on_commit_callbacks(execute=True):
        job = request_reanalysis(world.acme.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "redis is down" in job.error


def test_reanalyse_now_button(client, world, tree, django_capture_on_commit_callbacks):
    client.force_login(world.alice)
    response = client.post(reverse("taxonomy:reanalyze"), follow=True)
    assert "no analysed feedback" in response.content.decode()
    _analyze(world.acme, "配送太慢", "商品坏了")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("taxonomy:reanalyze"))
    assert response.status_code == 302 and response["Location"].endswith("#taxonomy-insights")
    job = ReanalysisJob.objects.get(workspace=world.acme)
    assert job.state == "done" and job.done == 2  # the immediate backend ran it
    body = client.get(reverse("taxonomy:reanalysis")).content.decode()
    assert "Last re-analysis finished at" in body


def test_reanalyse_now_starts_at_once(client, world, tree, spy, django_capture_on_commit_callbacks):
    _analyze(world.acme, "配送太慢")
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("taxonomy:reanalyze")).status_code == 302
    job = ReanalysisJob.objects.get(workspace=world.acme)
    assert spy.queued == [job.pk] and spy.run_after is None  # not deferred
