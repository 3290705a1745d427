"""Hourly and daily rollups: recomputed per affected bucket, so re-analysis never double counts."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from voxloop.accounts.models import Workspace
from voxloop.feedback.models import FeedbackItem, FeedbackTopic, Status, Topic
from voxloop.insights.models import ALL_SEGMENTS, MEASURES, DailyRollup, HourlyRollup

COUNTED = (Status.ANALYZED, Status.DUPLICATE)  # junk and not-yet-analysed items are left out
_IDX = {name: i for i, name in enumerate(MEASURES)}
_SENT = {"positive": _IDX["positive"], "neutral": _IDX["neutral"], "negative": _IDX["negative"]}
_KIND = {
    "complaint": _IDX["complaints"],
    "suggestion": _IDX["suggestions"],
    "praise": _IDX["praise"],
    "question": _IDX["questions"],
}
_WORSE = {"negative": 3, "neutral": 2, "positive": 1, "": 0}
HOURS_PER_QUERY = 200
Key = tuple[Any, int | None, int | None, str]  # (bucket, topic or None, channel, segment)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_bounds(day: date, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends (DST-aware)."""
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end


def workspace_tz(workspace: Workspace) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(workspace.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _base_vector(
    kind: str, nps: int | None, csat: int | None, ces: int | None, stars: int | None
) -> list[int]:
    v = [0] * len(MEASURES)
    v[0] = 1
    if kind in _KIND:
        v[_KIND[kind]] = 1
    if nps is not None:
        v[_IDX["nps_n"]] = 1
        v[_IDX["promoters" if nps >= 9 else "passives" if nps >= 7 else "detractors"]] = 1
        v[_IDX["nps_sum"]], v[_IDX["nps_sq"]] = nps, nps * nps
    if csat is not None:
        v[_IDX["csat_n"]] = 1
        v[_IDX["csat_satisfied"]] = 1 if csat >= 4 else 0
        v[_IDX["csat_sum"]], v[_IDX["csat_sq"]] = csat, csat * csat
    if ces is not None:
        v[_IDX["ces_n"]], v[_IDX["ces_sum"]], v[_IDX["ces_sq"]] = 1, ces, ces * ces
    if stars is not None:
        v[_IDX["stars_n"]], v[_IDX["stars_sum"]], v[_IDX["stars_sq"]] = 1, stars, stars * stars
    return v


def _add(acc: dict[Key, list[int]], key: Key, base: list[tuple[int, int]], sentiment: str) -> None:
    """Add an item's non-zero measures (``base``: (index, value) pairs) to the row at ``key``."""
    row = acc.get(key)
    if row is None:
        row = acc[key] = [0] * len(MEASURES)
    for i, value in base:
        row[i] += value
    if sentiment in _SENT:
        row[_SENT[sentiment]] += 1


def _ancestors(workspace_id: int) -> dict[int, list[int]]:
    parents = dict(Topic.objects.filter(workspace_id=workspace_id).values_list("id", "parent_id"))
    out: dict[int, list[int]] = {}
    for tid in parents:
        chain: list[int] = []
        cur: int | None = tid
        while cur is not None and cur not in chain and len(chain) < 3:
            chain.append(cur)
            cur = parents.get(cur)
        out[tid] = chain
    return out


def aggregate_items(
    workspace_id: int, items: Q, ancestors: dict[int, list[int]] | None = None
) -> dict[Key, list[int]]:
    """Hourly measures of the counted items matching ``items`` (topic rows include ancestors)."""
    ancestors = ancestors if ancestors is not None else _ancestors(workspace_id)
    rows = list(
        FeedbackItem.objects.filter(items, workspace_id=workspace_id, status__in=COUNTED)
        .order_by()
        .values_list(
            "id",
            "occurred_at",
            "channel_id",
            "customer__segment",
            "sentiment",
            "kind",
            "nps",
            "csat",
            "ces",
            "stars",
        )
    )
    links: dict[int, list[tuple[int, str]]] = {}
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 5_000):
        for item_id, topic_id, sentiment in FeedbackTopic.objects.filter(
            item_id__in=ids[start : start + 5_000]
        ).values_list("item_id", "topic_id", "sentiment"):
            links.setdefault(item_id, []).append((topic_id, sentiment))
    acc: dict[Key, list[int]] = {}
    for item_id, occurred, channel_id, segment, sentiment, kind, nps, csat, ces, stars in rows:
        hour = floor_hour(occurred)
        seg = segment or ""
        base = [(i, v) for i, v in enumerate(_base_vector(kind, nps, csat, ces, stars)) if v]
        _add(acc, (hour, None, channel_id, seg), base, sentiment)
        _add(acc, (hour, None, None, ALL_SEGMENTS), base, sentiment)
        per_topic: dict[int, str] = {}
        for topic_id, topic_sentiment in links.get(item_id, ()):
            label = topic_sentiment or sentiment
            for node in ancestors.get(topic_id, [topic_id]):
                prev = per_topic.get(node)
                if prev is None or _WORSE.get(label, 0) > _WORSE.get(prev, 0):
                    per_topic[node] = label
        for node, label in per_topic.items():
            _add(acc, (hour, node, channel_id, seg), base, label)
            _add(acc, (hour, node, None, ALL_SEGMENTS), base, label)
    return acc


