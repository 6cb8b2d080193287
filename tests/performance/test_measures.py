"""Each KPI of a period equals the hand count of the fixture in ``conftest.py``."""

import pytest

from performance import kpis, services
from performance.constants import KPI
from performance.measures import measure_all

SEPTEMBER = kpis.parse_period("2026-09")


@pytest.fixture
def measured(september, vendor_a):
    return measure_all(vendor=vendor_a, period=SEPTEMBER)


def test_batches_evaluated_count_only_the_vendors_evaluated_batches_of_the_period(measured):
    assert measured[1] == 4


def test_first_pass_acceptance_excludes_remediation_batches(measured, september):
    fpa = measured[0][KPI.FIRST_PASS]
    # First deliveries B1 (accepted), B2 and B4 (rejected); B3 is B2's remediation and does not count.
    assert fpa.value == pytest.approx(1 / 3)
    assert fpa.n == 3
    assert fpa.batches == sorted([september["b1"].pk, september["b2"].pk, september["b4"].pk])


def test_first_pass_acceptance_excludes_a_batch_that_is_mostly_a_redelivery(september, vendor_a):
    # B1 re-sent: 600 of its 1,000 items were delivered before, so it is not first-pass work; a
    # batch with a few re-sent items (an escalated item resolved later) still counts.
    september["b1"].__class__.objects.filter(pk=september["b1"].pk).update(redelivered_items=600)
    september["b4"].__class__.objects.filter(pk=september["b4"].pk).update(redelivered_items=3)
    fpa = measure_all(vendor=vendor_a, period=SEPTEMBER)[0][KPI.FIRST_PASS]
    assert fpa.batches == sorted([september["b2"].pk, september["b4"].pk])
    assert fpa.value == 0


def test_accuracy_is_the_gold_weighted_margin_over_the_floor(measured):
    accuracy = measured[0][KPI.ACCURACY]
    assert accuracy.value == pytest.approx(((0.95 - 0.93) * 100 + (0.90 - 0.93) * 50) / 150)
    assert accuracy.n == 150


def test_iaa_is_measured_against_the_target_not_the_fail_line(measured):
    iaa = measured[0][KPI.IAA]
    assert iaa.value == pytest.approx(0.02)
    assert iaa.n == 50


def test_breaches_per_10k_items_count_waived_ones(measured):
    breaches = measured[0][KPI.BREACHES]
    assert breaches.value == pytest.approx(3 * 10_000 / 3000)
    assert breaches.n == 3000


def test_remediation_on_time_leaves_waived_breaches_out(measured):
    remediation = measured[0][KPI.REMEDIATION]
    assert remediation.value == pytest.approx(1 / 2)
    assert remediation.n == 2


def test_escalations_count_the_breaches_escalated_in_the_period(measured):
    assert measured[0][KPI.ESCALATIONS].value == 1


def test_credit_share_is_credits_over_invoiced_value_without_redeliveries(measured):
    credits = measured[0][KPI.CREDITS]
    # Invoiced: (1000 + 500 + 1000) items x 0.10 = 250.00; credits 2.50 + 5.00 (the waived breach owes 0).
    assert credits.value == pytest.approx(7.50 / 250.00)
    assert credits.n == 3


def test_timeliness_counts_batches_delivered_by_their_due_time(measured):
    timeliness = measured[0][KPI.TIMELINESS]
    assert timeliness.value == pytest.approx(2 / 3)
    assert timeliness.n == 3


def test_period_scorecard_scores_each_kpi_and_bands_the_total(september, vendor_a):
    scorecard = services.scorecard_compute(vendor=vendor_a, period=SEPTEMBER)
    scores = {row["key"]: row["score"] for row in scorecard.kpis}
    assert scores == {
        "accuracy": 4,
        "iaa": 4,
        "first_pass_acceptance": 1,
        "breaches_per_10k": 2,  # exactly 10 reaches the bound of 10
        "remediation_on_time": 2,  # exactly 0.5 reaches the bound of 0.5
        "escalations": 4,
        "credit_share": 3,  # exactly 3% reaches the bound of 3%
        "timeliness": 1,
    }
    # (20*4 + 15*4 + 20*1 + 10*2 + 10*2 + 5*4 + 10*3 + 10*1) / 5 = 52
    assert scorecard.score == 52
    assert scorecard.band == "material_risk"
    assert scorecard.standing_score == 52
    assert scorecard.first_pass_acceptance == pytest.approx(1 / 3)
    assert scorecard.batches_evaluated == 4
