"""Pure rules of the notifications: which events exist, their ledger keys, and when reminders fall due.

No Django here: the services feed it dates and get keys and verdicts back, so the
schedules can be tested by passing any ``today``. A key names the event, not the
attempt: the same key twice means the same message, which the ledger sends once.
"""

import datetime as dt
from collections.abc import Iterable

from sla.calendar import is_business_day

BREACH_OPENED = "breach_opened"
BREACH_ESCALATED = "breach_escalated"
BREACH_WAIVED = "breach_waived"
BREACH_REMEDIATED = "breach_remediated"
BREACH_PARTIALLY_REMEDIATED = "breach_partially_remediated"
BREACH_DISPUTED = "breach_disputed"
BREACH_DECIDED = "breach_decided"
REMEDIATION_DUE_SOON = "remediation_due_soon"
REMEDIATION_OVERDUE = "remediation_overdue"
CERTIFICATION_EXPIRING = "certification_expiring"
CERTIFICATION_EXPIRED = "certification_expired"
ESCALATIONS_NEARING = "escalations_nearing"
WEEKLY_DIGEST = "weekly_digest"
GOLD_PROBE = "gold_probe"

# Breach notices cannot be turned off: a vendor or owner who misses one misses a deadline.
REMINDERS = frozenset(
    {REMEDIATION_DUE_SOON, REMEDIATION_OVERDUE, CERTIFICATION_EXPIRING, CERTIFICATION_EXPIRED, ESCALATIONS_NEARING}
)
DIGESTS = frozenset({WEEKLY_DIGEST})

DUE_SOON_BUSINESS_DAYS = 2
CERTIFICATION_WARNING_DAYS = 30
SOC2_REPORT_VALID_DAYS = 365
# An escalated item is "nearing" its resolution time in the last quarter of the hours the
# terms allow (6 of 24), and never later than one hour before: the hourly sweep must catch it.
ESCALATION_WARNING_SHARE = 0.25
ESCALATION_WARNING_MIN = dt.timedelta(hours=1)
ESCALATION_LISTING = dt.timedelta(hours=24)


def breach_key(breach_id: int, kind: str, *, on: dt.date | dt.datetime | int | None = None) -> str:
    """Opened and due-soon happen once per breach (and deadline); overdue once per day, hence the date.

    Moves that may happen more than once (a dispute, its decision) are keyed by their event's id.
    """
    if isinstance(on, int):
        return f"breach:{breach_id}:{kind}:event-{on}"
    return f"breach:{breach_id}:{kind}" + (f":{on.isoformat()}" if on is not None else "")


def certification_key(certification_id: int, kind: str, expires_on: dt.date) -> str:
    """Once per certificate and expiry date: a renewed certificate (new date) warns again."""
    return f"certification:{certification_id}:{kind}:{expires_on.isoformat()}"


def escalations_key(batch_id: int, today: dt.date) -> str:
    """At most one reminder per batch and day, however many of its items come due that day."""
    return f"batch:{batch_id}:{ESCALATIONS_NEARING}:{today.isoformat()}"


def escalation_warning(allowed_hours: int) -> dt.timedelta:
    """How long before an escalated item's resolution time its batch's owner and vendor are reminded."""
    return max(dt.timedelta(hours=allowed_hours * ESCALATION_WARNING_SHARE), ESCALATION_WARNING_MIN)


def digest_key(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"digest:{year}-W{week:02d}"


def business_days_until(today: dt.date, due: dt.date, holidays: Iterable[dt.date] = ()) -> int:
    """Business days after ``today`` up to and including ``due``: 0 on the due day, negative never (overdue)."""
    closed = frozenset(holidays)
    count, day = 0, today
    while day < due:
        day += dt.timedelta(days=1)
        if is_business_day(day, closed):
            count += 1
    return count


def certification_expiry(
    *, expires_on: dt.date | None, audit_period_end: dt.date | None, is_soc2: bool
) -> dt.date | None:
    """An ISO certificate expires on its date; a SOC 2 report goes stale 12 months after its audit period."""
    if is_soc2:
        return audit_period_end + dt.timedelta(days=SOC2_REPORT_VALID_DAYS) if audit_period_end else None
    return expires_on


def certification_event(expiry: dt.date, today: dt.date) -> str | None:
    if expiry < today:
        return CERTIFICATION_EXPIRED
    if (expiry - today).days <= CERTIFICATION_WARNING_DAYS:
        return CERTIFICATION_EXPIRING
    return None


def probe_key(batch_id: int) -> str:
    """Once per batch: a probe is a property of the upload, however often it is checked."""
    return f"batch:{batch_id}:{GOLD_PROBE}"
