"""Dashboard read queries: every figure comes from the rollup tables, never raw feedback scans."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from voxloop.accounts.models import Workspace
from voxloop.analysis import metrics
from voxloop.feedback.models import Channel, FeedbackItem, FeedbackTopic, Topic
from voxloop.feedback.selectors import topic_with_descendants
from voxloop.insights.models import ALL_SEGMENTS, MEASURES, DailyRollup
from voxloop.insights.services.rollups import COUNTED, day_bounds, workspace_tz

PERIODS = (7, 30, 90, 365)
Sums = dict[str, int]


@dataclass(frozen=True)
class DashboardFilter:
    days: int = 30
    channel: int | None = None  # channel id
    segment: str | None = None
    topic: int | None = None
    end: date | None = None  # last day shown (default: today in the workspace's zone)
    topic_tree: tuple[int, ...] = ()  # the topic and its descendants (when topic is set)


@dataclass
class Period:
    start: date
    end: date  # inclusive
    prev_start: date
    prev_end: date
    days: list[date] = field(default_factory=list)


def period_of(workspace: Workspace, f: DashboardFilter) -> Period:
    end = f.end or timezone.now().astimezone(workspace_tz(workspace)).date()
    start = end - timedelta(days=f.days - 1)
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=f.days - 1)
    return Period(
        start, end, prev_start, prev_end, [start + timedelta(days=i) for i in range(f.days)]
    )


TOPIC_MEASURES = (
    "n",
    "negative",
    "promoters",
    "passives",
    "detractors",
    "csat_satisfied",
    "csat_n",
)


def _sums(
    prefix: str = "", flt: Q | None = None, measures: tuple[str, ...] = MEASURES
) -> dict[str, Sum]:
    return {f"{prefix}{m}": Sum(m, filter=flt) for m in measures}


def _empty() -> Sums:
    return dict.fromkeys(MEASURES, 0)


def _clean(row: dict[str, Any], prefix: str = "") -> Sums:
    return {m: int(row.get(f"{prefix}{m}") or 0) for m in MEASURES}


def _base(
    workspace: Workspace, f: DashboardFilter, *, topics: bool = False, detail: bool = False
) -> QuerySet[DailyRollup]:
    """Rollup rows for the filter: the all-channel totals unless a channel, a segment or a
    per-channel/segment breakdown (``detail``) needs the detailed rows."""
    qs = DailyRollup.objects.filter(workspace=workspace)
    if topics:
        qs = qs.filter(topic__isnull=False)
    elif f.topic:
        qs = qs.filter(topic_id=f.topic)
    else:
        qs = qs.filter(topic__isnull=True)
    if not (detail or f.channel or f.segment):
        return qs.filter(channel__isnull=True, segment=ALL_SEGMENTS).order_by()
    qs = qs.filter(channel__isnull=False)
    if f.channel:
        qs = qs.filter(channel_id=f.channel)
    if f.segment:
        qs = qs.filter(segment="" if f.segment == "-" else f.segment)
    return qs.order_by()


# -- KPIs -----------------------------------------------------------------------------------


def kpi_figures(cur: Sums, prev: Sums) -> dict[str, dict[str, Any]]:
    """The five tiles: estimate with interval and small-sample flag, change and its test."""
    return {
        "nps": {
            "estimate": metrics.nps(cur["promoters"], cur["passives"], cur["detractors"]),
            "change": metrics.compare_nps(
                (cur["promoters"], cur["passives"], cur["detractors"]),
                (prev["promoters"], prev["passives"], prev["detractors"]),
            ),
        },
        "csat": {
            "estimate": metrics.csat(cur["csat_satisfied"], cur["csat_n"]),
            "change": metrics.compare_shares(
                cur["csat_satisfied"], cur["csat_n"], prev["csat_satisfied"], prev["csat_n"]
            ),
        },
        "ces": {
            "estimate": metrics.ces(cur["ces_sum"], cur["ces_sq"], cur["ces_n"]),
            "change": metrics.compare_means(
                (cur["ces_sum"], cur["ces_sq"], cur["ces_n"]),
                (prev["ces_sum"], prev["ces_sq"], prev["ces_n"]),
            ),
        },
        "volume": {
            "estimate": metrics.volume(cur["n"]),
            "change": metrics.compare_volumes(cur["n"], prev["n"]),
        },
        "negative_share": {
            "estimate": metrics.share(cur["negative"], cur["n"]),
            "change": metrics.compare_shares(
                cur["negative"], cur["n"], prev["negative"], prev["n"]
            ),
        },
    }


def _point(key: str, s: Sums) -> float | None:
    if key == "nps":
        return metrics.nps(s["promoters"], s["passives"], s["detractors"]).value
    if key == "csat":
        return metrics.csat(s["csat_satisfied"], s["csat_n"]).value
    if key == "ces":
        return metrics.ces(s["ces_sum"], s["ces_sq"], s["ces_n"]).value
    if key == "volume":
        return float(s["n"])
    return metrics.share(s["negative"], s["n"]).value


def daily_sums(workspace: Workspace, f: DashboardFilter, p: Period) -> dict[date, Sums]:
    """One query: measures per day over the previous and the current period."""
    rows = (
        _base(workspace, f)
        .filter(day__gte=p.prev_start, day__lte=p.end)
        .values("day")
        .annotate(**_sums())
    )
    return {r["day"]: _clean(dict(r)) for r in rows}


def _total(by_day: dict[date, Sums], lo: date, hi: date) -> Sums:
    out = _empty()
    for day, s in by_day.items():
        if lo <= day <= hi:
            for m in MEASURES:
                out[m] += s[m]
    return out


def kpis(workspace: Workspace, f: DashboardFilter) -> dict[str, Any]:
    p = period_of(workspace, f)
    by_day = daily_sums(workspace, f, p)
    cur, prev = _total(by_day, p.start, p.end), _total(by_day, p.prev_start, p.prev_end)
    figures = kpi_figures(cur, prev)
    out: dict[str, Any] = {"period": {"start": p.start, "end": p.end}, "tiles": {}}
    for key, fig in figures.items():
        spark = [_point(key, by_day.get(d, _empty())) for d in p.days]
        out["tiles"][key] = {
            **fig["estimate"].as_dict(),
            "change": fig["change"].as_dict(),
            "sparkline": spark,
        }
    out["series"] = {
        "days": p.days,
        "volume": [by_day.get(d, _empty())["n"] for d in p.days],
        "positive": [by_day.get(d, _empty())["positive"] for d in p.days],
        "neutral": [by_day.get(d, _empty())["neutral"] for d in p.days],
        "negative": [by_day.get(d, _empty())["negative"] for d in p.days],
    }
    out["totals"] = {"current": cur, "previous": prev}
    return out


# -- topics: movers, drivers, heatmap ---------------------------------------------------------


def _tree(workspace: Workspace, f: DashboardFilter) -> list[int]:
    if not f.topic:
        return []
    return list(f.topic_tree) if f.topic_tree else topic_with_descendants(workspace, f.topic)


def topic_names(workspace: Workspace, ids: Any, language: str) -> dict[int, str]:
    return {
        t.pk: t.name_for(language)
        for t in Topic.objects.filter(workspace=workspace, pk__in=list(ids)).only(
            "id", "name_en", "name_zh"
        )
    }


def topic_sums(workspace: Workspace, f: DashboardFilter, p: Period) -> dict[int, tuple[Sums, Sums]]:
    """One query: each topic's measures in the current and the previous period."""
    qs = _base(workspace, f, topics=True).filter(day__gte=p.prev_start, day__lte=p.end)
    if f.topic:
        qs = qs.filter(topic_id__in=_tree(workspace, f))
    cur_q, prev_q = Q(day__gte=p.start), Q(day__lt=p.start)
    rows = qs.values("topic_id").annotate(
        **_sums("c_", cur_q, TOPIC_MEASURES), **_sums("p_", prev_q, TOPIC_MEASURES)
    )
    return {r["topic_id"]: (_clean(dict(r), "c_"), _clean(dict(r), "p_")) for r in rows}


