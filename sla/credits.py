"""Service-credit arithmetic: what a failed term costs the vendor, and the monthly cap. Pure.

A batch's value is its distinct items times the contract's unit price. Items, not rows:
the buyer pays for labeled items, and the extra rows of the consensus overlap are the
vendor's own quality cost, so counting rows would make overlap (which the contract asks
for) raise the credits owed.

Each breach owes ``service_credit_percent`` of its batch's value. Per contract and
calendar month the credits together may not exceed ``service_credit_cap_percent`` of the
month's invoiced value: the value of the month's checked batches, counting only their new
items, because a redelivered item is not invoiced again (``sla.lineage_rules``). Credits are
allocated to the month's breaches in the order they were opened, so the earliest breaches
keep their full credit and the last ones absorb the cap.

The month rule, one for everything (credits, the cap, the dashboard, the reports' charts):
a breach and its credit belong to the calendar month, in the contract's time zone, in
which its batch was delivered, because that is the invoice the credit is deducted from.
``credit_month`` is that rule; nothing else computes a month of a breach.

A breach's outcome decides whether its credit is owed at all (``outcome_owes_credit``):
a waived or withdrawn breach owes nothing, a remediated one nothing unless the contract
reprices remediated batches. ``credit_reduction`` says, for the breach page, why a breach
owes less than its full credit: its outcome, or else the monthly cap.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")

# The breach statuses (``sla.constants.BreachStatus`` values) whose outcome removes the credit.
WAIVED = "waived"
WITHDRAWN = "withdrawn"
REMEDIATED = "remediated"


def money(amount) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def batch_value(items: int, unit_price) -> Decimal:
    return money(Decimal(items) * Decimal(unit_price))


def credit_for(value: Decimal, percent: float | None) -> Decimal:
    """The uncapped credit of one failed term: ``percent`` of the batch value (none without a percent)."""
    if not percent:
        return money(0)
    return money(value * Decimal(str(percent)) / 100)


def monthly_cap(invoiced: Decimal, cap_percent: float | None) -> Decimal | None:
    """The most the month's credits may add up to; None when the contract sets no cap."""
    if cap_percent is None:
        return None
    return money(invoiced * Decimal(str(cap_percent)) / 100)


def allocate(credits: list[Decimal], cap: Decimal | None) -> list[Decimal]:
    """Each credit as owed under the cap, in the given order: full until the cap is used up."""
    if cap is None:
        return [money(credit) for credit in credits]
    left, owed = cap, []
    for credit in credits:
        share = min(money(credit), max(left, money(0)))
        owed.append(share)
        left -= share
    return owed


def credit_month(delivered_at: dt.datetime, time_zone: str) -> dt.date:
    """The month a delivery is invoiced in, and its breaches counted in: first day, in the contract's zone."""
    return delivered_at.astimezone(ZoneInfo(time_zone)).date().replace(day=1)


def month_bounds(month: dt.date, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants the month starts and ends at, in the contract's zone (the end excluded)."""
    zone = ZoneInfo(time_zone)
    start = dt.datetime.combine(month.replace(day=1), dt.time(), tzinfo=zone)
    end = dt.datetime.combine((month.replace(day=1) + dt.timedelta(days=32)).replace(day=1), dt.time(), tzinfo=zone)
    return start, end


def outcome_owes_credit(*, status: str, reprice_remediated: bool) -> bool:
    """Whether a breach in ``status`` owes its credit before the cap: not once waived or withdrawn, and once
    remediated only when the contract reprices remediated batches (else the fixed batch is paid in full)."""
    if status in (WAIVED, WITHDRAWN):
        return False
    return status != REMEDIATED or reprice_remediated


def credit_reduction(*, status: str, reprice_remediated: bool, credit_full: Decimal, owed: Decimal) -> str:
    """Why a breach owes less than its full credit, in words for its page; "" when it owes all of it.

    The outcome comes first: a breach whose outcome removes the credit owes nothing
    whatever the cap. A breach that still owes its credit owes less only through the
    month's cap, a remediated one of a repricing contract included.
    """
    if owed == credit_full:
        return ""
    if status == WAIVED:
        return "waived"
    if status == WITHDRAWN:
        return "withdrawn after a dispute"
    if not outcome_owes_credit(status=status, reprice_remediated=reprice_remediated):
        return "remediated, not repriced"
    return "reduced by the monthly cap"
