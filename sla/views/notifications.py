"""Pages of the e-mail ledger, notification preferences and webhooks."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView
from django_tables2 import SingleTableMixin, SingleTableView

from sla import selectors, services
from sla.forms import (
    NotificationPreferenceForm,
    WebhookForm,
)
from sla.models import Notification
from sla.tables import (
    NotificationTable,
    WebhookDeliveryTable,
    WebhookTable,
)
from vendorscore.exceptions import DomainError
from vendorscore.form_errors import form_add_service_error
from vendorscore.permissions import (
    ALL_ROLES,
    LEADS,
    RoleRequiredMixin,
)


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
            form_add_service_error(form, error)
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