def movers(
    topics: dict[int, tuple[Sums, Sums]], names: dict[int, str], limit: int = 10
) -> list[dict[str, Any]]:
    """Topics whose negative feedback changed most against the previous period."""
    out: list[dict[str, Any]] = []
    for tid, (cur, prev) in topics.items():
        change = metrics.compare_volumes(cur["negative"], prev["negative"])
        out.append(
            {
                "topic": tid,
                "name": names.get(tid, str(tid)),
                "negative": cur["negative"],
                "previous_negative": prev["negative"],
                "volume": cur["n"],
                "change": change.delta,
                "p_value": change.p_value,
                "significant": change.significant,
                "delta": cur["negative"] - prev["negative"],
            }
        )
    out.sort(key=lambda m: (-abs(int(m["delta"])), -int(m["negative"]), str(m["name"])))
    return out[:limit]


def drivers(
    topics: dict[int, tuple[Sums, Sums]], totals: Sums, names: dict[int, str], limit: int = 12
) -> list[dict[str, Any]]:
    counts = [
        metrics.TopicCounts(
            key=str(tid),
            n=cur["n"],
            negative=cur["negative"],
            promoters=cur["promoters"],
            passives=cur["passives"],
            detractors=cur["detractors"],
            csat_satisfied=cur["csat_satisfied"],
            csat_n=cur["csat_n"],
            previous_n=prev["n"],
        )
        for tid, (cur, prev) in topics.items()
        if cur["n"]
    ]
    ranked = metrics.drivers(
        counts,
        (totals["promoters"], totals["passives"], totals["detractors"]),
        (totals["csat_satisfied"], totals["csat_n"]),
    )
    return [
        {**d.as_dict(), "topic": int(d.key), "name": names.get(int(d.key), d.key)}
        for d in ranked[:limit]
    ]


