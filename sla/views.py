"""Pages of the SLA app: contracts, batch upload and batch pages, gold sets, QA review uploads.

Thin: forms validate input, services write, selectors scope what the user may see.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin, SingleTableView

from reports import charts
from reports.constants import PAPERS
from reports.services import credit_statement_render
from sla import exports, formatting, selectors, services
from sla.api import BUYER_UPLOADERS, UPLOADERS
from sla.constants import (
    BREACH_TRANSITIONS,
    DEFECT_TYPE_LABELS,
    MEASURE_LABELS,
    TERM_TEMPLATES,
    BatchStatus,
    BreachStatus,
    UploadStatus,
    defect_types_for,
)
from sla.filters import BatchFilterSet, BreachFilterSet, ContractFilterSet, FindingFilterSet
from sla.forms import (
    BatchUploadForm,
    BreachDecideForm,
    BreachDisputeForm,
    BreachSubmitForm,
    BreachWaiveForm,
    ContractForm,
    CreditStatementForm,
    GoldSetUploadForm,
    NotificationPreferenceForm,
    ReviewUploadForm,
    TaskTypeForm,
    TermsForm,
    WebhookForm,
)
from sla.ingest.template import delivery_columns, delivery_template_csv
from sla.lineage import LISTED_ITEMS
from sla.models import Notification
from sla.sampling import REDUCED_SCORE
from sla.services import lineage
from sla.services.breaches import REMEDIABLE
from sla.tables import (
    BatchTable,
    BreachTable,
    ContractTable,
    FindingTable,
    GoldSetTable,
    NotificationTable,
    WebhookDeliveryTable,
    WebhookTable,
)
from sla.visibility import annotator_outliers
from vendorscore.constants import Role
from vendorscore.exceptions import DomainError
from vendorscore.performance.services import standing_guarded
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES, LEADS, RoleRequiredMixin, has_role

STAGES = [
    (BatchStatus.RECEIVED, "Received", "The file is stored; waiting for a worker."),
    (BatchStatus.PROCESSING, "Processing", "Parsing, validating and storing the rows."),
    (BatchStatus.EVALUATED, "Evaluated", "Metrics computed and checked against the SLA terms."),
]


def _form_error_from(form, error: Exception) -> None:
    """Show a service's refusal on the form instead of a 500."""
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
    else:
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)


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
        context["can_edit"] = has_role(self.request.user, LEADS)
        return context


def _with_charts(section: dict) -> dict:
    """Trend figures of one task type: accuracy against its floor, IAA against target and fail line."""
    terms, key = section["terms"], section["task_type"].pk
    figures = []
    accuracy = [p for p in section["accuracy"] if p["value"] is not None]
    if accuracy and terms.accuracy_floor is not None:
        title = f"{terms.get_accuracy_metric_display()} against gold"
        figure = charts.compliance_trend(
            measure=title,
            points=accuracy,
            thresholds=[("floor", terms.accuracy_floor)],
            unit=formatting.accuracy_unit(terms.accuracy_metric),
            rule=terms.decision_rule,
        )
        figures.append(_chart(f"accuracy-{key}", title, figure))
    iaa = [p for p in section["iaa"] if p["value"] is not None]
    lines = [
        (name, value)
        for name, value in (("target", terms.iaa_min), ("fails below", terms.iaa_fail_below))
        if value is not None
    ]
    if iaa and lines:
        title = terms.get_iaa_coefficient_display()
        figures.append(
            _chart(
                f"iaa-{key}",
                title,
                charts.compliance_trend(measure=title, points=iaa, thresholds=lines, rule=terms.decision_rule),
            )
        )
    return {**section, "figures": figures}


def _chart(name: str, title: str, figure) -> dict:
    return {"id": f"chart-{name}", "data_id": f"data-{name}", "title": title, "figure": charts.figure_data(figure)}


