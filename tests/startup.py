"""Start Django in a fresh process with only the given VOXLOOP_* settings (start-up checks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='voxloop.settings'; django.setup()"


def start_django(tmp_path: Path, code: str = SETUP, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (by default: set Django up) with the test's own environment minus VOXLOOP_*."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VOXLOOP_")}
    clean.update({"VOXLOOP_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True)
