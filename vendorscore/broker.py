"""Queueing work for the workers once the transaction commits, without letting a broker outage fail the request.

Every "queue a task after this write" in the project goes through ``enqueue_on_commit``:
the worker never sees a row that is not committed, and a rolled-back write queues nothing.

Work is owed by a database row (an upload, a report job, a notification or webhook
delivery), not by a message: when the broker is down the row stays as it is, the request
still succeeds, and the row's sweep queues the work once the broker is back. A task no row
owes (a breach notice, a terms recheck, a scorecard's report) is logged as not queued; the
write it follows stands either way. The settings bound how long a failed publish takes
(``CELERY_TASK_PUBLISH_RETRY_POLICY``).
"""

import logging
from collections.abc import Callable
from importlib import import_module

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: str, *args, on_queued: Callable[[], None] | None = None) -> None:
    """Queue the task named ``task`` (its dotted path, ``"sla.tasks.batch_process"``) once the transaction commits.

    The task is named rather than passed because each app's tasks module imports its
    services, which call this: the task is imported when it is sent, after commit.
    ``on_queued`` runs once the broker accepted the message (to record it); with the broker
    unavailable it does not, and the failure is logged instead of raised.
    """
    module, _, name = task.rpartition(".")

    def send() -> None:
        try:
            getattr(import_module(module), name).delay(*args)
        except OperationalError:
            logger.warning("The broker is unavailable: %s%r was not queued (sweeps queue what a row owes).", task, args)
            return
        if on_queued is not None:
            on_queued()

    transaction.on_commit(send)
