"""The SLA loop's clock: the present, unless a replay of past events says otherwise.

Breach moves, check runs and the escalation sweep read the time here rather than from
``timezone.now()`` directly, so the demo can replay its simulated deliveries on their
own dates (a batch delivered on 1 October is checked, and its breach opened, on
1 October) and the history of every breach holds together. Outside ``replay`` this is
exactly ``timezone.now()``. A context variable, so a replay never leaks into another
thread or request.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_replayed: ContextVar[dt.datetime | None] = ContextVar("sla_clock_replayed", default=None)


def now() -> dt.datetime:
    return _replayed.get() or timezone.now()


@contextmanager
def replay(moment: dt.datetime) -> Iterator[None]:
    """Within the block, the SLA loop's present is ``moment`` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("A replayed moment must be timezone-aware.")
    token = _replayed.set(moment)
    try:
        yield
    finally:
        _replayed.reset(token)