def heatmap(
    workspace: Workspace,
    f: DashboardFilter,
    p: Period,
    language: str,
    limit: int = 12,
    names: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Negative share per topic × ISO week over the period (top topics by volume)."""
    qs = _base(workspace, f, topics=True).filter(day__gte=p.start, day__lte=p.end)
    if f.topic:
        qs = qs.filter(topic_id__in=_tree(workspace, f))
    rows = qs.values("topic_id", "day").annotate(n=Sum("n"), neg=Sum("negative"))
    weeks: list[date] = []
    cells: dict[tuple[int, date], list[int]] = {}
    volume: Counter[int] = Counter()
    for r in rows:
        monday = r["day"] - timedelta(days=r["day"].weekday())
        cell = cells.setdefault((r["topic_id"], monday), [0, 0])
        cell[0] += r["n"] or 0
        cell[1] += r["neg"] or 0
        volume[r["topic_id"]] += r["n"] or 0
    monday = p.start - timedelta(days=p.start.weekday())
    while monday <= p.end:
        weeks.append(monday)
        monday += timedelta(days=7)
    top = [tid for tid, _ in volume.most_common(limit)]
    if names is None:
        names = topic_names(workspace, top, language)
    data = []
    for y, tid in enumerate(top):
        for x, week in enumerate(weeks):
            n, neg = cells.get((tid, week), (0, 0))
            data.append([x, y, round(100.0 * neg / n, 1) if n else None, n])
    return {
        "weeks": weeks,
        "topics": [names.get(t, str(t)) for t in top],
        "ids": top,
        "cells": data,
    }


# -- breakdowns and the word cloud ------------------------------------------------------------


def breakdown(
    workspace: Workspace,
    f: DashboardFilter,
    p: Period,
    by: str,
    channel_names: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """KPIs per channel or per segment over the current period."""
    dim = "channel_id" if by == "channel" else "segment"
    rows = list(
        _base(workspace, f, detail=True)
        .filter(day__gte=p.start, day__lte=p.end)
        .values(dim)
        .annotate(**_sums())
    )
    names: dict[Any, str] = dict(channel_names or {})
    if by == "channel" and channel_names is None:
        names = dict(
            Channel.objects.filter(workspace=workspace, pk__in=[r[dim] for r in rows]).values_list(
                "id", "name"
            )
        )
    out = []
    for r in rows:
        s = _clean(r)
        out.append(
            {
                "key": r[dim],
                "name": names.get(r[dim], r[dim]) if by == "channel" else (r[dim] or "—"),
                "volume": s["n"],
                "negative_share": metrics.share(s["negative"], s["n"]).value,
                "nps": metrics.nps(s["promoters"], s["passives"], s["detractors"]).as_dict(),
                "csat": metrics.csat(s["csat_satisfied"], s["csat_n"]).as_dict(),
            }
        )
    out.sort(key=lambda r: (-r["volume"], str(r["name"])))
    return out


def wordcloud(
    workspace: Workspace, f: DashboardFilter, p: Period, limit: int = 40, sample: int = 500
) -> list[tuple[str, float]]:
    """Keyphrases of the latest matching items (a bounded read: at most ``sample`` rows)."""
    tz = workspace_tz(workspace)
    lo, _ = day_bounds(p.start, tz)
    _, hi = day_bounds(p.end, tz)
    qs = FeedbackItem.objects.filter(workspace=workspace, occurred_at__lt=hi, status__in=COUNTED)
    if f.channel:
        qs = qs.filter(channel_id=f.channel)
    if f.segment:
        qs = qs.filter(customer__segment="" if f.segment == "-" else f.segment)
    if f.topic:  # a correlated EXISTS probes the (item, topic) index row by row
        qs = qs.filter(
            Exists(
                FeedbackTopic.objects.filter(
                    item_id=OuterRef("pk"), topic_id__in=_tree(workspace, f)
                )
            )
        )
    # The latest items first: look at the last day, then wider, so a busy workspace reads a
    # few thousand rows however long the period is.
    rows: list[tuple[Any, str]] = []
    for span in (1, 7, 31, None):
        since = lo if span is None else max(lo, hi - timedelta(days=span))
        rows = list(
            qs.filter(occurred_at__gte=since)
            .order_by("-occurred_at")
            .values_list("keyphrases", "text")[:sample]
        )
        if len(rows) >= sample or since == lo:
            break
    counts: Counter[str] = Counter()
    texts: list[str] = []
    for phrases, text in rows:
        if phrases:
            counts.update(str(ph) for ph in phrases if ph)
        else:
            texts.append(text)
    if not counts and texts:
        from voxloop.analysis import keyphrases

        return keyphrases.for_group(texts[:200], top_k=limit)
    top = counts.most_common(limit)
    if not top:
        return []
    peak = top[0][1]
    return [(phrase, round(n / peak, 3)) for phrase, n in top]
