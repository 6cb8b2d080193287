"""Big portfolios (issue 20): headline columns instead of decoding metrics per row, a capped dashboard."""

import datetime as dt
import importlib
from dataclasses import replace

import pytest
from django.apps import apps

from sla import selectors
from sla.headline import HEADLINE_COLUMNS
from sla.models import Batch, Breach
from tests.sla.conftest import FAILING, PASSING
from vendorscore.constants import Role


def test_headline_columns_equal_the_stored_metrics_document(overlap_contract, deliver):
    batch = deliver(overlap_contract, PASSING)
    batch.refresh_from_db()
    assert batch.metrics["agreement"]["fleiss_kappa"]["value"] is not None
    for name in ("accuracy", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
        measure = batch.metrics.get("accuracy") if name == "accuracy" else batch.metrics["agreement"][name]
        if measure is None or measure.get("value") is None:
            assert batch.headline(name) is None
        else:
            assert batch.headline(name) == {"value": measure["value"], "ci95": measure["ci95"]}


def test_contract_trends_read_the_columns_without_loading_any_metrics_document(overlap_contract, deliver, lead):
    first, second = deliver(overlap_contract, PASSING), deliver(overlap_contract, FAILING)
    overlap_contract.terms.update(iaa_coefficient="krippendorff_alpha")
    (section,) = selectors.contract_compliance(contract=overlap_contract, user=lead)
    assert all("metrics" in batch.get_deferred_fields() for batch in section["batches"])
    for batch, point in zip([first, second], section["iaa"], strict=True):
        batch.refresh_from_db()
        measure = batch.metrics["agreement"]["krippendorff_alpha"]
        assert (point["value"], [point["low"], point["high"]]) == (measure["value"], measure["ci95"])


def test_the_data_migration_fills_the_columns_of_batches_stored_before_it(overlap_contract, deliver):
    batch = deliver(overlap_contract, PASSING)
    expected = {column: getattr(Batch.objects.get(pk=batch.pk), column) for column in HEADLINE_COLUMNS}
    Batch.objects.filter(pk=batch.pk).update(**dict.fromkeys(HEADLINE_COLUMNS))
    migration = importlib.import_module("sla.migrations.0020_batch_headline_columns_and_list_indexes")
    migration.fill_headline_columns(apps, None)
    stored = Batch.objects.get(pk=batch.pk)
    assert {column: getattr(stored, column) for column in HEADLINE_COLUMNS} == expected
    assert stored.fleiss_kappa is not None


def test_breach_lists_do_not_decode_the_batches_metrics(overlap_contract, deliver, lead):
    deliver(overlap_contract, FAILING)
    assert all("metrics" in breach.batch.get_deferred_fields() for breach in selectors.breach_list(user=lead))


@pytest.fixture
def two_escalated(overlap_contract, deliver):
    batches = [deliver(overlap_contract, FAILING), deliver(overlap_contract, replace(FAILING, seed=12))]
    Breach.objects.filter(batch__in=batches).update(
        status="escalated", escalated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    )
    return list(Breach.objects.filter(batch__in=batches).order_by("remediation_due", "opened_at"))


def test_dashboard_lists_the_oldest_escalations_and_links_to_all_of_them(client, users, two_escalated, monkeypatch):
    monkeypatch.setattr(selectors, "DASHBOARD_ESCALATED_ROWS", 1)
    client.force_login(users[Role.PROCUREMENT_LEAD])
    page = client.get("/").content.decode()
    assert "Escalated: 2 breaches" in page
    assert f'href="/breaches/{two_escalated[0].pk}/"' in page
    assert f'href="/breaches/{two_escalated[1].pk}/"' not in page
    assert 'href="/breaches/?status=escalated">All 2 escalated breaches</a>' in page
