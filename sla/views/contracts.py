"""Pages of task types, contracts and their SLA terms."""

import hashlib
import json

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from reports import figures
from reports.constants import REPORT_LAYOUT_VERSION
from sla import formatting, selectors, services
from sla.constants import (
    TERM_TEMPLATES,
)
from sla.filters import ContractFilterSet
from sla.forms import (
    ContractForm,
    TaskTypeForm,
    TermsForm,
)
from sla.sampling_plans import REDUCED_SCORE
from sla.tables import (
    ContractTable,
)
from vendorscore.exceptions import DomainError
from vendorscore.form_errors import form_add_service_error
from vendorscore.performance.services import standing_guarded
from vendorscore.permissions import (
    ALL_ROLES,
    BUYER_ROLES,
    LEADS,
    RoleRequiredMixin,
    may_manage,
)


class ContractListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    """Contracts the user may see, filtered by vendor (the choices are the visible vendors)."""

    allowed_roles = ALL_ROLES
    table_class = ContractTable
    filterset_class = ContractFilterSet
    template_name = "sla/contract_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user)


class ContractDetailView(RoleRequiredMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "sla/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = selectors.contract_get(user=self.request.user, pk=self.kwargs["pk"])
        context["contract"] = contract
        context["terms"] = selectors.terms_list(contract=contract)
        context["inspection_states"] = selectors.inspection_states(contract=contract)
        context["reduced_score"] = REDUCED_SCORE
        context["batches"] = selectors.batch_list(user=self.request.user).filter(contract=contract)[:20]
        context["compliance"] = [
            _with_charts(section)
            for section in selectors.contract_compliance(contract=contract, user=self.request.user)
        ]
        context["can_edit"] = may_manage(self.request.user)
        return context


def _with_charts(section: dict) -> dict:
    """Trend figures of one task type: accuracy against its floor, IAA against target and fail line."""
    terms, key = section["terms"], section["task_type"].pk
    trends = _trend_figures(
        accuracy=section["accuracy"],
        iaa=section["iaa"],
        accuracy_metric=terms.get_accuracy_metric_display(),
        accuracy_unit=formatting.accuracy_unit(terms.accuracy_metric),
        accuracy_floor=terms.accuracy_floor,
        iaa_coefficient=terms.get_iaa_coefficient_display(),
        iaa_min=terms.iaa_min,
        iaa_fail_below=terms.iaa_fail_below,
        decision_rule=terms.decision_rule,
    )
    return {**section, "figures": [_chart(f"{kind}-{key}", title, figure) for kind, title, figure in trends]}


TREND_CACHE_SECONDS = 24 * 3600


def _trend_figures(**spec) -> list[tuple[str, str, dict]]:
    """A task type's compliance trends as plotly JSON, built once per content and kept in the cache under its hash.

    Building plotly's figure objects (validated, deep-copied layouts) took about 0.15 s per
    chart, most of the contract page's time at any number of batches (issue 20); hashing the
    points costs a millisecond, so a page whose trends did not change serves them from the cache.
    The layout version is in the key, so a changed chart is built afresh.
    """
    payload = json.dumps([REPORT_LAYOUT_VERSION, spec], sort_keys=True, default=str, separators=(",", ":"))
    key = f"trend-figures:{hashlib.sha256(payload.encode()).hexdigest()}"
    trends = cache.get(key)
    if trends is None:
        trends = [
            (kind, title, figures.figure_data(figure)) for kind, title, figure in figures.compliance_trends(**spec)
        ]
        cache.set(key, trends, TREND_CACHE_SECONDS)
    return trends


def _chart(name: str, title: str, figure: dict) -> dict:
    return {"id": f"chart-{name}", "data_id": f"data-{name}", "title": title, "figure": figure}


class TaskTypeListView(RoleRequiredMixin, FormView):
    """Task types with their label sets; leads add new ones on the same page."""

    allowed_roles = BUYER_ROLES
    form_class = TaskTypeForm
    template_name = "sla/task_type_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["task_types"] = selectors.task_type_list()
        context["can_edit"] = may_manage(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        if not may_manage(request.user):
            raise PermissionDenied("Only procurement leads add task types.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            task_type = services.task_type_create(**form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Task type “{task_type.name}” added.")
        return redirect("task_type_list")


class ContractCreateView(RoleRequiredMixin, FormView):
    allowed_roles = LEADS
    form_class = ContractForm
    template_name = "sla/contract_form.html"

    def get_initial(self):
        return {**super().get_initial(), "owner": self.request.user, "vendor": self.request.GET.get("vendor")}

    def form_valid(self, form):
        try:
            contract = standing_guarded(
                vendor=form.cleaned_data["vendor"],
                user=self.request.user,
                reason=self.request.POST.get("standing_override_reason", ""),
                subject="contract",
                create=lambda: services.contract_create(**form.cleaned_data),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Contract “{contract.title}” created. Add its SLA terms next.")
        return redirect("terms_create", pk=contract.pk)


class TermsCreateView(RoleRequiredMixin, FormView):
    """A new terms version, optionally pre-filled from one of the framework's term templates."""

    allowed_roles = LEADS
    form_class = TermsForm
    template_name = "sla/terms_form.html"

    @cached_property
    def contract(self):
        return selectors.contract_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.contract}

    def get_initial(self):
        template = TERM_TEMPLATES.get(self.request.GET.get("template", ""))
        return dict(template["terms"]) if template else super().get_initial()

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "contract": self.contract,
            "templates": TERM_TEMPLATES,
            "chosen_template": self.request.GET.get("template", ""),
        }

    def form_valid(self, form):
        try:
            terms = standing_guarded(
                vendor=self.contract.vendor,
                user=self.request.user,
                reason=self.request.POST.get("standing_override_reason", ""),
                subject="terms",
                create=lambda: services.terms_create(contract=self.contract, **form.cleaned_data),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        except ValidationError as error:
            form_add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Terms for {terms.task_type.name} from {terms.effective_from:%Y-%m-%d} added.")
        return redirect(self.contract)


class TermsCorrectView(TermsCreateView):
    """Correct a terms version: the batches it decided are checked again, their earlier verdicts kept."""

    @cached_property
    def terms(self):
        return get_object_or_404(selectors.terms_list(contract=self.contract), pk=self.kwargs["terms_pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.terms}

    def get_initial(self):
        return {}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "correcting": self.terms}

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        services.terms_correct(terms=self.terms, data=data, user=self.request.user)
        messages.success(self.request, "Terms corrected; the batches they decided are being checked again.")
        return redirect(self.contract)
