"""Business-day deadlines in a contract's time zone. Pure: no Django.

A remediation deadline of N business days means: the vendor has N whole working days
after the day the breach was opened, and the deadline is the end of the N-th (23:59:59
local time). Working days are Monday to Friday minus the contract's holidays. The day
the breach is opened never counts, whatever the hour, so a breach opened on Friday
evening and one opened on Friday morning share the same deadline. Days are counted in
the contract's zone because that is where the vendor's workforce reads the calendar: a
breach opened at 23:30 UTC on a Monday is already Tuesday in Tokyo.
"""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

WEEKEND = (5, 6)
END_OF_DAY = dt.time(23, 59, 59)


def is_business_day(day: dt.date, holidays: frozenset[dt.date] = frozenset()) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def add_business_days(day: dt.date, days: int, holidays: Iterable[dt.date] = ()) -> dt.date:
    """The ``days``-th business day after ``day`` (``day`` itself is not counted)."""
    if days < 0:
        raise ValueError("The number of business days may not be negative.")
    closed = frozenset(holidays)
    current, counted = day, 0
    while counted < days:
        current += dt.timedelta(days=1)
        if is_business_day(current, closed):
            counted += 1
    return current


def business_deadline(
    opened_at: dt.datetime, days: int, time_zone: str, holidays: Iterable[dt.date] = ()
) -> dt.datetime:
    """The aware instant at which ``days`` business days after ``opened_at`` end, in ``time_zone``."""
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware.")
    zone = ZoneInfo(time_zone)
    local_day = opened_at.astimezone(zone).date()
    return dt.datetime.combine(add_business_days(local_day, days, holidays), END_OF_DAY, tzinfo=zone)


def parse_holidays(values: Iterable) -> list[dt.date]:
    """ISO dates (``YYYY-MM-DD``) as stored on a contract, sorted and without repeats."""
    return sorted({value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)) for value in values})


def business_time_between(
    start: dt.datetime, end: dt.datetime, time_zone: str, holidays: Iterable[dt.date] = ()
) -> dt.timedelta:
    """The part of ``[start, end)`` that falls on business days, counted in ``time_zone``.

    A business day counts whole (00:00 to 24:00 local), weekends and holidays not at all:
    a dispute raised on Friday at 15:00 and decided on Tuesday at 10:00, with Monday a
    holiday, paused 9 + 10 = 19 hours of the vendor's remediation time.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware.")
    if end <= start:
        return dt.timedelta(0)
    zone, closed = ZoneInfo(time_zone), frozenset(holidays)
    # Local wall-clock time throughout: a business day is 24 hours of its calendar, DST changes included.
    start, end = start.astimezone(zone), end.astimezone(zone)
    total = dt.timedelta(0)
    day, last = start.date(), end.date()
    while day <= last:
        if is_business_day(day, closed):
            day_start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
            total += min(end, day_end) - max(start, day_start)
        day += dt.timedelta(days=1)
    return total


def add_business_time(
    moment: dt.datetime, amount: dt.timedelta, time_zone: str, holidays: Iterable[dt.date] = ()
) -> dt.datetime:
    """``moment`` moved forward by ``amount`` of business time: weekends and holidays are stepped over.

    The inverse of ``business_time_between`` on business days: a deadline on Wednesday at
    23:59:59 plus 19 business hours is Thursday at 18:59:59, or Friday's if Thursday is a holiday.
    """
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware.")
    zone, closed = ZoneInfo(time_zone), frozenset(holidays)
    current, left = moment.astimezone(zone), amount
    while left > dt.timedelta(0):
        day = current.date()
        day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        if is_business_day(day, closed):
            step = min(left, day_end - current)
            current, left = current + step, left - step
        else:
            current = day_end
    return current
