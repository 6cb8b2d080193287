"""Fixtures for the SLA app: a contract with terms per vendor, and delivery files."""

from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import ContractFactory, DeliveredBatchFactory, TaskTypeFactory, TermsFactory, csv_bytes

# Deliveries that pass and fail the consensus-overlap term (5-15%) of ``overlap_contract``.
PASSING = DeliverySpec(items=300, overlap=0.10, seed=9)
FAILING = DeliverySpec(items=300, overlap=0.40, seed=8)
# The corrected redelivery of ``FAILING``: the same 300 items (ids follow the seed), overlap within 5-15%.
FIX = replace(FAILING, overlap=0.10)

ITEM_INDEX = "sla_annotation_item_idx"


def item_indexes() -> dict[str, tuple[int, int]]:
    """Each table holding annotation rows: (its indexes that are part of the item index, its indexes on item_id).

    On PostgreSQL every partition, and every chunk partition of a fanned-out batch, must have
    one copy of the item index, attached to the table's (the intake builds it, so ``ATTACH``
    must not build a second); on SQLite the one table has it.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            indexes = connection.introspection.get_constraints(cursor, "sla_annotation")
            on_item = [name for name, index in indexes.items() if index["index"] and index["columns"] == ["item_id"]]
            return {"sla_annotation": (on_item.count(ITEM_INDEX), len(on_item))}
        cursor.execute(
            "SELECT t.relid::regclass::text, "
            "(SELECT count(*) FROM pg_partition_tree(%s) x JOIN pg_index i ON i.indexrelid = x.relid "
            " WHERE i.indrelid = t.relid AND i.indisvalid), "
            "(SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            " WHERE i.indrelid = t.relid AND a.attnum = i.indkey[0] AND a.attname = 'item_id') "
            "FROM pg_partition_tree('sla_annotation') t",
            [ITEM_INDEX],
        )
        return {name: (mine, on_item) for name, mine, on_item in cursor.fetchall()}


@pytest.fixture
def sentiment(db):
    return TaskTypeFactory()


@pytest.fixture
def contract_a(vendor_a, sentiment):
    contract = ContractFactory(vendor=vendor_a, title="Vendor A sentiment MSA")
    TermsFactory(contract=contract, task_type=sentiment)
    return contract


@pytest.fixture
def contract_b(vendor_b, sentiment):
    contract = ContractFactory(vendor=vendor_b, title="Vendor B sentiment MSA")
    TermsFactory(contract=contract, task_type=sentiment)
    return contract


@pytest.fixture
def delivery():
    """A simulated sentiment delivery of 300 items, and its gold set."""
    return simulate_delivery(DeliverySpec(items=300, seed=7))


@pytest.fixture
def delivery_file(delivery):
    return SimpleUploadedFile("delivery.csv", csv_bytes(delivery.annotations), content_type="text/csv")


@pytest.fixture
def overlap_contract(vendor_a, sentiment):
    """A contract whose only term is the consensus overlap, so a simulated batch passes or fails on it alone."""
    contract = ContractFactory(vendor=vendor_a, unit_price="0.1000", time_zone="Europe/Lisbon", holidays=["2026-12-08"])
    TermsFactory(
        contract=contract,
        task_type=sentiment,
        accuracy_floor=None,
        iaa_min=None,
        iaa_fail_below=None,
        defect_rate_max=None,
        remediation_business_days=5,
        service_credit_percent=10,
    )
    return contract


@pytest.fixture
def deliver(lead):
    """``DeliveredBatchFactory`` with the spec to simulate, delivered by the lead unless ``user`` says who."""

    def deliver(contract, spec, *, user=None, **fields):
        return DeliveredBatchFactory(contract=contract, spec=spec, user=user or lead, **fields)

    return deliver
