"""The upload page in Chromium: the only contract chosen, the template downloaded, the file kept after an error."""

import pytest

from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import ContractFactory, TaskTypeFactory, TermsFactory, csv_bytes
from vendorscore.constants import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contract(vendor_a):
    contract = ContractFactory(vendor=vendor_a, title="Vendor A sentiment MSA")
    TermsFactory(contract=contract, task_type=TaskTypeFactory())
    return contract


def test_only_contract_is_chosen_and_the_template_downloads_for_the_task_type(
    login, users, contract, live_server, tmp_path
):
    page = login(users[Role.VENDOR])
    page.goto(f"{live_server.url}/batches/upload/")
    assert page.input_value("#id_contract") == str(contract.pk)
    assert not page.locator("text=Download a template for sentiment").is_visible()
    page.select_option("#id_task_type", label="sentiment")
    guide = page.locator(".column-guide:visible")
    assert "Labels: negative, neutral, positive." in guide.inner_text()
    with page.expect_download() as download:
        guide.locator("text=Download a template for sentiment (CSV)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "sentiment-delivery-template.csv"
    assert path.read_text().splitlines()[0].startswith("item_id,annotator_id,label,task_type,queue")


def test_the_chosen_file_is_kept_after_a_form_error(login, users, contract, live_server, tmp_path):
    path = tmp_path / "week46.csv"
    path.write_bytes(csv_bytes(simulate_delivery(DeliverySpec(items=40, seed=11)).annotations))
    page = login(users[Role.VENDOR])
    page.goto(f"{live_server.url}/batches/upload/")
    page.set_input_files("#id_file", str(path))
    page.fill("#id_claimed_accuracy", "97")  # a percentage where a share is asked: a field error
    page.click("#upload-button")
    page.wait_for_selector("#id_claimed_accuracy-error")
    assert "week46.csv" in page.locator("#file-name").inner_text()
    assert page.evaluate("document.getElementById('id_file').files[0].name") == "week46.csv"
    page.select_option("#id_task_type", label="sentiment")
    page.fill("#id_claimed_accuracy", "0.97")
    page.click("#upload-button")
    page.wait_for_url(f"{live_server.url}/batches/*/")
    assert "received" in page.locator(".messages").inner_text()
