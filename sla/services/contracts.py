"""Use cases for task types, contracts and their versioned SLA terms."""

from django.db import transaction

from sla.models import Contract, ContractTerms, TaskType


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
