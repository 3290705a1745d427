"""An import whose worker died is queued again by the scheduler (and fails after a few tries)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import factories
from voxloop.feedback.importing import jobs
from voxloop.feedback.importing.jobs import (
    MAX_REQUEUES,
    do_create_import_job,
    do_requeue_stale_imports,
    do_run_import_job,
    do_start_import_job,
)
from voxloop.feedback.models import Channel, FeedbackItem, ImportJob
from voxloop.server.scheduler import SCHEDULE, Scheduler

pytestmark = pytest.mark.django_db

CSV = "text,id\n配送太慢了,r1\n客服很好,r2\n包装破损,r3\n"


def _job(world: Any) -> ImportJob:
    """A job whose mapping is chosen (queued, not yet run)."""
    actor = factories.actor(world.acme, world.alice)
    channel = Channel.objects.get(workspace=world.acme, slug="import")
    upload = SimpleUploadedFile("reviews.csv", CSV.encode())
    job = do_create_import_job(actor, channel_id=channel.pk, upload=upload)
    do_start_import_job(actor, job.pk, columns={"text": "text", "external_id": "id"})
    return ImportJob.objects.get(pk=job.pk)


def _died_half_way(job: ImportJob, minutes_ago: int) -> None:
    """What a worker that stored one row and then died leaves behind."""
    beat = (timezone.now() - timedelta(minutes=minutes_ago)).isoformat()
    ImportJob.objects.filter(pk=job.pk).update(
        state="running", processed_rows=1, options={**job.options, "heartbeat": beat}
    )


def test_a_job_without_progress_for_ten_minutes_is_queued_again_and_finishes(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = _job(world)
    do_run_import_job(job.pk)  # the first run stores every row ...
    _died_half_way(job, minutes_ago=11)  # ... but its worker never said it was done
    with django_capture_on_commit_callbacks(execute=True):
        assert do_requeue_stale_imports() == [job.pk]
    job.refresh_from_db()
    assert job.state == "done" and job.options["requeues"] == 1
    assert (job.created_count, job.existing_count) == (0, 3)  # found again, not stored twice
    assert FeedbackItem.objects.filter(workspace=world.acme).count() == 3


def test_a_job_with_recent_progress_is_left_alone(world: Any) -> None:
    job = _job(world)
    _died_half_way(job, minutes_ago=9)
    assert do_requeue_stale_imports() == []
    assert ImportJob.objects.get(pk=job.pk).state == "running"
    # pending and finished jobs are never touched, however old
    with time_machine.travel(timedelta(hours=2)):
        ImportJob.objects.filter(pk=job.pk).update(state="done")
        assert do_requeue_stale_imports() == []


def test_a_job_uploaded_long_ago_is_not_stale_when_its_run_starts(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _job(world)
    seen: list[list[int]] = []
    real = jobs.import_rows

    def sweep_during_the_run(*args: Any, **kwargs: Any) -> Any:
        seen.append(do_requeue_stale_imports())  # the scheduler ticks before any progress
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "import_rows", sweep_during_the_run)
    with time_machine.travel(timedelta(hours=1)):  # mapped an hour after the upload
        do_run_import_job(job.pk)
    assert seen == [[]]
    assert ImportJob.objects.get(pk=job.pk).state == "done"


def test_a_job_that_keeps_losing_its_worker_fails(world: Any) -> None:
    job = _job(world)
    for attempt in range(1, MAX_REQUEUES + 2):
        job.refresh_from_db()
        _died_half_way(job, minutes_ago=30)
        found = do_requeue_stale_imports()  # on_commit callbacks are not run: nothing re-runs
        job.refresh_from_db()
        if attempt <= MAX_REQUEUES:
            assert found == [job.pk] and job.state == "pending"
        else:
            assert found == [] and job.state == "failed"
    assert "stopped 3 times" in job.error and job.finished_at is not None


def test_the_scheduler_sweeps_every_minute_and_at_worker_start(
    world: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    interval, sweep = SCHEDULE["requeue_stale_imports"]
    assert interval <= 60
    job = _job(world)
    _died_half_way(job, minutes_ago=60)
    # the first tick of a starting worker runs every scheduled job (connections are the
    # test's own here, so the scheduler must not close them)
    monkeypatch.setattr("voxloop.server.scheduler.close_old_connections", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        Scheduler({"requeue_stale_imports": (interval, sweep)}).run_once(0.0, {})
    assert ImportJob.objects.get(pk=job.pk).state == "done"
