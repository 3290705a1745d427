"""The export page: pick a format and the inbox's filters, download the file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from voxloop.accounts.views.common import require_actor
from voxloop.feedback.exporting import EXPORT_FORMATS, export_to_file, parse_filter, stream_chunks
from voxloop.feedback.views.forms import ExportForm

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def export(request: HttpRequest) -> HttpResponseBase:
    """Without `format` the form; with it the download, streamed (CSV, JSONL) or built on
    disk first (XLSX), with the same filters as the inbox and the API."""
    actor = require_actor(request, "feedback.export")
    form = ExportForm(actor.workspace, request.GET or None)
    fmt = request.GET.get("format")
    if fmt is None:
        return render(request, "feedback/export.html", {"form": form})
    error = None
    if fmt not in EXPORT_FORMATS:
        error = f"format: {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}"
    else:
        try:
            f = parse_filter(actor.workspace.timezone, request.GET)
        except ValueError as exc:
            error = str(exc)
    if error is not None:
        return render(request, "feedback/export.html", {"form": form, "error": error}, status=400)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"feedback-{actor.workspace.slug}-{stamp}.{fmt}"
    if fmt == "xlsx":
        tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
        tmp.close()
        path = Path(tmp.name)
        export_to_file(actor, f, "xlsx", path)
        handle = path.open("rb")
        path.unlink()  # the open handle keeps the data until the response is sent
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"]
        )
    response = StreamingHttpResponse(stream_chunks(actor, f, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
