"""Fixtures for the SLA app: a contract with terms per vendor, and delivery files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import ContractFactory, TaskTypeFactory, TermsFactory


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


def csv_bytes(frame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


@pytest.fixture
def delivery():
    """A simulated sentiment delivery of 300 items, and its gold set."""
    return simulate_delivery(DeliverySpec(items=300, seed=7))


@pytest.fixture
def delivery_file(delivery):
    return SimpleUploadedFile("delivery.csv", csv_bytes(delivery.annotations), content_type="text/csv")
