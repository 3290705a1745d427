"""Learning from corrections (per-workspace models) and re-analysis after taxonomy changes."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from tests import factories
from voxloop.accounts.actors import Actor
from voxloop.feedback.models import (
    AnalysisModel,
    Correction,
    FeedbackItem,
    FeedbackTopic,
    ReanalysisJob,
    Status,
    Topic,
)
from voxloop.feedback.services.analyze import do_analyze_items
from voxloop.feedback.services.labels import do_relabel
from voxloop.feedback.services.learning import (
    _refit_key,
    do_reanalyze_workspace,
    do_refit_workspace_model,
    load_workspace_model,
    model_history,
    request_reanalysis,
    schedule_refit,
)

INVOICE = [
    "The invoice PDF shows the wrong company address",
    "I need a VAT invoice for last month's order",
    "Your receipt is missing the tax number",
    "Please resend the invoice, the amount on it is wrong",
    "发票抬头开错了，请重新开一张",
    "我需要增值税专用发票",
    "The billing statement lists a charge I do not recognise",
    "收据上的金额和订单不一致",
]
OTHER = [
    "The courier left the parcel at the wrong door",
    "Delivery took five days instead of two",
    "The shirt is too small, the sizes run short",
    "包裹送错地址了",
    "衣服尺码偏小",
    "The app logs me out every few minutes",
]


def _actor(user, ws):
    return Actor(workspace=ws, user=user, role="owner")


def _analyze(ws, *texts):
    items = [factories.item(ws, t) for t in texts]
    do_analyze_items(ws.pk, [i.pk for i in items])
    return [FeedbackItem.objects.get(pk=i.pk) for i in items]


def _topics(item):
    return set(FeedbackTopic.objects.filter(item=item).values_list("topic_id", flat=True))


def test_relabelling_changes_the_next_answers_on_similar_feedback(
    world, django_capture_on_commit_callbacks
):
    ws = world.acme
    # A node no name or keyword can find: only people's corrections teach it.
    orion = Topic.objects.create(workspace=ws, name_en="Team Orion", name_zh="猎户组")
    delivery = Topic.objects.create(workspace=ws, name_en="Delivery", name_zh="配送")
    product = Topic.objects.create(workspace=ws, name_en="Product", name_zh="商品")
    probe = "The invoice you sent has the wrong tax number on it"
    (before,) = _analyze(ws, probe)
    assert orion.pk not in _topics(before)

    actor = _actor(world.alice, ws)
    items = _analyze(ws, *INVOICE, *OTHER)
    for item in items[: len(INVOICE)]:
        do_relabel(actor, item.pk, topic_ids=[orion.pk])
    for item, topic in zip(
        items[len(INVOICE) :],
        [delivery, delivery, product, delivery, product, product],
        strict=True,
    ):
        do_relabel(actor, item.pk, topic_ids=[topic.pk])
    row = do_refit_workspace_model(ws.pk)
    assert row is not None and row.trained_on["topics"] >= len(INVOICE)
    assert row.heldout_accuracy["topics"] is not None

    (after,) = _analyze(ws, probe)
    assert orion.pk in _topics(after)
    link = FeedbackTopic.objects.get(item=after, topic=orion)
    assert link.source == "model" and link.evidence
    assert after.analysis["model"] == row.version
    (unrelated,) = _analyze(ws, "The courier was late again")
    assert orion.pk not in _topics(unrelated)
    # another workspace learns nothing from acme's corrections
    assert load_workspace_model(world.globex.pk) is None


def test_sentiment_and_type_corrections_train_versioned_models(world):
    ws = world.acme
    actor = _actor(world.alice, ws)
    texts = [
        "这款面膜用完脸很紧绷",
        "用完脸紧绷绷的，好几天才缓过来",
        "Left my skin feeling tight for days",
        "用后紧绷感很明显",
        "The cream made my face feel tight and dry",
    ]
    items = _analyze(ws, *texts)
    for item in items:
        do_relabel(actor, item.pk, sentiment="negative", kind="complaint")
    first = do_refit_workspace_model(ws.pk)
    assert first is not None
    assert first.trained_on == {"sentiment": 5, "kind": 5} or first.trained_on["sentiment"] == 5
    model = load_workspace_model(ws.pk)
    assert model is not None and model.sentiment is not None
    assert model.sentiment.trained_on == 5
    second = do_refit_workspace_model(ws.pk)
    assert second is not None and second.version != first.version
    assert [h["version"] for h in model_history(ws.pk)] == [second.version, first.version]
    (probe,) = _analyze(ws, "敷完脸特别紧绷")
    assert probe.sentiment == "negative"


def test_no_corrections_no_model(world):
    assert do_refit_workspace_model(world.acme.pk) is None
    assert AnalysisModel.objects.count() == 0


def test_refit_is_debounced_and_runs_after_commit(world, django_capture_on_commit_callbacks):
    ws = world.acme
    cache.delete(_refit_key(ws.pk))
    actor = _actor(world.alice, ws)
    items = _analyze(ws, *INVOICE[:4])
    for item in items:
        do_relabel(
            actor, item.pk, sentiment="positive" if item.sentiment != "positive" else "neutral"
        )
    cache.delete(_refit_key(ws.pk))  # relabelling already scheduled one; start a fresh window
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert schedule_refit(ws.pk) is True
        assert schedule_refit(ws.pk) is False  # one job per window
    assert len(callbacks) == 1
    assert AnalysisModel.objects.count() == 0  # nothing before commit
    with django_capture_on_commit_callbacks(execute=True):
        cache.delete(_refit_key(ws.pk))
        schedule_refit(ws.pk)
    assert AnalysisModel.objects.filter(workspace=ws).count() == 1  # immediate backend ran it
    assert cache.get(_refit_key(ws.pk)) is None  # the job cleared the flag


def test_reanalysis_after_a_taxonomy_change_keeps_manual_labels(
    world, django_capture_on_commit_callbacks
):
    ws = world.acme
    actor = _actor(world.alice, ws)
    a, b, c = _analyze(
        ws, "The courier threw my parcel over the fence", "快递员态度很差", "Lovely fabric"
    )
    assert not _topics(a)
    do_relabel(actor, c.pk, sentiment="neutral")
    delivery = Topic.objects.create(
        workspace=ws, name_en="Delivery", name_zh="配送", keywords=["courier", "快递"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = request_reanalysis(ws.pk)
    job.refresh_from_db()
    assert job.state == ReanalysisJob.State.DONE
    assert job.done == job.total == 3 and job.progress == 1.0
    assert delivery.pk in _topics(FeedbackItem.objects.get(pk=a.pk))
    assert delivery.pk in _topics(FeedbackItem.objects.get(pk=b.pk))
    c.refresh_from_db()
    assert c.sentiment == "neutral"  # a person set it; re-analysis keeps it
    # globex's feedback is untouched by acme's job
    (other,) = _analyze(world.globex, "The courier was rude")
    do_reanalyze_workspace(ws.pk)
    assert not _topics(FeedbackItem.objects.get(pk=other.pk))


def test_reanalysis_skips_junk_and_resumes(world):
    ws = world.acme
    good, junk = _analyze(ws, "The courier was rude to me", "asdfghjkl")
    assert junk.status == Status.JUNK
    job = ReanalysisJob.objects.create(workspace=ws, total=1, last_item_id=good.pk)
    done = do_reanalyze_workspace(ws.pk, job.pk)
    assert done.state == ReanalysisJob.State.DONE and done.done == 0  # resumed after the last item


def test_corrections_in_the_api_and_the_inbox_teach_the_next_item_end_to_end(
    world, api, client, django_capture_on_commit_callbacks
):
    """PATCH and the inbox form → one background refit → a new item posted to the API."""
    from django.urls import reverse

    ws = world.acme
    cache.delete(_refit_key(ws.pk))
    orion = Topic.objects.create(workspace=ws, name_en="Team Orion", name_zh="猎户组")
    delivery = Topic.objects.create(workspace=ws, name_en="Delivery", name_zh="配送")
    product = Topic.objects.create(workspace=ws, name_en="Product", name_zh="商品")
    probe = "The invoice you sent has the wrong tax number on it"
    items = _analyze(ws, *INVOICE, *OTHER)
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        for item in items[:5]:
            assert api.patch(f"/feedback/{item.pk}", {"topics": [orion.pk]}).status_code == 200
        for item in items[5 : len(INVOICE)]:
            url = reverse("web:relabel", args=[item.pk])
            assert client.post(url, {"topics": [orion.pk]}).status_code == 302
        for item, topic in zip(
            items[len(INVOICE) :],
            [delivery, delivery, product, delivery, product, product],
            strict=True,
        ):
            assert api.patch(f"/feedback/{item.pk}", {"topics": [topic.pk]}).status_code == 200
        assert AnalysisModel.objects.count() == 0  # nothing is trained inside the requests
    # the commit queued one refit, which the (immediate) task backend ran
    (row,) = AnalysisModel.objects.filter(workspace=ws)
    corrected = Correction.objects.filter(workspace=ws, field="topics").count()
    assert row.trained_on["topics"] == corrected >= len(INVOICE)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/feedback/batch", {"items": [{"text": probe}]})
    assert created.status_code == 200
    fresh = FeedbackItem.objects.get(pk=created.json()["results"][0]["id"])
    assert fresh.status == Status.ANALYZED and fresh.analysis["model"] == row.version
    assert orion.pk in _topics(fresh)
    shown = api.get(f"/feedback/{fresh.pk}").json()
    assert orion.pk in [t["id"] for t in shown["topics"]]


def test_the_refit_is_deferred_to_the_worker_on_the_database_backend(
    world, settings, django_capture_on_commit_callbacks
):
    import time_machine
    from django_tasks_db.models import DBTaskResult

    from voxloop.feedback.services.learning import REFIT_DEBOUNCE

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    ws = world.acme
    cache.delete(_refit_key(ws.pk))
    items = [factories.item(ws, t, status=Status.ANALYZED) for t in INVOICE[:4]]
    actor = _actor(world.alice, ws)
    with django_capture_on_commit_callbacks(execute=True):
        for item in items:
            do_relabel(actor, item.pk, sentiment="negative", kind="complaint")
    (queued,) = DBTaskResult.objects.filter(task_path__endswith="refit_workspace_model")
    assert queued.args_kwargs["args"] == [ws.pk] and queued.status == "READY"
    assert queued.run_after > queued.enqueued_at  # waits for more corrections
    assert not DBTaskResult.objects.ready().exists()  # the worker leaves it for now
    with time_machine.travel(timezone.now() + REFIT_DEBOUNCE + timedelta(seconds=1)):
        (due,) = DBTaskResult.objects.ready()
    # what the worker then does with it (its loop closes connections, which a test cannot)
    assert due.task.call(*due.args_kwargs["args"]) is not None
    row = AnalysisModel.objects.get(workspace=ws)
    assert row.trained_on["sentiment"] == 4


def test_a_reanalysis_whose_worker_died_resumes_after_its_last_saved_item(world):
    from voxloop.feedback.services.learning import (
        MAX_REANALYSIS_REQUEUES,
        REANALYSIS_STALLED,
        do_resume_stalled_reanalyses,
    )

    ws = world.acme
    first, second = _analyze(ws, "The courier was rude to me", "The parcel came a week late")
    now = timezone.now()
    job = ReanalysisJob.objects.create(
        workspace=ws,
        state=ReanalysisJob.State.RUNNING,
        total=2,
        done=1,
        last_item_id=first.pk,
        heartbeat_at=now - REANALYSIS_STALLED + timedelta(minutes=1),
    )
    assert do_resume_stalled_reanalyses(now) == []  # still beating: leave it alone
    later = now + timedelta(minutes=2)
    # the immediate test backend runs the queued job straight away, from its saved progress
    assert do_resume_stalled_reanalyses(later) == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.done, job.last_item_id) == ("done", 2, second.pk)
    assert job.requeues == 1 and not job.error
    # a job that finished is never touched
    assert do_resume_stalled_reanalyses(later + REANALYSIS_STALLED) == []
    # a job that keeps killing its worker gives up with a message
    stuck = ReanalysisJob.objects.create(
        workspace=world.globex,
        state=ReanalysisJob.State.RUNNING,
        requeues=MAX_REANALYSIS_REQUEUES,
        heartbeat_at=now - REANALYSIS_STALLED * 2,
    )
    assert do_resume_stalled_reanalyses(now) == []
    stuck.refresh_from_db()
    assert stuck.state == "failed" and "stopped 4 times" in stuck.error


class _Ordered(list):
    def order_by(self, *fields):
        return self


def test_taxonomy_version_is_stable_across_processes_and_moves_with_edits(world, monkeypatch):
    import builtins

    from voxloop.feedback.services.analyze import build_taxonomy

    node = factories.topic(world.acme, "Billing", "账单", keywords=["invoice"])

    def salted(value):
        raise AssertionError("hash() differs between processes; the version must not use it")

    topics = list(Topic.objects.filter(workspace=world.acme))
    with monkeypatch.context() as patched:
        patched.setattr(Topic.objects, "filter", lambda **kw: _Ordered(topics))
        patched.setattr(builtins, "hash", salted)
        before = build_taxonomy(world.acme.pk).version
    assert build_taxonomy(world.acme.pk).version == before
    Topic.objects.filter(pk=node.pk).update(keywords=["invoice", "receipt"])
    assert build_taxonomy(world.acme.pk).version != before
