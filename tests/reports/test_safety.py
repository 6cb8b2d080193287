"""User text in reports is shown as text, and WeasyPrint fetches nothing but our own static files."""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from reports import pdf
from tests.factories import VendorFactory
from tests.reports.test_reports import flat, get_pdf, pdf_text
from vendorscore.constants import Role

PASSWD_LINE = "root:x:0:0"
FILE_IMAGE = '<img src="file:///etc/passwd">'


@pytest.fixture
def web_server():
    """A server on localhost that counts the requests it gets: a report must send it none."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def images_in(content: bytes) -> int:
    reader = PdfReader(io.BytesIO(content))
    count = 0
    for page in reader.pages:
        for xobject in (page["/Resources"].get("/XObject") or {}).values():
            count += xobject.get_object().get("/Subtype") == "/Image"
    return count


def test_hostile_vendor_name_and_note_are_shown_as_text_and_nothing_is_fetched(
    api_client_for, users, web_server, contract_a, batch_a
):
    url, hits = web_server
    vendor = batch_a.contract.vendor
    vendor.name = FILE_IMAGE
    vendor.notes = f'See <img src="{url}/tracker.png"> and ![x]({url}/md.png)'
    vendor.save()
    lead = users[Role.PROCUREMENT_LEAD]
    vendor_pdf = get_pdf(api_client_for(lead), f"/api/v1/vendors/{vendor.pk}/report.pdf")
    batch_pdf = get_pdf(api_client_for(users[Role.VENDOR]), f"/api/v1/batches/{batch_a.pk}/report.pdf")
    for content in (vendor_pdf, batch_pdf):
        text = flat(pdf_text(content)[1])
        assert FILE_IMAGE in text
        assert PASSWD_LINE not in text and PASSWD_LINE.encode() not in content
        assert images_in(content) == 0
    assert f'<img src="{url}/tracker.png">' in flat(pdf_text(vendor_pdf)[1])
    assert hits == []


def test_fetcher_refuses_files_and_urls_even_in_unescaped_html(web_server):
    url, hits = web_server
    html = f"""<html><head><link rel="stylesheet" href="file:///etc/passwd">
      <style>body {{ background: url({url}/bg.png) }}</style></head><body>
      <p>before</p>{FILE_IMAGE}<img src="{url}/a.png"><img src="img/../../../../../etc/passwd">
      <object data="{url}/o.svg"></object><iframe src="file:///etc/passwd"></iframe><p>after</p></body></html>"""
    content = pdf.html_to_pdf(html)
    text = flat(pdf_text(content)[1])
    assert "before" in text and "after" in text
    assert PASSWD_LINE not in text and PASSWD_LINE.encode() not in content
    assert images_in(content) == 0
    assert hits == []


def test_fetcher_reads_our_static_files_and_data_uris_only():
    fetcher = pdf.StaticOnlyFetcher()
    css = (Path(settings.STATICFILES_DIRS[0]) / "css" / "report.css").resolve()
    assert b"@page" in fetcher.fetch(css.as_uri()).read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    outside = [
        "file:///etc/passwd",
        css.parent.as_uri() + "/../../pyproject.toml",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x",
    ]
    for address in outside:
        with pytest.raises(pdf.RefusedFetch):
            fetcher.fetch(address)


def test_a_vendor_named_like_markup_gets_a_report_whatever_the_name(api_client_for, lead):
    vendor = VendorFactory(name='"><script>alert(1)</script>&amp; </td></tr></table>')
    text = flat(pdf_text(get_pdf(api_client_for(lead), f"/api/v1/vendors/{vendor.pk}/report.pdf"))[1])
    assert '"><script>alert(1)</script>&amp; </td></tr></table>' in text
