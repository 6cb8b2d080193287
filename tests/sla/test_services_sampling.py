"""QA review samples on real batches: drawn once by the plan, decided by its numbers, counted for switching once."""

import io

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla import services
from sla.models import Annotation, Breach, InspectionState, QAReview, QASample
from sla.simulate import DeliverySpec
from tests.factories import ContractFactory, TermsFactory
from tests.sla.conftest import PASSING


@pytest.fixture
def sampled_contract(vendor_a, sentiment):
    """Overlap and defect-rate terms with an AQL of 1.0 at level II, stratified draws."""
    contract = ContractFactory(vendor=vendor_a, unit_price="0.1000")
    TermsFactory(
        contract=contract,
        task_type=sentiment,
        accuracy_floor=None,
        iaa_min=None,
        iaa_fail_below=None,
        defect_rate_max=0.01,
        aql=1.0,
        remediation_business_days=5,
        service_credit_percent=5,
    )
    return contract


def _reviews(sample, defects: int) -> SimpleUploadedFile:
    verdicts = ["Defect" if index < defects else "OK" for index in range(len(sample.items))]
    frame = pd.DataFrame({"item_id": sample.items, "reviewer": "qa-1", "verdict": verdicts})
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return SimpleUploadedFile(f"reviews-{defects}.csv", buffer.getvalue().encode())


def test_the_plan_draws_a_stratified_sample_once(sampled_contract, deliver, lead):
    batch = deliver(sampled_contract, PASSING)
    sample = QASample.objects.get(batch=batch)
    # 300 items at level II: code H, n = 50; AQL 1.0 on H: Ac 1, Re 2 (Table 2-A).
    assert (sample.lot_size, sample.code_letter, sample.sample_size, sample.accept, sample.reject) == (
        300,
        "H",
        50,
        1,
        2,
    )
    assert len(set(sample.items)) == 50
    annotators = set(Annotation.objects.filter(batch=batch).values_list("annotator_id", flat=True))
    first_annotator = {}
    for item, annotator in (
        Annotation.objects.filter(batch=batch).order_by("row").values_list("item_id", "annotator_id")
    ):
        first_annotator.setdefault(item, annotator)
    assert {first_annotator[item] for item in sample.items} == annotators
    services.batch_check(batch=batch, user=lead, reason="again")
    assert QASample.objects.get(batch=batch).items == sample.items


def test_a_complete_sample_decides_the_defect_rate_by_the_accept_number(sampled_contract, deliver, lead):
    accepted = deliver(sampled_contract, PASSING)
    sample = accepted.qa_sample
    services.qa_reviews_receive(batch=accepted, upload=_reviews(sample, 1), user=lead)
    accepted.refresh_from_db()
    finding = services.checking.Finding.objects.get(
        check_run__batch=accepted, check_run__is_current=True, term="defect_rate"
    )
    assert finding.verdict == "pass" and "sampling plan" in finding.detail
    assert accepted.verdict == "accepted"

    rejected = deliver(sampled_contract, DeliverySpec(items=300, overlap=0.10, seed=19))
    services.qa_reviews_receive(batch=rejected, upload=_reviews(rejected.qa_sample, 2), user=lead)
    rejected.refresh_from_db()
    assert rejected.verdict == "rejected"
    assert Breach.objects.get(batch=rejected).term == "defect_rate"


def test_an_incomplete_sample_does_not_decide(sampled_contract, deliver, lead):
    batch = deliver(sampled_contract, PASSING)
    sample = batch.qa_sample
    partial = QASample(items=sample.items[:10], accept=sample.accept)
    services.qa_reviews_receive(batch=batch, upload=_reviews(partial, 0), user=lead)
    assert QASample.objects.get(batch=batch).decision == ""


def test_each_lot_counts_once_for_switching_and_two_rejections_tighten(sampled_contract, deliver, lead):
    for seed, defects in ((21, 2), (22, 0), (23, 2)):
        batch = deliver(sampled_contract, DeliverySpec(items=300, overlap=0.10, seed=seed))
        services.qa_reviews_receive(batch=batch, upload=_reviews(batch.qa_sample, defects), user=lead)
        services.batch_check(batch=batch, user=lead, reason="re-run counts nothing twice")
    state = InspectionState.objects.get(contract=sampled_contract)
    assert state.inspection == "tightened" and state.results == [] and state.switching_score == 0
    nxt = deliver(sampled_contract, DeliverySpec(items=300, overlap=0.10, seed=24))
    # Tightened (Table 2-B): H at AQL 1.0 points down to J: n = 80, Ac 1, Re 2.
    assert (nxt.qa_sample.inspection, nxt.qa_sample.sample_size) == ("tightened", 80)


