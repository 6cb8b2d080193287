"""Filters for the batch list page."""

import django_filters

from sla.constants import BatchStatus, BatchVerdict
from sla.models import Batch, TaskType


class BatchFilterSet(django_filters.FilterSet):
    task_type = django_filters.ModelChoiceFilter(queryset=TaskType.objects.all(), empty_label="Any task type")
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, empty_label="Any status")
    verdict = django_filters.ChoiceFilter(choices=BatchVerdict.choices, empty_label="Any verdict")
    reference = django_filters.CharFilter(lookup_expr="icontains", label="Reference")

    class Meta:
        model = Batch
        fields = ["task_type", "status", "verdict", "reference"]
