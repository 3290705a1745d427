"""Import pages: upload, preview and mapping, progress, the rejected-rows report, history."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from voxloop.accounts.actors import Actor
from voxloop.accounts.views.common import add_service_errors, require_actor
from voxloop.feedback.importing.jobs import (
    access_import_job,
    do_create_import_job,
    do_retry_import_job,
    do_start_import_job,
    is_stale,
    preview,
    report_path,
)
from voxloop.feedback.importing.mapping import TARGETS, guess_mapping
from voxloop.feedback.importing.readers import ReadError
from voxloop.feedback.importing.runner import RejectWriter
from voxloop.feedback.models import ImportJob
from voxloop.feedback.views.forms import MappingForm, UploadForm

ACTION = "feedback.import"
SHOWN_REJECTS = 100


def _job(actor: Actor, job_id: int) -> ImportJob:
    try:
        return access_import_job(actor, job_id)
    except ImportJob.DoesNotExist:
        raise Http404("no such import") from None


class _SizeLimit(FileUploadHandler):
    """Stops reading an upload once it passes VOXLOOP_MAX_UPLOAD_MB, before it fills the
    disk; the view then says the file is too large."""

    exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.MAX_UPLOAD_MB * 1024 * 1024:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt  # the check runs below, after the size limit is in place (Django's recipe)
@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    limit = _SizeLimit(request)
    request.upload_handlers.insert(0, limit)
    return _index(request, limit)


@csrf_protect
def _index(request: HttpRequest, limit: _SizeLimit) -> HttpResponse:
    actor = require_actor(request, ACTION)
    form = UploadForm(actor.workspace, request.POST or None, request.FILES or None)
    valid = request.method == "POST" and form.is_valid()
    if limit.exceeded:
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("The file is larger than the %(mb)s MB limit.") % {"mb": settings.MAX_UPLOAD_MB},
        )
        valid = False
    if valid:
        try:
            job = do_create_import_job(
                actor,
                channel_id=form.cleaned_data["channel"].pk,
                upload=form.cleaned_data["file"],
                options={
                    "encoding": form.cleaned_data["encoding"],
                    "delimiter": form.cleaned_data["delimiter"],
                },
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default="file")
        else:
            return redirect("feedback:import_mapping", job_id=job.pk)
    jobs = (
        ImportJob.objects.filter(workspace=actor.workspace)
        .select_related("channel", "created_by")
        .order_by("-id")[:50]
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "feedback/import/index.html", {"form": form, "jobs": jobs}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    job = _job(actor, job_id)
    if not (job.options or {}).get("awaiting_mapping"):
        return redirect("feedback:import_job", job_id=job.pk)
    try:
        info, rows = preview(job)
    except ReadError as exc:
        return render(request, "feedback/import/mapping.html", {"job": job, "error": str(exc)})
    remembered = (job.channel.import_mapping or {}).get("columns") or {}
    initial_map = {t: c for t, c in remembered.items() if c in info.columns and t in TARGETS}
    if not initial_map:
        initial_map = guess_mapping(info.columns)
    initial: dict[str, Any] = {f"map_{t}": c for t, c in initial_map.items()}
    initial["keep_unmapped"] = bool((job.channel.import_mapping or {}).get("keep_unmapped"))
    form = MappingForm(info.columns, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_start_import_job(
                actor,
                job.pk,
                columns=form.columns(),
                keep_unmapped=form.cleaned_data["keep_unmapped"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("feedback:import_job", job_id=job.pk)
    context = {
        "job": job,
        "info": info,
        "rows": rows,
        "form": form,
        "remembered": bool(remembered),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "feedback/import/mapping.html", context, status=status)


def _progress_context(job: ImportJob) -> dict[str, Any]:
    active = job.state in {ImportJob.State.PENDING, ImportJob.State.RUNNING}
    total = max(job.total_rows, job.processed_rows)
    return {
        "job": job,
        "active": active,
        "total": total,
        "percent": int(100 * job.processed_rows / total) if total else (0 if active else 100),
        "can_retry": job.state == ImportJob.State.FAILED or is_stale(job),
    }


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    job = _job(actor, job_id)
    if (job.options or {}).get("awaiting_mapping"):
        return redirect("feedback:import_mapping", job_id=job.pk)
    context = _progress_context(job)
    context["rejects"] = (job.rejects or [])[:SHOWN_REJECTS]
    return render(request, "feedback/import/job.html", context)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    job = _job(actor, job_id)
    try:
        do_retry_import_job(actor, job.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("feedback:import_job", job_id=job.pk)


@login_required
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress panel alone; htmx polls it while the import runs."""
    actor = require_actor(request, ACTION)
    job = _job(actor, job_id)
    return render(request, "feedback/import/_progress.html", _progress_context(job))


@login_required
def job_rejects(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The rejected-rows report as CSV: row, field, column, error and the source row."""
    actor = require_actor(request, ACTION)
    job = _job(actor, job_id)
    filename = f"import-{job.pk}-rejected-rows.csv"
    path = report_path(job)
    if job.state == ImportJob.State.DONE and path.is_file():
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=filename, content_type="text/csv"
        )
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = RejectWriter(buf)
    for reject in job.rejects or []:
        writer.write(reject)
    response = HttpResponse(buf.getvalue().encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
