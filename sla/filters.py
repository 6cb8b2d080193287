"""Filters for the batch and breach lists."""

import django_filters
from django import forms

from sla.constants import BatchStatus, BatchVerdict, BreachStatus, Severity
from sla.models import Batch, Breach, TaskType
from vendorscore.constants import Role
from vendorscore.models import Vendor
from vendorscore.permissions import role_of


class IdFilter(django_filters.Filter):
    """An object id: a whole number (``0.5`` is a 400, not a silent match)."""

    field_class = forms.IntegerField


class BatchFilterSet(django_filters.FilterSet):
    task_type = django_filters.ModelChoiceFilter(queryset=TaskType.objects.all(), empty_label="Any task type")
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, empty_label="Any status")
    verdict = django_filters.ChoiceFilter(choices=BatchVerdict.choices, empty_label="Any verdict")
    reference = django_filters.CharFilter(lookup_expr="icontains", label="Reference")

    class Meta:
        model = Batch
        fields = ["task_type", "status", "verdict", "reference"]


class BreachFilterSet(django_filters.FilterSet):
    """Breaches by vendor and state, for the list page and ``/api/v1/breaches/``."""

    vendor = django_filters.ModelChoiceFilter(
        field_name="batch__contract__vendor", queryset=Vendor.objects.all(), empty_label="Any vendor", label="Vendor"
    )
    status = django_filters.ChoiceFilter(choices=BreachStatus.choices, empty_label="Any status")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    batch = IdFilter(field_name="batch")

    class Meta:
        model = Breach
        fields = ["vendor", "status", "severity", "batch"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if role_of(user) == Role.VENDOR:
            # The vendor choice would otherwise list every vendor's name to a vendor user.
            self.filters["vendor"].queryset = Vendor.objects.filter(pk=user.vendor_id)
