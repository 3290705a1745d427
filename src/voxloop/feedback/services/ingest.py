"""Taking feedback in: validate, upsert customers, store with the raw payload kept."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Workspace
from voxloop.accounts.services import do_audit
from voxloop.customers.services import do_upsert_customers_for_ingest
from voxloop.feedback.models import Channel, ChannelKind, FeedbackItem
from voxloop.feedback.schemas import LANGUAGE_GIVEN, FeedbackIn, check_occurred_at, error_list
from voxloop.feedback.services.fastinsert import insert_items
from voxloop.ttlcache import TTLCache
from voxloop.writelock import write_lock

DEFAULT_CHANNELS = [
    ("api", ChannelKind.API, "API"),
    ("import", ChannelKind.IMPORT, "Import"),
    ("widget", ChannelKind.WIDGET, "Web widget"),
    ("email", ChannelKind.EMAIL, "Email"),
]


# A workspace's channels, looked up at most every few seconds per process: ingest traffic
# would otherwise query them per request. Saving a channel clears this process's cache.
_channel_cache: TTLCache[int, dict[str, Channel]] = TTLCache(ttl=5.0)


def workspace_channels(workspace: Workspace) -> dict[str, Channel]:
    channels = _channel_cache.get(workspace.pk)
    if channels is None:
        channels = {c.slug: c for c in Channel.objects.filter(workspace=workspace)}
        _channel_cache.set(workspace.pk, channels)
    return channels


def forget_channels() -> None:
    _channel_cache.clear()


def do_create_default_channels(workspace: Workspace) -> None:
    for slug, kind, name in DEFAULT_CHANNELS:
        Channel.objects.get_or_create(
            workspace=workspace, slug=slug, defaults={"kind": kind, "name": name}
        )
    forget_channels()


@dataclass
class IngestResult:
    index: int
    id: int | None = None
    status: str = "created"  # created | existing | error
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.id is not None:
            out["id"] = self.id
        if self.errors:
            out["errors"] = self.errors
        return out


@dataclass
class _Pending:
    index: int
    data: FeedbackIn
    raw: str
    channel: Channel
    occurred_at: Any
    idempotency_key: str | None


def check_feedback_batch(
    workspace: Workspace,
    payloads: Sequence[Any],
    *,
    raws: Sequence[str] | None = None,
    default_channel: str = "api",
    idempotency_keys: Sequence[str | None] | None = None,
) -> tuple[list[_Pending], list[IngestResult]]:
    """Validate every payload; returns the valid ones and one error result per invalid one."""
    channels = workspace_channels(workspace)
    now = timezone.now()
    valid: list[_Pending] = []
    errors: list[IngestResult] = []
    for index, payload in enumerate(payloads):
        if not isinstance(payload, dict):
            errors.append(
                IngestResult(
                    index,
                    status="error",
                    errors=[{"field": "body", "message": "must be a JSON object"}],
                )
            )
            continue
        try:
            data = FeedbackIn.model_validate(payload)
        except ValidationError as exc:
            errors.append(IngestResult(index, status="error", errors=error_list(exc)))
            continue
        problems = []
        slug = data.channel or default_channel
        channel = channels.get(slug)
        if channel is None:
            problems.append({"field": "channel", "message": f"unknown channel {slug!r}"})
        elif not channel.is_active:
            problems.append({"field": "channel", "message": f"channel {slug!r} is disabled"})
        try:
            occurred = check_occurred_at(data.occurred_at, workspace.timezone, now)
        except ValueError as exc:
            problems.append({"field": "occurred_at", "message": str(exc)})
        if problems:
            errors.append(IngestResult(index, status="error", errors=problems))
            continue
        raw = raws[index] if raws is not None else json.dumps(payload, ensure_ascii=False)
        key = idempotency_keys[index] if idempotency_keys is not None else None
        assert channel is not None
        valid.append(_Pending(index, data, raw, channel, occurred, key))
    return valid, errors


def _existing_ids(workspace: Workspace, pending: list[_Pending]) -> dict[tuple[str, str], int]:
    """Stored ids for (channel, external_id) and ("key", idempotency_key) already seen."""
    found: dict[tuple[str, str], int] = {}
    by_channel: dict[int, list[str]] = {}
    keys: list[str] = []
    for p in pending:
        if p.data.external_id is not None:
            by_channel.setdefault(p.channel.pk, []).append(p.data.external_id)
        elif p.idempotency_key:
            keys.append(p.idempotency_key)
    for channel_id, ext_ids in by_channel.items():
        for start in range(0, len(ext_ids), 900):
            rows = FeedbackItem.objects.filter(
                channel_id=channel_id, external_id__in=ext_ids[start : start + 900]
            ).values_list("external_id", "id")
            for ext, pk in rows:
                found[(str(channel_id), str(ext))] = pk
    for start in range(0, len(keys), 900):
        rows = FeedbackItem.objects.filter(
            workspace=workspace, idempotency_key__in=keys[start : start + 900]
        ).values_list("idempotency_key", "id")
        for key, pk in rows:
            found[("key", str(key))] = pk
    return found


def _identity(p: _Pending) -> tuple[str, str] | None:
    if p.data.external_id is not None:
        return (str(p.channel.pk), p.data.external_id)
    if p.idempotency_key:
        return ("key", p.idempotency_key)
    return None


def _row(
    workspace: Workspace,
    p: _Pending,
    customer_id: int | None,
    key_id: int | None,
    now: Any,
    *,
    claim: bool = False,
) -> dict[str, Any]:
    """The new row; ``claim`` stores it already claimed for the analysis job queued next."""
    d = p.data
    return {
        "analysis_claimed_at": now if claim else None,
        "analysis_attempts": 1 if claim else 0,
        "workspace_id": workspace.pk,
        "channel_id": p.channel.pk,
        "customer_id": customer_id,
        "api_key_id": key_id,
        "external_id": d.external_id,
        "idempotency_key": p.idempotency_key if d.external_id is None else None,
        "occurred_at": p.occurred_at,
        "received_at": now,
        "text": d.text,
        "nps": d.nps,
        "csat": d.csat,
        "ces": d.ces,
        "stars": d.stars,
        "metadata": d.metadata or {},
        "raw_payload": p.raw,
        # A language the sender named is kept by analysis instead of detected.
        "language": d.language or "",
        "analysis": {LANGUAGE_GIVEN: True} if d.language else {},
    }


def do_ingest_feedback(
    actor: Actor,
    payloads: Sequence[Any],
    *,
    raws: Sequence[str] | None = None,
    default_channel: str = "api",
    idempotency_keys: Sequence[str | None] | None = None,
    enqueue: bool = False,
    audit: bool = False,
) -> list[IngestResult]:
    """Store valid feedback (raw payload kept) and answer per item; invalid items are reported.

    Idempotent: an item whose external_id (per channel) or idempotency key is known returns
    the stored id with status "existing" and stores nothing. The submitting API key is kept
    on each item. Analysis is picked up by a worker's poll of waiting items within seconds;
    `enqueue=True` queues analysis jobs for the new items straight after commit instead.
    `audit=True` writes one audit row for the whole call (imports by a person).
    """
    actor.require("feedback.create")
    workspace = actor.workspace
    pending, results = check_feedback_batch(
        workspace,
        payloads,
        raws=raws,
        default_channel=default_channel,
        idempotency_keys=idempotency_keys,
    )
    if pending:
        results.extend(_store(actor, pending, enqueue=enqueue, audit=audit))
    results.sort(key=lambda r: r.index)
    return results


def _store(
    actor: Actor, pending: list[_Pending], *, enqueue: bool, audit: bool
) -> list[IngestResult]:
    workspace = actor.workspace
    try:
        with write_lock(), transaction.atomic():
            results, created_ids = _store_bulk(actor, pending, claim=enqueue)
            if audit and created_ids:
                do_audit(
                    actor,
                    "feedback.ingest",
                    workspace,
                    after={
                        "created": len(created_ids),
                        "first_id": min(created_ids),
                        "last_id": max(created_ids),
                    },
                )
    except IntegrityError:
        # Another request stored one of these ids between our check and our insert:
        # fall back to one savepoint per item so the rest of the batch is still kept.
        with write_lock(), transaction.atomic():
            results, created_ids = _store_one_by_one(actor, pending, claim=enqueue)
    if enqueue and created_ids:
        # Stored already claimed: queue the jobs straight away. If queueing fails, the claim
        # expires and the worker's poll takes the items like any others.
        from voxloop.feedback.services.analyze import enqueue_claimed

        transaction.on_commit(lambda: enqueue_claimed(workspace.pk, created_ids))
    return results


def _store_bulk(
    actor: Actor, pending: list[_Pending], *, claim: bool
) -> tuple[list[IngestResult], list[int]]:
    workspace = actor.workspace
    existing = _existing_ids(workspace, pending)
    results: list[IngestResult] = []
    to_create: list[_Pending] = []
    first_in_batch: dict[tuple[str, str], _Pending] = {}
    repeats: list[tuple[_Pending, _Pending]] = []
    for p in pending:
        ident = _identity(p)
        if ident is not None and ident in existing:
            results.append(IngestResult(p.index, existing[ident], "existing"))
            continue
        if ident is not None and ident in first_in_batch:
            repeats.append((p, first_in_batch[ident]))
            continue
        if ident is not None:
            first_in_batch[ident] = p
        to_create.append(p)
    customers = do_upsert_customers_for_ingest(
        workspace, {p.index: p.data.customer for p in to_create}
    )
    now = timezone.now()
    key_id = actor.key.pk if actor.key is not None else None
    ids = insert_items(
        [_row(workspace, p, customers.get(p.index), key_id, now, claim=claim) for p in to_create]
    )
    ids_by_index = {}
    for p, pk in zip(to_create, ids, strict=True):
        ids_by_index[p.index] = pk
        results.append(IngestResult(p.index, pk, "created"))
    for p, first in repeats:
        results.append(IngestResult(p.index, ids_by_index[first.index], "existing"))
    return results, ids


def _store_one_by_one(
    actor: Actor, pending: list[_Pending], *, claim: bool
) -> tuple[list[IngestResult], list[int]]:
    workspace = actor.workspace
    customers = do_upsert_customers_for_ingest(
        workspace, {p.index: p.data.customer for p in pending}
    )
    key_id = actor.key.pk if actor.key is not None else None
    results: list[IngestResult] = []
    created: list[int] = []
    for p in pending:
        ident = _identity(p)
        try:
            with transaction.atomic():
                (pk,) = insert_items(
                    [
                        _row(
                            workspace,
                            p,
                            customers.get(p.index),
                            key_id,
                            timezone.now(),
                            claim=claim,
                        )
                    ]
                )
            results.append(IngestResult(p.index, pk, "created"))
            created.append(pk)
        except IntegrityError:
            found = _existing_ids(workspace, [p]).get(ident) if ident else None
            if found is None:
                raise
            results.append(IngestResult(p.index, found, "existing"))
    return results, created
