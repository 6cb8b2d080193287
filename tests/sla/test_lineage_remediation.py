"""Item lineage and remediation coverage: an item is invoiced once, and a remediation must answer the failed work."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla import selectors, services
from sla.models import Breach, Notification
from sla.simulate import simulate_delivery
from tests.factories import DeliveredBatchFactory
from tests.sla.conftest import FAILING, FIX, PASSING
from vendorscore.constants import Role


@pytest.fixture
def owned_contract(overlap_contract, lead):
    overlap_contract.owner = lead
    overlap_contract.save()
    return overlap_contract


def _first_items(spec, count: int) -> tuple[pd.DataFrame, list[str]]:
    rows = simulate_delivery(spec).annotations
    kept = sorted(rows["item_id"].unique())[:count]
    return rows[rows["item_id"].isin(kept)], kept


def test_a_remediation_sharing_no_item_with_the_failed_batch_does_not_close_its_breach(
    overlap_contract, deliver, users, api_client_for
):
    rejected = deliver(overlap_contract, FAILING)
    # PASSING passes the overlap term, but its 300 items are other items (ids follow the seed).
    unrelated = deliver(overlap_contract, PASSING, remediates=rejected, user=users[Role.VENDOR])
    assert unrelated.verdict == "accepted"
    breach = Breach.objects.get(batch=rejected)
    assert breach.status == "open"
    assert breach.remediation_result["last"]["covered"] == 0
    assert breach.remediation_result["last"]["extra"] == 300
    assert breach.service_credit == Decimal("3.00")
    body = api_client_for(users[Role.VENDOR]).get(f"/api/v1/batches/{unrelated.pk}/").json()
    assert body["remediation_coverage"] == 0.0
    assert body["invoiced_items"] == 300  # new items are new work


def test_a_half_covering_remediation_leaves_the_breach_partially_remediated_with_its_missing_items(
    owned_contract, deliver, users, client
):
    rejected = deliver(owned_contract, FAILING)
    half, kept = _first_items(FIX, 150)
    fix = DeliveredBatchFactory(
        contract=owned_contract, rows=half, filename="half-fix.csv", user=users[Role.VENDOR], remediates=rejected
    )
    assert fix.verdict == "accepted" and fix.remediation_coverage == 0.5
    breach = Breach.objects.get(batch=rejected)
    assert breach.status == "partially_remediated"
    assert (breach.remediation_result["covered"], breach.remediation_result["coverage"]) == (150, 0.5)
    assert breach.service_credit == Decimal("3.00"), "a partial remediation is not a remediation"

    client.force_login(users[Role.VENDOR])
    page = client.get(f"/breaches/{breach.pk}/").content.decode()
    assert "Partially remediated" in page and "50.0%" in page and "Download the 150 missing items (CSV)" in page
    missing = b"".join(client.get(f"/breaches/{breach.pk}/missing-items.csv").streaming_content).decode()
    listed = missing.splitlines()[1:]
    every = sorted(simulate_delivery(FAILING).annotations["item_id"].unique())
    assert listed == [item for item in every if item not in set(kept)]
    assert Notification.objects.filter(kind="breach_partially_remediated", recipient=users[Role.VENDOR].email).exists()

    # Its clock keeps running: past the deadline the sweep escalates it.
    Breach.objects.filter(pk=breach.pk).update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert services.breaches_escalate_overdue() == 1

    # The other half, delivered later and passing, completes the coverage: remediated.
    rest = simulate_delivery(FIX).annotations
    rest = rest[~rest["item_id"].isin(kept)]
    DeliveredBatchFactory(
        contract=owned_contract, rows=rest, filename="rest-fix.csv", user=users[Role.VENDOR], remediates=rejected
    )
    breach.refresh_from_db()
    assert breach.status == "remediated" and breach.remediation_result["coverage"] == 1.0
    assert breach.service_credit == Decimal("0.00")
    lineage = client.get(f"/batches/{rejected.pk}/lineage/", {"item": kept[0]}).content.decode()
    assert lineage.count("<td>first delivered</td>") == 1 and f"remediated (corrects batch #{rejected.pk})" in lineage
    assert f"#{fix.pk}" in lineage


def test_a_full_passing_remediation_closes_the_breach_and_tells_both_sides(owned_contract, deliver, users, lead):
    rejected = deliver(owned_contract, FAILING)
    fix = deliver(owned_contract, FIX, remediates=rejected, user=users[Role.VENDOR])
    assert fix.remediation_coverage == 1.0 and fix.redelivered_items == 300 and fix.invoiced_items == 0
    breach = Breach.objects.get(batch=rejected)
    assert breach.status == "remediated" and breach.service_credit == Decimal("0.00")
    told = set(Notification.objects.filter(kind="breach_remediated").values_list("recipient", flat=True))
    assert told == {lead.email, users[Role.VENDOR].email}
    assert not fix.check_runs.get().findings.filter(term="redelivery").exists(), "a remediation is no redelivery"


def test_a_remediation_failing_the_term_on_the_failed_items_reopens_the_breach(overlap_contract, deliver, users):
    rejected = deliver(overlap_contract, FAILING)
    deliver(overlap_contract, FAILING.__class__(items=300, overlap=0.45, seed=8), remediates=rejected)
    breach = Breach.objects.get(batch=rejected)
    assert breach.status == "open"
    assert breach.remediation_result["last"]["verdict"] == "fail"


def test_redelivered_items_are_invoiced_once_and_counted_once_in_the_monthly_cap(
    overlap_contract, deliver, users, client
):
    overlap_contract.service_credit_cap_percent = 5
    overlap_contract.save()
    rejected = deliver(overlap_contract, FAILING)
    breach = Breach.objects.get(batch=rejected)
    assert breach.service_credit == Decimal("1.50")  # 5% of 30.00 invoiced
    # The same 300 items again, not as a remediation: accepted, reported, and not invoiced again.
    again = deliver(overlap_contract, FIX)
    assert (again.verdict, again.items, again.redelivered_items, again.invoiced_items) == ("accepted", 300, 300, 0)
    finding = again.check_runs.get().findings.get(term="redelivery")
    assert finding.verdict == "notice" and f"first in batch #{rejected.pk}" in finding.detail
    assert services.month_invoiced_value(contract=overlap_contract, month=breach.credit_month) == Decimal("30.00")
    breach.refresh_from_db()
    assert breach.service_credit == Decimal("1.50"), "the cap is a share of what is invoiced, once"

    client.force_login(users[Role.VENDOR])
    page = client.get(f"/batches/{again.pk}/").content.decode()
    assert "Redelivered items: 300" in page and "0 items" in page
    assert f'href="/batches/{rejected.pk}/">batch #{rejected.pk}</a>' in page
    listed = b"".join(client.get(f"/batches/{again.pk}/items/redelivered.csv").streaming_content).decode()
    assert len(listed.splitlines()) == 301 and listed.splitlines()[1].endswith(f",{rejected.pk}")


def test_a_breach_of_a_wholly_redelivered_batch_prices_only_its_new_items(overlap_contract, deliver):
    deliver(overlap_contract, PASSING)
    repeat = deliver(overlap_contract, PASSING.__class__(items=300, overlap=0.40, seed=9))  # same items, failing
    breach = Breach.objects.get(batch=repeat)
    assert (repeat.invoiced_items, breach.batch_value, breach.credit_full) == (0, Decimal("0.00"), Decimal("0.00"))


def test_the_rejected_batch_page_shows_each_breach_and_the_corrected_delivery_upload(
    overlap_contract, deliver, users, client
):
    rejected = deliver(overlap_contract, FAILING)
    breach = Breach.objects.get(batch=rejected)
    link = f"/batches/upload/?remediates={rejected.pk}&amp;contract={overlap_contract.pk}"
    for role in (Role.VENDOR, Role.PROCUREMENT_LEAD):
        client.force_login(users[role])
        page = client.get(f"/batches/{rejected.pk}/").content.decode()
        assert f'href="/breaches/{breach.pk}/"' in page and "Upload the corrected delivery" in page and link in page
        assert "left)" in page and "3.00 USD" in page
    client.force_login(users[Role.VIEWER])
    assert "Upload the corrected delivery" not in client.get(f"/batches/{rejected.pk}/").content.decode()
    client.force_login(users[Role.VENDOR])
    upload = client.get(f"/batches/upload/?remediates={rejected.pk}").content.decode()
    assert f'value="{rejected.pk}" selected' in upload


def test_a_promise_after_a_partial_remediation_does_not_stop_the_clock(overlap_contract, deliver, users):
    rejected = deliver(overlap_contract, FAILING)
    half, _ = _first_items(FIX, 150)
    DeliveredBatchFactory(
        contract=overlap_contract, rows=half, filename="half.csv", user=users[Role.VENDOR], remediates=rejected
    )
    breach = Breach.objects.get(batch=rejected)
    services.breach_remediation_submit(breach=breach, user=users[Role.VENDOR], note="The rest is coming.")
    Breach.objects.filter(pk=breach.pk).update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert services.breaches_escalate_overdue() == 1


@pytest.mark.parametrize("arm_batches", [32, 2], ids=["one arm", "arms of two batches"])
def test_an_items_history_lists_the_batches_that_delivered_it_oldest_first_in_as_many_queries_at_any_length(
    overlap_contract, deliver, client, lead, monkeypatch, arm_batches
):
    monkeypatch.setattr(selectors, "LINEAGE_ARM_BATCHES", arm_batches)
    first = deliver(overlap_contract, FAILING)
    other = deliver(overlap_contract, PASSING)  # other items: not in the history
    again = deliver(overlap_contract, FIX)  # FAILING's items again
    item = sorted(simulate_delivery(FAILING).annotations["item_id"].unique())[0]
    client.force_login(lead)

    def history() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/batches/{other.pk}/lineage/", {"item": item}).content.decode()
        return page, len(queries)

    page, queries = history()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert [(f"#{first.pk}" in row, f"#{again.pk}" in row, f"#{other.pk}" in row) for row in rows] == [
        (True, False, False),
        (False, True, False),
    ]
    assert "<td>first delivered</td>" in rows[0] and "<td>redelivered</td>" in rows[1]

    # Two more (other files: the same file is refused): FAILING's items once more, and other items.
    latest = [
        deliver(overlap_contract, replace(FIX, overlap=0.12)),
        deliver(overlap_contract, replace(PASSING, overlap=0.12)),
    ]
    assert all(batch.status == "evaluated" for batch in latest)
    page, more_queries = history()
    assert page.count("<td>redelivered</td>") == 2 and f"#{latest[0].pk}" in page and f"#{latest[1].pk}" not in page
    assert more_queries == queries
