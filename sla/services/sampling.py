"""QA review samples: drawn once per batch by the terms' ISO 2859-1 plan, decided when complete.

The plan arithmetic and the draw are pure (``sla.sampling_plans``); this module picks the plan
for the batch (lot size = its distinct items, the terms' AQL and inspection level, the
contract and task type's current inspection severity), stores the draw, and records the
lot's result in the switching state exactly once (a lot on original inspection only).
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from sla import sampling_plans
from sla.constants import ReviewVerdict, SampleDraw, UploadStatus
from sla.models import Annotation, Batch, ContractTerms, InspectionState, QAReview, QASample


def qa_sample_draw(*, batch: Batch, terms: ContractTerms | None) -> QASample | None:
    """The batch's review sample, drawn on first call; None when the terms set no AQL."""
    existing = QASample.objects.filter(batch=batch).first()
    if existing is not None or terms is None or terms.aql is None or batch.items < 2:
        return existing
    state = _state(batch)
    plan = sampling_plans.plan_for(
        batch.items, sampling_plans.nearest_aql(terms.aql), level=terms.inspection_level, inspection=state.inspection
    )
    # Seeded by the delivered file's hash: anyone holding the file can redraw the same sample.
    seed = int(batch.sha256[:15], 16)
    rows = Annotation.objects.filter(batch=batch)
    items = list(rows.values_list("item_id", flat=True).distinct())
    strata = None
    if terms.sample_draw == SampleDraw.STRATIFIED:
        # An item belongs to the stratum of its first annotator (the one in its first row).
        first_rows = rows.values("item_id").annotate(first=Min("row")).values("first")
        strata = dict(rows.filter(row__in=first_rows).values_list("item_id", "annotator_id"))
    return QASample.objects.create(
        batch=batch,
        inspection=plan.inspection,
        level=plan.level,
        aql=plan.aql,
        lot_size=batch.items,
        code_letter=plan.code_letter,
        sample_size=plan.sample_size,
        accept=plan.accept,
        reject=plan.reject,
        draw=terms.sample_draw,
        seed=seed,
        items=sampling_plans.draw(items, plan.sample_size, seed, strata=strata),
    )


def qa_sample_outsiders(*, sample: QASample | None, item_ids: Iterable[str]) -> set[str]:
    """The items a QA verdict may not name: those outside the batch's drawn review sample.

    One rule for the reviewer page and the verdict upload. The plan decides the lot on its
    sampled items only, while the defect rate the check reports counts every stored verdict:
    a verdict on an item outside the random draw is work the decision ignores, and it biases
    that rate (items picked by hand are not a random sample). Without a drawn sample (terms
    with no AQL) nothing is outside it, and verdicts may name any item of the batch.
    """
    if sample is None:
        return set()
    return set(item_ids) - set(sample.items)


def _state(batch: Batch) -> InspectionState:
    state, _ = InspectionState.objects.get_or_create(contract_id=batch.contract_id, task_type_id=batch.task_type_id)
    return state


def qa_sample_verdicts(*, sample: QASample) -> tuple[int, int]:
    """How many of the sampled items have a verdict, and how many of them are defective."""
    reviews = QAReview.objects.filter(
        review_set__batch_id=sample.batch_id, review_set__status=UploadStatus.STORED, item_id__in=sample.items
    )
    reviewed = reviews.values("item_id").distinct().count()
    defects = reviews.filter(verdict=ReviewVerdict.DEFECT).values("item_id").distinct().count()
    return reviewed, defects


def qa_sample_decision(*, sample: QASample | None) -> str | None:
    """pass or fail by the plan's accept and reject numbers once every sampled item is reviewed."""
    if sample is None:
        return None
    reviewed, defects = qa_sample_verdicts(sample=sample)
    if reviewed < len(sample.items):
        return None
    return "pass" if defects <= sample.accept else "fail"


@transaction.atomic
def qa_sample_record(*, sample: QASample, decision: str | None) -> None:
    """Keep the lot's first decision and count it once in the contract's switching state.

    A remediating redelivery is a lot resubmitted after it was not accepted: its decision
    is kept, but the switching rules count lots on original inspection only (ISO 2859-1 9.3).
    """
    if decision is None:
        return
    locked = QASample.objects.select_for_update(of=("self",)).select_related("batch").get(pk=sample.pk)
    if locked.decision:
        return
    locked.decision, locked.decided_at = decision, timezone.now()
    locked.save(update_fields=["decision", "decided_at"])
    if locked.batch.remediates_id is not None:
        return
    state = InspectionState.objects.select_for_update().get(pk=_state(locked.batch).pk)
    _, defects = qa_sample_verdicts(sample=locked)
    lot = sampling_plans.Lot.inspected(defects, locked.accept, locked.code_letter, locked.aql)
    moved = sampling_plans.switch(
        sampling_plans.SwitchState(state.inspection, tuple(state.results), state.switching_score), lot
    )
    state.inspection, state.results, state.switching_score = moved.inspection, list(moved.results), moved.score
    state.save(update_fields=["inspection", "results", "switching_score", "updated_at"])