class TaskTypeListView(RoleRequiredMixin, FormView):
    """Task types with their label sets; leads add new ones on the same page."""

    allowed_roles = BUYER_ROLES
    form_class = TaskTypeForm
    template_name = "sla/task_type_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["task_types"] = selectors.task_type_list()
        context["can_edit"] = has_role(self.request.user, LEADS)
        return context

    def post(self, request, *args, **kwargs):
        if not has_role(request.user, LEADS):
            raise PermissionDenied("Only procurement leads add task types.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            task_type = services.task_type_create(**form.cleaned_data)
        except ValidationError as error:
            _form_error_from(form, error)
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
            _form_error_from(form, error)
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


class ExportPageMixin:
    """A filtered list page that also downloads its rows: ``?format=csv|xlsx`` with the page's filters.

    The filters stay in the URL (GET), so a filtered view is a link to bookmark or share,
    and the Export buttons are the same link with a format added.
    """

    export = None  # an ``exports.Export``

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt in exports.FORMATS:
            filterset = self.get_filterset(self.get_filterset_class())
            if filterset.is_valid():
                return exports.export_response(export=self.export, objects=self.export_objects(filterset.qs), fmt=fmt)
        return super().get(request, *args, **kwargs)

    def export_objects(self, queryset):
        """What the reader may see of the filtered rows (a list page narrows it, e.g. the vendor rule)."""
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for name in ("page", "sort", "format"):
            query.pop(name, None)
        context["export_links"] = [
            (fmt.upper(), "?" + "&".join(part for part in (query.urlencode(), f"format={fmt}") if part))
            for fmt in exports.FORMATS
        ]
        context["filter_query"] = query.urlencode()
        return context


class BatchListView(RoleRequiredMixin, ExportPageMixin, SingleTableMixin, FilterView):
    allowed_roles = ALL_ROLES
    table_class = BatchTable
    filterset_class = BatchFilterSet
    export = exports.BATCHES
    template_name = "sla/batch_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.batch_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_upload"] = has_role(self.request.user, UPLOADERS)
        return context


class BatchUploadView(RoleRequiredMixin, FormView):
    """The upload page; the browser sends the form with XHR to show progress (static/js/upload.js)."""

    allowed_roles = UPLOADERS
    form_class = BatchUploadForm
    template_name = "sla/batch_upload.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["column_guides"] = [
            {"task_type": task_type, "columns": delivery_columns(task_type.labels)}
            for task_type in selectors.task_type_list()
        ]
        return context

    def get_initial(self):
        initial = super().get_initial()
        for field in ("contract", "task_type", "remediates"):
            if self.request.GET.get(field, "").isdigit():
                initial[field] = int(self.request.GET[field])
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                receipt = services.batch_receive(
                    contract=data["contract"],
                    task_type=data["task_type"],
                    upload=data["file"],
                    user=self.request.user,
                    reference=data["reference"],
                    claimed_accuracy=data["claimed_accuracy"],
                    remediates=data["remediates"],
                    due_at=data["due_at"],
                    annotator=data["annotator"],
                    duplicates=data["duplicates"],
                )
        except (DomainError, ValidationError) as error:
            _form_error_from(form, error)
            return self.form_invalid(form)
        batch = receipt.upload
        if receipt.duplicate:
            messages.info(
                self.request, f"This file was already delivered as batch #{batch.pk}; it is not counted twice."
            )
        else:
            messages.success(self.request, f"Batch #{batch.pk} received.")
        return redirect(batch)


class DeliveryTemplateView(RoleRequiredMixin, View):
    """A CSV template of a delivery for one task type: every column, valid example rows."""

    allowed_roles = UPLOADERS

    def get(self, request, pk):
        task_type = get_object_or_404(selectors.task_type_list(), pk=pk)
        safety = selectors.task_type_safety_labels(user=request.user, task_type=task_type)
        body = delivery_template_csv(task_type.labels, task_type.name, safety)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slugify(task_type.name)}-delivery-template.csv"'
        return response


