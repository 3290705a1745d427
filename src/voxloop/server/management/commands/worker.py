"""`voxloop worker`: run background jobs from the configured task backend."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from voxloop.server.scheduler import Scheduler


class Command(BaseCommand):
    help = "Run a background worker: analysis, imports and scheduled jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run queued jobs; leave periodic jobs to another worker.",
        )
        parser.add_argument(
            "--burst",
            action="store_true",
            help="Run the queued jobs, then exit (for cron and tests).",
        )
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Polling interval (database backend)."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        scheduler = None
        if not opts["no_scheduler"] and not opts["burst"]:
            scheduler = Scheduler()
            scheduler.start()
        try:
            if settings.TASK_BACKEND == "redis":
                rq_args = ["default", "--job-class", "django_tasks_rq.backend.Job"]
                if opts["burst"]:
                    rq_args.append("--burst")
                call_command("rqworker", *rq_args)
            elif settings.TASK_BACKEND == "database":
                db_args = [
                    "--queue-name",
                    "default",
                    "--interval",
                    str(opts["interval"]),
                    "--no-startup-delay",
                ]
                if opts["burst"]:
                    db_args.append("--batch")
                call_command("db_worker", *db_args)
            else:
                self.stdout.write(
                    "VOXLOOP_TASK_BACKEND=immediate runs jobs inline; no worker needed."
                )
        finally:
            if scheduler is not None:
                scheduler.stop()
