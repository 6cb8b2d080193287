from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from vendorscore.models import User, Vendor, WorkerHeartbeat


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ("name", "workforce_model", "status", "country", "updated_at")
    list_filter = ("workforce_model", "status")
    search_fields = ("name", "country")


@admin.register(User)
class VendorscoreUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "vendor", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Role", {"fields": ("role", "vendor")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Role", {"fields": ("role", "vendor")}))


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("hostname", "seen_at")
