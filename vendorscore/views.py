"""Pages of the vendors app: dashboard and the vendor registry. Thin: forms and services do the work."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from sla import selectors as sla_selectors
from vendorscore import selectors, services
from vendorscore.filters import VendorFilterSet
from vendorscore.forms import VendorForm
from vendorscore.permissions import ALL_ROLES, LEADS, RoleRequiredMixin, sees_buyer_internals
from vendorscore.tables import VendorTable


class DashboardView(RoleRequiredMixin, TemplateView):
    template_name = "vendorscore/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["vendors"] = selectors.vendor_list(user=self.request.user)
        context["heartbeat"] = selectors.worker_last_seen(user=self.request.user)
        context["sees_internals"] = sees_buyer_internals(self.request.user)
        context["breaches"] = sla_selectors.breach_overview(user=self.request.user)
        return context


class VendorListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    allowed_roles = ALL_ROLES
    table_class = VendorTable
    filterset_class = VendorFilterSet
    template_name = "vendorscore/vendor_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.vendor_list(user=self.request.user)


class VendorDetailView(RoleRequiredMixin, TemplateView):
    template_name = "vendorscore/vendor_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["vendor"] = selectors.vendor_get(user=self.request.user, pk=self.kwargs["pk"])
        context["sees_internals"] = sees_buyer_internals(self.request.user)
        return context


class VendorCreateView(RoleRequiredMixin, FormView):
    allowed_roles = LEADS
    form_class = VendorForm
    template_name = "vendorscore/vendor_form.html"

    def form_valid(self, form):
        vendor = services.vendor_create(**form.cleaned_data)
        messages.success(self.request, f"Vendor “{vendor.name}” created.")
        return redirect(vendor)


class VendorUpdateView(RoleRequiredMixin, FormView):
    allowed_roles = LEADS
    form_class = VendorForm
    template_name = "vendorscore/vendor_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = selectors.vendor_get(user=self.request.user, pk=self.kwargs["pk"])
        return kwargs

    def form_valid(self, form):
        vendor = services.vendor_update(vendor=form.instance, data=form.cleaned_data)
        messages.success(self.request, f"Vendor “{vendor.name}” saved.")
        return redirect(vendor)
