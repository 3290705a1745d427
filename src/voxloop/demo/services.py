"""Creating the demo workspace: owner, team, channels, taxonomy, customers, feedback, analysis."""

from __future__ import annotations

import multiprocessing
import os
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Membership, Role, User, Workspace
from voxloop.accounts.services import do_add_member, do_create_api_key, do_create_workspace
from voxloop.customers.services import do_upsert_customers_for_ingest
from voxloop.demo import stories
from voxloop.demo.generator import DemoData, generate
from voxloop.demo.parallel import analyze_batch, init_process
from voxloop.demo.taxonomy import walk
from voxloop.feedback.models import Channel, FeedbackItem, Status
from voxloop.feedback.schemas import CustomerIn
from voxloop.feedback.services import do_ingest_feedback, do_save_channel, do_save_topic

DEMO_NAME = "鲜到家 FreshDash"
DEMO_EMAIL = "demo@voxloop.local"
TEAM = [  # a few colleagues, so members, roles and assignment have someone to show
    ("wang.fang@freshdash.example", Role.MANAGER),
    ("li.na@freshdash.example", Role.AGENT),
    ("tom.clarke@freshdash.example", Role.AGENT),
    ("chen.jie@freshdash.example", Role.ANALYST),
]
INGEST_BATCH = 1_000

Progress = Callable[[str, int, int], None]  # phase, done, total


@dataclass
class DemoResult:
    workspace: Workspace
    email: str
    password: str
    api_key: str
    items: int
    analyzed: int
    alerts: int = 0  # open alerts after detection
    timings: dict[str, float] = field(default_factory=dict)


def _quiet(phase: str, done: int, total: int) -> None:
    return None


@contextmanager
def _timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[phase] = time.perf_counter() - start


def demo_files() -> tuple[Path, Path]:
    """Where the demo writes its API key and its login (the README reads the key file)."""
    return settings.DATA_DIR / "demo-api-key", settings.DATA_DIR / "demo-login"


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


@transaction.atomic
def do_reset_demo_owner(email: str = DEMO_EMAIL) -> tuple[User, str]:
    """The demo owner with a fresh password; the previous demo workspace is deleted."""
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, name="Demo Owner")
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    old = Workspace.objects.filter(
        name=DEMO_NAME, memberships__user=user, memberships__role=Role.OWNER
    )
    for workspace in old:
        FeedbackItem.objects.filter(workspace=workspace).update(duplicate_of=None)
        FeedbackItem.objects.filter(workspace=workspace).delete()
        workspace.delete()
    return user, password


def do_build_demo_structure(owner: User) -> tuple[Workspace, Actor]:
    """Workspace, colleagues, channels and the taxonomy."""
    with transaction.atomic():
        workspace = do_create_workspace(DEMO_NAME, owner, tz=stories.TIMEZONE)
        actor = Actor(workspace=workspace, user=owner, role=Role.OWNER)
        for email, role in TEAM:
            if Membership.objects.filter(workspace=workspace, user__email=email).exists():
                continue
            do_add_member(actor, email, role)
        existing = set(Channel.objects.filter(workspace=workspace).values_list("slug", flat=True))
        for slug, kind, name in stories.CHANNELS:
            if slug not in existing:
                do_save_channel(actor, name=name, kind=kind)
        ids: dict[str, int] = {}
        for node, _level, parent in walk():
            topic = do_save_topic(
                actor,
                name_en=node.name_en,
                name_zh=node.name_zh,
                parent_id=ids[parent] if parent else None,
                keywords=list(node.keywords),
                examples=list(node.examples),
            )
            ids[node.key] = topic.pk
    return workspace, actor


