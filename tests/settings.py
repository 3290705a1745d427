"""Test settings: the real settings module, with a throw-away data directory."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("VOXLOOP_DATA_DIR", tempfile.mkdtemp(prefix="voxloop-test-"))
os.environ.setdefault("VOXLOOP_TASK_BACKEND", "immediate")
os.environ.setdefault("VOXLOOP_FAST_PASSWORD_HASH", "true")

from voxloop.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
