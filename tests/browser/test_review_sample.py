"""The reviewer page driven with the keyboard only in headless Chromium: verdicts saved, sample decided."""

import pytest

from sla.models import Batch, QAReview
from sla.simulate import DeliverySpec
from tests.factories import ContractFactory, DeliveredBatchFactory, TaskTypeFactory, TermsFactory
from vendorscore.constants import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def batch(vendor_a, lead):
    """40 items at AQL 6.5, level II: code letter D, a sample of 8, accept with at most 1 defective."""
    contract = ContractFactory(vendor=vendor_a)
    task_type = TaskTypeFactory()
    TermsFactory(
        contract=contract, task_type=task_type, accuracy_floor=None, iaa_min=None, iaa_fail_below=None, aql=6.5
    )
    return DeliveredBatchFactory(contract=contract, spec=DeliverySpec(items=40, overlap=0.1, seed=5), user=lead)


def test_reviewer_walks_the_sample_with_the_keyboard(login, users, batch, live_server):
    sample = batch.qa_sample
    assert (sample.code_letter, sample.sample_size, sample.accept) == ("D", 8, 1)
    page = login(users[Role.QA_ANALYST])
    page.goto(f"{live_server.url}/batches/{batch.pk}/review/")
    page.wait_for_selector("#item-0.current")

    page.keyboard.press("o")  # ok, saved, next
    page.wait_for_selector("#item-1.current")
    page.keyboard.press("2")  # defect of the second type
    page.keyboard.press("n")
    page.keyboard.type("sarcasm read as praise")
    page.keyboard.press("Enter")  # saved from the note field, next
    page.wait_for_selector("#item-2.current")
    page.keyboard.press("k")
    page.wait_for_selector("#item-1.current")
    page.keyboard.press("j")
    for index in range(2, 8):
        page.wait_for_selector(f"#item-{index}.current")
        page.keyboard.press("o")
    page.wait_for_function("() => document.getElementById('review-progress').textContent.includes('8 of 8')")
    assert "lot accepted by the sampling plan" in page.locator("#review-progress").inner_text()

    defect = QAReview.objects.get(verdict="defect")
    assert (defect.item_id, defect.defect_type, defect.note) == (
        sample.items[1],
        "guideline_violation",
        "sarcasm read as praise",
    )
    assert QAReview.objects.count() == 8
    sample.refresh_from_db()
    assert sample.decision == "pass"
    finding = Batch.objects.get(pk=batch.pk).check_runs.get(is_current=True).findings.get(term="defect_rate")
    assert finding.verdict == "pass"
