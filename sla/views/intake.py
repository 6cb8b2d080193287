"""Pages of deliveries: the batch list, upload, batch page and its live status, re-check and retry,
gold sets, item CSVs and item lineage.
"""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin, SingleTableView

from reports import figures
from sla import exports, selectors, services
from sla.constants import (
    BatchStatus,
    UploadStatus,
)
from sla.filters import BatchFilterSet
from sla.forms import (
    BatchUploadForm,
    GoldSetUploadForm,
    ReviewUploadForm,
)
from sla.ingest.template import delivery_columns, delivery_template_csv
from sla.lineage_rules import LISTED_ITEMS
from sla.services import lineage
from sla.services.breaches import REMEDIABLE
from sla.tables import (
    BatchTable,
    GoldSetTable,
)
from sla.visibility import annotator_outliers
from vendorscore.exceptions import DomainError
from vendorscore.form_errors import form_add_service_error
from vendorscore.permissions import (
    ALL_ROLES,
    BUYER_ROLES,
    BUYER_UPLOADERS,
    LEADS,
    UPLOADERS,
    RoleRequiredMixin,
    may_manage,
    may_upload,
    may_upload_gold,
    sees_buyer_internals,
)

STAGES = [
    (BatchStatus.RECEIVED, "Received", "The file is stored; waiting for a worker."),
    (BatchStatus.PROCESSING, "Processing", "Parsing, validating and storing the rows."),
    (BatchStatus.EVALUATED, "Evaluated", "Metrics computed and checked against the SLA terms."),
]


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
        context["can_upload"] = may_upload(self.request.user)
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
            form_add_service_error(form, error)
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
        context["measure_rows"] = figures.headline_measures(batch.metrics)
        context["confusion_rows"] = _confusion_rows(batch.metrics)
        context["outliers"] = annotator_outliers(batch.metrics)
        context["findings"] = findings
        context["gold_rule"] = selectors.vendor_gold_rule() if vendor_copy else ""
        context["breaches"] = selectors.batch_breaches(batch=batch)
        context["now"] = timezone.now()
        context["can_upload_fix"] = may_upload(self.request.user, batch.contract)
        context["remediable"] = REMEDIABLE
        if batch.redelivered_items:
            context["redelivered"] = selectors.redelivered_items(batch=batch)[:LISTED_ITEMS]
        if batch.remediates_id is not None and batch.remediation_coverage is not None:
            context["extra_items"] = batch.items - round(batch.remediation_coverage * batch.remediates.items)
        context["history"] = selectors.batch_check_history(batch=batch)
        context["can_recheck"] = may_manage(self.request.user)
        context["can_retry"] = batch.status == BatchStatus.FAILED and may_manage(self.request.user)
        context["wait_note"] = services.upload_wait_note(batch)
        context["can_review"] = may_upload_gold(self.request.user)
        context["review_form"] = ReviewUploadForm()
        context["review_sets"] = batch.review_sets.all() if sees_buyer_internals(self.request.user) else []
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
        context["can_upload"] = may_upload_gold(self.request.user)
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
