"""Import jobs of the web UI: upload, mapping, the background run and its report."""

from __future__ import annotations

import functools
import logging
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Membership
from voxloop.accounts.services import actor_for, do_audit
from voxloop.feedback.importing.mapping import Mapping, MappingError, resolve_mapping
from voxloop.feedback.importing.readers import FileInfo, Reader, ReadError, open_reader
from voxloop.feedback.importing.runner import ImportSummary, RejectWriter, import_rows
from voxloop.feedback.models import Channel, ImportJob

log = logging.getLogger(__name__)

# A running job that has not reported progress for this long lost its worker.
STALE_AFTER = timedelta(minutes=10)
MAX_REQUEUES = 3  # automatic runs again after lost workers, before the job fails

REPORT_NAME = "rejects.csv"
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def import_dir(workspace_id: int) -> Path:
    return Path(settings.UPLOAD_DIR) / "imports" / str(workspace_id)


def report_path(job: ImportJob) -> Path:
    return Path(job.path).parent / REPORT_NAME


def access_import_job(actor: Actor, job_id: int) -> ImportJob:
    """The job if it is in the actor's workspace (ImportJob.DoesNotExist otherwise)."""
    actor.require("feedback.import")
    return ImportJob.objects.select_related("channel", "created_by").get(
        pk=job_id, workspace=actor.workspace
    )


def _safe_name(name: str) -> str:
    base = Path(name).name
    base = re.sub(r"[^\w.\-]+", "_", base).strip("._") or "upload"
    return base[-120:]


def job_reader(job: ImportJob, hint: list[str] | None = None) -> Reader:
    opts = job.options or {}
    return open_reader(
        Path(job.path),
        format=opts.get("format"),
        encoding=opts.get("encoding") or None,
        delimiter=opts.get("delimiter") or None,
        sheet=opts.get("sheet") or None,
        hint=hint or [],
    )


@transaction.atomic
def do_create_import_job(
    actor: Actor,
    *,
    channel_id: int,
    upload: UploadedFile[bytes],
    options: dict[str, Any] | None = None,
) -> ImportJob:
    """Keep an uploaded file under the data directory and open a job waiting for its mapping."""
    actor.require("feedback.import")
    channel = Channel.objects.filter(workspace=actor.workspace, pk=channel_id).first()
    if channel is None:
        raise ValidationError({"channel": "Choose a channel of this workspace."})
    if not channel.is_active:
        raise ValidationError({"channel": f"Channel {channel.name} is disabled."})
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {"file": f"The file is larger than the {settings.MAX_UPLOAD_MB} MB limit."}
        )
    name = upload.name or "upload"
    suffix = Path(name).suffix.lower()
    options = dict(options or {})
    if suffix == ".xls":
        raise ValidationError({"file": "Old .xls workbooks are not supported; save as .xlsx."})
    if not options.get("format"):
        if suffix not in EXTENSIONS:
            raise ValidationError(
                {"file": "Upload a .csv, .tsv, .txt, .xlsx, .jsonl or .ndjson file."}
            )
        options["format"] = EXTENSIONS[suffix]
    folder = import_dir(actor.workspace.pk) / secrets.token_hex(8)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(name)
    with path.open("wb") as fh:
        for piece in upload.chunks():
            fh.write(piece)
    try:
        reader = open_reader(
            path,
            format=options["format"],
            encoding=options.get("encoding") or None,
            delimiter=options.get("delimiter") or None,
        )
    except ReadError as exc:
        path.unlink(missing_ok=True)
        folder.rmdir()
        raise ValidationError({"file": str(exc)}) from None
    info = reader.info
    options.update(
        awaiting_mapping=True,
        encoding=options.get("encoding") or info.encoding or "",
        delimiter=options.get("delimiter") or info.delimiter or "",
    )
    job = ImportJob.objects.create(
        workspace=actor.workspace,
        channel=channel,
        created_by=actor.user,
        filename=name[:255],
        path=str(path),
        options=options,
        total_rows=info.estimated_rows or 0,
    )
    do_audit(actor, "import.upload", job, after={"file": job.filename, "channel": channel.slug})
    return job


