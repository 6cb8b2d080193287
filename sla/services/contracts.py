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
    """Check again every batch whose current verdict used this terms version; returns how many."""
    from sla.services.checking import batch_check

    terms = ContractTerms.objects.get(pk=terms_id)
    reason = f"terms from {terms.effective_from:%Y-%m-%d} corrected" + (f" by {user.username}" if user else "")
    batches = list(Batch.objects.filter(terms_version=terms))
    for batch in batches:
        batch_check(batch=batch, user=user, reason=reason)
    return len(batches)
