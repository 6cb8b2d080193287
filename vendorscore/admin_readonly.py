"""A model admin that shows and never writes, for apps whose every write goes through a service.

Scorecards and performance scorecards record a history row with each change and keep
published figures frozen; a write in the admin would bypass both, so the admin only reads.
"""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
