"""Queueing work for the workers without letting a broker outage fail the request.

Work is owed by a database row (an upload, a report job), not by a message: when the
broker is down the row stays as it is, the request still succeeds, and the row's sweep
queues the work once the broker is back. The settings bound how long a failed publish
takes (``CELERY_TASK_PUBLISH_RETRY_POLICY``).
"""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def delay_on_commit(task, *args, on_queued: Callable[[], None] | None = None) -> None:
    """Queue ``task(*args)`` once the transaction commits (the worker never sees a missing row).

    ``on_queued`` runs once the broker accepted the message (to record it); with the broker
    unavailable it does not, and the failure is logged instead of raised.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except OperationalError:
            logger.warning("The broker is unavailable: %s%r is left for the sweep to queue.", task.name, args)
            return
        if on_queued is not None:
            on_queued()

    transaction.on_commit(send)
