"""Performance scorecards in the admin, read-only: templates, period scorecards, overrides.

Writes go through ``performance.services`` (published scorecards stay what the vendor was shown).
"""

from django.contrib import admin

from vendorscore.admin_readonly import ReadOnlyModelAdmin
from vendorscore.performance.models import PerformanceTemplate, PeriodScorecard, StandingOverride


@admin.register(PerformanceTemplate)
class PerformanceTemplateAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "is_default", "standing_periods", "banner", "warn_new_contracts", "updated_at")
    search_fields = ("name",)


@admin.register(PeriodScorecard)
class PeriodScorecardAdmin(ReadOnlyModelAdmin):
    list_display = ("vendor", "period", "status", "score", "band", "standing_score", "published_at")
    list_filter = ("status", "band")
    search_fields = ("vendor__name", "period")


@admin.register(StandingOverride)
class StandingOverrideAdmin(ReadOnlyModelAdmin):
    list_display = ("at", "vendor", "subject", "user", "reason")
    search_fields = ("vendor__name", "reason")
