"""Read queries of the SLA app, with the vendor scoping applied once, here.

A vendor user sees only their own vendor's contracts and batches, and never gold sets;
an object outside that scope is answered 404 so its existence is not revealed.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from sla.constants import UploadStatus
from sla.models import Batch, Contract, ContractTerms, Finding, GoldSet, TaskType
from vendorscore.constants import Role
from vendorscore.permissions import role_of


def _scope_to_vendor(queryset: QuerySet, *, user, vendor_path: str) -> QuerySet:
    role = role_of(user)
    if role is None:
        return queryset.none()
    if role == Role.VENDOR:
        return queryset.filter(**{vendor_path: user.vendor_id})
    return queryset


def task_type_list() -> QuerySet[TaskType]:
    return TaskType.objects.all()


def contract_list(*, user) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("vendor", "owner")
    return _scope_to_vendor(contracts, user=user, vendor_path="vendor_id")


def contract_get(*, user, pk) -> Contract:
    return get_object_or_404(contract_list(user=user), pk=pk)


def terms_list(*, contract: Contract) -> QuerySet[ContractTerms]:
    return contract.terms.select_related("task_type")


def batch_list(*, user) -> QuerySet[Batch]:
    batches = Batch.objects.select_related("contract__vendor", "task_type", "uploaded_by").defer("metrics")
    return _scope_to_vendor(batches, user=user, vendor_path="contract__vendor_id")


def batch_get(*, user, pk) -> Batch:
    batches = Batch.objects.select_related("contract__vendor", "task_type", "terms_version", "remediates")
    return get_object_or_404(_scope_to_vendor(batches, user=user, vendor_path="contract__vendor_id"), pk=pk)


def batch_findings(*, batch: Batch):
    """The findings of the batch's current check run (empty until it has been checked)."""
    return Finding.objects.filter(check_run__batch=batch, check_run__is_current=True).order_by("id")


def batch_check_history(*, batch: Batch):
    return batch.check_runs.select_related("terms", "ran_by").prefetch_related("findings")


def gold_set_list(*, user) -> QuerySet[GoldSet]:
    """Gold sets for buyer roles; vendor users get none, whatever they ask."""
    if role_of(user) in (None, Role.VENDOR):
        return GoldSet.objects.none()
    return GoldSet.objects.select_related("task_type", "uploaded_by")


def gold_set_current(*, task_type: TaskType) -> GoldSet | None:
    """The newest valid gold set of a task type: the one new batches are measured against."""
    return task_type.gold_sets.filter(status=UploadStatus.STORED).order_by("-version").first()


def contract_compliance(*, contract: Contract, user) -> list[dict]:
    """Per task type of the contract: its current terms and the checked batches' accuracy and IAA over time."""
    batches = batch_list(user=user).filter(contract=contract, status="evaluated").defer(None).order_by("delivered_at")
    sections = []
    for task_type in TaskType.objects.filter(terms__contract=contract).distinct():
        terms = contract.terms.filter(task_type=task_type).order_by("-effective_from").first()
        rows = [b for b in batches if b.task_type_id == task_type.pk]
        sections.append(
            {
                "task_type": task_type,
                "terms": terms,
                "batches": rows,
                "accuracy": [_trend_point(b, b.metrics.get("accuracy")) for b in rows],
                "iaa": [_trend_point(b, (b.metrics.get("agreement") or {}).get(terms.iaa_coefficient)) for b in rows],
            }
        )
    return sections


def _trend_point(batch: Batch, measure: dict | None) -> dict:
    measure = measure or {}
    low, high = measure.get("ci95") or (None, None)
    return {
        "batch": f"#{batch.pk} {batch.reference}",
        "delivered": batch.delivered_at,
        "value": measure.get("value"),
        "low": low,
        "high": high,
        "verdict": batch.verdict,
    }
