"""Report downloads from the browser: the same renderings and access rules as the API.

Two ways: a direct download (``/batches/<id>/report.pdf``, rendered in the request, as
the API does) and a job (``POST /reports/``) that a Celery worker renders while the page
shows its progress. Either way the batch is looked up through the SLA app's scoping and
vendor reports are for buyer roles, so a link never shows more than the data behind it.
"""

from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView
from rest_framework.exceptions import NotFound, ValidationError

from reports import selectors as report_selectors
from reports import services
from reports.api import pdf_response, period_of, vendor_ids_of
from reports.constants import AUDIENCE_BUYER, AUDIENCE_VENDOR, PAPERS
from reports.models import ReportJob
from sla import selectors as sla_selectors
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES, RoleRequiredMixin, has_role

AUDIENCES = (AUDIENCE_BUYER, AUDIENCE_VENDOR)


class _ReportView(RoleRequiredMixin, View):
    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        paper = request.GET.get("paper", "a4").lower()
        if paper not in PAPERS:
            return HttpResponseBadRequest(f"paper must be one of: {', '.join(PAPERS)}")
        requested = request.GET.get("audience")
        if requested is not None and requested not in AUDIENCES:
            return HttpResponseBadRequest(f"audience must be one of: {', '.join(AUDIENCES)}")
        audience = report_selectors.report_audience(user=request.user, requested=requested)
        return pdf_response(self.render(request, pk, paper, audience))


class BatchReportPageView(_ReportView):
    def render(self, request, pk, paper, audience):
        batch = sla_selectors.batch_get(user=request.user, pk=pk)
        return services.batch_report_render(batch=batch, audience=audience, paper=paper)


class VendorReportPageView(_ReportView):
    def get(self, request, pk):
        try:
            self.period = period_of(request.GET)
        except ValidationError as error:
            return HttpResponseBadRequest(_first_error(error))
        return super().get(request, pk)

    def render(self, request, pk, paper, audience):
        vendor = report_selectors.vendor_report_subject(user=request.user, pk=pk)
        start, end = self.period
        return services.vendor_report_render(
            vendor=vendor, user=request.user, audience=audience, paper=paper, start=start, end=end
        )


def _first_error(error: ValidationError) -> str:
    """A period refusal as one line of text for a page (the API answers the same error as JSON)."""
    field, messages = next(iter(error.detail.items()))
    return f"{field}: {messages[0]}"


class ReportJobCreateView(RoleRequiredMixin, View):
    """Queue a report (form fields ``kind``, ``id``, ``paper``) and go to its progress page."""

    allowed_roles = ALL_ROLES
    http_method_names = ["post"]

    def post(self, request):
        kind, paper, pk = request.POST.get("kind"), request.POST.get("paper", "a4").lower(), request.POST.get("id", "")
        if kind == ReportJob.Kind.COMPARISON and paper in PAPERS:
            return self._comparison(request, paper)
        requested = request.POST.get("audience") or None
        if (
            kind not in ReportJob.Kind.values
            or paper not in PAPERS
            or not pk.isdigit()
            or (requested is not None and requested not in AUDIENCES)
        ):
            return HttpResponseBadRequest(
                "Give kind (batch or vendor), id, paper (a4 or letter) and optionally audience (buyer or vendor)."
            )
        try:
            start, end = period_of(request.POST) if kind == ReportJob.Kind.VENDOR else (None, None)
        except ValidationError as error:
            return HttpResponseBadRequest(_first_error(error))
        if kind == ReportJob.Kind.BATCH:
            obj = sla_selectors.batch_get(user=request.user, pk=int(pk))
        else:
            obj = report_selectors.vendor_report_subject(user=request.user, pk=int(pk))
        audience = report_selectors.report_audience(user=request.user, requested=requested)
        job = services.report_job_create(
            kind=kind, obj=obj, user=request.user, audience=audience, paper=paper, start=start, end=end
        )
        return redirect("report_job", pk=job.pk)

    def _comparison(self, request, paper):
        """Form field ``vendors``: 2 to 8 ids separated by commas, checked as the API checks them."""
        if not has_role(request.user, BUYER_ROLES):
            raise Http404("No such report.")
        try:
            ids = vendor_ids_of(request, request.POST)
        except ValidationError as error:
            return HttpResponseBadRequest(f"vendors: {error.detail['vendors'][0]}")
        except NotFound as error:
            raise Http404("No such vendor.") from error
        job = services.report_job_create(
            kind=ReportJob.Kind.COMPARISON,
            obj=report_selectors.vendor_report_subject(user=request.user, pk=ids[0]),
            vendor_ids=ids,
            user=request.user,
            audience=report_selectors.report_audience(user=request.user, requested=None),
            paper=paper,
        )
        return redirect("report_job", pk=job.pk)


class ReportJobView(RoleRequiredMixin, TemplateView):
    """The job's progress; static/js/report-job.js polls its status until the file is ready."""

    allowed_roles = ALL_ROLES
    template_name = "reports/job.html"

    def get_context_data(self, **kwargs):
        job = report_selectors.report_job_get(user=self.request.user, pk=self.kwargs["pk"])
        return {**super().get_context_data(**kwargs), "job": job}


class ReportJobStatusView(RoleRequiredMixin, View):
    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        job = report_selectors.report_job_get(user=request.user, pk=pk)
        return JsonResponse(
            {"status": job.status, "progress": job.progress, "stage": job.stage, "error": bool(job.error)}
        )


class ReportJobDownloadView(RoleRequiredMixin, View):
    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        job = report_selectors.report_job_get(user=request.user, pk=pk)
        report = services.report_job_file(job=job)
        if report is None:
            raise Http404("The report is not ready.")
        return pdf_response(report)


class ComparisonReportPageView(RoleRequiredMixin, View):
    """The comparison page's PDF: the vendors it compares, side by side."""

    allowed_roles = BUYER_ROLES

    def get(self, request):
        paper = request.GET.get("paper", "a4").lower()
        if paper not in PAPERS:
            return HttpResponseBadRequest(f"paper must be one of: {', '.join(PAPERS)}")
        try:
            ids = vendor_ids_of(request)
        except ValidationError as error:
            return HttpResponseBadRequest(" ".join(error.detail["vendors"]))
        except NotFound:
            raise Http404("No such vendor.") from None
        return pdf_response(services.comparison_report_render(vendor_ids=ids, user=request.user, paper=paper))
