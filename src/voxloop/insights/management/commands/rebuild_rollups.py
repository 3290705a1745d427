"""`voxloop manage rebuild_rollups [--workspace SLUG]`: rebuild rollups from the feedback."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voxloop.accounts.models import Workspace
from voxloop.insights.services import do_rebuild_rollups


class Command(BaseCommand):
    help = "Rebuild the hourly and daily rollups of one workspace (or all) from the feedback."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="workspace slug (default: every workspace)")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace_id = None
        if options.get("workspace"):
            ws = Workspace.objects.filter(slug=options["workspace"]).first()
            if ws is None:
                raise CommandError(f"--workspace: no workspace with slug {options['workspace']!r}")
            workspace_id = ws.pk
        started = time.perf_counter()
        rows = do_rebuild_rollups(workspace_id)
        self.stdout.write(
            f"rebuilt rollups: {rows} hourly rows in {time.perf_counter() - started:.1f} s"
        )