class BatchDetailView(RoleRequiredMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "sla/batch_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])
        vendor_copy = selectors.sees_vendor_copy(self.request.user)
        findings = selectors.batch_findings_visible(batch=batch, vendor_copy=vendor_copy)
        batch.metrics = selectors.batch_metrics_visible(batch=batch, vendor_copy=vendor_copy)
        context["batch"] = batch
        context["stages"] = _stages(batch)
        context["measure_rows"] = _measure_rows(batch.metrics)
        context["confusion_rows"] = _confusion_rows(batch.metrics)
        context["outliers"] = annotator_outliers(batch.metrics)
        context["findings"] = findings
        context["gold_rule"] = selectors.vendor_gold_rule() if vendor_copy else ""
        context["breaches"] = selectors.batch_breaches(batch=batch)
        context["now"] = timezone.now()
        context["can_upload_fix"] = has_role(self.request.user, UPLOADERS)
        context["remediable"] = REMEDIABLE
        if batch.redelivered_items:
            context["redelivered"] = selectors.redelivered_items(batch=batch)[:LISTED_ITEMS]
        if batch.remediates_id is not None and batch.remediation_coverage is not None:
            context["extra_items"] = batch.items - round(batch.remediation_coverage * batch.remediates.items)
        context["history"] = selectors.batch_check_history(batch=batch)
        context["can_recheck"] = has_role(self.request.user, LEADS)
        context["can_retry"] = batch.status == BatchStatus.FAILED and has_role(self.request.user, LEADS)
        context["wait_note"] = services.upload_wait_note(batch)
        context["can_review"] = has_role(self.request.user, BUYER_UPLOADERS)
        context["review_form"] = ReviewUploadForm()
        context["review_sets"] = batch.review_sets.all() if has_role(self.request.user, BUYER_ROLES) else []
        return context


def _stages(batch) -> list[dict]:
    """The processing stages with the one the batch has reached, for the live progress display."""
    order = [status for status, _, _ in STAGES]
    reached = order.index(batch.status) if batch.status in order else len(order)
    return [
        {
            "status": status,
            "label": label,
            "help": help_text,
            "done": index < reached or batch.status == status,
            "current": batch.status == status,
        }
        for index, (status, label, help_text) in enumerate(STAGES)
    ]


def _measure_rows(metrics: dict | None) -> list[tuple[str, dict, str]]:
    """The headline measures of a metrics document, labeled for people, in a fixed order, with their unit."""
    if not metrics:
        return []
    rows = [("Accuracy against gold", metrics["accuracy"], formatting.SHARE)] if metrics.get("accuracy") else []
    agreement = metrics.get("agreement", {})
    rows += [
        (label, agreement[name], formatting.SHARE if name == "percent_agreement" else formatting.COEFFICIENT)
        for name, label in MEASURE_LABELS.items()
        if name in agreement
    ]
    return rows


def _confusion_rows(metrics: dict | None) -> list[dict]:
    matrix = (metrics or {}).get("confusion_matrix") or {}
    labels = matrix.get("labels") or []
    return [
        {"label": label, "cells": [{"count": count, "diagonal": i == j} for j, count in enumerate(row)]}
        for i, (label, row) in enumerate(zip(labels, matrix.get("counts") or [], strict=False))
    ]


class BatchStatusView(RoleRequiredMixin, View):
    """The batch's stage as JSON, polled by its page until the batch is final."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        batch = selectors.batch_get(user=request.user, pk=pk)
        return JsonResponse(
            {
                "id": batch.pk,
                "status": batch.status,
                "verdict": batch.verdict,
                "final": batch.is_final,
                "rows": batch.rows,
                "chunks_total": batch.chunks_total,
                "chunks_done": batch.chunks_done,
            }
        )


class BatchRecheckView(RoleRequiredMixin, View):
    """A lead's "check again": the new verdict is kept with the terms version it used."""

    allowed_roles = LEADS

    def post(self, request, pk):
        batch = selectors.batch_get(user=request.user, pk=pk)
        previous = batch.verdict
        services.batch_check(batch=batch, user=request.user, reason=f"re-run by {request.user.username}")
        batch.refresh_from_db()
        if batch.verdict == previous:
            messages.info(request, f"Checked again: the verdict is still {batch.get_verdict_display().lower()}.")
        else:
            messages.success(request, f"Checked again: the verdict is now {batch.get_verdict_display().lower()}.")
        return redirect(batch)


class BatchRetryView(RoleRequiredMixin, View):
    """A lead sends a failed batch back to the workers."""

    allowed_roles = LEADS

    def post(self, request, pk):
        batch = selectors.batch_get(user=request.user, pk=pk)
        try:
            services.upload_retry(upload=batch, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Batch #{batch.pk} is queued again.")
        return redirect(batch)


class ReviewUploadView(RoleRequiredMixin, FormView):
    allowed_roles = BUYER_UPLOADERS
    form_class = ReviewUploadForm
    template_name = "sla/review_upload.html"

    def dispatch(self, request, *args, **kwargs):
        self.batch = None
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "batch": self._batch()}

    def _batch(self):
        if self.batch is None:
            self.batch = selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])
        return self.batch

    def form_valid(self, form):
        receipt = services.qa_reviews_receive(
            batch=self._batch(), upload=form.cleaned_data["file"], user=self.request.user
        )
        review_set = receipt.upload
        if receipt.duplicate:
            messages.info(self.request, "This review file was already uploaded.")
        elif review_set.error_count:
            messages.error(
                self.request, f"The review file has {review_set.error_count} problem(s); nothing was stored."
            )
            return self.render_to_response(self.get_context_data(form=form, review_set=review_set))
        else:
            messages.success(self.request, f"{review_set.rows} review verdicts stored.")
        return redirect(self._batch())


