"""Sortable tables (django-tables2) of the vendors app."""

import django_tables2 as tables

from vendorscore.models import Vendor


class VendorTable(tables.Table):
    name = tables.Column(linkify=True)
    workforce_model = tables.Column(verbose_name="Workforce model")
    status = tables.TemplateColumn(
        '<span class="badge badge-{{ record.status }}">{{ record.get_status_display }}</span>',
        order_by="status",
    )
    country = tables.Column()
    user_count = tables.Column(verbose_name="Users", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    updated_at = tables.DateTimeColumn(verbose_name="Updated", format="Y-m-d")

    class Meta:
        model = Vendor
        fields = ("name", "workforce_model", "status", "country", "user_count", "updated_at")
        attrs = {"class": "table"}
        empty_text = "No vendors match these filters."
