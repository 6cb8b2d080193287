"""PDF reports end to end: the numbers of the database in the text, access, paper, paging, caching."""

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from reports import services
from reports.constants import AUDIENCE_BUYER, AUDIENCE_VENDOR, REPORT_ROWS_LISTED
from reports.selectors import OUTLIER_BATCHES_LISTED
from sla import formatting
from sla.models import Batch, Breach, ContractTerms, Finding
from sla.selectors import batch_findings
from tests.factories import CertificationFactory, EvaluationFactory, score_all
from vendorscore.constants import Role

A4 = (595, 842)
LETTER = (612, 792)


def pdf_text(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [page.extract_text() for page in reader.pages]


def flat(pages: list[str]) -> str:
    """All pages' text with line breaks as spaces: table cells wrap, numbers do not."""
    return " ".join(" ".join(pages).split())


def get_pdf(client, url):
    response = client.get(url)
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_batch_report_text_holds_the_findings_and_metrics_of_the_database(api_client_for, lead, batch_a):
    content = get_pdf(api_client_for(lead), f"/api/v1/batches/{batch_a.pk}/report.pdf")
    reader, pages = pdf_text(content)
    text = flat(pages)
    assert f"Batch #{batch_a.pk}" in text and "Vendor A" in text and "a-week-1" in text
    findings = list(batch_findings(batch=batch_a))
    assert findings
    for finding in findings:
        assert finding.detail.split()[0] in text
        # As the batch page and the e-mails show them: one formatting module (sla/formatting.py).
        unit = formatting.finding_unit(finding.term, finding.extra)
        if finding.measured is not None:
            assert formatting.value(finding.measured, unit, term=finding.term) in text
        if finding.threshold is not None:
            assert formatting.finding_threshold(finding.term, finding.threshold, finding.extra) in text
        if finding.ci_low is not None:
            assert formatting.interval(finding.ci_low, finding.ci_high, unit, term=finding.term) in text
    accuracy = batch_a.metrics["accuracy"]
    assert formatting.percent(accuracy["value"]) in text
    for queue, section in batch_a.metrics["by_queue"].items():
        assert f"{queue} queue {formatting.percent(section['accuracy']['value'])}" in text
    first = batch_a.metrics["by_annotator"][0]
    assert first["annotator"] in text
    assert "Claimed accuracy: which denominator?" in text and "95%" in text
    assert "Pre-annotation anchoring" in text
    assert "Confusion matrix against gold" in text and "Gold support" in text
    assert tuple(round(v) for v in reader.pages[0].mediabox[2:]) == A4


def test_vendor_copy_leaves_out_gold_derived_internals(api_client_for, users, batch_a):
    content = get_pdf(api_client_for(users[Role.VENDOR]), f"/api/v1/batches/{batch_a.pk}/report.pdf")
    text = flat(pdf_text(content)[1])
    assert "vendor copy" in text
    assert formatting.percent(batch_a.metrics["accuracy"]["value"]) in text
    for internal in ("Confusion matrix", "Gold support", "Wrong labels", "Check history", "Errors concentrate"):
        assert internal not in text


def test_vendor_variant_data_has_no_gold_internals_at_all(batch_a):
    from reports.selectors import batch_report

    data = batch_report(batch=batch_a, audience=AUDIENCE_VENDOR)
    assert data["confusion"] is None and data["error_concentration"] is None and "history" not in data
    assert all("wrong_labels" not in a for a in data["annotators"])
    assert all("support" not in label for label in data["labels"])
    assert batch_report(batch=batch_a, audience=AUDIENCE_BUYER)["confusion"]["counts"]


def test_vendor_user_gets_404_for_other_vendors_batch_report(api_client_for, client, users, batch_b):
    vendor_user = users[Role.VENDOR]
    assert api_client_for(vendor_user).get(f"/api/v1/batches/{batch_b.pk}/report.pdf").status_code == 404
    client.force_login(vendor_user)
    assert client.get(f"/batches/{batch_b.pk}/report.pdf").status_code == 404


@pytest.mark.parametrize("role", Role.values)
def test_vendor_report_is_the_buyers_for_buyer_roles_and_the_vendor_copy_for_vendor_users(
    api_client_for, users, vendor_a, role
):
    text = flat(pdf_text(get_pdf(api_client_for(users[role]), f"/api/v1/vendors/{vendor_a.pk}/report.pdf"))[1])
    assert ("buyer internal" in text) == (role != Role.VENDOR)
    assert ("vendor copy" in text.lower()) == (role == Role.VENDOR)


def test_vendor_user_gets_404_for_another_vendors_report(api_client_for, client, users, vendor_b):
    assert api_client_for(users[Role.VENDOR]).get(f"/api/v1/vendors/{vendor_b.pk}/report.pdf").status_code == 404
    client.force_login(users[Role.VENDOR])
    assert client.get(f"/vendors/{vendor_b.pk}/report.pdf").status_code == 404


def test_report_links_need_a_login_and_honour_the_paper(client, lead, batch_a):
    assert client.get(f"/batches/{batch_a.pk}/report.pdf").status_code == 302
    client.force_login(lead)
    content = get_pdf(client, f"/batches/{batch_a.pk}/report.pdf?paper=letter")
    assert tuple(round(v) for v in PdfReader(io.BytesIO(content)).pages[0].mediabox[2:]) == LETTER
    assert client.get(f"/batches/{batch_a.pk}/report.pdf?paper=a3").status_code == 400
    page = client.get(f"/batches/{batch_a.pk}/").content.decode()
    assert 'id="batch-report-form"' in page and f'name="id" value="{batch_a.pk}"' in page


def test_unknown_paper_is_a_400_with_the_field(api_client_for, lead, vendor_a):
    response = api_client_for(lead).get(f"/api/v1/vendors/{vendor_a.pk}/report.pdf?paper=tabloid")
    assert response.status_code == 400
    assert "paper" in response.json()


def test_asking_twice_renders_once_and_new_data_renders_again(batch_a, report_cache):
    first = services.batch_report_render(batch=batch_a, audience=AUDIENCE_BUYER)
    second = services.batch_report_render(batch=batch_a, audience=AUDIENCE_BUYER)
    assert first.rendered and not second.rendered and first.name == second.name
    assert len(list(report_cache.glob("*.pdf"))) == 1
    Finding.objects.filter(check_run__batch=batch_a, term="overlap").update(detail="Corrected explanation.")
    third = services.batch_report_render(batch=batch_a, audience=AUDIENCE_BUYER)
    assert third.rendered and third.name != first.name
    assert "Corrected explanation." in flat(pdf_text(third.read())[1])


def test_fonts_are_embedded(batch_a):
    reader = PdfReader(io.BytesIO(services.batch_report_render(batch=batch_a, audience=AUDIENCE_BUYER).read()))
    fonts = {}
    for page in reader.pages:
        for name, font in (page["/Resources"].get("/Font") or {}).items():
            fonts[name] = font.get_object()
    assert fonts
    for font in fonts.values():
        descriptor = (font.get("/DescendantFonts") or [font])[0].get_object().get("/FontDescriptor")
        assert descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _many_batches(contract, task_type, count):
    """Checked batches written directly: the vendor report's table only needs their rows."""
    start = timezone.now() - dt.timedelta(days=count)
    Batch.objects.bulk_create(
        Batch(
            contract=contract,
            task_type=task_type,
            file=f"uploads/long-{i}.csv",
            original_name=f"long-{i}.csv",
            sha256=f"{i:064x}",
            size=1000,
            status="evaluated",
            verdict="accepted" if i % 3 else "rejected",
            reference=f"long-{i:03d}",
            delivered_at=start + dt.timedelta(days=i),
            rows=1000 + i,
            items=900,
            metrics={"accuracy": {"value": 0.9 + i / 10000, "ci95": [0.88, 0.93], "n": 200}},
        )
        for i in range(count)
    )


def test_long_vendor_report_numbers_its_pages_and_repeats_table_headers(
    api_client_for, lead, vendor_a, contract_a, sentiment
):
    _many_batches(contract_a, sentiment, REPORT_ROWS_LISTED)
    evaluation = EvaluationFactory(vendor=vendor_a)
    score_all(evaluation, lead, value=4)
    CertificationFactory(vendor=vendor_a)
    content = get_pdf(api_client_for(lead), f"/api/v1/vendors/{vendor_a.pk}/report.pdf")
    reader, pages = pdf_text(content)
    total = len(reader.pages)
    assert total >= 4
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
    table_pages = [text for text in pages if "long-" in text]
    assert len(table_pages) >= 2
    assert all("Reference" in text and "Delivered" in text for text in table_pages)
    text = flat(pages)
    for i in (0, 37, REPORT_ROWS_LISTED - 1):
        assert f"long-{i:03d}" in text and f"{1000 + i}" in text
    assert "80.00 / 100" in text  # all 4s: 4 / 5 * 100
    assert "Vendor A" in pages[0] and f"{REPORT_ROWS_LISTED} batches" in pages[0]


def test_a_long_period_lists_months_instead_of_every_batch_and_breach(
    api_client_for, lead, vendor_a, contract_a, sentiment
):
    count = 3 * REPORT_ROWS_LISTED
    _many_batches(contract_a, sentiment, count)
    batches = list(Batch.objects.filter(contract=contract_a).order_by("delivered_at"))
    for batch in batches[::2]:
        Breach.objects.create(
            batch=batch,
            term="accuracy",
            severity="major",
            opened_at=batch.delivered_at,
            remediation_due=batch.delivered_at + dt.timedelta(days=7),
            batch_value="50.00",
            credit_full="5.00",
            service_credit="2.50",
            credit_month=batch.delivered_at.date().replace(day=1),
        )
    text = flat(pdf_text(get_pdf(api_client_for(lead), f"/api/v1/vendors/{vendor_a.pk}/report.pdf"))[1])
    assert f"{count} batches, more than {REPORT_ROWS_LISTED}: one row per month of delivery" in text
    assert f"{count // 2} breaches, more than {REPORT_ROWS_LISTED}: one row per credit month" in text
    assert "long-077" not in text, "no batch listed one by one"
    months = Counter(f"{b.delivered_at.astimezone(ZoneInfo(contract_a.time_zone)):%Y-%m}" for b in batches)
    busiest, batches_in_it = months.most_common(1)[0]
    rows = sum(
        b.rows for b in batches if f"{b.delivered_at.astimezone(ZoneInfo(contract_a.time_zone)):%Y-%m}" == busiest
    )
    assert f"{busiest} {batches_in_it} {rows}" in text, "the month's batches and rows"
    assert f"Service credits owed {count // 2 * 2.5:,.2f}" in text


def test_comparison_report_puts_vendors_side_by_side(api_client_for, client, users, vendor_a, vendor_b, lead):
    for vendor, value in ((vendor_a, 4), (vendor_b, 2)):
        score_all(EvaluationFactory(vendor=vendor), lead, value=value)
    url = f"/api/v1/reports/comparison.pdf?vendors={vendor_a.pk},{vendor_b.pk}"
    text = flat(pdf_text(get_pdf(api_client_for(lead), url))[1])
    assert "Vendor A" in text and "Vendor B" in text
    assert "80.00" in text and "40.00" in text  # all 4s and all 2s out of 5, as points of 100
    assert api_client_for(users[Role.VENDOR]).get(url).status_code == 403
    assert api_client_for(lead).get("/api/v1/reports/comparison.pdf?vendors=1").status_code == 400
    assert api_client_for(lead).get(f"/api/v1/reports/comparison.pdf?vendors={vendor_a.pk},9999").status_code == 404
    client.force_login(lead)
    page = client.get(f"/scorecards/compare/?vendor={vendor_a.pk}&vendor={vendor_b.pk}").content.decode()
    assert f'/reports/comparison.pdf?vendors={vendor_a.pk},{vendor_b.pk}"' in page
    assert client.get(f"/reports/comparison.pdf?vendors={vendor_a.pk},{vendor_b.pk}").status_code == 200


def test_vendor_report_lists_breaches_with_credits(api_client_for, lead, batch_a):
    from reports.selectors import breaches_of

    breaches = breaches_of(vendor=batch_a.contract.vendor)
    assert breaches is not None, "the breach model is installed"
    text = flat(pdf_text(get_pdf(api_client_for(lead), f"/api/v1/vendors/{batch_a.contract.vendor_id}/report.pdf"))[1])
    if not breaches["rows"]:
        assert "No breach in the period." in text
    for row in breaches["rows"]:
        assert f"#{row['batch_id']} {row['term_label']}" in text
    assert f"Service credits owed {breaches['credits']:.2f}" in text or not breaches["rows"]


def test_report_of_a_batch_not_yet_checked_says_so(api_client_for, lead, contract_a, sentiment):
    batch = Batch.objects.create(
        contract=contract_a,
        task_type=sentiment,
        file="uploads/pending.csv",
        original_name="pending.csv",
        sha256="f" * 64,
        size=10,
        delivered_at=timezone.now(),
        claimed_accuracy=0.9,
    )
    text = flat(pdf_text(get_pdf(api_client_for(lead), f"/api/v1/batches/{batch.pk}/report.pdf"))[1])
    assert "NOT CHECKED" in text and "has not been checked against SLA terms" in text
    assert "which denominator" not in text, "no claim check without a measured accuracy"


def test_failed_batch_report_shows_its_breaches_and_deadlines_to_the_vendor(api_client_for, users, lead, batch_a):
    from sla import services as sla_services
    from sla.models import Breach

    batch_a.terms_version.__class__.objects.filter(pk=batch_a.terms_version_id).update(accuracy_floor=0.999)
    sla_services.batch_check(batch=batch_a, user=lead, reason="stricter floor for the test")
    breaches = list(Breach.objects.filter(batch=batch_a))
    assert breaches
    text = flat(pdf_text(get_pdf(api_client_for(users[Role.VENDOR]), f"/api/v1/batches/{batch_a.pk}/report.pdf"))[1])
    assert "Breaches and remediation" in text
    for breach in breaches:
        assert breach.term_label in text
        assert timezone.localtime(breach.remediation_due).strftime("%Y-%m-%d %H:%M") in text


def test_the_vendor_copy_a_lead_asks_for_has_no_buyer_mark_no_confusion_matrix_and_no_gold_support(
    api_client_for, client, lead, batch_a, vendor_a
):
    vendor_a.notes = "Their rival quoted 20% less."
    vendor_a.save()
    api = api_client_for(lead)
    batch_copy = flat(pdf_text(get_pdf(api, f"/api/v1/batches/{batch_a.pk}/report.pdf?audience=vendor"))[1])
    assert "vendor copy" in batch_copy
    assert "Confusion matrix" not in batch_copy and "Gold support" not in batch_copy
    vendor_copy = flat(pdf_text(get_pdf(api, f"/api/v1/vendors/{vendor_a.pk}/report.pdf?audience=vendor"))[1])
    assert "buyer internal" not in vendor_copy and "vendor copy" in vendor_copy.lower()
    assert "rival quoted" not in vendor_copy
    client.force_login(lead)
    browser_copy = flat(pdf_text(get_pdf(client, f"/vendors/{vendor_a.pk}/report.pdf?audience=vendor"))[1])
    assert "buyer internal" not in browser_copy
    buyer_copy = flat(pdf_text(get_pdf(api, f"/api/v1/vendors/{vendor_a.pk}/report.pdf"))[1])
    assert "buyer internal" in buyer_copy and "rival quoted" in buyer_copy
    assert api.get(f"/api/v1/vendors/{vendor_a.pk}/report.pdf?audience=auditor").status_code == 400


def test_vendor_report_first_page_is_a_summary_a_reader_can_stop_at(api_client_for, lead, batch_a):
    from reports.selectors import breaches_of, vendor_report

    vendor = batch_a.contract.vendor
    pages = pdf_text(get_pdf(api_client_for(lead), f"/api/v1/vendors/{vendor.pk}/report.pdf"))[1]
    first = flat(pages[:1])
    data = vendor_report(vendor=vendor, user=lead)
    breaches = breaches_of(vendor=vendor)
    assert "Summary" in first
    assert data["summary"]["headline"] in first
    checked = sum(data["verdicts"].values())
    assert f"{data['verdicts'].get('accepted', 0)} of {checked} checked batch" in first
    assert f"{breaches['credits']:.2f}" in first
    terms = batch_a.terms_version
    accuracy = formatting.percent(batch_a.metrics["accuracy"]["value"])
    assert f"sentiment Accuracy {accuracy} floor {formatting.percent(terms.accuracy_floor)}" in first
    assert "first batch" in first  # no trend from one batch


def test_who_reads_the_vendor_copy_of_a_report_is_the_sla_pages_rule(users):
    from django.contrib.auth.models import AnonymousUser

    from reports.selectors import audiences_for, report_audience
    from sla.selectors import sees_vendor_copy

    roleless = users[Role.VIEWER]
    roleless.role = ""
    for user in (*users.values(), roleless, AnonymousUser()):
        copy = AUDIENCE_VENDOR if sees_vendor_copy(user) else AUDIENCE_BUYER
        assert report_audience(user=user, requested=None) == copy
        assert (AUDIENCE_BUYER in audiences_for(user)) == (copy == AUDIENCE_BUYER)
    assert report_audience(user=AnonymousUser(), requested=None) == AUDIENCE_VENDOR


def test_an_iaa_fail_line_at_zero_is_in_the_vendor_reports_summary_and_charts(lead, batch_a):
    """Chance agreement (0.0) is a fail line a contract may set; a falsy test once left it out of the PDFs."""
    from reports.selectors import vendor_report

    terms = ContractTerms.objects.filter(contract=batch_a.contract)
    terms.update(iaa_coefficient="fleiss_kappa", iaa_min=None, iaa_fail_below=0.0)  # this batch's kappa: 0.83
    data = vendor_report(vendor=batch_a.contract.vendor, user=lead)
    assert [m["term"] for m in data["summary"]["measures"] if "fail line" in m["term"]] == ["fail line 0.00"]
    _, drawn = services._vendor_charts(data, "a4")
    assert len(drawn["compliance"][0]) == 2, "accuracy against its floor and IAA against its fail line"


def test_an_annotator_flagged_in_many_batches_names_the_first_and_counts_the_rest(
    api_client_for, lead, vendor_a, contract_a, sentiment
):
    count = OUTLIER_BATCHES_LISTED + 7
    _many_batches(contract_a, sentiment, count)
    slow = {"annotator": "ann-slow", "rows": 60, "accuracy": {"value": 0.5, "ci95": [0.4, 0.6], "n": 40}}
    steady = {"annotator": "ann-steady", "rows": 60, "accuracy": {"value": 0.9, "ci95": [0.85, 0.95], "n": 40}}
    batches = list(Batch.objects.filter(contract=contract_a).order_by("delivered_at"))
    for batch in batches:
        batch.metrics = {**batch.metrics, "by_annotator": [slow, steady]}
        batch.save()
    text = flat(pdf_text(get_pdf(api_client_for(lead), f"/api/v1/vendors/{vendor_a.pk}/report.pdf"))[1])
    named = ", ".join(f"#{b.pk}" for b in batches[:OUTLIER_BATCHES_LISTED])
    assert f"ann-slow {count} 50% {named} and 7 more" in text
    assert "ann-steady" not in text