def preview(job: ImportJob, limit: int = 10) -> tuple[FileInfo, list[dict[str, Any]]]:
    """The file's columns and first rows (for the mapping form)."""
    reader = job_reader(job)
    rows: list[dict[str, Any]] = []
    for row in reader.rows():
        rows.append(
            {"number": row.number, "values": row.values, "error": row.error, "raw": row.raw}
        )
        if len(rows) >= limit:
            break
    return reader.info, rows


@transaction.atomic
def do_start_import_job(
    actor: Actor, job_id: int, *, columns: dict[str, str], keep_unmapped: bool = False
) -> ImportJob:
    """Check the mapping against the file, remember it on the channel and queue the run."""
    job = access_import_job(actor, job_id)
    if not (job.options or {}).get("awaiting_mapping") or job.state != ImportJob.State.PENDING:
        raise ValidationError({"mapping": "This import has started already."})
    explicit = {t: c for t, c in columns.items() if c}
    try:
        reader = job_reader(job, hint=list(explicit.values()))
        mapping = resolve_mapping(
            reader.info.columns, explicit, keep_unmapped=keep_unmapped, guess=False
        )
    except MappingError as exc:
        raise ValidationError({"mapping": str(exc)}) from None
    except ReadError as exc:
        raise ValidationError({"file": str(exc)}) from None
    job.mapping = mapping.as_json()
    job.options = {**job.options, "awaiting_mapping": False}
    job.save(update_fields=["mapping", "options"])
    do_remember_mapping(actor, job.channel, mapping)
    do_audit(actor, "import.start", job, after={"mapping": job.mapping})
    job_pk = job.pk
    transaction.on_commit(lambda: _enqueue(job_pk))
    return job


def _enqueue(job_id: int) -> None:
    from voxloop.feedback.tasks import run_import

    run_import.enqueue(job_id)


def do_remember_mapping(actor: Actor, channel: Channel, mapping: Mapping) -> None:
    """The channel's import form starts from this mapping next time."""
    actor.require("feedback.import")
    data = mapping.as_json()
    if channel.import_mapping != data:
        channel.import_mapping = data
        channel.save(update_fields=["import_mapping"])


def _job_actor(job: ImportJob) -> Actor:
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=job.workspace_id, user=job.created_by_id)
        .first()
    )
    if membership is None:
        raise PermissionDenied("the person who started this import is no longer a member")
    actor = actor_for(membership)
    actor.require("feedback.import")
    return actor


