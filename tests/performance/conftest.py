"""A small September 2026 delivery record of ``vendor_a`` whose every KPI can be counted by hand.

B1 first delivery, accepted, 1000 items, due 09-04 delivered 09-03 (on time);
   accuracy 0.95 vs floor 0.93 on 100 gold items; IAA 0.82 vs target 0.80 on 50 items.
B2 first delivery, rejected, 500 items, due 09-09 delivered 09-10 (late);
   accuracy 0.90 vs 0.93 on 50 gold items; breach (accuracy) due 09-17, remediated by B3; credit 2.50.
B3 remediation of B2, accepted, 500 items, delivered 09-15.
B4 first delivery, rejected, 1000 items, due 09-21 delivered 09-20 (on time);
   breach (iaa) due 09-25, escalated 09-26, credit 5.00; breach (timeliness) due 09-25, waived.
Outside the count: an October batch, an invalid September file, and vendor B's September batch.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from sla.models import Batch, Breach, CheckRun, Finding
from tests.factories import ContractFactory, TaskTypeFactory, TermsFactory

_sha = itertools.count(1)


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def make_batch(contract, *, delivered, items, verdict="accepted", status="evaluated", due=None, remediates=None):
    terms = contract.terms.first()
    batch = Batch.objects.create(
        file="uploads/fixture.csv",
        original_name="fixture.csv",
        sha256=f"{next(_sha):064d}",
        size=1,
        contract=contract,
        task_type=terms.task_type,
        delivered_at=at(delivered),
        due_at=at(due) if due else None,
        items=items,
        invoiced_items=items if remediates is None else 0,  # a remediation re-sends the failed batch's items
        status=status,
        verdict=verdict if status == "evaluated" else "",
        remediates=remediates,
        terms_version=terms,
    )
    CheckRun.objects.create(batch=batch, terms=terms, verdict=verdict or "accepted")
    return batch


def add_finding(batch, term, *, measured, threshold, n, verdict="pass", extra=None):
    run = batch.check_runs.get(is_current=True)
    return Finding.objects.create(
        check_run=run,
        term=term,
        verdict=verdict,
        measured=measured,
        threshold=threshold,
        n=n,
        detail="",
        extra=extra or {},
    )


def add_breach(batch, term, *, due, status="open", credit="0", remediation_batch=None, escalated=None, reason=""):
    return Breach.objects.create(
        batch=batch,
        term=term,
        status=status,
        severity="major",
        opened_at=batch.delivered_at + dt.timedelta(hours=1),
        remediation_due=at(due, 23),
        batch_value=Decimal("10.00"),
        credit_full=Decimal(credit),
        service_credit=Decimal(credit),
        credit_month=batch.delivered_at.date().replace(day=1),
        remediation_batch=remediation_batch,
        escalated_at=at(escalated) if escalated else None,
        waiver_reason=reason,
    )


@pytest.fixture
def september(vendor_a, vendor_b):
    sentiment = TaskTypeFactory()
    contract = ContractFactory(vendor=vendor_a, unit_price="0.1000", start_date=dt.date(2026, 1, 1))
    TermsFactory(contract=contract, task_type=sentiment, accuracy_floor=0.93)
    b1 = make_batch(contract, delivered="2026-09-03", due="2026-09-04", items=1000)
    add_finding(b1, "accuracy", measured=0.95, threshold=0.93, n=100)
    add_finding(b1, "iaa", measured=0.82, threshold=0.78, n=50, extra={"target": 0.80})
    b2 = make_batch(contract, delivered="2026-09-10", due="2026-09-09", items=500, verdict="rejected")
    add_finding(b2, "accuracy", measured=0.90, threshold=0.93, n=50, verdict="fail")
    b3 = make_batch(contract, delivered="2026-09-15", items=500, remediates=b2)
    add_breach(b2, "accuracy", due="2026-09-17", status="remediated", credit="2.50", remediation_batch=b3)
    b4 = make_batch(contract, delivered="2026-09-20", due="2026-09-21", items=1000, verdict="rejected")
    add_breach(b4, "iaa", due="2026-09-25", status="escalated", credit="5.00", escalated="2026-09-26")
    add_breach(b4, "timeliness", due="2026-09-25", status="waived", reason="agreed delay")
    october = make_batch(contract, delivered="2026-10-02", items=800, verdict="rejected")
    add_breach(october, "accuracy", due="2026-10-09", status="open", credit="4.00")
    make_batch(contract, delivered="2026-09-12", items=0, status="invalid")
    other = ContractFactory(vendor=vendor_b, unit_price="0.1000", start_date=dt.date(2026, 1, 1))
    TermsFactory(contract=other, task_type=sentiment)
    make_batch(other, delivered="2026-09-05", items=700, verdict="rejected")
    return {"contract": contract, "b1": b1, "b2": b2, "b3": b3, "b4": b4}
