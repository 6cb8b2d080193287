from django.contrib import admin

from sla.models import Batch, Contract, ContractTerms, GoldSet, QAReviewSet, TaskType


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
