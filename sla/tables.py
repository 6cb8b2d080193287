"""Sortable tables (django-tables2) of the SLA app."""

import django_tables2 as tables
from django.conf import settings

from sla import timefmt
from sla.models import Batch, Breach, Contract, Finding, GoldSet, Notification, Webhook, WebhookDelivery

# The class is the stored value (``accepted``), never ``{{ value }}``: for a field with choices
# django-tables2 renders ``value`` as the display label ("Accepted"), which no CSS rule matches.
STATUS_BADGE = '<span class="badge badge-{{ record.status }}">{{ record.get_status_display }}</span>'
VERDICT_BADGE = (
    '{% if record.verdict %}<span class="badge badge-{{ record.verdict }}">{{ record.get_verdict_display }}</span>'
    "{% else %}—{% endif %}"
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


class FindingTable(tables.Table):
    batch = tables.Column(accessor="check_run__batch", linkify=True, verbose_name="Batch", order_by="check_run__batch")
    vendor = tables.Column(accessor="check_run__batch__contract__vendor__name", verbose_name="Vendor")
    task_type = tables.Column(accessor="check_run__batch__task_type__name", verbose_name="Task type")
    term = tables.Column(accessor="term_label", verbose_name="Term", order_by="term")
    measured = tables.TemplateColumn(
        "{% if record.withheld %}{{ record.withheld }}{% else %}{{ value|floatformat:4|default:'—' }}{% endif %}",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    threshold = tables.TemplateColumn(
        "{{ value|floatformat:4|default:'—' }}", attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    n = tables.Column(verbose_name="n", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    verdict = tables.TemplateColumn('<span class="badge badge-{{ value }}">{{ value }}</span>')

    class Meta:
        model = Finding
        fields = ("batch", "vendor", "task_type", "term", "measured", "threshold", "n", "verdict")
        attrs = {"class": "table"}
        empty_text = "No findings match these filters."

    def render_batch(self, value):
        return f"#{value.pk} {value.reference}".strip()


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


class WebhookTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="Webhook")
    url = tables.Column(verbose_name="URL")
    kind = tables.Column(verbose_name="Format")
    events = tables.Column(verbose_name="Events")
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name="Registered")

    class Meta:
        model = Webhook
        fields = ("id", "url", "kind", "events", "created_at")
        attrs = {"class": "table"}
        empty_text = "No webhooks yet."

    def render_id(self, value):
        return f"#{value}"

    def render_events(self, value):
        return ", ".join(value)

    def render_created_at(self, value):
        return _server_time(value)


class WebhookDeliveryTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name="Queued")
    event = tables.Column(verbose_name="Event")
    event_key = tables.Column(verbose_name="Event id")
    status = tables.TemplateColumn(
        '<span class="badge badge-{{ record.status }}">{{ record.get_status_display }}</span>'
    )
    response_status = tables.Column(verbose_name="HTTP status", default="—")
    attempts = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    sent_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name="Delivered", default="—")
    last_error = tables.Column(verbose_name="Last error", default="")
    resend = tables.TemplateColumn(
        '<form method="post" action="{% url \'webhook_delivery_resend\' record.webhook_id record.pk %}">'
        '{% csrf_token %}<button type="submit" class="button small">Send again</button></form>',
        verbose_name="",
        orderable=False,
    )

    class Meta:
        model = WebhookDelivery
        fields = ("created_at", "event", "event_key", "status", "response_status", "attempts", "sent_at", "last_error")
        attrs = {"class": "table"}
        empty_text = "Nothing sent to this webhook yet."

    def render_created_at(self, value):
        return _server_time(value)

    def render_sent_at(self, value):
        return _server_time(value)