def do_run_import_job(job_id: int) -> ImportSummary | None:
    """Run a queued import (the background task). Claims the job so it runs once."""
    waiting = ImportJob.objects.filter(pk=job_id).values_list("options", flat=True).first()
    if waiting is None or (waiting or {}).get("awaiting_mapping"):
        return None
    # The claim is the first heartbeat: without it a job uploaded long ago would look stale
    # (and be requeued) before its first batch reports progress.
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.PENDING).update(
        state=ImportJob.State.RUNNING,
        processed_rows=0,
        options={**(waiting or {}), "heartbeat": timezone.now().isoformat()},
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("channel", "workspace").get(pk=job_id)
    try:
        actor = _job_actor(job)
        mapping = Mapping.from_json(job.mapping)
        reader = job_reader(job, hint=list(mapping.columns.values()))
        if reader.info.estimated_rows:
            ImportJob.objects.filter(pk=job.pk).update(total_rows=reader.info.estimated_rows)

        def on_progress(s: ImportSummary) -> None:
            beat = {**job.options, "heartbeat": timezone.now().isoformat()}
            ImportJob.objects.filter(pk=job.pk).update(
                options=beat,
                processed_rows=s.rows,
                created_count=s.created,
                existing_count=s.existing,
                rejected_count=s.rejected,
            )

        with report_path(job).open("w", newline="", encoding="utf-8-sig") as fh:
            summary = import_rows(
                actor,
                job.channel,
                reader,
                mapping,
                on_progress=on_progress,
                report=RejectWriter(fh),
                filename=job.filename,
            )
    except (ReadError, MappingError, PermissionDenied) as exc:
        _fail(job, str(exc))
        return None
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        _fail(job, f"unexpected error: {exc}")
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE,
        total_rows=summary.rows,
        processed_rows=summary.rows,
        created_count=summary.created,
        existing_count=summary.existing,
        rejected_count=summary.rejected,
        rejects=[{k: v for k, v in r.items() if k != "raw"} for r in summary.rejects],
        finished_at=timezone.now(),
    )
    return summary


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def is_stale(job: ImportJob, now: datetime | None = None) -> bool:
    """A job shown as running whose worker stopped (no progress for STALE_AFTER)."""
    if job.state != ImportJob.State.RUNNING:
        return False
    beat = (job.options or {}).get("heartbeat")
    last = datetime.fromisoformat(beat) if beat else job.created_at
    return (now or timezone.now()) - last > STALE_AFTER


def do_requeue_stale_imports(now: datetime | None = None) -> list[int]:
    """Put running imports whose worker died back in the queue (the scheduler's sweep).

    Rows the first run stored are found again, not stored twice, so the new run finishes the
    file. A file that lost its worker MAX_REQUEUES times (one that kills the process, say)
    fails with a message instead of looping. Returns the ids of the jobs requeued.
    """
    now = now or timezone.now()
    requeued: list[int] = []
    for job in ImportJob.objects.filter(state=ImportJob.State.RUNNING).only(
        "id", "state", "options", "created_at"
    ):
        if not is_stale(job, now):
            continue
        options = dict(job.options or {})
        beat = options.get("heartbeat")
        # Conditional on the heartbeat we judged: a worker that reported progress meanwhile,
        # or another scheduler that got here first, makes this update match nothing.
        unchanged = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING)
        unchanged = (
            unchanged.filter(options__heartbeat=beat)
            if beat
            else unchanged.filter(options__heartbeat__isnull=True)
        )
        count = int(options.get("requeues", 0)) + 1
        options.pop("heartbeat", None)
        options["requeues"] = count
        if count > MAX_REQUEUES:
            gave_up = unchanged.update(
                state=ImportJob.State.FAILED,
                options=options,
                error=f"The worker stopped {MAX_REQUEUES} times while importing this file; "
                "it was not tried again.",
                finished_at=now,
            )
            if gave_up:
                log.error("import job %s lost its worker %d times; failed", job.pk, count - 1)
            continue
        if unchanged.update(state=ImportJob.State.PENDING, options=options):
            log.warning("import job %s lost its worker; queued again (%d)", job.pk, count)
            requeued.append(job.pk)
            transaction.on_commit(functools.partial(_enqueue, job.pk))
    return requeued


@transaction.atomic
def do_retry_import_job(actor: Actor, job_id: int) -> ImportJob:
    """Run a failed or abandoned import again. Rows stored by the first run are found, not
    stored twice, so a retry finishes the file."""
    job = access_import_job(actor, job_id)
    if not (job.state == ImportJob.State.FAILED or is_stale(job)):
        raise ValidationError({"state": "Only a failed or stalled import can be run again."})
    previous = job.state
    job.state = ImportJob.State.PENDING
    job.error = ""
    job.finished_at = None
    job.save(update_fields=["state", "error", "finished_at"])
    do_audit(actor, "import.retry", job, before={"state": previous}, after={"state": job.state})
    job_pk = job.pk
    transaction.on_commit(lambda: _enqueue(job_pk))
    return job
