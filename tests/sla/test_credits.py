"""Service-credit arithmetic: items times price, the term's percent, the monthly cap (pure)."""

from decimal import Decimal

import pytest

from sla.constants import BreachStatus
from sla.credits import (
    REMEDIATED,
    WAIVED,
    WITHDRAWN,
    allocate,
    batch_value,
    credit_for,
    credit_reduction,
    monthly_cap,
    outcome_owes_credit,
)


def test_batch_value_is_items_times_unit_price_in_cents():
    assert batch_value(1500, "0.0650") == Decimal("97.50")
    assert batch_value(333, "0.0333") == Decimal("11.09")


def test_credit_is_the_terms_percent_of_the_value():
    assert credit_for(Decimal("97.50"), 5) == Decimal("4.88")
    assert credit_for(Decimal("97.50"), None) == Decimal("0.00")


def test_cap_is_a_percent_of_the_months_invoiced_value():
    assert monthly_cap(Decimal("1000.00"), 10) == Decimal("100.00")
    assert monthly_cap(Decimal("1000.00"), None) is None


def test_credits_are_paid_in_full_until_the_cap_is_used_up():
    owed = allocate([Decimal("40"), Decimal("40"), Decimal("40"), Decimal("10")], Decimal("100"))
    assert owed == [Decimal("40.00"), Decimal("40.00"), Decimal("20.00"), Decimal("0.00")]
    assert sum(owed) == Decimal("100")


def test_without_a_cap_every_credit_is_owed():
    assert allocate([Decimal("40"), Decimal("70")], None) == [Decimal("40.00"), Decimal("70.00")]


def test_the_outcomes_credits_name_are_the_breach_statuses():
    assert (WAIVED, WITHDRAWN, REMEDIATED) == (BreachStatus.WAIVED, BreachStatus.WITHDRAWN, BreachStatus.REMEDIATED)


@pytest.mark.parametrize(
    ("status", "reprice", "owed", "reason"),
    [
        ("open", False, "3.00", ""),
        ("waived", False, "0.00", "waived"),
        ("withdrawn", True, "0.00", "withdrawn after a dispute"),
        ("remediated", False, "0.00", "remediated, not repriced"),
        ("remediated", True, "1.50", "reduced by the monthly cap"),
        ("remediated", True, "3.00", ""),
        ("open", False, "1.50", "reduced by the monthly cap"),
        ("escalated", False, "0.00", "reduced by the monthly cap"),
        ("partially_remediated", False, "2.00", "reduced by the monthly cap"),
    ],
)
def test_why_a_breach_owes_less_than_its_full_credit(status, reprice, owed, reason):
    full = Decimal("3.00")
    assert credit_reduction(status=status, reprice_remediated=reprice, credit_full=full, owed=Decimal(owed)) == reason


def test_an_outcome_owes_its_credit_unless_waived_withdrawn_or_remediated_without_repricing():
    owes = {
        (status, reprice): outcome_owes_credit(status=status, reprice_remediated=reprice)
        for status in BreachStatus.values
        for reprice in (False, True)
    }
    assert {key for key, value in owes.items() if not value} == {
        ("waived", False),
        ("waived", True),
        ("withdrawn", False),
        ("withdrawn", True),
        ("remediated", False),
    }
