from django.contrib import admin

from sla.models import (
    Batch,
    Breach,
    BreachEvent,
    Contract,
    ContractTerms,
    GoldSet,
    InspectionState,
    Notification,
    NotificationPreference,
    QAReviewSet,
    TaskType,
)


@admin.register(TaskType)
class TaskTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "scale", "complexity")


class TermsInline(admin.StackedInline):
    model = ContractTerms
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("title", "vendor", "start_date", "end_date", "unit_price", "currency")
    list_filter = ("vendor",)
    inlines = [TermsInline]


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("id", "contract", "task_type", "status", "verdict", "rows", "delivered_at")
    list_filter = ("status", "verdict", "task_type")
    readonly_fields = ("sha256", "size", "file", "errors", "metrics")


@admin.register(GoldSet)
class GoldSetAdmin(admin.ModelAdmin):
    list_display = ("task_type", "version", "status", "items", "uploaded_at")


@admin.register(QAReviewSet)
class QAReviewSetAdmin(admin.ModelAdmin):
    list_display = ("batch", "original_name", "status", "rows", "uploaded_at")


class BreachEventInline(admin.TabularInline):
    """Read-only: a breach moves through its services, so the history stays complete."""

    model = BreachEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "at", "note")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "term", "status", "severity", "remediation_due", "service_credit")
    list_filter = ("status", "severity", "term")
    readonly_fields = [field.name for field in Breach._meta.fields]
    inlines = [BreachEventInline]


@admin.register(InspectionState)
class InspectionStateAdmin(admin.ModelAdmin):
    """A lead may set the inspection severity by hand, as the standard's responsible authority."""

    list_display = ("contract", "task_type", "inspection", "switching_score", "updated_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The ledger is read in the admin; rows are written by the services only."""

    list_display = ("created_at", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject", "event_key")
    readonly_fields = [field.name for field in Notification._meta.fields]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "reminders", "digest")
