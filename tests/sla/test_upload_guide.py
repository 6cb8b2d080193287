"""The upload page teaches the format: columns per task type, a template that is itself a valid delivery."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla import services
from sla.models import Batch, Breach
from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import ContractFactory, TermsFactory, csv_bytes
from tests.sla.conftest import FAILING
from vendorscore.constants import Role


def test_template_download_is_a_valid_delivery_of_the_task_type(
    client, users, contract_a, sentiment, django_capture_on_commit_callbacks
):
    client.force_login(users[Role.VENDOR])
    response = client.get(f"/task-types/{sentiment.pk}/template.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{sentiment.name}-delivery-template.csv"'
    body = response.content.decode()
    header = body.splitlines()[0].split(",")
    assert header[:3] == ["item_id", "annotator_id", "label"]
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.batch_receive(
            contract=contract_a,
            task_type=sentiment,
            user=users[Role.VENDOR],
            upload=SimpleUploadedFile("template.csv", response.content),
        )
    batch = Batch.objects.get(pk=receipt.upload.pk)
    assert (batch.status, batch.error_count, batch.rows) == ("evaluated", 0, 4)


def test_template_and_guide_by_role(client, users, sentiment):
    for role in Role.values:
        client.force_login(users[role])
        expected = 403 if role == Role.VIEWER else 200
        assert client.get(f"/task-types/{sentiment.pk}/template.csv").status_code == expected, role
    client.force_login(users[Role.VENDOR])
    page = client.get("/batches/upload/").content.decode()
    assert f'href="/task-types/{sentiment.pk}/template.csv"' in page
    assert "Labels: " + ", ".join(sentiment.labels) in page


def test_only_contract_is_preselected_and_remediates_lists_open_breaches_of_own_contracts(
    client, users, overlap_contract, contract_b, deliver, sentiment
):
    failed = deliver(overlap_contract, FAILING)
    assert Breach.objects.filter(batch=failed, status="open").exists()
    other = ContractFactory(vendor=contract_b.vendor)
    TermsFactory(contract=other, task_type=sentiment, accuracy_floor=None, iaa_min=None, iaa_fail_below=None)
    fixed = deliver(overlap_contract, DeliverySpec(items=300, overlap=0.40, seed=18))
    Breach.objects.filter(batch=fixed).update(status="waived", waiver_reason="agreed at the review")
    client.force_login(users[Role.VENDOR])
    form = client.get("/batches/upload/").context["form"]
    assert form["contract"].value() == overlap_contract.pk
    assert list(form.fields["remediates"].queryset) == [failed]
    assert f'data-contract="{overlap_contract.pk}"' in str(form["remediates"])


def test_remediating_a_batch_of_another_contract_is_a_field_error(client, users, vendor_a, sentiment, deliver):
    first, second = ContractFactory(vendor=vendor_a), ContractFactory(vendor=vendor_a)
    for contract in (first, second):
        TermsFactory(contract=contract, task_type=sentiment, accuracy_floor=None, iaa_min=None, iaa_fail_below=None)
    failed = deliver(first, FAILING)
    assert failed.verdict == "rejected"
    client.force_login(users[Role.VENDOR])
    upload = SimpleUploadedFile("fix.csv", csv_bytes(simulate_delivery(DeliverySpec(items=50, seed=3)).annotations))
    response = client.post(
        "/batches/upload/",
        {"contract": second.pk, "task_type": sentiment.pk, "file": upload, "remediates": failed.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["remediates"] == [
        f"Batch #{failed.pk} is not under the contract chosen above."
    ]
    assert Batch.objects.count() == 1


@pytest.fixture
def overlap_contract(vendor_a, sentiment):
    contract = ContractFactory(vendor=vendor_a)
    no_other_terms = {"accuracy_floor": None, "iaa_min": None, "iaa_fail_below": None, "defect_rate_max": None}
    TermsFactory(contract=contract, task_type=sentiment, **no_other_terms)
    return contract