def _decide(contract, deliver, lead, seed: int, defects: int, **kwargs):
    batch = deliver(contract, DeliverySpec(items=300, overlap=0.10, seed=seed), **kwargs)
    services.qa_reviews_receive(batch=batch, upload=_reviews(batch.qa_sample, defects), user=lead)
    batch.refresh_from_db()
    return batch


def test_accepted_lots_score_two_points_and_a_score_of_thirty_reduces(sampled_contract, deliver, lead):
    # H at AQL 1.0: Ac 1, so each accepted lot adds 2; a re-run of the check counts nothing again.
    for seed in (31, 32):
        batch = _decide(sampled_contract, deliver, lead, seed, defects=1)
        services.batch_check(batch=batch, user=lead, reason="re-run counts nothing twice")
    state = InspectionState.objects.get(contract=sampled_contract)
    assert (state.inspection, state.results, state.switching_score) == ("normal", [True, True], 4)
    state.switching_score = 28  # 12 more accepted lots, as 30 needs 15 in all at Ac 1
    state.save()
    _decide(sampled_contract, deliver, lead, 33, defects=0)
    state.refresh_from_db()
    assert (state.inspection, state.results, state.switching_score) == ("reduced", [], 0)
    nxt = deliver(sampled_contract, DeliverySpec(items=300, overlap=0.10, seed=34))
    # Reduced (Table 2-C): H at AQL 1.0 is an arrow down to J's 1-2 plan, n = 32.
    assert (nxt.qa_sample.inspection, nxt.qa_sample.sample_size, nxt.qa_sample.accept) == ("reduced", 32, 1)


def test_with_ac_three_a_lot_accepted_only_at_its_own_aql_resets_the_score(sampled_contract, deliver, lead):
    # H at AQL 2.5 (Table 2-A): n = 50, Ac 3; one column tighter, AQL 1.5: Ac 2.
    sampled_contract.terms.update(aql=2.5, defect_rate_max=0.06)
    clear = _decide(sampled_contract, deliver, lead, 41, defects=2)
    assert (clear.qa_sample.code_letter, clear.qa_sample.accept) == ("H", 3)
    state = InspectionState.objects.get(contract=sampled_contract)
    assert state.switching_score == 3
    borderline = _decide(sampled_contract, deliver, lead, 42, defects=3)
    assert QASample.objects.get(batch=borderline).decision == "pass"
    state.refresh_from_db()
    assert (state.inspection, state.results, state.switching_score) == ("normal", [True, True], 0)


def test_a_remediating_redelivery_is_decided_but_not_counted_for_switching(sampled_contract, deliver, lead):
    failed = _decide(sampled_contract, deliver, lead, 51, defects=2)
    fixed = _decide(sampled_contract, deliver, lead, 52, defects=0, remediates=failed)
    assert QASample.objects.get(batch=fixed).decision == "pass"
    state = InspectionState.objects.get(contract=sampled_contract)
    assert (state.inspection, state.results, state.switching_score) == ("normal", [False], 0)


def test_reviewer_page_saves_verdicts_for_sampled_items_only(client, users, sampled_contract, deliver):
    from vendorscore.constants import Role

    batch = deliver(sampled_contract, PASSING)
    url = f"/batches/{batch.pk}/review/"
    client.force_login(users[Role.VENDOR])
    assert client.get(url).status_code == 403
    client.force_login(users[Role.QA_ANALYST])
    page = client.get(url).content.decode()
    assert page.count('class="card review-item') == 50 and "code letter H" in page
    outside = client.post(url, {"item_id": "not-sampled", "verdict": "ok"}, headers={"Accept": "application/json"})
    assert outside.status_code == 400 and "review sample" in outside.json()["error"]
    item = batch.qa_sample.items[0]
    saved = client.post(url, {"item_id": item, "verdict": "defect", "defect_type": "wrong_label"})
    assert saved.status_code == 302 and saved["Location"].endswith("#item-0")
    again = client.post(url, {"item_id": item, "verdict": "ok"}, headers={"Accept": "application/json"}).json()
    assert (again["reviewed"], again["defects"], again["total"]) == (1, 0, 50)


def test_reviewer_page_offers_the_task_types_defect_types_and_refuses_others(client, users, sampled_contract, deliver):
    from sla.constants import defect_types_for
    from vendorscore.constants import Role

    assert defect_types_for(scale="ordinal", complexity="safety_critical") == (
        "wrong_label",
        "severity_too_high",
        "severity_too_low",
        "guideline_violation",
        "ambiguous_item",
        "safety_miss",
    )
    batch = deliver(sampled_contract, PASSING)
    url = f"/batches/{batch.pk}/review/"
    client.force_login(users[Role.QA_ANALYST])
    page = client.get(url).content.decode()
    assert '<select name="defect_type">' in page and '<option value="wrong_label">wrong label</option>' in page
    assert "severity_too_high" not in page  # a nominal task type has no severity
    item = batch.qa_sample.items[0]
    refused = client.post(
        url,
        {"item_id": item, "verdict": "defect", "defect_type": "severity_too_high"},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        f"A {batch.task_type.name} defect is one of: wrong_label, guideline_violation, ambiguous_item."
    )
    assert not QAReview.objects.filter(item_id=item).exists()