class GoldSetListView(RoleRequiredMixin, SingleTableView):
    """Gold sets for buyer roles, with the upload form for those who may upload; vendor users get 403."""

    allowed_roles = BUYER_ROLES
    table_class = GoldSetTable
    template_name = "sla/gold_set_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.gold_set_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_upload"] = has_role(self.request.user, BUYER_UPLOADERS)
        context.setdefault("form", GoldSetUploadForm())
        return context


class GoldSetUploadView(GoldSetListView):
    allowed_roles = BUYER_UPLOADERS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = GoldSetUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(form=form), status=400)
        with transaction.atomic():
            receipt = services.gold_set_receive(
                task_type=form.cleaned_data["task_type"], upload=form.cleaned_data["file"], user=request.user
            )
        gold_set = receipt.upload
        gold_set.refresh_from_db()
        if receipt.duplicate:
            messages.info(request, f"This file is already {gold_set}.")
        elif gold_set.status == UploadStatus.INVALID:
            messages.error(request, f"{gold_set} has {gold_set.error_count} problem(s); nothing was stored.")
        else:
            messages.success(request, f"{gold_set} received.")
        return redirect(reverse("gold_set_list"))


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


class BreachListView(RoleRequiredMixin, ExportPageMixin, SingleTableMixin, FilterView):
    """Every breach the user may see, filtered by vendor, contract, delivery and state; vendor users see their own."""

    allowed_roles = ALL_ROLES
    table_class = BreachTable
    filterset_class = BreachFilterSet
    export = exports.BREACHES
    template_name = "sla/breach_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.breach_list(user=self.request.user)


class BreachDetailView(RoleRequiredMixin, TemplateView):
    """One breach: its batch and finding, deadline, credit, history, and the moves the user may make."""

    allowed_roles = ALL_ROLES
    template_name = "sla/breach_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        breach = selectors.breach_get(user=self.request.user, pk=self.kwargs["pk"])
        may_move = BREACH_TRANSITIONS[breach.status]
        selectors.breach_finding_visible(breach=breach, vendor_copy=selectors.sees_vendor_copy(self.request.user))
        context["breach"] = breach
        context["now"] = timezone.now()
        context["can_waive"] = has_role(self.request.user, LEADS) and BreachStatus.WAIVED in may_move
        context["can_submit"] = (
            has_role(self.request.user, {Role.VENDOR, Role.PROCUREMENT_LEAD})
            and BreachStatus.REMEDIATION_SUBMITTED in may_move
        )
        context["can_upload_fix"] = context["can_submit"] and has_role(self.request.user, UPLOADERS)
        context["can_dispute"] = (
            has_role(self.request.user, {Role.VENDOR, Role.PROCUREMENT_LEAD})
            and BreachStatus.DISPUTED in may_move
            and not any(event.to_status == BreachStatus.DISPUTED for event in breach.events.all())
        )
        context["can_decide"] = has_role(self.request.user, LEADS) and breach.status == BreachStatus.DISPUTED
        context["waive_form"] = kwargs.get("waive_form") or BreachWaiveForm()
        context["submit_form"] = BreachSubmitForm()
        context["dispute_form"] = kwargs.get("dispute_form") or BreachDisputeForm()
        context["decide_form"] = kwargs.get("decide_form") or BreachDecideForm()
        result = breach.remediation_result or {}
        context["result"] = result
        context["missing_count"] = result.get("failed_items", 0) - result.get("covered", 0)
        return context


class BreachWaiveView(RoleRequiredMixin, View):
    """A lead waives a breach with a reason; without one the page shows the error."""

    allowed_roles = LEADS

    def post(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        form = BreachWaiveForm(request.POST)
        if form.is_valid():
            try:
                services.breach_waive(breach=breach, user=request.user, reason=form.cleaned_data["waiver_reason"])
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Breach #{breach.pk} waived.")
                return redirect(breach)
        view = BreachDetailView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(waive_form=form), status=400)


