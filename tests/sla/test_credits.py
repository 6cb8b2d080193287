"""Service-credit arithmetic: items times price, the term's percent, the monthly cap (pure)."""

from decimal import Decimal

from sla.credits import allocate, batch_value, credit_for, monthly_cap


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
