"""Fixtures for reports: evaluated batches with gold, a private report cache, and Chromium for charts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla import services
from tests.conftest import CHROMIUM, require_service
from tests.factories import DeliveredBatchFactory, csv_bytes
from tests.sla import conftest as sla_fixtures

# The SLA app's fixtures, shared rather than copied.
sentiment = sla_fixtures.sentiment
delivery = sla_fixtures.delivery
contract_a = sla_fixtures.contract_a
contract_b = sla_fixtures.contract_b


@pytest.fixture(autouse=True)
def report_cache(settings, tmp_path):
    """Each test renders into its own media folder, so "rendered once" is about this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT / "reports"


@pytest.fixture(autouse=True)
def chromium():
    """Charts are rendered to SVG by kaleido, which drives Chromium."""
    require_service(CHROMIUM.exists(), "Chromium for chart rendering")


@pytest.fixture
def gold(sentiment, delivery, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.gold_set_receive(
            task_type=sentiment, upload=SimpleUploadedFile("gold.csv", csv_bytes(delivery.gold)), user=lead
        )


@pytest.fixture
def batch_a(gold, contract_a, delivery, lead):
    """Vendor A's evaluated batch, measured against gold, with a claimed accuracy."""
    return DeliveredBatchFactory(
        contract=contract_a,
        rows=delivery.annotations,
        filename="a.csv",
        user=lead,
        reference="a-week-1",
        claimed_accuracy=0.95,
    )


@pytest.fixture
def batch_b(gold, contract_b, delivery, lead):
    return DeliveredBatchFactory(contract=contract_b, rows=delivery.annotations.head(120), filename="b.csv", user=lead)
