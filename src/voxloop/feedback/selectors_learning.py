"""Read side of learning: the taxonomy page's model-accuracy panel and re-analysis status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace
from voxloop.feedback.models import Correction, ReanalysisJob, Topic
from voxloop.feedback.services.heldout import MIN_HELDOUT
from voxloop.feedback.services.learning import MIN_CORRECTIONS, model_history

FIELD_LABELS = {"topics": _("Topics"), "sentiment": _("Sentiment"), "kind": _("Type")}
HISTORY_VERSIONS = 10
TOP_TOPICS = 5


def _percent(value: Any) -> float | None:
    return round(float(value) * 100, 1) if isinstance(value, int | float) else None


@dataclass
class FieldAccuracy:
    field: str
    label: str
    corrections: int  # distinct items people corrected on this field
    trained_on: int  # of them, in the current version
    percent: float | None  # held-out accuracy of the current version
    tested: int
    change: float | None  # percentage points against the previous version that measured it
    needed: int  # more corrected items before accuracy can be measured

    @property
    def direction(self) -> str:
        if self.change is None:
            return ""
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"


@dataclass
class TopicAccuracy:
    topic: Topic | None
    key: str
    corrections: int
    tested: int
    found: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.found / self.tested, 1) if self.tested else None


def _previous(history: list[dict[str, Any]], field: str) -> float | None:
    for row in history[1:]:
        value = _percent(row["heldout_accuracy"].get(field))
        if value is not None:
            return value
    return None


def accuracy_panel(workspace: Workspace) -> dict[str, Any]:
    """Everything the accuracy panel shows, in three queries."""
    history = model_history(workspace.pk, limit=HISTORY_VERSIONS)
    current = history[0] if history else None
    since = current["created_at"] if current else None
    counts: dict[str, dict[str, Any]] = {
        row["field"]: dict(row)
        for row in Correction.objects.filter(workspace=workspace)
        .values("field")
        .annotate(
            items=Count("item", distinct=True),
            new=Count("id", filter=Q(created_at__gt=since)) if since else Count("id"),
        )
    }
    fields = []
    for field, label in FIELD_LABELS.items():
        n = int(counts.get(field, {}).get("items", 0))
        percent = _percent(current["heldout_accuracy"].get(field)) if current else None
        previous = _previous(history, field) if percent is not None else None
        fields.append(
            FieldAccuracy(
                field=field,
                label=str(label),
                corrections=n,
                trained_on=int(current["trained_on"].get(field, 0)) if current else 0,
                percent=percent,
                tested=int(current["tested"].get(field, 0)) if current else 0,
                change=(
                    round(percent - previous, 1)
                    if percent is not None and previous is not None
                    else None
                ),
                needed=max(0, MIN_HELDOUT - n),
            )
        )
    topics: list[TopicAccuracy] = []
    if current and current["per_topic"]:
        ranked = sorted(
            current["per_topic"].items(), key=lambda kv: (-kv[1].get("corrections", 0), kv[0])
        )[:TOP_TOPICS]
        ids = [int(k) for k, _ in ranked if k.isdigit()]
        names = {str(t.pk): t for t in Topic.objects.filter(workspace=workspace, pk__in=ids)}
        topics = [
            TopicAccuracy(
                topic=names.get(key),
                key=key,
                corrections=int(v.get("corrections", 0)),
                tested=int(v.get("tested", 0)),
                found=int(v.get("found", 0)),
            )
            for key, v in ranked
        ]
    series = [
        {
            "version": row["version"],
            "date": row["created_at"],
            **{f: _percent(row["heldout_accuracy"].get(f)) for f in FIELD_LABELS},
        }
        for row in reversed(history)
    ]
    return {
        "current": current,
        "previous": history[1] if len(history) > 1 else None,
        "history": history,
        "series": series,
        "field_labels": {f: str(label) for f, label in FIELD_LABELS.items()},
        "fields": fields,
        "trained": [f for f in fields if f.trained_on],
        "measured": any(f.percent is not None for f in fields),
        "topics_baseline": _percent(current["topics_baseline"]) if current else None,
        "topic_rows": topics,
        "corrections": sum(c["items"] for c in counts.values()),
        "new_corrections": sum(c["new"] for c in counts.values()) if current else 0,
        "min_corrections": MIN_CORRECTIONS,
        "min_heldout": MIN_HELDOUT,
    }


def reanalysis_status(workspace: Workspace) -> dict[str, Any]:
    """The job to show (the running one, else the newest) and whether another one waits."""
    jobs = list(
        ReanalysisJob.objects.filter(workspace=workspace).order_by("-created_at", "-id")[:5]
    )
    running = next((j for j in jobs if j.state == ReanalysisJob.State.RUNNING), None)
    job = running or (jobs[0] if jobs else None)
    waiting = running is not None and any(
        j.state == ReanalysisJob.State.PENDING and j.created_at >= running.created_at for j in jobs
    )
    active = job is not None and job.state in (
        ReanalysisJob.State.PENDING,
        ReanalysisJob.State.RUNNING,
    )
    total = max(job.total, job.done) if job else 0
    percent = 100 if job and job.state == ReanalysisJob.State.DONE else 0
    if job and job.state != ReanalysisJob.State.DONE and total:
        percent = min(100, int(100 * job.done / total))
    return {
        "job": job,
        "active": active,
        "waiting": waiting,
        "done": job.done if job else 0,
        "total": total,
        "percent": percent,
    }