class BreachSubmitView(RoleRequiredMixin, View):
    """The vendor says a fix is on its way (the corrected batch itself is uploaded naming the batch)."""

    allowed_roles = frozenset({Role.VENDOR, Role.PROCUREMENT_LEAD})

    def post(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        form = BreachSubmitForm(request.POST)
        form.is_valid()
        try:
            services.breach_remediation_submit(breach=breach, user=request.user, note=form.cleaned_data.get("note", ""))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Breach #{breach.pk}: remediation submitted.")
        return redirect(breach)


class _BreachFormView(RoleRequiredMixin, View):
    """A form posted from the breach page: the service acts, or the page comes back with the form's errors."""

    form_class = None
    form_name = ""  # the breach page's context name for this form, to show its errors in place

    def act(self, breach, user, data) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def post(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                done = self.act(breach, request.user, form.cleaned_data)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, done)
                return redirect(breach)
        view = BreachDetailView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(**{self.form_name: form}), status=400)


class BreachDisputeView(_BreachFormView):
    """The vendor (or a lead) contests a breach with a reason and optional evidence; the clock stops."""

    allowed_roles = frozenset({Role.VENDOR, Role.PROCUREMENT_LEAD})
    form_class = BreachDisputeForm
    form_name = "dispute_form"

    def act(self, breach, user, data) -> str:
        services.breach_dispute(breach=breach, user=user, reason=data["reason"], file=data["file"])
        return f"Breach #{breach.pk} disputed: its clock is stopped until a lead decides."


class BreachDecideView(_BreachFormView):
    """A lead upholds a dispute (the clock resumes, the paused business time added) or withdraws the breach."""

    allowed_roles = LEADS
    form_class = BreachDecideForm
    form_name = "decide_form"

    def act(self, breach, user, data) -> str:
        services.breach_decide(breach=breach, user=user, **data)
        return f"Breach #{breach.pk}: dispute {data['decision']}."


class BreachDisputeFileView(RoleRequiredMixin, View):
    """The evidence attached to a dispute, for whoever may read the breach."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        if not breach.dispute_file:
            raise Http404("No file is attached to this dispute.")
        name = breach.dispute_file.name.rsplit("/", 1)[-1]
        return FileResponse(breach.dispute_file.open("rb"), as_attachment=True, filename=name)


def _item_csv(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """Item ids as a CSV download, streamed; a cell a spreadsheet would run as a formula is quoted with '."""
    buffer = _Echo()
    writer = csv.writer(buffer)

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class BatchItemsCsvView(RoleRequiredMixin, View):
    """A batch's item lists as CSV: its redelivered items (with where each was first delivered), and for a
    remediation batch the failed batch's items it left out and the items that were not in the failed batch."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk, kind):
        if kind not in ("redelivered", "missing", "extra"):
            raise Http404("No such item list.")
        batch = selectors.batch_get(user=request.user, pk=pk)
        if kind == "redelivered":
            rows = selectors.redelivered_items(batch=batch).values_list("item_id", "first_batch").iterator(5000)
            return _item_csv(f"batch-{batch.pk}-redelivered-items.csv", ["item_id", "first_delivered_in_batch"], rows)
        if batch.remediates_id is None:
            raise Http404("This batch remediates no batch.")
        if kind == "missing":
            items = lineage.missing_items(failed_batch_id=batch.remediates_id, remediation_batches=[batch.pk])
        else:
            items = lineage.extra_items(batch=batch)
        rows = ((item,) for item in items.iterator(5000))
        return _item_csv(f"batch-{batch.pk}-{kind}-items.csv", ["item_id"], rows)


class ItemLineageView(RoleRequiredMixin, TemplateView):
    """One item's history under the batch's contract: first delivered, redelivered, remediated by."""

    allowed_roles = ALL_ROLES
    template_name = "sla/item_lineage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])
        item_id = self.request.GET.get("item", "")
        context.update(batch=batch, item_id=item_id, history=selectors.item_lineage(batch=batch, item_id=item_id))
        return context


class BreachMissingItemsCsvView(RoleRequiredMixin, View):
    """The failed batch's items that no remediation batch passing on its items has delivered again yet."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        counted = (breach.remediation_result or {}).get("passed_batches") or []
        items = lineage.missing_items(failed_batch_id=breach.batch_id, remediation_batches=counted)
        rows = ((item,) for item in items.iterator(5000))
        return _item_csv(f"breach-{breach.pk}-missing-items.csv", ["item_id"], rows)


