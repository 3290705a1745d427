"""Entry points for analysis processes; importable before Django is set up (no model imports)."""

from __future__ import annotations

import os

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def init_process() -> None:
    # One BLAS thread per process: the processes already fill the cores, and BLAS threads
    # spinning against each other cost more than they bring.
    for name in _THREAD_VARS:
        os.environ.setdefault(name, "1")
    import django

    django.setup()


def analyze_batch(workspace_id: int, ids: list[int]) -> int:
    from voxloop.feedback.services.analyze import do_analyze_items

    # Rollups and detection run once over the finished data (do_finish_demo_insights):
    # detection on half-analysed days would open alerts that resolve a minute later.
    return do_analyze_items(workspace_id, ids, after_analysis=False)
