"""Filters for the vendor list page and API: search, workforce model and status."""

import django_filters
from django.db.models import Q

from vendorscore.constants import VendorStatus, WorkforceModel
from vendorscore.models import Vendor


class VendorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    workforce_model = django_filters.ChoiceFilter(choices=WorkforceModel.choices, empty_label="Any workforce model")
    status = django_filters.ChoiceFilter(choices=VendorStatus.choices, empty_label="Any status")

    class Meta:
        model = Vendor
        fields = ["q", "workforce_model", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(country__icontains=value) | Q(contact_name__icontains=value)
        )
