"""Celery tasks of the vendors app: thin wrappers that call services."""

from celery import shared_task

from vendorscore import services


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self) -> None:
    """Scheduled every minute by Celery beat; records which worker ran it and when."""
    services.heartbeat_record(hostname=self.request.hostname or "eager")
