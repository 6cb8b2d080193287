"""What a lead puts in front of a vendor: verdict badges in colour, findings that read as sentences."""

import pytest

from sla.models import Batch
from tests.factories import ContractFactory, DeliveredBatchFactory, TaskTypeFactory, TermsFactory
from tests.sla.conftest import FAILING, PASSING
from vendorscore.constants import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# static/css/vendorscore.css: --ok-bg, --bad-bg, and the grey a badge has when no rule matches its class.
GREEN, RED = "rgb(232, 246, 236)", "rgb(253, 236, 236)"


@pytest.fixture
def overlap_contract(vendor_a):
    """Only the consensus overlap (5-15%) is a term, so PASSING is accepted and FAILING rejected."""
    contract = ContractFactory(vendor=vendor_a)
    no_other_terms = {"accuracy_floor": None, "iaa_min": None, "iaa_fail_below": None, "defect_rate_max": None}
    TermsFactory(contract=contract, task_type=TaskTypeFactory(), **no_other_terms)
    return contract


def _background(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


def test_batch_list_badges_are_coloured_by_verdict(login, users, lead, overlap_contract, live_server):
    accepted = DeliveredBatchFactory(contract=overlap_contract, spec=PASSING, user=lead)
    rejected = DeliveredBatchFactory(contract=overlap_contract, spec=FAILING, user=lead)
    assert (accepted.verdict, rejected.verdict) == ("accepted", "rejected")
    page = login(users[Role.PROCUREMENT_LEAD])
    page.goto(f"{live_server.url}/batches/")
    rows = {row.locator("td").first.inner_text().strip(): row for row in page.locator("table.table tbody tr").all()}
    accepted_badge = rows[f"#{accepted.pk}"].locator(".badge", has_text="Accepted")
    rejected_badge = rows[f"#{rejected.pk}"].locator(".badge", has_text="Rejected")
    assert _background(accepted_badge) == GREEN
    assert _background(rejected_badge) == RED


def test_rejected_batch_findings_read_as_sentences_with_units(login, users, lead, overlap_contract, live_server):
    batch = DeliveredBatchFactory(contract=overlap_contract, spec=FAILING, user=lead)
    page = login(users[Role.VENDOR])
    page.goto(f"{live_server.url}{batch.get_absolute_url()}")
    row = page.locator("#findings tbody tr", has_text="Consensus overlap")
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "fail"
    assert _background(row.locator(".badge")) == RED
    assert cells[3] == "5%–15%"  # the contract's range, not one number
    overlap = Batch.objects.get(pk=batch.pk).metrics["overlap_rate"]
    assert cells[2] == f"{overlap * 100:.1f}%".replace(".0%", "%")
    assert "above the contract's range of 5%–15%" in cells[6]
    table = page.locator("#findings table").inner_text()
    assert "_" not in table
