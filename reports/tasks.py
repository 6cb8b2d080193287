"""Celery tasks of the reports app: thin wrappers that load ids and call one service."""

from celery import shared_task

from reports import services


@shared_task(acks_late=True)
def report_job_run(job_id: str) -> None:
    services.report_job_run(job_id=job_id)


@shared_task
def report_cache_clean() -> None:
    """Scheduled daily by the reports app's migration 0002 (django-celery-beat, editable in the admin)."""
    services.report_cache_clean()


@shared_task(ignore_result=True)
def report_jobs_sweep() -> None:
    """Scheduled every 5 minutes by the reports app's migration 0004: no report job lost or stuck."""
    services.report_jobs_sweep()
