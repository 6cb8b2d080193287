"""The ``report.pdf`` endpoints of API.md: thin, the selectors scope and the services render.

A batch report is readable by whoever may read the batch, a vendor report by buyer roles
and by the vendor's own users (404 for another vendor). ``?audience=vendor`` gives a buyer
the vendor's copy (no buyer-internal notes, scorecard or stamp; gold-derived figures under
the vendor rule); vendor users always get the vendor's copy, whatever they ask for.
"""

import datetime as dt

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from reports import services
from reports.constants import AUDIENCE_BUYER, AUDIENCE_VENDOR, MAX_COMPARED, PAPERS
from reports.selectors import report_audience, vendor_report_subject
from sla import selectors as sla_selectors
from vendorscore.models import Vendor
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES
from vendorscore.schema import DATE_OR_BLANK

PAPER_PARAMETER = OpenApiParameter("paper", str, enum=list(PAPERS), description="Page size; A4 unless `letter`.")


def paper_of(request) -> str:
    paper = request.GET.get("paper", "a4").lower()
    if paper not in PAPERS:
        raise ValidationError({"paper": [f"Choose one of: {', '.join(PAPERS)}."]})
    return paper


AUDIENCE_PARAMETER = OpenApiParameter(
    "audience",
    str,
    enum=[AUDIENCE_BUYER, AUDIENCE_VENDOR],
    description="`vendor`: the vendor's copy. Vendor users always get it; others get the buyer's by default.",
)


def audience_param(request) -> str:
    """The copy asked for with ``?audience=``, the user's own copy when absent; 400 for anything else."""
    requested = request.GET.get("audience")
    if requested is not None and requested not in (AUDIENCE_BUYER, AUDIENCE_VENDOR):
        raise ValidationError({"audience": [f"Choose one of: {AUDIENCE_BUYER}, {AUDIENCE_VENDOR}."]})
    return report_audience(user=request.user, requested=requested)


PERIOD_PARAMETERS = [
    OpenApiParameter("from", DATE_OR_BLANK, description="First delivery day included (contract's zone); empty: none."),
    OpenApiParameter("to", DATE_OR_BLANK, description="Last delivery day included (contract's zone); empty: none."),
]


def period_of(params) -> tuple[dt.date | None, dt.date | None]:
    """The vendor report's period from ``from`` and ``to`` (ISO dates, both optional, both days included)."""
    days = {}
    for name in ("from", "to"):
        text = (params.get(name) or "").strip()
        try:
            days[name] = dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise ValidationError({name: ["Give a date as YYYY-MM-DD."]}) from None
    if days["from"] and days["to"] and days["from"] > days["to"]:
        raise ValidationError({"to": ["The period ends before it starts."]})
    return days["from"], days["to"]


def pdf_response(report: services.ReportFile) -> FileResponse:
    return FileResponse(report.open(), content_type="application/pdf", filename=report.filename)


class BatchReportView(APIView):
    read_roles = ALL_ROLES

    @extend_schema(
        operation_id="batch_report_pdf",
        parameters=[PAPER_PARAMETER, AUDIENCE_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        """The batch report as PDF; vendor users receive the vendor copy, without gold-derived internals."""
        batch = sla_selectors.batch_get(user=request.user, pk=pk)
        audience, paper = audience_param(request), paper_of(request)
        return pdf_response(services.batch_report_render(batch=batch, audience=audience, paper=paper))


class VendorReportView(APIView):
    read_roles = ALL_ROLES

    @extend_schema(
        operation_id="vendor_report_pdf",
        parameters=[PAPER_PARAMETER, AUDIENCE_PARAMETER, *PERIOD_PARAMETERS],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        """The vendor report as PDF for a period: the buyer's dossier or the vendor's copy (always for vendor users)."""
        vendor = vendor_report_subject(user=request.user, pk=pk)
        audience, paper = audience_param(request), paper_of(request)
        start, end = period_of(request.GET)
        report = services.vendor_report_render(
            vendor=vendor, user=request.user, audience=audience, paper=paper, start=start, end=end
        )
        return pdf_response(report)


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
