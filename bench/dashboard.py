"""Dashboard query latency on rollups, beside the same questions as raw GROUP BYs on feedback.

    python bench/dashboard.py [--items 1000000] [--days 365] [--runs 20]

Uses SQLite in a fresh temporary data directory, or the PostgreSQL database named by
VOXLOOP_DATABASE_URL when it is set (migrated; the bench workspace is deleted at the end).
Generates ``--items`` analysed feedback items over ``--days`` days directly into the tables
(multi-row inserts on SQLite, COPY on PostgreSQL; 6 channels, 40 topics on two levels,
4 customer segments, NPS/CSAT/CES scores), builds the rollups with the same code as
`voxloop manage rebuild_rollups`, then times every query the dashboard endpoint runs
(p50/p95 over ``--runs`` repetitions, after one warm-up) for four filter settings, and the
raw GROUP BY over the feedback table that answers the same question, in the same run.
Target: every dashboard query p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000


def setup_django() -> None:
    if not os.environ.get("VOXLOOP_DATABASE_URL"):
        os.environ["VOXLOOP_DATA_DIR"] = tempfile.mkdtemp(prefix="voxloop-bench-dash-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxloop.settings")
    os.environ["VOXLOOP_TASK_BACKEND"] = "immediate"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _columns(model: Any, given: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Every concrete column: the given values' names, the rest with their model defaults."""
    from django.db.models import JSONField

    names, defaults = [], {}
    for f in model._meta.concrete_fields:
        if f.primary_key and f.attname not in given:
            continue
        names.append(f.column)
        if f.attname not in given:
            value = f.get_default()
            defaults[f.column] = json.dumps(value) if isinstance(f, JSONField) else value
    return names, defaults


