"""`voxloop import FILE`: import feedback from CSV, XLSX or JSONL with a progress bar."""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voxloop.accounts.actors import system_actor
from voxloop.accounts.models import Workspace
from voxloop.feedback.importing.mapping import MappingError, parse_map_spec, resolve_mapping
from voxloop.feedback.importing.readers import FORMATS, ReadError, open_reader
from voxloop.feedback.importing.runner import ImportSummary, RejectWriter, import_rows
from voxloop.feedback.models import Channel

SHOWN_REJECTS = 50


def workspace_for_cli(slug: str | None) -> Workspace:
    if slug:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"--workspace: no workspace with slug {slug!r}")
        return workspace
    workspaces = list(Workspace.objects.order_by("id")[:2])
    if len(workspaces) != 1:
        raise CommandError(
            "--workspace is required: "
            + ("there is no workspace yet (run voxloop init)" if not workspaces else "name one")
        )
    return workspaces[0]


class Command(BaseCommand):
    help = "Import feedback from a CSV, XLSX or JSONL file (re-importing creates no duplicates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to import.")
        parser.add_argument("--workspace", help="Workspace slug (optional if there is one).")
        parser.add_argument("--channel", default="import", help="Channel slug (default import).")
        parser.add_argument(
            "--map",
            action="append",
            dest="maps",
            default=[],
            help="target=column pairs, comma-separated (repeatable), e.g. "
            "text=评论内容,nps=推荐度,occurred_at=日期,customer=会员ID. Targets: text, "
            "occurred_at, external_id, customer, customer_name, customer_email, segment, nps, "
            "csat, ces, stars, language, metadata.<key>. Unmapped targets are guessed from "
            "common header names.",
        )
        parser.add_argument(
            "--keep-unmapped",
            action="store_true",
            help="Keep the columns that are not mapped in each item's metadata.",
        )
        parser.add_argument(
            "--no-guess", action="store_true", help="Use only the --map pairs; guess nothing."
        )
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file name.")
        parser.add_argument("--encoding", help="Default: detected (UTF-8, BOM, GB18030).")
        parser.add_argument("--delimiter", help="CSV delimiter (default: sniffed; 'tab' for tab).")
        parser.add_argument("--sheet", help="XLSX sheet name (default: the first sheet).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and store nothing."
        )
        parser.add_argument("--rejects", help="Write the rejected-rows report (CSV) to this file.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def _note(self, message: str) -> None:
        self.stderr.write(message, style_func=lambda text: text)  # information, not an error

    def handle(self, *args: Any, **opts: Any) -> None:
        workspace = workspace_for_cli(opts["workspace"])
        channel = Channel.objects.filter(workspace=workspace, slug=opts["channel"]).first()
        if channel is None:
            known = ", ".join(
                Channel.objects.filter(workspace=workspace).values_list("slug", flat=True)
            )
            raise CommandError(f"--channel: no channel {opts['channel']!r}; channels: {known}")
        path = Path(opts["file"])
        try:
            explicit = parse_map_spec(opts["maps"])
            reader = open_reader(
                path,
                format=opts["format"],
                encoding=opts["encoding"],
                delimiter=opts["delimiter"],
                sheet=opts["sheet"],
                hint=list(explicit.values()),
            )
            mapping = resolve_mapping(
                reader.info.columns,
                explicit,
                keep_unmapped=opts["keep_unmapped"],
                guess=not opts["no_guess"],
            )
        except (ReadError, MappingError) as exc:
            raise CommandError(str(exc)) from None
        info = reader.info
        self._note(
            f"{path.name}: {info.format}"
            + (f", encoding {info.encoding}" if info.encoding else "")
            + (f", delimiter {info.delimiter!r}" if info.delimiter else "")
            + (f", header on row {info.header_row}" if info.header_row else "")
        )
        for note in info.notes:
            self._note(f"note: {note}")
        self._note(
            "mapping: "
            + ", ".join(
                f"{t}={c}" + (" (guessed)" if t in mapping.guessed else "")
                for t, c in mapping.columns.items()
            )
        )
        with tempfile.TemporaryFile("w+", newline="", encoding="utf-8") as report_file:
            try:
                summary = self._run(opts, workspace, channel, reader, mapping, report_file, path)
            except ReadError as exc:
                raise CommandError(str(exc)) from None
            report_file.seek(0)
            if opts["rejects"]:
                with open(opts["rejects"], "w", newline="", encoding="utf-8-sig") as dest:
                    shutil.copyfileobj(report_file, dest)
                report_file.seek(0)
            self._print_summary(summary, opts, report_file)

    def _run(
        self,
        opts: dict[str, Any],
        workspace: Workspace,
        channel: Channel,
        reader: Any,
        mapping: Any,
        report_file: Any,
        path: Path,
    ) -> ImportSummary:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        report = RejectWriter(report_file)
        actor = system_actor(workspace)
        show = not opts["no_progress"] and sys.stderr.isatty()
        progress = Progress(
            TextColumn("[bold]importing" if not opts["dry_run"] else "[bold]checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            disable=not show,
        )
        with progress:
            task = progress.add_task("rows", total=reader.info.estimated_rows or None, status="")

            def on_progress(s: ImportSummary) -> None:
                progress.update(
                    task,
                    completed=s.rows,
                    status=f"new {s.created}  known {s.existing}  rejected {s.rejected}",
                )

            summary = import_rows(
                actor,
                channel,
                reader,
                mapping,
                dry_run=opts["dry_run"],
                on_progress=on_progress,
                report=report,
                filename=path.name,
            )
            progress.update(task, total=summary.rows, completed=summary.rows)
        return summary

    def _print_summary(self, s: ImportSummary, opts: dict[str, Any], report: TextIO) -> None:
        out = self.stdout
        if s.dry_run:
            out.write(
                f"dry run: {s.rows} rows read, {s.valid} valid, {s.rejected} rejected; "
                "nothing was stored"
            )
        else:
            out.write(
                f"{s.rows} rows read: {s.created} created, {s.existing} already there, "
                f"{s.rejected} rejected"
            )
        limit = None if s.dry_run else SHOWN_REJECTS
        reader = csv.DictReader(report)
        for n, r in enumerate(reader):
            if limit is not None and n >= limit:
                where = opts["rejects"] or "use --rejects FILE for the full report"
                out.write(f"  … and more rejected rows ({where})")
                break
            column = f" [{r['column']}]" if r.get("column") else ""
            out.write(f"  row {r['row']}: {r['field']}{column}: {r['error']}")
        if opts["rejects"]:
            out.write(f"rejected-rows report: {opts['rejects']}")
