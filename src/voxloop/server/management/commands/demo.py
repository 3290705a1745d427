"""`voxloop demo`: a fresh 鲜到家 FreshDash workspace with 90 days of feedback, then serve it."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from voxloop.demo.generator import DEFAULT_ITEMS
from voxloop.demo.services import DemoResult, demo_files, demo_status_counts, do_create_demo


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo workspace 鲜到家 FreshDash with realistic feedback in "
        "Chinese and English over 90 days, analyse it, then serve it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--items", type=int, default=DEFAULT_ITEMS, help="Feedback items (default 6000)."
        )
        parser.add_argument("--seed", type=int, default=7, help="Same seed, same feedback.")
        parser.add_argument("--no-serve", action="store_true", help="Create it, do not serve.")
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="Leave analysis to the background worker instead of running it now.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Processes analysing at once (default: 2, or 1 on a one-core machine).",
        )
        parser.add_argument("--host", default=settings.HOST, help="Default VOXLOOP_HOST.")
        parser.add_argument("--port", type=int, default=settings.PORT, help="Default VOXLOOP_PORT.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not 50 <= opts["items"] <= 200_000:
            raise CommandError("--items must be between 50 and 200000")
        if not 1 <= opts["jobs"] <= 32:
            raise CommandError("--jobs must be between 1 and 32")
        self.stdout.write("Preparing the database ...")
        call_command("migrate", interactive=False, verbosity=0)
        result = self._create(opts)
        self._report(result, opts)
        if opts["no_serve"]:
            return
        call_command("serve", host=opts["host"], port=opts["port"], no_migrate=True)

    def _create(self, opts: dict[str, Any]) -> DemoResult:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        show = not opts["no_progress"] and sys.stderr.isatty()
        bars = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show,
        )
        tasks: dict[str, Any] = {}
        labels = {"load": "Storing feedback", "analyze": "Analysing feedback"}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(labels.get(phase, phase), total=total)
            bars.update(tasks[phase], completed=done)

        self.stdout.write(f"Generating {opts['items']:,} feedback items (seed {opts['seed']}) ...")
        with bars:
            return do_create_demo(
                items=opts["items"],
                seed=opts["seed"],
                analyze=not opts["no_analyze"],
                processes=opts["jobs"],
                progress=progress,
            )

    def _report(self, result: DemoResult, opts: dict[str, Any]) -> None:
        key_file, login_file = demo_files()
        counts = demo_status_counts(result.workspace)
        t = result.timings
        phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in t.items())
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Demo workspace: {result.workspace.name} ({result.workspace.slug})",
                    f"  {result.items:,} feedback items, {result.analyzed:,} analysed "
                    f"({counts['analyzed']:,} kept, {counts['duplicate']:,} duplicates, "
                    f"{counts['junk']:,} junk)",
                    f"  {result.alerts:,} open alerts in the alert centre",
                    f"  time: {phases}; total {sum(t.values()):.1f}s",
                    f"  API key written to {key_file}",
                    f"  login written to {login_file}",
                    "",
                    f"URL:      {url}",
                    f"Login:    {result.email}",
                    f"Password: {result.password}",
                    "",
                ]
            )
        )
