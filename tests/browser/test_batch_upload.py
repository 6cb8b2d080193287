"""The batch upload page driven in headless Chromium: choose a file, see progress, see the result."""

import re

import pytest

from sla.models import Batch
from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import ContractFactory, TaskTypeFactory, TermsFactory, csv_bytes
from vendorscore.constants import Role

BATCH_PAGE = re.compile(r".*/batches/\d+/$")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contract(vendor_a):
    contract = ContractFactory(vendor=vendor_a, title="Vendor A sentiment MSA")
    TermsFactory(contract=contract, task_type=TaskTypeFactory())
    return contract


def _choose(page, contract, path):
    page.select_option("#id_contract", str(contract.pk))
    page.select_option("#id_task_type", label="sentiment")
    page.set_input_files("#id_file", str(path))


def test_vendor_uploads_a_file_sees_progress_and_the_evaluated_batch(login, users, contract, live_server, tmp_path):
    delivery = simulate_delivery(DeliverySpec(items=400, seed=11))
    path = tmp_path / "week46.csv"
    path.write_bytes(csv_bytes(delivery.annotations))
    page = login(users[Role.VENDOR])
    page.goto(f"{live_server.url}/batches/upload/")
    _choose(page, contract, path)
    assert "week46.csv" in page.locator("#file-name").inner_text()
    page.click("#upload-button")

    page.wait_for_url(BATCH_PAGE)
    batch = Batch.objects.get()
    page.wait_for_selector("#batch-stages[data-final=true]", timeout=30_000)
    assert "Evaluated" in page.locator("#batch-status").inner_text()
    assert f"Batch #{batch.pk} received." in page.locator(".messages").inner_text()
    assert f"{len(delivery.annotations)} rows" in page.locator(".facts").inner_text()


def test_progress_bar_reports_the_upload(login, users, contract, live_server, tmp_path):
    path = tmp_path / "week47.csv"
    path.write_bytes(csv_bytes(simulate_delivery(DeliverySpec(items=30_000, seed=12)).annotations))
    page = login(users[Role.VENDOR])
    page.goto(f"{live_server.url}/batches/upload/")
    _choose(page, contract, path)
    page.click("#upload-button")
    page.wait_for_function(
        "() => { const label = document.getElementById('progress-label');"
        " return label && /% sent|storing the file/.test(label.textContent); }"
    )
    page.wait_for_url(BATCH_PAGE)
    page.wait_for_selector("#batch-stages[data-final=true]", timeout=60_000)
    assert Batch.objects.get().rows > 30_000


def test_invalid_file_shows_the_errors_table(login, users, contract, live_server, tmp_path):
    rows = simulate_delivery(DeliverySpec(items=50, seed=13)).annotations
    rows.loc[9, "label"] = '=HYPERLINK("http://evil.example")'
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    page = login(users[Role.VENDOR])
    page.goto(f"{live_server.url}/batches/upload/")
    _choose(page, contract, path)
    page.click("#upload-button")
    page.wait_for_selector("#batch-errors", timeout=30_000)
    first_error = page.locator("#batch-errors tbody tr").first.inner_text()
    assert "10" in first_error and "label" in first_error
    assert "Invalid" in page.locator("#batch-status").inner_text()


def test_missing_file_shows_the_form_error(login, users, contract, live_server):
    page = login(users[Role.VENDOR])
    page.goto(f"{live_server.url}/batches/upload/")
    page.select_option("#id_contract", str(contract.pk))
    page.select_option("#id_task_type", label="sentiment")
    page.click("#upload-button")
    assert page.locator("#id_file-error").inner_text() == "This field is required."
    assert not Batch.objects.exists()


def test_a_file_over_the_upload_limit_is_refused_before_it_is_sent(
    login, users, contract, live_server, tmp_path, settings
):
    settings.MAX_UPLOAD_BYTES = 50_000
    path = tmp_path / "too-big.csv"
    path.write_bytes(csv_bytes(simulate_delivery(DeliverySpec(items=2000, seed=13)).annotations))
    page = login(users[Role.VENDOR])
    sent = []
    page.on("request", lambda request: sent.append(request) if request.method == "POST" else None)
    page.goto(f"{live_server.url}/batches/upload/")
    _choose(page, contract, path)
    page.click("#upload-button")
    message = page.locator("#file-name").inner_text()
    size = round(path.stat().st_size / 1024)
    limited = "uploads are limited to 49 KiB. Split the delivery into smaller files, or gzip it."
    assert message == f"too-big.csv is {size} KiB; {limited}"
    assert page.locator("#dropzone.has-error").count() == 1
    assert sent == [] and not Batch.objects.exists()
