"""Sortable tables (django-tables2) of the SLA app."""

import django_tables2 as tables
from django.conf import settings

from sla import timefmt
from sla.models import Batch, Breach, Contract, GoldSet, Notification

STATUS_BADGE = '<span class="badge badge-{{ value }}">{{ record.get_status_display }}</span>'
VERDICT_BADGE = (
    '{% if value %}<span class="badge badge-{{ value }}">{{ record.get_verdict_display }}</span>{% else %}—{% endif %}'
)


class BatchTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="Batch")
    vendor = tables.Column(accessor="contract__vendor__name", verbose_name="Vendor")
    task_type = tables.Column(accessor="task_type__name", verbose_name="Task type")
    reference = tables.Column(verbose_name="Reference", default="—")
    delivered_at = tables.Column(verbose_name="Delivered")
    status = tables.TemplateColumn(STATUS_BADGE)
    verdict = tables.TemplateColumn(VERDICT_BADGE)
    rows = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    items = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    class Meta:
        model = Batch
        fields = ("id", "vendor", "task_type", "reference", "delivered_at", "status", "verdict", "rows", "items")
        attrs = {"class": "table"}
        empty_text = "No batches match these filters."

    def render_id(self, value):
        return f"#{value}"

    def render_delivered_at(self, value, record):
        return timefmt.local_datetime(value, record.contract.time_zone)


class GoldSetTable(tables.Table):
    task_type = tables.Column(accessor="task_type__name", verbose_name="Task type")
    version = tables.Column(attrs={"td": {"class": "num"}})
    items = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    status = tables.TemplateColumn(  # a failed gold set says why (leads retry it: POST .../retry/)
        STATUS_BADGE + '{% if record.failure %}<br><small class="muted">{{ record.failure }}</small>{% endif %}'
    )
    original_name = tables.Column(verbose_name="File")
    uploaded_at = tables.Column(verbose_name="Uploaded")
    uploaded_by = tables.Column(verbose_name="By", default="—")
    error_count = tables.Column(verbose_name="Errors", attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    class Meta:
        model = GoldSet
        fields = (
            "task_type",
            "version",
            "items",
            "status",
            "original_name",
            "uploaded_at",
            "uploaded_by",
            "error_count",
        )
        attrs = {"class": "table"}
        empty_text = "No gold sets yet."

    def render_uploaded_at(self, value):
        return _server_time(value)


class ContractTable(tables.Table):
    title = tables.Column(linkify=True)
    vendor = tables.Column(accessor="vendor__name", verbose_name="Vendor")
    start_date = tables.DateColumn(format="Y-m-d", verbose_name="Start")
    end_date = tables.DateColumn(format="Y-m-d", verbose_name="End", default="open-ended")
    unit_price = tables.TemplateColumn(
        "{{ record.unit_price|floatformat:'-4' }} {{ record.currency }}",
        verbose_name="Price",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    pricing_model = tables.Column(verbose_name="Pricing")

    class Meta:
        model = Contract
        fields = ("title", "vendor", "start_date", "end_date", "pricing_model", "unit_price")
        attrs = {"class": "table"}
        empty_text = "No contracts yet."


class BreachTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="Breach")
    vendor = tables.Column(accessor="batch__contract__vendor__name", verbose_name="Vendor")
    batch = tables.Column(linkify=True, verbose_name="Batch")
    term = tables.Column(accessor="term_label", verbose_name="Term", order_by="term")
    severity = tables.TemplateColumn(
        '<span class="badge badge-{{ record.severity }}">{{ record.get_severity_display }}</span>'
    )
    status = tables.TemplateColumn(
        '<span class="badge badge-{{ record.status }}">{{ record.get_status_display }}</span>'
    )
    opened_at = tables.Column(verbose_name="Opened")
    remediation_due = tables.Column(verbose_name="Remediation due", default="—")
    service_credit = tables.TemplateColumn(
        "{{ value }} {{ record.batch.contract.currency }}",
        verbose_name="Credit",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )

    class Meta:
        model = Breach
        fields = (
            "id",
            "vendor",
            "batch",
            "term",
            "severity",
            "status",
            "opened_at",
            "remediation_due",
            "service_credit",
        )
        attrs = {"class": "table"}
        empty_text = "No breaches match these filters."

    def render_id(self, value):
        return f"#{value}"

    def render_batch(self, value):
        return f"#{value.pk} {value.reference}".strip()

    def render_opened_at(self, value, record):
        return timefmt.local_datetime(value, record.batch.contract.time_zone)

    def render_remediation_due(self, value, record):
        return timefmt.local_datetime(value, record.batch.contract.time_zone)


class NotificationTable(tables.Table):
    created_at = tables.Column(verbose_name="Queued")
    status = tables.TemplateColumn(
        '<span class="badge badge-{{ record.status }}">{{ record.get_status_display }}</span>'
    )
    sent_at = tables.Column(verbose_name="Sent", default="—")
    last_error = tables.Column(verbose_name="Last error", default="")

    class Meta:
        model = Notification
        fields = ("created_at", "recipient", "subject", "status", "attempts", "sent_at", "last_error")
        empty_text = "No notifications yet."

    def render_created_at(self, value):
        return _server_time(value)

    def render_sent_at(self, value):
        return _server_time(value)


def _server_time(value) -> str:
    """Times that belong to no contract (uploads of gold sets, the e-mail ledger): the server's zone, named."""
    return timefmt.local_datetime(value, settings.TIME_ZONE)