def _insert_hourly(workspace_id: int, acc: dict[Key, list[int]]) -> int:
    """Plain multi-row inserts: the ORM's per-field preparation costs more than the write."""
    cols = ["workspace_id", "hour", "topic_id", "channel_id", "segment", *MEASURES]
    table = HourlyRollup._meta.db_table
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in cols)}) "
        f"VALUES ({', '.join(['%s'] * len(cols))})"
    )
    adapt = connection.ops.adapt_datetimefield_value
    adapted: dict[datetime, Any] = {}  # a few hundred distinct hours against many rows
    rows = []
    for (hour, topic_id, channel_id, segment), values in acc.items():
        value = adapted.get(hour)
        if value is None:
            value = adapted[hour] = adapt(hour)
        rows.append((workspace_id, value, topic_id, channel_id, segment, *values))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5_000):
            cursor.executemany(sql, rows[start : start + 5_000])
    return len(rows)


def _merge_ranges(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for h in sorted(set(hours)):
        if out and out[-1][1] == h:
            out[-1] = (out[-1][0], h + timedelta(hours=1))
        else:
            out.append((h, h + timedelta(hours=1)))
    return out


def _recompute_hours(workspace_id: int, hours: set[datetime]) -> None:
    ancestors = _ancestors(workspace_id)
    ranges = _merge_ranges(hours)
    for start in range(0, len(ranges), HOURS_PER_QUERY):
        chunk = ranges[start : start + HOURS_PER_QUERY]
        q = Q()
        for lo, hi in chunk:
            q |= Q(occurred_at__gte=lo, occurred_at__lt=hi)
        hq = Q()
        for lo, hi in chunk:
            hq |= Q(hour__gte=lo, hour__lt=hi)
        acc = aggregate_items(workspace_id, q, ancestors)
        HourlyRollup.objects.filter(hq, workspace_id=workspace_id).delete()
        _insert_hourly(workspace_id, acc)


def _recompute_days(workspace: Workspace, days: set[date]) -> None:
    """Each day's rows are the sums of its hours' rows, computed by the database."""
    tz = workspace_tz(workspace)
    qn = connection.ops.quote_name
    daily, hourly = qn(DailyRollup._meta.db_table), qn(HourlyRollup._meta.db_table)
    keys = ", ".join(qn(c) for c in ("topic_id", "channel_id", "segment"))
    measures = ", ".join(qn(m) for m in MEASURES)
    sums = ", ".join(f"SUM({qn(m)})" for m in MEASURES)
    sql = (
        f"INSERT INTO {daily} ({qn('workspace_id')}, {qn('day')}, {keys}, {measures}) "
        f"SELECT {qn('workspace_id')}, %s, {keys}, {sums} FROM {hourly} "
        f"WHERE {qn('workspace_id')} = %s AND {qn('hour')} >= %s AND {qn('hour')} < %s "
        f"GROUP BY {qn('workspace_id')}, {keys}"
    )
    adapt_dt = connection.ops.adapt_datetimefield_value
    ordered = sorted(days)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        DailyRollup.objects.filter(workspace=workspace, day__in=chunk).delete()
        with connection.cursor() as cursor:
            for day in chunk:
                lo, hi = day_bounds(day, tz)
                cursor.execute(
                    sql,
                    [
                        connection.ops.adapt_datefield_value(day),
                        workspace.pk,
                        adapt_dt(lo),
                        adapt_dt(hi),
                    ],
                )


def _days_of(hours: Iterable[datetime], tz: zoneinfo.ZoneInfo) -> set[date]:
    days = set()
    for h in hours:
        days.add(h.astimezone(tz).date())
        days.add((h + timedelta(minutes=59)).astimezone(tz).date())  # half-hour zones
    return days


def do_update_rollups(workspace_id: int, item_ids: Sequence[int]) -> int:
    """Recompute the hours (and their days) the given items fall in; returns hours touched.

    Call after analysis results (or relabels) are saved. Whole buckets are recomputed from
    their items, so calling it twice, or for re-analysed items, never double counts.
    """
    ids = list(item_ids)
    if not ids:
        return 0
    hours: set[datetime] = set()
    for start in range(0, len(ids), 5_000):
        hours.update(
            floor_hour(t)
            for t in FeedbackItem.objects.filter(
                workspace_id=workspace_id, pk__in=ids[start : start + 5_000]
            ).values_list("occurred_at", flat=True)
        )
    if not hours:
        return 0
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
        _recompute_hours(workspace_id, hours)
        _recompute_days(workspace, _days_of(hours, workspace_tz(workspace)))
    return len(hours)


def do_rebuild_rollups(workspace_id: int | None = None, chunk_days: int = 7) -> int:
    """Throw the rollups away and build them again from the feedback; returns hourly rows."""
    workspaces = (
        Workspace.objects.all()
        if workspace_id is None
        else [Workspace.objects.get(pk=workspace_id)]
    )
    total = 0
    for ws in workspaces:
        HourlyRollup.objects.filter(workspace=ws).delete()
        DailyRollup.objects.filter(workspace=ws).delete()
        first = FeedbackItem.objects.filter(workspace=ws).order_by("occurred_at").first()
        last = FeedbackItem.objects.filter(workspace=ws).order_by("-occurred_at").first()
        if first is None or last is None:
            continue
        ancestors = _ancestors(ws.pk)
        tz = workspace_tz(ws)
        lo = floor_hour(first.occurred_at)
        end = floor_hour(last.occurred_at) + timedelta(hours=1)
        while lo < end:
            hi = min(lo + timedelta(days=chunk_days), end)
            with transaction.atomic():
                acc = aggregate_items(ws.pk, Q(occurred_at__gte=lo, occurred_at__lt=hi), ancestors)
                HourlyRollup.objects.filter(workspace=ws, hour__gte=lo, hour__lt=hi).delete()
                total += _insert_hourly(ws.pk, acc)
            lo = hi
        day = first.occurred_at.astimezone(tz).date()
        last_day = last.occurred_at.astimezone(tz).date()
        days = set()
        while day <= last_day:
            days.add(day)
            day += timedelta(days=1)
        with transaction.atomic():
            _recompute_days(ws, days)
    return total
