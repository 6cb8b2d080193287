"""The one time rule in templates: every date-time a person reads, in the contract's zone with its abbreviation.

``{{ breach.remediation_due|local_time:contract.time_zone }}`` gives "2026-09-08 23:59 WEST",
the same string the e-mails and the PDFs print, because all three call ``sla.timefmt``.
"""

from django import template

from sla import timefmt

register = template.Library()


@register.filter
def local_time(moment, zone_name: str = "UTC") -> str:
    return timefmt.local_datetime(moment, zone_name or "UTC")


@register.filter
def local_day(moment, zone_name: str = "UTC") -> str:
    return timefmt.local_date(moment, zone_name or "UTC")
