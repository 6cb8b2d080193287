"""QA verdicts made in the reviewer page, one item at a time; the completed sample re-checks the batch."""

import hashlib

from django.db import transaction

from sla.constants import ReviewVerdict, UploadStatus, defect_types_for
from sla.models import Batch, QAReview, QAReviewSet, QASample
from sla.services.checking import batch_check
from sla.services.sampling import qa_sample_outsiders, qa_sample_verdicts
from vendorscore.exceptions import DomainError


@transaction.atomic
def qa_review_record(
    *, batch: Batch, item_id: str, verdict: str, user, defect_type: str = "", note: str = ""
) -> QAReview:
    """Keep one reviewer's verdict on a sampled item (a second verdict replaces the first).

    Browser verdicts live in one review set per reviewer and batch, next to uploaded files,
    so the defect count reads both the same way.
    """
    sample = QASample.objects.filter(batch=batch).first()
    if sample is None or qa_sample_outsiders(sample=sample, item_ids=[item_id]):
        raise DomainError(f"Item {item_id!r} is not in batch {batch.pk}'s review sample.", field="item_id")
    if verdict not in ReviewVerdict.values:
        raise DomainError("The verdict is ok or defect.", field="verdict")
    allowed = defect_types_for(scale=batch.task_type.scale, complexity=batch.task_type.complexity)
    if verdict == ReviewVerdict.DEFECT and defect_type.strip() and defect_type.strip() not in allowed:
        raise DomainError(f"A {batch.task_type.name} defect is one of: {', '.join(allowed)}.", field="defect_type")
    review_set = _reviewer_page_set(batch, user)
    QAReview.objects.filter(review_set=review_set, item_id=item_id).delete()
    review = QAReview.objects.create(
        review_set=review_set,
        item_id=item_id,
        reviewer=user.username,
        verdict=verdict,
        defect_type=defect_type.strip() if verdict == ReviewVerdict.DEFECT else "",
        note=note.strip(),
    )
    QAReviewSet.objects.filter(pk=review_set.pk).update(rows=review_set.reviews.count())
    reviewed, _ = qa_sample_verdicts(sample=sample)
    if reviewed == len(sample.items):
        batch_check(batch=batch, user=user, reason="QA review sample completed in the reviewer page")
    return review


def _reviewer_page_set(batch: Batch, user) -> QAReviewSet:
    name = f"reviewer page ({user.username})"
    review_set = QAReviewSet.objects.filter(batch=batch, uploaded_by=user, original_name=name).first()
    if review_set is not None:
        return review_set
    return QAReviewSet.objects.create(
        batch=batch,
        uploaded_by=user,
        original_name=name,
        file="",
        sha256=hashlib.sha256(f"reviewer-page:{batch.pk}:{user.pk}".encode()).hexdigest(),
        size=0,
        status=UploadStatus.STORED,
        format="reviewer page",
    )