class ReviewSampleView(RoleRequiredMixin, TemplateView):
    """The reviewer page: the batch's QA sample item by item, labels side by side, keyboard first.

    Each verdict is saved on its own (JSON for the page's script, a redirect without it),
    so a reviewer can stop and come back; the batch is re-checked when the sample is complete.
    """

    allowed_roles = BUYER_UPLOADERS
    template_name = "sla/review_sample.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])
        items = selectors.qa_sample_items(batch=batch)
        context.update(
            batch=batch,
            sample=getattr(batch, "qa_sample", None),
            items=items,
            reviewed=sum(1 for item in items if item["review"]),
            defect_types=[
                (key, DEFECT_TYPE_LABELS[key])
                for key in defect_types_for(scale=batch.task_type.scale, complexity=batch.task_type.complexity)
            ],
        )
        return context

    def post(self, request, pk):
        batch = selectors.batch_get(user=request.user, pk=pk)
        wants_json = "application/json" in request.headers.get("Accept", "")
        try:
            review = services.qa_review_record(
                batch=batch,
                item_id=request.POST.get("item_id", ""),
                verdict=request.POST.get("verdict", ""),
                defect_type=request.POST.get("defect_type", ""),
                note=request.POST.get("note", ""),
                user=request.user,
            )
        except DomainError as error:
            if wants_json:
                return JsonResponse({"error": error.message}, status=400)
            messages.error(request, error.message)
            return redirect("batch_review_sample", pk=pk)
        sample = selectors.batch_get(user=request.user, pk=pk).qa_sample
        reviewed, defects = services.qa_sample_verdicts(sample=sample)
        if wants_json:
            return JsonResponse(
                {
                    "item_id": review.item_id,
                    "verdict": review.verdict,
                    "defect_type": review.defect_type,
                    "reviewed": reviewed,
                    "defects": defects,
                    "total": len(sample.items),
                    "decision": sample.decision,
                }
            )
        return redirect(f"{reverse('batch_review_sample', args=[pk])}#item-{sample.items.index(review.item_id)}")


class NotificationListView(RoleRequiredMixin, SingleTableView):
    """The e-mail ledger for leads: what was sent, to whom, and what is still waiting or failing."""

    allowed_roles = LEADS
    table_class = NotificationTable
    template_name = "sla/notification_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.notification_list(status=self.request.GET.get("status", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = Notification.Status.choices
        context["status"] = self.request.GET.get("status", "")
        return context


class NotificationPreferencesView(RoleRequiredMixin, FormView):
    """Every user may turn off reminders and the digest for themselves."""

    allowed_roles = ALL_ROLES
    form_class = NotificationPreferenceForm
    template_name = "sla/notification_preferences.html"

    def get_initial(self):
        prefs = selectors.notification_preferences_of(user=self.request.user)
        return {"reminders": prefs.reminders, "digest": prefs.digest}

    def form_valid(self, form):
        services.notification_preferences_update(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, "Notification preferences saved.")
        return redirect("notification_preferences")


class WebhookListView(RoleRequiredMixin, SingleTableMixin, FormView):
    """Leads' webhooks and the form to register one; the secret is shown once, after registration."""

    allowed_roles = LEADS
    table_class = WebhookTable
    form_class = WebhookForm
    template_name = "sla/webhook_list.html"

    def get_table_data(self):
        return selectors.webhook_list()

    def form_valid(self, form):
        try:
            webhook = services.webhook_create(user=self.request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _form_error_from(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Webhook registered. Its signing secret (shown only now): {webhook.secret}",
        )
        return redirect(webhook)


class WebhookDetailView(RoleRequiredMixin, SingleTableMixin, TemplateView):
    """One webhook and its deliveries with the receiver's status codes, each with a "send again" button."""

    allowed_roles = LEADS
    table_class = WebhookDeliveryTable
    template_name = "sla/webhook_detail.html"
    paginate_by = 50

    @cached_property
    def webhook(self):
        return selectors.webhook_get(pk=self.kwargs["pk"])

    def get_table_data(self):
        return selectors.webhook_deliveries(webhook=self.webhook)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "webhook": self.webhook}


class WebhookDeleteView(RoleRequiredMixin, View):
    allowed_roles = LEADS
    http_method_names = ["post"]

    def post(self, request, pk):
        services.webhook_delete(webhook=selectors.webhook_get(pk=pk))
        messages.success(request, "Webhook deleted.")
        return redirect("webhook_list")


class WebhookDeliveryResendView(RoleRequiredMixin, View):
    allowed_roles = LEADS
    http_method_names = ["post"]

    def post(self, request, pk, delivery_pk):
        webhook = selectors.webhook_get(pk=pk)
        delivery = services.webhook_delivery_resend(
            delivery=selectors.webhook_delivery_get(webhook=webhook, pk=delivery_pk)
        )
        messages.success(request, f"{delivery.event} {delivery.event_key} queued to be sent again.")
        return redirect(webhook)


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
