"""`voxloop serve`: the production web server (gunicorn) plus, by default, a worker."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def _start_worker() -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "voxloop", "worker"], env=os.environ.copy())

    def stop() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    atexit.register(stop)
    return proc


class Command(BaseCommand):
    help = "Serve VoxLoop with gunicorn (static files by whitenoise) and a background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.HOST, help="Default VOXLOOP_HOST.")
        parser.add_argument("--port", type=int, default=settings.PORT, help="Default VOXLOOP_PORT.")
        parser.add_argument(
            "--workers", type=int, default=settings.WEB_WORKERS, help="Default VOXLOOP_WEB_WORKERS."
        )
        parser.add_argument(
            "--threads", type=int, default=settings.WEB_THREADS, help="Default VOXLOOP_WEB_THREADS."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background worker (run `voxloop worker` elsewhere).",
        )
        parser.add_argument("--no-migrate", action="store_true", help="Skip applying migrations.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        worker = None
        if not opts["no_worker"] and settings.TASK_BACKEND != "immediate":
            worker = _start_worker()
        from gunicorn.app.base import BaseApplication

        from voxloop.wsgi import application

        options = {
            "bind": f"{opts['host']}:{opts['port']}",
            "workers": opts["workers"],
            "threads": opts["threads"],
            "worker_class": "gthread",
            "timeout": 120,
            "graceful_timeout": 20,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": settings.LOG_LEVEL.lower(),
            "preload_app": True,
        }

        class App(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(
            f"VoxLoop serving on http://{opts['host']}:{opts['port']}/"
            + (" with a background worker" if worker else "")
        )
        try:
            App().run()
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