def bulk_insert(model: Any, rows: Iterator[dict[str, Any]]) -> int:
    """Insert plain dict rows fast: COPY on PostgreSQL, multi-row INSERT on SQLite."""
    from django.db import connection, transaction

    first = next(rows, None)
    if first is None:
        return 0
    cols, defaults = _columns(model, first)
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
    count = 0

    def values(row: dict[str, Any]) -> list[Any]:
        return [row[c] if c in row else defaults[c] for c in cols]

    batch = [values(first)]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with (
                connection.cursor() as cur,
                cur.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
            ):
                copy.write_row(batch[0])
                count = 1
                for row in rows:
                    copy.write_row(values(row))
                    count += 1
            return count
        per = max(1, 900 // len(cols))  # SQLite: at most 999 parameters per statement
        with connection.cursor() as cur:
            for row in rows:
                batch.append(values(row))
                if len(batch) >= per * 50:
                    count += _flush(cur, table, quoted, len(cols), batch, per)
                    batch = []
            count += _flush(cur, table, quoted, len(cols), batch, per)
    return count


def _flush(cur: Any, table: str, quoted: str, width: int, batch: list[list[Any]], per: int) -> int:
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    for start in range(0, len(batch), per):
        part = batch[start : start + per]
        sql = f"INSERT INTO {table} ({quoted}) VALUES " + ", ".join([row_sql] * len(part))
        cur.execute(sql, [v for row in part for v in row])
    return len(batch)


def generate(items: int, days: int, seed: int = 3) -> tuple[Any, float]:
    """A workspace with a year of analysed feedback; returns it and the seconds taken."""
    from django.db import connection

    from voxloop.accounts.models import User
    from voxloop.accounts.services import do_create_workspace
    from voxloop.customers.models import Customer
    from voxloop.feedback.models import Channel, FeedbackItem, FeedbackTopic, Topic

    started = time.perf_counter()
    rnd = random.Random(seed)
    stamp = int(time.time())
    owner = User.objects.create_user(email=f"bench-{stamp}@example.test", password="x" * 12)
    ws = do_create_workspace(f"Bench {stamp}", owner, tz="Asia/Shanghai")
    channels = list(Channel.objects.filter(workspace=ws))
    for i in range(max(0, 6 - len(channels))):
        channels.append(
            Channel.objects.create(workspace=ws, kind="other", name=f"C{i}", slug=f"c{i}")
        )
    parents = [
        Topic.objects.create(workspace=ws, name_en=f"Topic {i}", name_zh=f"主题{i}", level=1)
        for i in range(8)
    ]
    leaves = [
        Topic.objects.create(
            workspace=ws, parent=p, level=2, name_en=f"{p.name_en}.{j}", name_zh=f"{p.name_zh}{j}"
        )
        for p in parents
        for j in range(4)
    ]
    segments = ["vip", "regular", "new", ""]
    Customer.objects.bulk_create(
        [
            Customer(workspace=ws, external_id=f"M{i}", segment=segments[i % 4])
            for i in range(5_000)
        ],
        batch_size=1_000,
    )
    customer_ids = list(Customer.objects.filter(workspace=ws).values_list("id", flat=True))
    dt_adapt: Callable[[datetime], Any] = (
        (lambda d: d)
        if connection.vendor == "postgresql"
        else connection.ops.adapt_datetimefield_value
    )
    last_id = FeedbackItem.objects.order_by("-id").values_list("id", flat=True).first() or 0
    end = datetime.now(UTC)
    start = end - timedelta(days=days)
    span = (end - start).total_seconds()
    sentiments = ["negative", "neutral", "positive"]
    kinds = ["complaint", "suggestion", "praise", "question", "other"]
    phrases = ["配送慢", "骑手态度好", "价格贵", "App 闪退", "包装破损", "客服不回", "很新鲜"]
    links: list[tuple[int, int, str]] = []

    def item_rows() -> Iterator[dict[str, Any]]:
        for i in range(items):
            pk = last_id + 1 + i
            when = start + timedelta(seconds=span * (i + rnd.random()) / items)
            s = rnd.choices(sentiments, weights=(3, 3, 4))[0]
            leaf = rnd.choice(leaves)
            links.append((pk, leaf.pk, s))
            if rnd.random() < 0.3:
                links.append((pk, rnd.choice(leaves).pk, rnd.choice(sentiments)))
            yield {
                "id": pk,
                "workspace_id": ws.pk,
                "channel_id": rnd.choice(channels).pk,
                "customer_id": rnd.choice(customer_ids) if rnd.random() < 0.8 else None,
                "occurred_at": dt_adapt(when),
                "received_at": dt_adapt(when),
                "text": f"{rnd.choice(phrases)} #{i}",
                "language": "zh",
                "nps": rnd.randrange(11) if rnd.random() < 0.4 else None,
                "csat": rnd.randint(1, 5) if rnd.random() < 0.3 else None,
                "ces": rnd.randint(1, 7) if rnd.random() < 0.2 else None,
                "status": "analyzed",
                "sentiment": s,
                "kind": rnd.choice(kinds),
                "keyphrases": json.dumps([rnd.choice(phrases)], ensure_ascii=False),
                "analyzed_at": dt_adapt(when),
            }

    done = 0
    gen = item_rows()
    while done < items:
        chunk = [row for _, row in zip(range(CHUNK * 5), gen, strict=False)]
        done += bulk_insert(FeedbackItem, iter(chunk))
        unique = {(pk, t): s for pk, t, s in links}
        bulk_insert(
            FeedbackTopic,
            (
                {
                    "item_id": pk,
                    "topic_id": t,
                    "confidence": 1.0,
                    "sentiment": s,
                    "source": "keyword",
                }
                for (pk, t), s in unique.items()
            ),
        )
        links.clear()
        print(f"  inserted {done:,} items", file=sys.stderr, end="\r")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("feedback_feedbackitem", "feedback_feedbacktopic"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(file=sys.stderr)
    return ws, time.perf_counter() - started


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def raw_queries(ws: Any, f: Any, p: Any) -> dict[str, Callable[[], Any]]:
    """The dashboard's questions asked of the feedback table itself (the baseline)."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncDate

    from voxloop.feedback.models import FeedbackItem, FeedbackTopic
    from voxloop.insights.services.rollups import day_bounds, workspace_tz

    tz = workspace_tz(ws)
    lo, _ = day_bounds(p.prev_start, tz)
    _, hi = day_bounds(p.end, tz)
    qs = FeedbackItem.objects.filter(workspace=ws, occurred_at__gte=lo, occurred_at__lt=hi)
    if f.channel:
        qs = qs.filter(channel_id=f.channel)
    if f.topic:
        qs = qs.filter(
            pk__in=FeedbackTopic.objects.filter(topic_id__in=f.topic_tree).values("item_id")
        )

    def daily() -> list[Any]:
        return list(
            qs.annotate(day=TruncDate("occurred_at", tzinfo=tz))
            .values("day", "sentiment")
            .annotate(n=Count("id"), nps=Count("nps", filter=Q(nps__gte=9)))
            .order_by()
        )

    def per_topic() -> list[Any]:
        links = FeedbackTopic.objects.filter(item__in=qs)
        return list(links.values("topic_id", "item__sentiment").annotate(n=Count("id")).order_by())

    def per_channel() -> list[Any]:
        return list(qs.values("channel_id", "sentiment").annotate(n=Count("id")).order_by())

    return {
        "kpis+timeseries": daily,
        "topics (movers, drivers)": per_topic,
        "channels": per_channel,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the bench workspace")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from voxloop.feedback.models import Channel
    from voxloop.insights import selectors
    from voxloop.insights.dashboard import Builder
    from voxloop.insights.models import DailyRollup, HourlyRollup
    from voxloop.insights.selectors import DashboardFilter
    from voxloop.insights.services import do_rebuild_rollups
    from voxloop.insights.services.detection import load_snapshot

    print(
        f"# dashboard bench: {args.items:,} items over {args.days} days on "
        f"{connection.vendor}; {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {args.runs} runs"
    )
    ws, seconds = generate(args.items, args.days)
    print(f"generated in {seconds:.0f} s")
    t0 = time.perf_counter()
    do_rebuild_rollups(ws.pk)
    hourly = HourlyRollup.objects.filter(workspace=ws).count()
    daily = DailyRollup.objects.filter(workspace=ws).count()
    print(
        f"rollups rebuilt in {time.perf_counter() - t0:.0f} s: "
        f"{hourly:,} hourly rows, {daily:,} daily rows"
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    from voxloop.feedback.models import Topic

    topic = Topic.objects.filter(workspace=ws, level=1).first()
    assert topic is not None
    tree = tuple(
        [
            topic.pk,
            *list(Topic.objects.filter(workspace=ws, parent=topic).values_list("id", flat=True)),
        ]
    )
    channel = Channel.objects.filter(workspace=ws).first()
    assert channel is not None
    filters = {
        "30 days": DashboardFilter(days=30),
        "365 days": DashboardFilter(days=365),
        "365 d + topic": DashboardFilter(days=365, topic=topic.pk, topic_tree=tree),
        "90 d + channel": DashboardFilter(days=90, channel=channel.pk),
    }
    worst = 0.0
    print()
    print("| filter | query | rollup p50 ms | rollup p95 ms | raw GROUP BY p95 ms | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for label, f in filters.items():
        p = selectors.period_of(ws, f)
        b = Builder(ws, f, "en")
        queries: dict[str, Callable[[], Any]] = {
            "kpis+timeseries": lambda f=f, p=p: selectors.daily_sums(ws, f, p),
            "topics (movers, drivers)": lambda f=f, p=p: selectors.topic_sums(ws, f, p),
            "heatmap": lambda f=f, p=p: selectors.heatmap(ws, f, p, "en"),
            "channels": lambda f=f, p=p: selectors.breakdown(ws, f, p, "channel"),
            "segments": lambda f=f, p=p: selectors.breakdown(ws, f, p, "segment"),
            "wordcloud": lambda f=f, p=p: selectors.wordcloud(ws, f, p),
            "whole endpoint": lambda f=f: Builder(ws, f, "en").all(),
        }
        del b
        raw = raw_queries(ws, f, p)
        raw_p95: dict[str, float] = {}
        for name, fn in raw.items():
            raw_p95[name] = timed(fn, max(3, args.runs // 4))[1]
        for name, fn in queries.items():
            p50, p95 = timed(fn, args.runs)
            if name != "whole endpoint":
                worst = max(worst, p95)
            base = raw_p95.get(name)
            ratio = f"{base / p95:.0f}×" if base else ""
            base_s = f"{base:.0f}" if base else ""
            print(f"| {label} | {name} | {p50:.1f} | {p95:.1f} | {base_s} | {ratio} |")
    p50, p95 = timed(lambda: load_snapshot(ws, datetime.now(UTC)), max(3, args.runs // 2))
    print(f"| — | detection snapshot (28 days hourly) | {p50:.1f} | {p95:.1f} | | |")
    print()
    print(
        f"worst dashboard query p95: {worst:.1f} ms (target ≤ 300 ms): "
        f"{'met' if worst <= 300 else 'NOT met'}"
    )
    if not args.keep and connection.vendor == "postgresql":  # SQLite: a throw-away file
        from voxloop.accounts.models import Workspace
        from voxloop.feedback.models import FeedbackItem, FeedbackTopic

        FeedbackTopic.objects.filter(item__workspace=ws).delete()
        HourlyRollup.objects.filter(workspace=ws).delete()
        DailyRollup.objects.filter(workspace=ws).delete()
        FeedbackItem.objects.filter(workspace=ws)._raw_delete(connection.alias)
        Workspace.objects.filter(pk=ws.pk).delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
