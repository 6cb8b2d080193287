"""Celery tasks of performance scorecards: thin wrappers around one service each.

Registered by ``vendorscore.tasks``, which imports them.
"""

from celery import shared_task

from vendorscore.performance import services


@shared_task(acks_late=True, ignore_result=True)
def performance_month_close() -> None:
    """Scheduled on the 2nd of each month (migration 0006): closed periods' scorecards, then the report e-mails."""
    services.performance_month_close()


@shared_task(acks_late=True, ignore_result=True)
def performance_report_vendor(scorecard_id: int) -> None:
    """A scorecard was published: its report goes to the vendor's contacts once."""
    services.performance_report_send(scorecard_id=scorecard_id, audience=services.VENDOR)