def _mixed_reviews(batch) -> tuple[SimpleUploadedFile, str]:
    """Row 1 a sampled item, row 2 an item of the batch outside the sample, row 3 an item of no batch."""
    sampled = set(batch.qa_sample.items)
    outside = next(
        item for item in Annotation.objects.filter(batch=batch).values_list("item_id", flat=True) if item not in sampled
    )
    content = (
        f"item_id,reviewer,verdict\n{batch.qa_sample.items[0]},qa-1,ok\n{outside},qa-1,defect\nno-such-item,qa-1,ok\n"
    )
    return SimpleUploadedFile("mixed.csv", content.encode()), outside


def test_a_review_file_may_name_only_items_of_the_drawn_sample(sampled_contract, deliver, lead):
    batch = deliver(sampled_contract, PASSING)
    upload, outside = _mixed_reviews(batch)
    review_set = services.qa_reviews_receive(batch=batch, upload=upload, user=lead).upload
    assert (review_set.status, review_set.error_count) == ("invalid", 2)
    assert review_set.errors == [
        {
            "file": "mixed.csv",
            "row": 2,
            "column": "item_id",
            "message": f"item {outside!r} is not in batch {batch.pk}'s QA review sample",
        },
        {
            "file": "mixed.csv",
            "row": 3,
            "column": "item_id",
            "message": f"item 'no-such-item' is not in batch {batch.pk}",
        },
    ]
    assert not QAReview.objects.filter(review_set__batch=batch).exists()


def test_without_a_drawn_sample_a_review_file_may_name_any_item_of_the_batch(vendor_a, sentiment, deliver, lead):
    contract = ContractFactory(vendor=vendor_a)
    TermsFactory(contract=contract, task_type=sentiment, aql=None)
    batch = deliver(contract, PASSING)
    assert not QASample.objects.filter(batch=batch).exists()
    items = list(Annotation.objects.filter(batch=batch).values_list("item_id", flat=True).distinct()[:2])
    content = "item_id,reviewer,verdict\n" + "".join(f"{item},qa-1,ok\n" for item in items)
    upload = SimpleUploadedFile("any.csv", content.encode())
    review_set = services.qa_reviews_receive(batch=batch, upload=upload, user=lead).upload
    assert (review_set.status, review_set.error_count, review_set.rows) == ("stored", 0, 2)


def test_review_upload_page_refuses_items_outside_the_sample_and_stores_nothing(
    client, users, sampled_contract, deliver
):
    from vendorscore.constants import Role

    batch = deliver(sampled_contract, PASSING)
    upload, outside = _mixed_reviews(batch)
    client.force_login(users[Role.QA_ANALYST])
    response = client.post(f"/batches/{batch.pk}/reviews/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "mixed.csv: 2 problems, nothing stored" in page
    message = f"item &#x27;{outside}&#x27; is not in batch {batch.pk}&#x27;s QA review sample"
    assert f'<td class="num">2</td><td>item_id</td><td>{message}</td>' in page
    assert not QAReview.objects.filter(review_set__batch=batch).exists()
    complete = _reviews(batch.qa_sample, 0)
    assert client.post(f"/batches/{batch.pk}/reviews/", {"file": complete}).status_code == 302
    assert QAReview.objects.filter(review_set__batch=batch).count() == 50


def test_a_defect_rate_breach_waits_for_the_remediation_s_own_sample_then_closes(sampled_contract, deliver, lead):
    failed = _decide(sampled_contract, deliver, lead, 61, defects=2)
    breach = Breach.objects.get(batch=failed, term="defect_rate")
    fix = deliver(sampled_contract, DeliverySpec(items=300, overlap=0.08, seed=61), remediates=failed)
    breach.refresh_from_db()
    assert breach.status == "remediation_submitted", "not decided before its QA sample is reviewed"
    services.qa_reviews_receive(batch=fix, upload=_reviews(fix.qa_sample, 0), user=lead)
    breach.refresh_from_db()
    assert breach.status == "remediated"


def test_review_verdicts_whose_check_fails_leave_no_review_set_behind(sampled_contract, deliver, lead, monkeypatch):
    batch = deliver(sampled_contract, PASSING)

    def check_failed(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services.intake, "batch_check", check_failed)
    with pytest.raises(RuntimeError):
        services.qa_reviews_receive(batch=batch, upload=_reviews(batch.qa_sample, 1), user=lead)
    assert not batch.review_sets.exists()
    assert not QAReview.objects.filter(review_set__batch=batch).exists()
