"""Stored feedback goes through the pipeline: redaction, junk and workspace-wide duplicates."""

from __future__ import annotations

from tests import factories
from voxloop.feedback.models import FeedbackItem, Status
from voxloop.feedback.services.analyze import (
    do_analyze_items,
    do_claim_pending,
    do_release_stale_claims,
)
from voxloop.feedback.services.dedupe_cache import forget


def _analyze(ws, *texts):
    items = [factories.item(ws, t) for t in texts]
    do_analyze_items(ws.pk, [i.pk for i in items])
    return [FeedbackItem.objects.get(pk=i.pk) for i in items]


def test_redaction_junk_and_language(world):
    a, b = _analyze(world.acme, "退款找我 13812345678 谢谢，东西坏了", "asdfghjkl")
    assert a.status == Status.ANALYZED and "[PHONE]" in a.redacted_text
    assert a.analysis["pii"][0]["kind"] == "phone"
    assert a.text.startswith("退款找我 13812345678")  # the original is kept
    assert b.status == Status.JUNK and b.analysis["junk"]["reasons"]


def test_duplicates_link_across_batches_and_workers(world):
    forget()
    (first,) = _analyze(world.acme, "The rider was rude and the soup was cold when it arrived")
    forget()  # a different worker process: its index is rebuilt from the database
    (second,) = _analyze(world.acme, "the rider was rude, and the soup was cold when it arrived!!")
    assert second.status == Status.DUPLICATE and second.duplicate_of_id == first.pk
    first.refresh_from_db()
    assert first.duplicate_count == 1
    # the same words in another workspace are not a duplicate
    (other,) = _analyze(world.globex, "The rider was rude and the soup was cold when it arrived")
    assert other.status == Status.ANALYZED


def test_claimed_items_are_not_analysed_twice(world):
    item = factories.item(world.acme, "hello there, a fine day")
    assert do_analyze_items(world.acme.pk, [item.pk]) == 1
    assert do_analyze_items(world.acme.pk, [item.pk]) == 0


def test_stale_claims_are_released_and_claimed_again(world):
    from datetime import timedelta

    from django.utils import timezone

    item = factories.item(world.acme, "stuck in the queue for a while now")
    FeedbackItem.objects.filter(pk=item.pk).update(
        analysis_claimed_at=timezone.now() - timedelta(hours=1), analysis_attempts=1
    )
    assert do_claim_pending() == 0  # still claimed by a worker that died
    assert do_release_stale_claims() == 1
    assert do_claim_pending() == 1  # the immediate backend in tests analyses it right away
    item.refresh_from_db()
    assert item.status == Status.ANALYZED and item.analysis_attempts == 2


def test_items_failing_repeatedly_stop_being_retried(world):
    item = factories.item(world.acme, "poison pill")
    FeedbackItem.objects.filter(pk=item.pk).update(analysis_attempts=5)
    assert do_claim_pending() == 0


def test_every_field_is_written_with_evidence(world):
    from voxloop.feedback.models import FeedbackTopic, Topic

    food = Topic.objects.create(
        workspace=world.acme, name_en="Food", name_zh="菜品", keywords=["菜"]
    )
    delivery = Topic.objects.create(
        workspace=world.acme, name_en="Delivery", name_zh="配送", keywords=["送"]
    )
    mixed, angry, question = _analyze(
        world.acme,
        "菜很好吃但是送得太慢了",
        "东西坏了，我要投诉到12315，马上退款！",
        "请问什么时候发货？",
    )
    assert mixed.analysis["sentiment_mixed"] is True
    assert mixed.analysis["sentiment_evidence"] and mixed.keyphrases
    links = {link.topic_id: link for link in FeedbackTopic.objects.filter(item=mixed)}
    assert links[food.pk].sentiment == "positive" and links[delivery.pk].sentiment == "negative"
    assert links[food.pk].source == "keyword" and links[food.pk].evidence[0]["text"]
    assert angry.sentiment == "negative" and angry.kind == "complaint"
    assert {"legal", "churn"} <= set(angry.urgency)
    assert {e["kind"] for e in angry.analysis["urgency_evidence"]} >= {"legal", "churn"}
    assert -1.0 <= angry.sentiment_score < 0
    assert question.kind == "question"
    assert mixed.analysis["model"] == "default"


def test_manual_topics_and_labels_survive_reanalysis_of_the_same_item(
    world, django_capture_on_commit_callbacks
):
    from voxloop.accounts.actors import Actor
    from voxloop.feedback.models import FeedbackTopic, Topic
    from voxloop.feedback.services.labels import do_bulk_action, do_relabel

    price = Topic.objects.create(workspace=world.acme, name_en="Price", name_zh="价格")
    (item,) = _analyze(world.acme, "The courier was late and rude")
    actor = Actor(workspace=world.acme, user=world.alice, role="owner")
    do_relabel(actor, item.pk, sentiment="neutral", topic_ids=[price.pk])
    with django_capture_on_commit_callbacks(execute=True):
        do_bulk_action(actor, [item.pk], "reanalyze")  # the immediate backend runs it now
    item.refresh_from_db()
    assert item.status == Status.ANALYZED and item.sentiment == "neutral"
    assert list(FeedbackTopic.objects.filter(item=item).values_list("topic_id", flat=True)) == [
        price.pk
    ]
