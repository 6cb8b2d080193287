"""Pages of check results across batches: the findings list and the monthly credit statement."""

from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
)
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from reports.constants import PAPERS
from reports.services import credit_statement_render
from sla import exports, selectors
from sla.filters import FindingFilterSet
from sla.forms import (
    CreditStatementForm,
)
from sla.tables import (
    FindingTable,
)
from vendorscore.permissions import (
    ALL_ROLES,
    RoleRequiredMixin,
)

from .intake import ExportPageMixin


class FindingListView(RoleRequiredMixin, ExportPageMixin, SingleTableMixin, FilterView):
    """The current findings of every batch the user may see, filtered like the batches, with exports."""

    allowed_roles = ALL_ROLES
    table_class = FindingTable
    filterset_class = FindingFilterSet
    export = exports.FINDINGS
    template_name = "sla/finding_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.finding_list(user=self.request.user)

    def get_table_data(self):
        return selectors.findings_visible(super().get_table_data(), user=self.request.user)

    def export_objects(self, queryset):
        return selectors.findings_visible(queryset, user=self.request.user)


class CreditStatementView(RoleRequiredMixin, TemplateView):
    """The monthly service credit statement per vendor, as a page, CSV, XLSX or PDF (``?format=``).

    The month and vendor are in the URL, so a statement is a link to keep with the invoice.
    """

    allowed_roles = ALL_ROLES
    template_name = "sla/credit_statement.html"

    def get(self, request, *args, **kwargs):
        months = selectors.credit_months(user=request.user)
        month, vendor = (months[0] if months else timezone.localdate().replace(day=1)), None
        form = CreditStatementForm(request.GET or None, user=request.user, initial={"month": month})
        if form.is_bound and form.is_valid():
            month, vendor = form.cleaned_data["month"], form.cleaned_data["vendor"]
        statement = selectors.credit_statement(user=request.user, month=month, vendor=vendor)
        fmt = request.GET.get("format")
        if fmt in exports.FORMATS and not form.errors:
            rows = exports.credit_statement_rows(statement)
            name = f"credits-{month:%Y-%m}"
            return exports.table_response(headers=exports.CREDIT_HEADERS, rows=rows, fmt=fmt, name=name)
        if fmt == "pdf" and not form.errors:
            paper = request.GET.get("paper", "a4").lower()
            if paper not in PAPERS:
                return HttpResponseBadRequest(f"paper must be one of: {', '.join(PAPERS)}")
            response = HttpResponse(credit_statement_render(statement=statement, paper=paper), "application/pdf")
            response["Content-Disposition"] = f'attachment; filename="credits-{month:%Y-%m}.pdf"'
            return response
        query = {"month": f"{month:%Y-%m}", **({"vendor": vendor.pk} if vendor else {})}
        context = self.get_context_data(
            form=form,
            statement=statement,
            months=months[:24],
            query=urlencode(query),
        )
        return self.render_to_response(context)
