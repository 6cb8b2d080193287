"""Breaches from failed checks: one per batch and term, deadlines, credits under the cap, waivers, escalation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from sla import services
from sla.constants import BreachStatus
from sla.models import Batch, Breach, BreachEvent
from sla.simulate import DeliverySpec, simulate_delivery
from sla.tasks import breaches_escalate
from tests.factories import csv_bytes
from tests.sla.conftest import FAILING, FIX, PASSING
from vendorscore.constants import Role
from vendorscore.exceptions import DomainError


def test_a_failed_term_opens_one_breach_with_deadline_severity_and_credit(overlap_contract, deliver):
    batch = deliver(overlap_contract, FAILING)
    assert batch.verdict == "rejected"
    breach = Breach.objects.get(batch=batch)
    assert (breach.term, breach.status, breach.severity) == ("overlap", "open", "minor")
    assert breach.batch_value == Decimal("30.00")  # 300 items x 0.10
    assert breach.credit_full == breach.service_credit == Decimal("3.00")
    assert breach.remediation_due > breach.opened_at
    assert breach.remediation_due.tzinfo is not None
    assert list(breach.events.values_list("from_status", "to_status")) == [("", "open")]


def test_rechecking_never_opens_a_second_breach_for_the_same_term(overlap_contract, deliver, lead):
    batch = deliver(overlap_contract, FAILING)
    services.batch_check(batch=batch, user=lead, reason="again")
    terms = overlap_contract.terms.get()
    terms.overlap_max = 0.2  # still failing, but a different run is stored
    terms.save()
    services.batch_check(batch=batch, user=lead, reason="after correction")
    assert batch.check_runs.count() == 2
    assert Breach.objects.filter(batch=batch).count() == 1


def test_the_database_refuses_a_second_breach_for_a_batch_and_term(overlap_contract, deliver):
    from django.db import IntegrityError, transaction

    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    breach.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        breach.save()


def test_monthly_cap_limits_the_credits_of_the_month_as_its_invoice_grows(overlap_contract, deliver):
    overlap_contract.service_credit_cap_percent = 5
    overlap_contract.save()
    first = deliver(overlap_contract, FAILING)
    # Invoiced so far: 300 items x 0.10 = 30.00; 5% = 1.50 of the 3.00 credit.
    assert Breach.objects.get(batch=first).service_credit == Decimal("1.50")
    deliver(overlap_contract, PASSING)  # 60.00 invoiced: the cap is 3.00
    assert Breach.objects.get(batch=first).service_credit == Decimal("3.00")
    second = deliver(overlap_contract, DeliverySpec(items=300, overlap=0.40, seed=18))
    # 90.00 invoiced, cap 4.50: the first breach keeps its 3.00, the second gets what is left.
    assert Breach.objects.get(batch=first).service_credit == Decimal("3.00")
    assert Breach.objects.get(batch=second).service_credit == Decimal("1.50")
    assert services.month_invoiced_value(contract=overlap_contract, month=first.breaches.get().credit_month) == Decimal(
        "90.00"
    )


def test_waiver_needs_a_lead_and_a_reason_and_releases_the_credit(overlap_contract, deliver, users):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    with pytest.raises(PermissionDenied):
        services.breach_waive(breach=breach, user=users[Role.QA_ANALYST], reason="fine")
    with pytest.raises(DomainError):
        services.breach_waive(breach=breach, user=users[Role.PROCUREMENT_LEAD], reason="  ")
    services.breach_waive(breach=breach, user=users[Role.PROCUREMENT_LEAD], reason="Pilot month, agreed on the call.")
    breach.refresh_from_db()
    assert (breach.status, breach.service_credit) == ("waived", Decimal("0.00"))
    event = breach.events.last()
    assert (event.from_status, event.to_status, event.actor.username) == ("open", "waived", "lead")
    with pytest.raises(DomainError):
        services.breach_remediation_submit(breach=breach, user=users[Role.VENDOR])


def test_remediation_that_passes_closes_the_breach_and_one_that_fails_reopens_it(overlap_contract, deliver, users):
    rejected = deliver(overlap_contract, FAILING)
    vendor = users[Role.VENDOR]
    failed_fix = deliver(
        overlap_contract, DeliverySpec(items=300, overlap=0.45, seed=28), remediates=rejected, user=vendor
    )
    breach = Breach.objects.get(batch=rejected)
    assert breach.status == "open" and breach.remediation_batch == failed_fix
    assert Breach.objects.get(batch=failed_fix).term == "overlap"  # its own failure is its own breach

    good_fix = deliver(overlap_contract, FIX, remediates=rejected, user=vendor)
    breach.refresh_from_db()
    assert (breach.status, breach.remediation_batch) == ("remediated", good_fix)
    assert breach.service_credit == Decimal("0.00")  # the contract does not reprice remediated batches
    assert list(breach.events.values_list("to_status", flat=True)) == [
        "open",
        "remediation_submitted",
        "open",
        "remediation_submitted",
        "remediated",
    ]


def test_a_repricing_contract_keeps_the_credit_of_a_remediated_batch(overlap_contract, deliver, users):
    overlap_contract.reprice_remediated = True
    overlap_contract.save()
    rejected = deliver(overlap_contract, FAILING)
    deliver(overlap_contract, FIX, remediates=rejected, user=users[Role.VENDOR])
    breach = Breach.objects.get(batch=rejected)
    assert (breach.status, breach.service_credit) == ("remediated", Decimal("3.00"))


def test_overdue_breaches_are_escalated_by_the_periodic_task_exactly_once(overlap_contract, deliver):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    Breach.objects.filter(pk=breach.pk).update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    breaches_escalate.apply()
    breaches_escalate.apply()
    assert services.breaches_escalate_overdue() == 0
    breach.refresh_from_db()
    assert breach.status == "escalated" and breach.escalated_at is not None
    assert BreachEvent.objects.filter(breach=breach, to_status=BreachStatus.ESCALATED).count() == 1


def test_breaches_not_yet_due_or_with_a_fix_delivered_are_not_escalated(overlap_contract, deliver, users, sentiment):
    rejected = deliver(overlap_contract, FAILING)
    assert services.breaches_escalate_overdue() == 0
    fix = SimpleUploadedFile("fix.csv", csv_bytes(simulate_delivery(PASSING).annotations))
    services.batch_receive(  # received, waiting for a worker: the fix is in, the clock stops
        contract=overlap_contract, task_type=sentiment, upload=fix, user=users[Role.VENDOR], remediates=rejected
    )
    Breach.objects.update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert services.breaches_escalate_overdue() == 0
    assert Breach.objects.get().status == "remediation_submitted"


def test_a_promised_fix_without_a_batch_does_not_stop_the_clock(overlap_contract, deliver, users):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    services.breach_remediation_submit(breach=breach, user=users[Role.VENDOR], note="soon")
    Breach.objects.update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert services.breaches_escalate_overdue() == 1
    breach.refresh_from_db()
    assert breach.status == "escalated"


def test_an_escalated_breach_can_still_be_remediated(overlap_contract, deliver, users):
    rejected = deliver(overlap_contract, FAILING)
    Breach.objects.update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    services.breaches_escalate_overdue()
    deliver(overlap_contract, FIX, remediates=rejected, user=users[Role.VENDOR])
    assert Breach.objects.get(batch=rejected).status == "remediated"


def test_the_escalation_sweep_is_scheduled_every_quarter_hour(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="sla.tasks.breaches_escalate")
    assert (task.interval.every, task.interval.period) == (15, "minutes")


def test_the_breach_page_says_the_cap_cut_a_remediated_credit_of_a_repricing_contract(
    overlap_contract, deliver, users, client, lead
):
    overlap_contract.reprice_remediated = True
    overlap_contract.service_credit_cap_percent = 5
    overlap_contract.save()
    rejected = deliver(overlap_contract, FAILING)
    deliver(overlap_contract, FIX, remediates=rejected, user=users[Role.VENDOR])
    breach = Breach.objects.get(batch=rejected)
    # Invoiced: the failed batch's 300 items (the fix redelivers them, not invoiced again) x 0.10; 5% = 1.50.
    assert (breach.status, breach.credit_full, breach.service_credit) == (
        "remediated",
        Decimal("3.00"),
        Decimal("1.50"),
    )
    client.force_login(lead)
    page = client.get(breach.get_absolute_url()).content.decode()
    assert "= 3.00; reduced by the monthly cap" in page
    assert "not repriced" not in page


def test_a_remediation_whose_breach_move_fails_stores_no_batch_and_queues_nothing(
    overlap_contract, deliver, users, sentiment, monkeypatch, django_capture_on_commit_callbacks
):
    rejected = deliver(overlap_contract, FAILING)
    real = services.intake.remediation_received

    def moved_then_failed(*, batch):
        real(batch=batch)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services.intake, "remediation_received", moved_then_failed)
    fix = SimpleUploadedFile("fix.csv", csv_bytes(simulate_delivery(FIX).annotations))
    with django_capture_on_commit_callbacks() as queued, pytest.raises(RuntimeError):
        services.batch_receive(
            contract=overlap_contract, task_type=sentiment, upload=fix, user=users[Role.VENDOR], remediates=rejected
        )
    assert queued == []
    assert list(Batch.objects.filter(contract=overlap_contract).values_list("pk", flat=True)) == [rejected.pk]
    breach = Breach.objects.get(batch=rejected)
    assert (breach.status, breach.remediation_batch) == ("open", None)
    assert breach.events.count() == 1


def test_a_breach_waived_while_the_broker_is_down_is_stored_and_its_unsent_notice_logged(
    overlap_contract, deliver, client, lead, request, caplog, django_capture_on_commit_callbacks
):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    request.getfixturevalue("broker_down")
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/breaches/{breach.pk}/waive/", {"waiver_reason": "Pilot month."})
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.status == "waived"
    assert f"sla.tasks.breach_waived_notify({breach.pk},) was not queued" in caplog.text
