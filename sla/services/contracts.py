"""Use cases for task types, contracts and their versioned SLA terms."""

from django.db import transaction

from sla.models import Batch, Contract, ContractTerms, TaskType
from vendorscore.broker import enqueue_on_commit


def task_type_create(
    *, name: str, labels: list, scale: str = "nominal", complexity: str = "simple", description: str = ""
) -> TaskType:
    """Register a kind of labeling work with its label set (validated: unique, non-empty)."""
    task_type = TaskType(name=name.strip(), labels=labels, scale=scale, complexity=complexity, description=description)
    task_type.full_clean()
    task_type.save()
    return task_type


def contract_create(*, vendor, title: str, start_date, unit_price, currency: str = "USD", **fields) -> Contract:
    """Open a contract with a vendor; dates, price and currency are validated."""
    contract = Contract(
        vendor=vendor, title=title.strip(), start_date=start_date, unit_price=unit_price, currency=currency, **fields
    )
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def terms_create(*, contract: Contract, task_type: TaskType, effective_from, **thresholds) -> ContractTerms:
    """Add a version of the SLA terms for a task type, in force from ``effective_from``."""
    terms = ContractTerms(contract=contract, task_type=task_type, effective_from=effective_from, **thresholds)
    terms.full_clean()
    terms.save()
    return terms


TERMS_FIELDS = [f.name for f in ContractTerms._meta.fields if f.name not in ("id", "contract", "created_at")]


@transaction.atomic
def terms_correct(*, terms: ContractTerms, data: dict, user) -> ContractTerms:
    """Correct a terms version in place; every batch it decided is checked again (history kept)."""
    for name, value in data.items():
        if name not in TERMS_FIELDS:
            raise ValueError(f"unknown terms field {name!r}")
        setattr(terms, name, value)
    terms.full_clean()
    terms.save()
    enqueue_on_commit("sla.tasks.terms_recheck", terms.pk, user.pk if user else None)
    return terms


def terms_recheck(*, terms_id: int, user=None) -> int:
    """Check again every batch whose current verdict used this terms version, here; returns how many."""
    terms = ContractTerms.objects.get(pk=terms_id)
    batch_ids = list(Batch.objects.filter(terms_version=terms).values_list("pk", flat=True))
    for batch_id in batch_ids:
        batch_recheck(batch_id=batch_id, reason=_recheck_reason(terms, user), user=user)
    return len(batch_ids)


def terms_recheck_fan_out(*, terms_id: int, dispatch, user=None) -> int:
    """As ``terms_recheck``, one batch per task: ``dispatch(batch_ids, reason)`` queues them for any free worker.

    A terms version may have decided thousands of batches; checked in one task they ran
    one after the other on one worker, under one task's time limit.
    """
    terms = ContractTerms.objects.get(pk=terms_id)
    batch_ids = list(Batch.objects.filter(terms_version=terms).values_list("pk", flat=True))
    if batch_ids:
        dispatch(batch_ids, _recheck_reason(terms, user))
    return len(batch_ids)


def batch_recheck(*, batch_id: int, reason: str, user=None) -> None:
    from sla.services.checking import batch_check

    batch_check(batch=Batch.objects.get(pk=batch_id), user=user, reason=reason)


def _recheck_reason(terms: ContractTerms, user) -> str:
    return f"terms from {terms.effective_from:%Y-%m-%d} corrected" + (f" by {user.username}" if user else "")
