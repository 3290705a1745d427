"""Rollups: incremental updates equal a rebuild, buckets are recomputed, never double counted."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db.models import Sum

from tests.insights.conftest import add
from voxloop.feedback.models import FeedbackItem, FeedbackTopic
from voxloop.insights.models import MEASURES, DailyRollup, HourlyRollup
from voxloop.insights.services import do_rebuild_rollups, do_update_rollups


def _table(model: Any) -> list[tuple[Any, ...]]:
    bucket = "hour" if model is HourlyRollup else "day"
    return sorted(
        (
            tuple(r)
            for r in model.objects.values_list(
                "workspace_id", bucket, "topic_id", "channel_id", "segment", *MEASURES
            )
        ),
        key=repr,
    )


def _mixed(shop: Any) -> list[FeedbackItem]:
    s = shop
    return [
        add(
            s,
            1,
            sentiment="negative",
            kind="complaint",
            nps=2,
            csat=1,
            ces=6,
            topics=((s.late, "negative"), (s.delivery, "negative")),
            customer=s.vip,
        ),
        add(
            s,
            1.2,
            sentiment="positive",
            kind="praise",
            nps=10,
            csat=5,
            ces=2,
            topics=((s.price, "positive"),),
            channel=s.app,
            customer=s.regular,
        ),
        add(
            s,
            3,
            sentiment="neutral",
            kind="question",
            nps=8,
            stars=4,
            topics=((s.late, "negative"), (s.price, "neutral")),
        ),
        add(s, 30, sentiment="negative", kind="complaint", csat=2, customer=s.vip),
        add(
            s, 30.5, sentiment="positive", kind="praise", nps=9, topics=((s.delivery, "positive"),)
        ),
        add(s, 2, sentiment="negative", status="junk"),
        add(s, 2, sentiment="", status="received"),
    ]


def test_incremental_equals_rebuild_and_is_idempotent(shop: Any) -> None:
    items = _mixed(shop)
    ids = [i.pk for i in items]
    do_update_rollups(shop.ws.pk, ids[:3])
    do_update_rollups(shop.ws.pk, ids[3:])
    do_update_rollups(shop.ws.pk, ids)  # twice: nothing is counted again
    incremental = (_table(HourlyRollup), _table(DailyRollup))
    do_rebuild_rollups(shop.ws.pk)
    assert (_table(HourlyRollup), _table(DailyRollup)) == incremental
    # Junk and unanalysed items are left out; every counted item appears once in "all".
    assert (
        HourlyRollup.objects.filter(topic__isnull=True, channel__isnull=False).aggregate(
            n=Sum("n")
        )["n"]
        == 5
    )


def test_hand_counted_measures(shop: Any) -> None:
    s = shop
    do_update_rollups(s.ws.pk, [i.pk for i in _mixed(s)])
    all_rows = DailyRollup.objects.filter(topic__isnull=True, channel__isnull=False).aggregate(
        **{m: Sum(m) for m in MEASURES}
    )
    assert all_rows["n"] == 5
    assert (all_rows["negative"], all_rows["positive"], all_rows["neutral"]) == (2, 2, 1)
    assert all_rows["complaints"] == 2 and all_rows["praise"] == 2
    # nps 2, 10, 8, 9 -> promoters 2, passives 1, detractors 1; sum 29, squares 249.
    assert (all_rows["promoters"], all_rows["passives"], all_rows["detractors"]) == (2, 1, 1)
    assert (all_rows["nps_sum"], all_rows["nps_sq"]) == (29, 4 + 100 + 64 + 81)
    # csat 1, 5, 2 -> one satisfied; ces 6 and 2
    assert (all_rows["csat_n"], all_rows["csat_satisfied"], all_rows["csat_sum"]) == (3, 1, 8)
    assert (all_rows["ces_n"], all_rows["ces_sum"], all_rows["ces_sq"]) == (2, 8, 40)
    assert (all_rows["stars_n"], all_rows["stars_sum"]) == (1, 4)
    # Delivery counts its own links and its child's, each item once, with the worst sentiment.
    delivery = DailyRollup.objects.filter(topic=s.delivery, channel__isnull=False).aggregate(
        n=Sum("n"), neg=Sum("negative"), pos=Sum("positive")
    )
    assert delivery == {"n": 3, "neg": 2, "pos": 1}
    # Segments and channels are kept apart.
    vip = DailyRollup.objects.filter(topic__isnull=True, segment="vip").aggregate(n=Sum("n"))
    assert vip["n"] == 2
    assert (
        DailyRollup.objects.filter(topic__isnull=True, channel=s.app).aggregate(n=Sum("n"))["n"]
        == 1
    )


def test_reanalysis_moves_counts_instead_of_adding(shop: Any) -> None:
    s = shop
    item = add(s, 1, sentiment="negative", topics=((s.late, "negative"),))
    do_update_rollups(s.ws.pk, [item.pk])
    FeedbackItem.objects.filter(pk=item.pk).update(sentiment="positive")
    FeedbackTopic.objects.filter(item=item).delete()
    FeedbackTopic.objects.create(item=item, topic=s.price, sentiment="positive", source="manual")
    do_update_rollups(s.ws.pk, [item.pk])
    assert not HourlyRollup.objects.filter(topic__in=[s.late, s.delivery]).exists()
    row = HourlyRollup.objects.get(topic=s.price, channel__isnull=False)
    assert (row.n, row.positive, row.negative) == (1, 1, 0)
    assert HourlyRollup.objects.get(topic__isnull=True, channel__isnull=True).positive == 1


def test_other_workspaces_are_untouched(shop: Any, world: Any) -> None:
    from tests import factories

    other = factories.item(world.globex, "bad", status="analyzed", sentiment="negative")
    do_update_rollups(world.globex.pk, [other.pk])
    do_update_rollups(shop.ws.pk, [other.pk])  # wrong workspace: nothing happens
    assert HourlyRollup.objects.filter(workspace=shop.ws).count() == 0
    assert HourlyRollup.objects.filter(workspace=world.globex).count() == 2  # detail + total
    assert do_update_rollups(shop.ws.pk, []) == 0


def test_rebuild_command(shop: Any) -> None:
    _mixed(shop)
    out = StringIO()
    call_command("rebuild_rollups", "--workspace", shop.ws.slug, stdout=out)
    assert "rebuilt rollups" in out.getvalue()
    assert (
        HourlyRollup.objects.filter(topic__isnull=True, channel__isnull=False).aggregate(
            n=Sum("n")
        )["n"]
        == 5
    )
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--workspace"):
        call_command("rebuild_rollups", "--workspace", "nope")


def test_totals_equal_the_sum_of_detail_rows(shop: Any) -> None:
    do_update_rollups(shop.ws.pk, [i.pk for i in _mixed(shop)])
    for model in (HourlyRollup, DailyRollup):
        for topic in (None, shop.delivery.pk, shop.late.pk, shop.price.pk):
            rows = model.objects.filter(topic_id=topic)
            detail = rows.filter(channel__isnull=False).aggregate(**{m: Sum(m) for m in MEASURES})
            total = rows.filter(channel__isnull=True, segment="*").aggregate(
                **{m: Sum(m) for m in MEASURES}
            )
            assert detail == total, (model, topic)


def test_bulk_actions_keep_rollups_equal_to_a_rebuild(shop: Any, monkeypatch: Any) -> None:
    from tests import factories
    from voxloop.feedback.services import learning
    from voxloop.feedback.services.labels import do_bulk_action

    refits: list[int] = []
    monkeypatch.setattr(learning, "schedule_refit", refits.append)
    items = _mixed(shop)
    ids = [i.pk for i in items]
    do_update_rollups(shop.ws.pk, ids)
    actor = factories.actor(shop.ws, shop.ws.memberships.first().user)

    def counted() -> tuple[Any, Any]:
        return (_table(HourlyRollup), _table(DailyRollup))

    def rebuilt() -> tuple[Any, Any]:
        do_rebuild_rollups(shop.ws.pk)
        return counted()

    assert do_bulk_action(actor, ids[:2], "mark_junk") == 2
    assert counted() == rebuilt()
    assert do_bulk_action(actor, ids[:2], "mark_not_junk") == 2
    assert counted() == rebuilt()
    assert do_bulk_action(actor, ids[:5], "set_sentiment", "negative") == 3
    assert counted() == rebuilt()
    assert do_bulk_action(actor, ids[:5], "add_topic", shop.price.pk) == 3
    assert counted() == rebuilt()
    assert refits == [shop.ws.pk, shop.ws.pk]  # once per bulk relabel, not once per item
