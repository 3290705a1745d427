"""`voxloop manage discover_themes [--workspace SLUG] [--days N] [--limit N]`: one run now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voxloop.accounts.models import Workspace
from voxloop.feedback.services.themes import DAYS, LIMIT, do_discover_themes


class Command(BaseCommand):
    help = "Find suggested themes among feedback no topic covers (one workspace, or all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="workspace slug (default: every workspace)")
        parser.add_argument("--days", type=int, default=DAYS, help=f"look back (default {DAYS})")
        parser.add_argument(
            "--limit", type=int, default=LIMIT, help=f"newest items read (default {LIMIT})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name, lo, hi in (("days", 1, 365), ("limit", 10, 200_000)):
            if not lo <= options[name] <= hi:
                raise CommandError(f"--{name}: give a number from {lo} to {hi}")
        workspaces = Workspace.objects.order_by("pk")
        if options.get("workspace"):
            workspaces = workspaces.filter(slug=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"--workspace: no workspace with slug {options['workspace']!r}")
        for ws in workspaces:
            r = do_discover_themes(ws.pk, days=options["days"], limit=options["limit"])
            self.stdout.write(
                f"{ws.slug}: {r.items} uncovered items, {r.themes} themes "
                f"({r.created} new, {r.updated} updated, {r.skipped} already decided, "
                f"{r.expired} expired) in {r.seconds:.1f} s"
            )
