"""Celery tasks of performance scorecards: thin wrappers around one service each.

Found by Celery's autodiscovery of the installed apps. Their names are the ones they had in
``vendorscore/performance/``: the stored beat schedule (migration vendorscore 0007) and messages
already queued carry those names.
"""

from celery import shared_task

from vendorscore.performance import services


@shared_task(name="vendorscore.performance.tasks.performance_month_close", acks_late=True, ignore_result=True)
def performance_month_close() -> None:
    """Scheduled on the 2nd of each month (migration vendorscore 0007): closed periods, then the report e-mails."""
    services.performance_month_close()


@shared_task(name="vendorscore.performance.tasks.performance_report_vendor", acks_late=True, ignore_result=True)
def performance_report_vendor(scorecard_id: int) -> None:
    """A scorecard was published: its report goes to the vendor's contacts once."""
    services.performance_report_send(scorecard_id=scorecard_id, audience=services.VENDOR)
