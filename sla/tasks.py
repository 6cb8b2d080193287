"""Celery tasks of the SLA app: thin wrappers that load ids and call one service each.

Every service guards on status, so a task delivered twice (a retry, a worker killed
after the work but before the acknowledgement) does no harm.
"""

from celery import group, shared_task

from sla import services
from sla.services.notifications import NotificationNotSent
from sla.services.webhooks import WebhookNotSent


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def batch_process(self, batch_id: int) -> None:
    """Storage errors are retried with backoff; on the last try the batch is failed instead (for a lead).

    A big delivery fans out: its chunk tasks go, as a group, to the queue this task came from.
    """
    queue = _queue_of(self.request)

    def dispatch(batch_id: int, chunks: int) -> None:
        group(batch_chunk_process.si(batch_id, index) for index in range(chunks)).apply_async(queue=queue)

    services.batch_ingest(
        batch_id=batch_id, retry_storage_errors=self.request.retries < self.max_retries, dispatch_chunks=dispatch
    )


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def batch_chunk_process(self, batch_id: int, index: int) -> None:
    """One chunk of a fanned-out batch; the last one done merges the batch (``sla.services.fanout``)."""
    services.batch_chunk_ingest(
        batch_id=batch_id, index=index, retry_storage_errors=self.request.retries < self.max_retries
    )


def _queue_of(request) -> str | None:
    """The queue a task was taken from (None when it ran eagerly), for the tasks it fans out to."""
    return (request.delivery_info or {}).get("routing_key") or None


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def gold_set_process(self, gold_set_id: int) -> None:
    services.gold_set_ingest(gold_set_id=gold_set_id, retry_storage_errors=self.request.retries < self.max_retries)


@shared_task(ignore_result=True)
def uploads_sweep() -> None:
    """Scheduled every 5 minutes by Celery beat (migration 0013): no upload lost on the way to a worker or stuck."""
    services.uploads_sweep()


@shared_task(bind=True, acks_late=True)
def terms_recheck(self, terms_id: int, user_id: int | None = None) -> None:
    """Fans out: one ``batch_recheck`` task per batch that used the terms, on this task's queue."""
    queue = _queue_of(self.request)

    def dispatch(batch_ids: list[int], reason: str) -> None:
        group(batch_recheck.si(batch_id, reason, user_id) for batch_id in batch_ids).apply_async(queue=queue)

    services.terms_recheck_fan_out(terms_id=terms_id, user=_user(user_id), dispatch=dispatch)


@shared_task(acks_late=True)
def batch_recheck(batch_id: int, reason: str, user_id: int | None = None) -> None:
    services.batch_recheck(batch_id=batch_id, reason=reason, user=_user(user_id))


def _user(user_id: int | None):
    from vendorscore.models import User

    return User.objects.filter(pk=user_id).first()


@shared_task(ignore_result=True)
def breaches_escalate() -> None:
    """Scheduled every 15 minutes by Celery beat; the service escalates each overdue breach once."""
    services.breaches_escalate_overdue()


@shared_task(acks_late=True)
def breach_opened_notify(breach_id: int) -> None:
    services.breach_opened_notify(breach_id=breach_id)


@shared_task(acks_late=True)
def breach_escalated_notify(breach_id: int) -> None:
    services.breach_escalated_notify(breach_id=breach_id)


@shared_task(acks_late=True)
def breach_waived_notify(breach_id: int) -> None:
    services.breach_waived_notify(breach_id=breach_id)


@shared_task(acks_late=True)
def breach_remediated_notify(breach_id: int) -> None:
    services.breach_remediated_notify(breach_id=breach_id)


@shared_task(acks_late=True)
def breach_partially_remediated_notify(breach_id: int) -> None:
    services.breach_partially_remediated_notify(breach_id=breach_id)


@shared_task(acks_late=True)
def breach_disputed_notify(breach_id: int) -> None:
    services.breach_disputed_notify(breach_id=breach_id)


@shared_task(acks_late=True)
def breach_decided_notify(breach_id: int) -> None:
    services.breach_decided_notify(breach_id=breach_id)


@shared_task(
    acks_late=True,
    autoretry_for=(NotificationNotSent,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def notification_send(notification_id: int) -> None:
    """Retried with backoff while SMTP fails; after the last retry the daily sweep queues it again."""
    services.notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def notifications_remind() -> None:
    """Scheduled daily by Celery beat: deadline and certificate reminders; ledger keys make a re-run harmless."""
    services.notifications_remind()


@shared_task(ignore_result=True)
def escalations_remind() -> None:
    """Scheduled hourly by Celery beat: escalation deadlines are hours, not days; one reminder per batch a day."""
    services.escalation_reminders_enqueue()


@shared_task(ignore_result=True)
def notifications_digest() -> None:
    """Scheduled weekly by Celery beat: the leads' digest, once per ISO week."""
    services.weekly_digest_enqueue()


@shared_task(
    acks_late=True,
    autoretry_for=(WebhookNotSent,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def webhook_deliver(delivery_id: int) -> None:
    """Retried with backoff while the receiver fails; after the last retry the 10-minute sweep queues it again."""
    services.webhook_deliver(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhooks_retry() -> None:
    """Scheduled every 10 minutes by Celery beat: queue every webhook delivery still undelivered."""
    services.webhook_deliveries_requeue()
