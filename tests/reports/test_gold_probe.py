"""Issue 14, finding 1: a vendor's crafted upload reveals no gold label through API, batch page or vendor PDF.

The upload gives every (item, label) pair its own annotator id; under the old rule each
annotator with accuracy 1.0 over n = 1 named a gold item and its label (Wilson interval
20.65% to 100%, on the page and in the PDF alike).
"""

import io

import pandas as pd
import pytest
from django.core import mail

from sla import formatting
from sla.checks import wilson_interval
from sla.models import Batch, Notification
from tests.factories import csv_bytes
from tests.reports.test_reports import flat, get_pdf, pdf_text
from vendorscore.constants import Role

# As pages and PDFs show an annotator's accuracy interval (sla/formatting.py): one gold item, right.
ONE_OF_ONE = formatting.interval(*wilson_interval(1, 1), formatting.SHARE)
# The failed accuracy finding's sentence, which names the measured value.
MEASURED_ZERO = "Accuracy against gold is 0%"


@pytest.fixture
def probe(gold, contract_a, sentiment, delivery, users, api_client_for, django_capture_on_commit_callbacks):
    items = delivery.gold.head(30)
    rows = [(item, f"p|{item}|{label}", label) for item in items["item_id"] for label in sentiment.labels]
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    upload = io.BytesIO(csv_bytes(frame))
    upload.name = "probe.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(users[Role.VENDOR]).post(
            "/api/v1/batches/",
            {"contract": contract_a.pk, "task_type": sentiment.name, "file": upload},
            format="multipart",
        )
    assert response.status_code in (201, 202), response.content
    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.status == "evaluated"
    return batch


def test_the_buyer_still_sees_each_annotators_gold_accuracy(api_client_for, lead, probe):
    metrics = api_client_for(lead).get(f"/api/v1/batches/{probe.pk}/metrics/").json()
    assert sum(1 for a in metrics["by_annotator"] if a["accuracy"]["value"] == 1.0) == 30


def test_crafted_upload_reveals_no_gold_label_through_the_api(api_client_for, users, probe):
    client = api_client_for(users[Role.VENDOR])
    metrics = client.get(f"/api/v1/batches/{probe.pk}/metrics/").json()
    assert metrics["by_annotator"] and all(a["accuracy"]["value"] is None for a in metrics["by_annotator"])
    assert all(a["accuracy"]["note"] == "withheld: fewer than 20 gold items" for a in metrics["by_annotator"])
    assert all(row["precision"] is None and row["recall"] is None for row in metrics["by_label"])
    assert "confusion_matrix" not in metrics and "wrong_labels" not in str(metrics)
    findings = client.get(f"/api/v1/batches/{probe.pk}/findings/").json()
    assert isinstance(findings, list)


def test_crafted_upload_reveals_no_gold_label_on_the_batch_page(client, users, probe):
    client.force_login(users[Role.VENDOR])
    page = client.get(f"/batches/{probe.pk}/").content.decode()
    assert ONE_OF_ONE not in page
    assert "withheld" in page and 'id="gold-rule"' in page


def test_crafted_upload_reveals_no_gold_label_in_the_vendor_pdf(api_client_for, users, lead, probe):
    text = flat(pdf_text(get_pdf(api_client_for(users[Role.VENDOR]), f"/api/v1/batches/{probe.pk}/report.pdf"))[1])
    assert ONE_OF_ONE not in text and "withheld" in text
    lead_copy = get_pdf(api_client_for(lead), f"/api/v1/batches/{probe.pk}/report.pdf?audience=vendor")
    assert ONE_OF_ONE not in flat(pdf_text(lead_copy)[1])
    buyer = flat(pdf_text(get_pdf(api_client_for(lead), f"/api/v1/batches/{probe.pk}/report.pdf"))[1])
    assert ONE_OF_ONE in buyer, "the buyer's copy keeps them"


def test_the_leads_are_alerted_once_of_the_probe(lead, probe):
    alerts = Notification.objects.filter(kind="gold_probe")
    assert list(alerts.values_list("recipient", flat=True)) == [lead.email]
    assert alerts.get().status == Notification.Status.SENT
    sent = [m for m in mail.outbox if "gold probe" in m.subject]
    assert len(sent) == 1 and "90 of 90 annotators rated a single row" in sent[0].body


def test_a_real_vendor_delivery_raises_no_probe_alert(batch_a):
    assert not Notification.objects.filter(kind="gold_probe").exists()


@pytest.fixture
def thin_failure(gold, contract_a, sentiment, delivery, users, api_client_for, django_capture_on_commit_callbacks):
    """A vendor batch touching 12 gold items, all labeled wrong: its accuracy breach rests on 12 gold items."""
    items = delivery.gold.head(12)
    wrong = {label: next(other for other in sentiment.labels if other != label) for label in sentiment.labels}
    rows = [
        (item, annotator, wrong[label])
        for item, label in zip(items["item_id"], items["label"], strict=True)
        for annotator in "ab"
    ]
    upload = io.BytesIO(csv_bytes(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])))
    upload.name = "thin.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(users[Role.VENDOR]).post(
            "/api/v1/batches/", {"contract": contract_a.pk, "task_type": sentiment.name, "file": upload}
        )
    from sla.models import Breach

    return Breach.objects.get(batch_id=response.json()["id"], term="accuracy")


def test_a_thin_accuracy_breach_shows_the_vendor_no_measured_value(client, users, lead, thin_failure):
    client.force_login(users[Role.VENDOR])
    page = client.get(f"/breaches/{thin_failure.pk}/").content.decode()
    assert "withheld: fewer than 20 gold items" in page and MEASURED_ZERO not in page
    client.force_login(lead)
    assert MEASURED_ZERO in client.get(f"/breaches/{thin_failure.pk}/").content.decode()
    notices = [m for m in mail.outbox if f"batch {thin_failure.batch_id}," in m.subject and "ccuracy" in m.subject]
    assert notices and all("withheld: fewer than 20 gold items" in m.body for m in notices)
    assert not any("95% interval" in m.body for m in notices)


def test_a_thin_accuracy_finding_is_withheld_from_the_vendor_in_findings_lists_and_exports(
    client, api_client_for, users, lead, thin_failure
):
    vendor_api = api_client_for(users[Role.VENDOR])
    batch = f"?batch={thin_failure.batch_id}&term=accuracy"
    listed = vendor_api.get(f"/api/v1/findings/{batch}").json()["results"]
    assert [row["measured"] for row in listed] == [None]
    for url in (
        f"/api/v1/findings/{batch}&format=csv",
        f"/api/v1/batches/{thin_failure.batch_id}/findings/?format=csv",
    ):
        exported = b"".join(vendor_api.get(url).streaming_content).decode()
        assert "withheld: fewer than 20 gold items" in exported and ",0.0," not in exported
    client.force_login(users[Role.VENDOR])
    page = b"".join(client.get(f"/findings/{batch}&format=csv").streaming_content).decode()
    assert "withheld: fewer than 20 gold items" in page
    listing = client.get(f"/findings/{batch}").content.decode()
    assert "withheld: fewer than 20 gold items" in listing and "0.0000" not in listing
    lead_rows = api_client_for(lead).get(f"/api/v1/findings/{batch}").json()["results"]
    assert lead_rows[0]["measured"] == 0.0, "the buyer keeps the figure"
