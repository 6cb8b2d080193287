"""The SLA check of a batch: terms in force on its delivery date, facts from its rows, findings.

The decisions themselves are pure (``sla.checks``); this module gathers their inputs from
the database, stores the run with the terms version it used, and keeps earlier runs as
history. Running it again with the same terms and the same measurements changes nothing.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Min, Q

from sla import checks, lineage_rules
from sla.constants import BatchStatus, BatchVerdict, ReviewVerdict, UploadStatus
from sla.models import Annotation, Batch, CheckRun, ContractTerms, Finding, QAReview, QASample
from sla.services.breaches import breaches_after_check
from sla.services.lineage import batch_lineage_record
from sla.services.sampling import qa_sample_decision, qa_sample_draw, qa_sample_record
from sla.services.webhooks import batch_evaluated_emit

DRIFT_BASELINE_BATCHES = 3


def terms_in_force(*, batch: Batch) -> ContractTerms | None:
    """The newest terms version effective on the batch's delivery date, in the contract's time zone."""
    delivered_on = batch.delivered_at.astimezone(ZoneInfo(batch.contract.time_zone)).date()
    return (
        ContractTerms.objects.filter(
            contract=batch.contract, task_type=batch.task_type, effective_from__lte=delivered_on
        )
        .order_by("-effective_from")
        .first()
    )


def pure_terms(terms: ContractTerms) -> checks.Terms:
    fields = {name: getattr(terms, name) for name in checks.Terms.__dataclass_fields__ if name != "version"}
    fields["safety_critical_labels"] = tuple(terms.safety_critical_labels or ())
    return checks.Terms(version=terms.pk, **fields)


def batch_facts(
    *, batch: Batch, terms: checks.Terms, review_decision: str | None = None, sample: QASample | None = None
) -> checks.Facts:
    rows = Annotation.objects.filter(batch=batch)
    span = rows.aggregate(first=Min("annotated_at"), last=Max("annotated_at"))
    late, escalated = _escalations(batch, terms)
    safety_items, safety_prelabeled = _safety_routing(rows, terms)
    reviewed, defects = _reviews(batch)
    return checks.Facts(
        delivered_at=batch.delivered_at,
        due_at=batch.due_at,
        first_annotated_at=span["first"],
        last_annotated_at=span["last"],
        escalated=escalated,
        escalations_late=late,
        safety_items=safety_items,
        safety_items_prelabeled=safety_prelabeled,
        reviewed=reviewed,
        defects=defects,
        review_decision=review_decision,
        review_sample_size=sample.sample_size if sample is not None and review_decision else None,
        review_accept=sample.accept if sample is not None and review_decision else None,
        review_aql=sample.aql if sample is not None and review_decision else None,
    )


def _escalations(batch: Batch, terms: checks.Terms) -> tuple[int, int]:
    """Escalated items not resolved within the allowed hours (unresolved ones counted at delivery)."""
    escalated = list(
        Annotation.objects.filter(batch=batch, escalated=True).values_list("annotated_at", "escalation_resolved_at")
    )
    if terms.escalation_hours is None:
        return 0, len(escalated)
    allowed = dt.timedelta(hours=terms.escalation_hours)
    late = sum(
        1
        for raised, resolved in escalated
        if raised is not None and ((resolved or batch.delivered_at) - raised) > allowed
    )
    return late, len(escalated)


def _safety_routing(rows, terms: checks.Terms) -> tuple[int, int]:
    if not terms.safety_critical_labels:
        return 0, 0
    labels = list(terms.safety_critical_labels)
    safety = rows.filter(Q(label__in=labels) | Q(prelabel__in=labels))
    items = safety.values("item_id").distinct().count()
    prelabeled = safety.filter(queue="prelabeled").values("item_id").distinct().count()
    return items, prelabeled


def _reviews(batch: Batch) -> tuple[int, int]:
    reviews = QAReview.objects.filter(review_set__batch=batch, review_set__status=UploadStatus.STORED)
    reviewed = reviews.values("item_id").distinct().count()
    defects = reviews.filter(verdict=ReviewVerdict.DEFECT).values("item_id").distinct().count()
    return reviewed, defects


def drift_baseline(*, batch: Batch) -> list[dict]:
    """Metrics of the first accepted batches of the same contract and task type, delivered earlier."""
    earlier = (
        Batch.objects.filter(
            contract=batch.contract,
            task_type=batch.task_type,
            verdict=BatchVerdict.ACCEPTED,
            delivered_at__lt=batch.delivered_at,
        )
        .exclude(pk=batch.pk)
        .order_by("delivered_at")[:DRIFT_BASELINE_BATCHES]
    )
    return [metrics for metrics in earlier.values_list("metrics", flat=True) if metrics]


@transaction.atomic
def batch_check(*, batch: Batch, user=None, reason: str = "automatic check after intake") -> CheckRun | None:
    """Check an evaluated batch against its terms; keep the run unless it repeats the current one.

    The QA review sample is drawn on the first check; once every sampled item has a
    verdict, the sampling plan's accept and reject numbers decide the defect-rate term.
    A new run opens breaches for its failed terms and settles the breaches the batch remediates.
    """
    batch = Batch.objects.select_for_update(of=("self",)).select_related("contract", "task_type").get(pk=batch.pk)
    if batch.status != BatchStatus.EVALUATED or batch.metrics is None:
        return None
    terms_row = terms_in_force(batch=batch)
    sample = qa_sample_draw(batch=batch, terms=terms_row)
    decision = qa_sample_decision(sample=sample)
    findings = _findings(batch, terms_row, decision, sample)
    redelivery = lineage_rules.redelivery_finding(batch_lineage_record(batch=batch))
    findings.extend([redelivery] if redelivery else [])
    verdict = checks.batch_verdict(findings)
    if sample is not None:
        qa_sample_record(sample=sample, decision=decision)
    current = batch.check_runs.filter(is_current=True).first()
    if current is not None and _same_run(current, terms_row, verdict, findings):
        return current
    batch.check_runs.filter(is_current=True).update(is_current=False)
    run = CheckRun.objects.create(batch=batch, terms=terms_row, verdict=verdict, reason=reason, ran_by=user)
    Finding.objects.bulk_create([_finding_row(run, finding) for finding in findings])
    Batch.objects.filter(pk=batch.pk).update(verdict=verdict, terms_version=terms_row)
    breaches_after_check(run=run)
    batch_evaluated_emit(run=run)
    return run


def _findings(
    batch: Batch, terms_row: ContractTerms | None, review_decision: str | None, sample: QASample | None
) -> list[checks.Finding]:
    if terms_row is None:
        delivered = batch.delivered_at.astimezone(ZoneInfo(batch.contract.time_zone)).date()
        return [
            checks.Finding(
                "terms",
                checks.INCONCLUSIVE,
                None,
                None,
                f"No SLA terms for {batch.task_type.name} were in force on {delivered:%Y-%m-%d}.",
            )
        ]
    terms = pure_terms(terms_row)
    facts = batch_facts(batch=batch, terms=terms, review_decision=review_decision, sample=sample)
    findings = checks.check_batch(terms, batch.metrics, facts)
    findings.extend(checks.drift_findings(terms, batch.metrics, drift_baseline(batch=batch), findings))
    return findings


def _same_run(run: CheckRun, terms_row, verdict: str, findings: list[checks.Finding]) -> bool:
    stored = [(f.term, f.verdict, f.measured, f.threshold) for f in run.findings.all()]
    fresh = [(f.term, f.verdict, f.measured, f.threshold) for f in findings]
    return run.terms_id == (terms_row.pk if terms_row else None) and run.verdict == verdict and stored == fresh


def _finding_row(run: CheckRun, finding: checks.Finding) -> Finding:
    low, high = finding.ci95 if finding.ci95 else (None, None)
    return Finding(
        check_run=run,
        term=finding.term,
        verdict=finding.verdict,
        measured=finding.measured,
        threshold=finding.threshold,
        ci_low=low,
        ci_high=high,
        n=finding.n,
        detail=finding.detail,
        more_items_needed=finding.more_items_needed,
        extra=finding.extra,
    )
