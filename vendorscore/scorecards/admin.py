"""Scorecards in the admin, read-only: templates, evaluations, certifications, security evidence, history.

Writes go through ``scorecards.services`` (history rows, frozen copies), never through the admin.
"""

from django.contrib import admin

from vendorscore.admin_readonly import ReadOnlyModelAdmin
from vendorscore.scorecards.models import Certification, Evaluation, ScorecardChange, ScorecardTemplate, SecurityProfile


@admin.register(ScorecardTemplate)
class ScorecardTemplateAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "is_default", "based_on", "updated_at")
    search_fields = ("name",)


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyModelAdmin):
    list_display = ("vendor", "program", "template_name", "status", "created_at", "finalized_at")
    list_filter = ("status",)
    search_fields = ("vendor__name", "program")


@admin.register(Certification)
class CertificationAdmin(ReadOnlyModelAdmin):
    list_display = ("vendor", "kind", "audit_period_end", "last_audit_on", "expires_on")
    list_filter = ("kind",)


@admin.register(SecurityProfile)
class SecurityProfileAdmin(ReadOnlyModelAdmin):
    list_display = ("vendor", "dpa_signed", "dpa_signed_on", "air_gap_option", "updated_at")


@admin.register(ScorecardChange)
class ScorecardChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("changed_at", "changed_by", "kind", "subject", "old_value", "new_value")
    list_filter = ("kind",)
    search_fields = ("subject",)
