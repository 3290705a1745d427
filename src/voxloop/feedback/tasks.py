"""Background jobs for feedback: thin wrappers around services."""

from __future__ import annotations

from django_tasks import task

from voxloop.feedback.services.analyze import do_analyze_items


@task()
def analyze_feedback(workspace_id: int, item_ids: list[int]) -> int:
    return do_analyze_items(workspace_id, item_ids)


@task()
def run_import(job_id: int) -> None:
    from voxloop.feedback.importing.jobs import do_run_import_job

    do_run_import_job(job_id)


@task()
def refit_workspace_model(workspace_id: int) -> str | None:
    """Retrain the workspace's model from its corrections (queued by schedule_refit)."""
    from voxloop.feedback.services.learning import run_refit

    row = run_refit(workspace_id)
    return row.version if row is not None else None


@task()
def reanalyze_workspace(job_id: int) -> int:
    """Re-run analysis over a workspace's stored feedback (queued by request_reanalysis)."""
    from voxloop.feedback.models import ReanalysisJob
    from voxloop.feedback.services.learning import do_reanalyze_workspace

    job = ReanalysisJob.objects.get(pk=job_id)
    return do_reanalyze_workspace(job.workspace_id, job.pk).done


@task()
def discover_themes(workspace_id: int) -> int | None:
    """Find suggested themes among uncovered feedback (queued by the scheduler or a person)."""
    from voxloop.feedback.services.themes import run_discovery

    result = run_discovery(workspace_id)
    return result.themes if result is not None else None
