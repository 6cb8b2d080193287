"""The ``report.pdf`` endpoints of API.md: thin, the selectors scope and the services render.

A batch report is readable by whoever may read the batch (a vendor user gets the vendor
copy of their own batches, 404 for anyone else's); the vendor report holds the internal
scorecard, so vendor users are refused (403) whichever vendor they ask for.
"""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from reports import services
from reports.constants import MAX_COMPARED, PAPERS
from reports.selectors import audience_of
from sla import selectors as sla_selectors
from vendorscore.models import Vendor
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES

PAPER_PARAMETER = OpenApiParameter("paper", str, enum=list(PAPERS), description="Page size; A4 unless `letter`.")


def paper_of(request) -> str:
    paper = request.GET.get("paper", "a4").lower()
    if paper not in PAPERS:
        raise ValidationError({"paper": [f"Choose one of: {', '.join(PAPERS)}."]})
    return paper


def pdf_response(report: services.ReportFile) -> FileResponse:
    return FileResponse(report.path.open("rb"), content_type="application/pdf", filename=report.filename)


class BatchReportView(APIView):
    read_roles = ALL_ROLES

    @extend_schema(
        operation_id="batch_report_pdf",
        parameters=[PAPER_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        """The batch report as PDF; vendor users receive the vendor copy, without gold-derived internals."""
        batch = sla_selectors.batch_get(user=request.user, pk=pk)
        report = services.batch_report_render(batch=batch, audience=audience_of(request.user), paper=paper_of(request))
        return pdf_response(report)


class VendorReportView(APIView):
    read_roles = BUYER_ROLES

    @extend_schema(
        operation_id="vendor_report_pdf",
        parameters=[PAPER_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        """The buyer's vendor report as PDF (buyer roles only: it holds the internal scorecard)."""
        vendor = get_object_or_404(Vendor, pk=pk)
        return pdf_response(services.vendor_report_render(vendor=vendor, user=request.user, paper=paper_of(request)))


VENDORS_PARAMETER = OpenApiParameter("vendors", str, required=True, description="Vendor ids, comma-separated (2-8).")


def vendor_ids_of(request, params=None) -> list[int]:
    """The ``vendors`` parameter (of the query string, or of ``params``): two to eight vendor ids."""
    params = request.GET if params is None else params
    raw = [part.strip() for part in params.get("vendors", "").split(",") if part.strip()]
    if not raw or not all(part.isdigit() for part in raw) or not 2 <= len(set(raw)) <= MAX_COMPARED:
        raise ValidationError({"vendors": [f"Give 2 to {MAX_COMPARED} vendor ids separated by commas."]})
    ids = sorted({int(part) for part in raw})
    if Vendor.objects.filter(pk__in=ids).count() != len(ids):
        raise NotFound("No such vendor.")
    return ids


class ComparisonReportView(APIView):
    read_roles = BUYER_ROLES

    @extend_schema(
        operation_id="comparison_report_pdf",
        parameters=[VENDORS_PARAMETER, PAPER_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        """Several vendors side by side as PDF: scorecards and SLA records (buyer roles only)."""
        ids = vendor_ids_of(request)
        return pdf_response(
            services.comparison_report_render(vendor_ids=ids, user=request.user, paper=paper_of(request))
        )
