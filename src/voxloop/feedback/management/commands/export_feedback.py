"""`voxloop export`: feedback with its analysis fields to CSV, JSONL or XLSX."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voxloop.accounts.actors import system_actor
from voxloop.feedback.exporting import EXPORT_FORMATS, export_to_file, parse_filter
from voxloop.feedback.management.commands.import_feedback import workspace_for_cli


class Command(BaseCommand):
    help = "Export feedback with analysis fields; filters as in the API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="Workspace slug (optional if there is one).")
        parser.add_argument(
            "--format", choices=EXPORT_FORMATS, help="Default: from --out's extension."
        )
        parser.add_argument("--out", required=True, help="Output file; - for standard output.")
        parser.add_argument("--channel", help="Channel slug.")
        parser.add_argument("--since", help="occurred_at ≥ this time (ISO 8601 or a date).")
        parser.add_argument("--until", help="occurred_at < this time.")
        parser.add_argument("--sentiment", help="positive, neutral or negative.")
        parser.add_argument("--topic", help="Topic id (its sub-topics included).")
        parser.add_argument("--kind", help="complaint, suggestion, praise, question or other.")
        parser.add_argument("--status", help="received, analyzed, junk or duplicate.")
        parser.add_argument("--q", help="Text search.")
        parser.add_argument("--customer", help="Customer external id.")
        parser.add_argument("--urgency", help="Urgency flag: safety, legal, churn or media.")

    def handle(self, *args: Any, **opts: Any) -> None:
        workspace = workspace_for_cli(opts["workspace"])
        out = opts["out"]
        fmt = opts["format"] or (Path(out).suffix.lstrip(".").lower() if out != "-" else "csv")
        if fmt not in EXPORT_FORMATS:
            raise CommandError(
                f"--format: cannot tell the format from {out!r}; "
                f"pass --format {'|'.join(EXPORT_FORMATS)}"
            )
        if out == "-" and fmt == "xlsx":
            raise CommandError("--out: an XLSX export needs a file name")
        try:
            f = parse_filter(workspace.timezone, opts)
        except ValueError as exc:
            raise CommandError(f"--{exc}") from None
        actor = system_actor(workspace)
        target: Any = getattr(self.stdout, "_out", sys.stdout) if out == "-" else Path(out)
        count = export_to_file(actor, f, fmt, target)
        self.stderr.write(
            f"exported {count} items" + (f" to {out}" if out != "-" else ""),
            style_func=lambda text: text,
        )
