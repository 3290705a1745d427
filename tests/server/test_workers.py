"""Background workers for real: the database backend and the Redis (RQ) backend."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

INGEST = """
import django, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'voxloop.settings'
django.setup()
from django.db import transaction
from voxloop.accounts.models import Workspace
from voxloop.accounts.actors import system_actor
from voxloop.feedback.services import do_ingest_feedback
ws = Workspace.objects.get(slug='acme')
with transaction.atomic():
    res = do_ingest_feedback(system_actor(ws), [{'text': f'快递太慢了 {i}'} for i in range(25)], enqueue=True)
print(sum(r.status == 'created' for r in res))
"""

COUNT = """
import django, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'voxloop.settings'
django.setup()
from voxloop.feedback.models import FeedbackItem
print(FeedbackItem.objects.filter(status='received').count(), FeedbackItem.objects.exclude(status='received').count())
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXLOOP_")}
    env.update({"VOXLOOP_DATA_DIR": str(tmp_path), **extra})
    return env


def _run(args: list[str], env: dict[str, str], timeout: int = 120) -> str:
    res = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _init(env: dict[str, str]) -> None:
    _run(
        [
            sys.executable,
            "-m",
            "voxloop",
            "init",
            "--workspace",
            "Acme",
            "--email",
            "a@acme.test",
            "--password",
            "pw-long-enough-1",
        ],
        env,
    )


@pytest.mark.redis
def test_redis_backend_runs_analysis_in_an_rq_worker(tmp_path):
    if not _redis_up():
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts one)")
    import redis

    url = "redis://127.0.0.1:6379/13"
    redis.Redis.from_url(url).flushdb()
    env = _env(tmp_path, VOXLOOP_TASK_BACKEND="redis", VOXLOOP_REDIS_URL=url)
    _init(env)
    assert _run([sys.executable, "-c", INGEST], env).strip() == "25"
    assert redis.Redis.from_url(url).llen("rq:queue:default") == 1  # one batch job queued
    assert _run([sys.executable, "-c", COUNT], env).split() == ["25", "0"]
    _run([sys.executable, "-m", "voxloop", "worker", "--burst"], env)
    assert _run([sys.executable, "-c", COUNT], env).split() == ["0", "25"]


def test_database_backend_worker_burst(tmp_path):
    env = _env(tmp_path, VOXLOOP_TASK_BACKEND="database")
    _init(env)
    assert _run([sys.executable, "-c", INGEST], env).strip() == "25"
    assert _run([sys.executable, "-c", COUNT], env).split() == ["25", "0"]
    _run([sys.executable, "-m", "voxloop", "worker", "--burst"], env)
    assert _run([sys.executable, "-c", COUNT], env).split() == ["0", "25"]