def do_load_demo_feedback(actor: Actor, data: DemoData, progress: Progress = _quiet) -> list[int]:
    """Customers, then the feedback through the ingestion service, in batches."""
    workspace = actor.workspace
    with transaction.atomic():
        do_upsert_customers_for_ingest(
            workspace,
            {
                n: CustomerIn(
                    external_id=c.external_id,
                    name=c.name,
                    email=c.email or None,
                    phone=c.phone or None,
                    segment=c.segment,
                    tier=c.tier,
                    attributes=c.attributes,
                    consent_email=c.consent_email,
                    consent_sms=c.consent_sms,
                    consent_survey=c.consent_survey,
                )
                for n, c in enumerate(data.customers)
            },
        )
    ids: list[int] = []
    total = len(data.items)
    for start in range(0, total, INGEST_BATCH):
        batch = [item.payload() for item in data.items[start : start + INGEST_BATCH]]
        results = do_ingest_feedback(actor, batch)
        failed = [r for r in results if r.status == "error"]
        if failed:
            raise ValueError(f"demo item {start + failed[0].index} was refused: {failed[0].errors}")
        ids.extend(r.id for r in results if r.id is not None)
        progress("load", min(start + INGEST_BATCH, total), total)
    return ids


def do_analyze_demo(
    workspace: Workspace, ids: list[int], progress: Progress = _quiet, *, processes: int = 1
) -> int:
    """Run the analysis pipeline over every demo item, in the worker's batch size.

    With `processes` > 1 the batches run in that many fresh processes at once, as that many
    background workers would (each links duplicates against what the others have written).
    """
    size = settings.ANALYSIS_BATCH_SIZE
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    done = analyzed = 0
    if processes <= 1 or len(batches) < 2:
        for batch in batches:
            analyzed += analyze_batch(workspace.pk, batch)
            done += len(batch)
            progress("analyze", done, len(ids))
        return analyzed
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=init_process
    ) as pool:
        futures = {pool.submit(analyze_batch, workspace.pk, batch): batch for batch in batches}
        for future in as_completed(futures):
            analyzed += future.result()
            done += len(futures[future])
            progress("analyze", done, len(ids))
    return analyzed


def do_finish_demo_insights(workspace: Workspace) -> int:
    """Rollups over all the analysed demo feedback, then one detection run, so the dashboard
    and the alert centre tell the built-in stories from the start. Returns open alerts."""
    from voxloop.feedback.services.themes import run_discovery
    from voxloop.insights.models import Alert, AlertState
    from voxloop.insights.services import do_detect, do_rebuild_rollups

    do_rebuild_rollups(workspace.pk)
    run_discovery(workspace.pk)  # suggested themes (the packaging story) and their alert
    do_detect(workspace.pk)
    return Alert.objects.filter(workspace=workspace, state=AlertState.OPEN).count()


def do_create_demo(
    *,
    items: int,
    seed: int,
    email: str = DEMO_EMAIL,
    analyze: bool = True,
    processes: int = 1,
    progress: Progress = _quiet,
) -> DemoResult:
    """A fresh demo workspace (the previous one is replaced), its login and API key files."""
    timings: dict[str, float] = {}
    with _timed(timings, "generate"):
        data = generate(items, seed=seed, now=timezone.now())
    with _timed(timings, "setup"):
        owner, password = do_reset_demo_owner(email)
        workspace, actor = do_build_demo_structure(owner)
        _key, raw_key = do_create_api_key(actor, "demo", ["feedback:write", "feedback:read"])
        key_file, login_file = demo_files()
        _write_secret(key_file, raw_key + "\n")
        _write_secret(login_file, f"{email}\n{password}\n")
    with _timed(timings, "load"):
        ids = do_load_demo_feedback(actor, data, progress)
    analyzed = 0
    alerts = 0
    if analyze:
        with _timed(timings, "analyze"):
            analyzed = do_analyze_demo(workspace, ids, progress, processes=processes)
        with _timed(timings, "insights"):
            alerts = do_finish_demo_insights(workspace)
    return DemoResult(
        workspace=workspace,
        email=email,
        password=password,
        api_key=raw_key,
        items=len(ids),
        analyzed=analyzed,
        alerts=alerts,
        timings=timings,
    )


def demo_status_counts(workspace: Workspace) -> dict[str, int]:
    counts = {s: 0 for s in Status.values}
    rows = FeedbackItem.objects.filter(workspace=workspace).values("status").annotate(n=Count("id"))
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
