"""Filters of the delivery lists (batches, findings, breaches) and contracts, for pages, API and exports.

Every choice that names an object (vendor, contract) is built over the objects the caller
may see, from the same selectors as the lists. A vendor user who asks for another
vendor's contract gets exactly the answer a missing id gets (400, "Select a valid
choice"), so a filter cannot be used to learn which ids exist.

"Delivered from/to" are calendar days, both included, in each contract's own time zone
(the one time rule): a batch delivered at 23:30 in Lisbon on the 30th is in September's
range for a Lisbon contract whatever the server's zone.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from sla import checks, lineage_rules
from sla.constants import TERM_LABELS, BatchStatus, BatchVerdict, BreachStatus, Severity
from sla.models import Batch, Breach, Contract, Finding, TaskType
from sla.selectors import delivered_on_or_after
from vendorscore.models import Vendor
from vendorscore.schema import DATE_OR_BLANK


@extend_schema_field(DATE_OR_BLANK)
class DayFilter(django_filters.DateFilter):
    """A delivery day as YYYY-MM-DD; an empty value is no filter."""


FINDING_VERDICTS = [
    (checks.PASS, "Pass"),
    (checks.BELOW_TARGET, "Below target"),
    (checks.FAIL, "Fail"),
    (checks.INCONCLUSIVE, "Inconclusive"),
    (lineage_rules.NOTICE, "Notice"),
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class IdFilter(django_filters.Filter):
    """An object id: a whole number (``0.5`` is a 400, not a silent match)."""

    field_class = forms.IntegerField


class TaskTypeChoiceField(forms.ModelChoiceField):
    """A task type named by id or by name, as everywhere else in the API (API.md v1.1)."""

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if not text.isprintable():  # a NUL would reach PostgreSQL as an error, not as "no such task type"
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if text and not text.isdecimal():
            task_type = self.queryset.filter(name=text).first()
            if task_type is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            return task_type
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.STR)
class TaskTypeFilter(django_filters.ModelChoiceFilter):
    field_class = TaskTypeChoiceField


@extend_schema_field(OpenApiTypes.INT)
class VisibleObjectFilter(django_filters.ModelChoiceFilter):
    """An id among the objects the caller may see (the queryset is set per request)."""


def _visible_vendors(user):
    from vendorscore.selectors import vendor_list

    return vendor_list(user=user)


def _visible_contracts(user):
    from sla.selectors import contract_list

    return contract_list(user=user).order_by("vendor__name", "title")


class DeliveryFilterSet(django_filters.FilterSet):
    """The filters every delivery list shares; ``batch_path`` leads from the listed model to its batch."""

    batch_path = ""

    vendor = VisibleObjectFilter(
        queryset=Vendor.objects.none(), method="filter_vendor", empty_label="Any vendor", label="Vendor"
    )
    contract = VisibleObjectFilter(
        queryset=Contract.objects.none(), method="filter_contract", empty_label="Any contract", label="Contract"
    )
    task_type = TaskTypeFilter(
        queryset=TaskType.objects.all(), method="filter_task_type", empty_label="Any task type", label="Task type"
    )
    delivered_after = DayFilter(method="filter_delivered", label="Delivered from", widget=DATE_INPUT)
    delivered_before = DayFilter(method="filter_delivered", label="Delivered to", widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.filters["vendor"].queryset = _visible_vendors(user)
        self.filters["contract"].queryset = _visible_contracts(user)

    def filter_vendor(self, queryset, name, value):
        return queryset.filter(**{f"{self.batch_path}contract__vendor": value})

    def filter_contract(self, queryset, name, value):
        return queryset.filter(**{f"{self.batch_path}contract": value})

    def filter_task_type(self, queryset, name, value):
        return queryset.filter(**{f"{self.batch_path}task_type": value})

    def filter_delivered(self, queryset, name, value):
        return delivered_on_or_after(queryset, batch_path=self.batch_path, day=value, after=name == "delivered_after")


class BatchFilterSet(DeliveryFilterSet):
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, empty_label="Any status")
    verdict = django_filters.ChoiceFilter(choices=BatchVerdict.choices, empty_label="Any verdict")
    reference = django_filters.CharFilter(lookup_expr="icontains", label="Reference")

    class Meta:
        model = Batch
        fields = ["vendor", "contract", "task_type", "status", "verdict", "delivered_after", "delivered_before"]


class FindingFilterSet(DeliveryFilterSet):
    """Findings of the batches' current checks, by delivery and by term and verdict."""

    batch_path = "check_run__batch__"

    term = django_filters.ChoiceFilter(choices=sorted(TERM_LABELS.items()), empty_label="Any term")
    verdict = django_filters.ChoiceFilter(choices=FINDING_VERDICTS, empty_label="Any verdict")
    batch = IdFilter(field_name="check_run__batch", label="Batch")

    class Meta:
        model = Finding
        fields = ["vendor", "contract", "task_type", "term", "verdict", "delivered_after", "delivered_before"]


class BreachFilterSet(DeliveryFilterSet):
    """Breaches by vendor, contract, delivery and state, for the list page and ``/api/v1/breaches/``."""

    batch_path = "batch__"

    status = django_filters.ChoiceFilter(choices=BreachStatus.choices, empty_label="Any status")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    term = django_filters.ChoiceFilter(choices=sorted(TERM_LABELS.items()), empty_label="Any term")
    batch = IdFilter(field_name="batch")

    class Meta:
        model = Breach
        fields = ["vendor", "contract", "task_type", "status", "severity", "delivered_after", "delivered_before"]


class ContractFilterSet(django_filters.FilterSet):
    """``/api/v1/contracts/?vendor=``: over the vendors the caller may see, so another vendor reads as missing."""

    vendor = VisibleObjectFilter(queryset=Vendor.objects.none(), empty_label="Any vendor")

    class Meta:
        model = Contract
        fields = ["vendor"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["vendor"].queryset = _visible_vendors(getattr(self.request, "user", None))
