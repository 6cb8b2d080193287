"""Red flags the certifications on file raise by themselves, free of Django.

They are suggestions: the evaluation shows them beside the matching red flag and an
evaluator confirms them by ticking it, because the evidence may be out of date (a Type II
report that arrived by e-mail yesterday and is not uploaded yet).
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

SOC2_TYPE1 = "soc2_type1"
SOC2_TYPE2 = "soc2_type2"
ISO27001 = "iso27001"
SOC2_KINDS = frozenset({SOC2_TYPE1, SOC2_TYPE2})

SOC2_TYPE1_ONLY = "soc2_type1_only"
CERTIFICATION_STALE = "certification_stale"
NO_DPA = "no_dpa"
RULES = (SOC2_TYPE1_ONLY, CERTIFICATION_STALE, NO_DPA)

MAX_AGE_MONTHS = 12


@dataclass(frozen=True)
class CertificationFacts:
    """What the rules need to know of one certification.

    ``audited_on`` is the end of a SOC 2 audit period, or the date of an ISO 27001
    certificate's latest (surveillance) audit; ``expires_on`` applies to ISO 27001 only.
    """

    kind: str
    label: str
    audited_on: date | None
    expires_on: date | None = None


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, or that month's last day when it is shorter (29 Feb)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def automatic_red_flags(
    *, certifications: Iterable[CertificationFacts], dpa_signed: bool, today: date
) -> dict[str, list[str]]:
    """The rules that fire, each with the reasons a reader can check against the evidence."""
    certifications = list(certifications)
    raised = {
        SOC2_TYPE1_ONLY: _soc2_type1_only(certifications),
        CERTIFICATION_STALE: _stale(certifications, today),
        NO_DPA: [] if dpa_signed else ["No signed data processing agreement on file."],
    }
    return {rule: reasons for rule, reasons in raised.items() if reasons}


def _soc2_type1_only(certifications: list[CertificationFacts]) -> list[str]:
    kinds = {c.kind for c in certifications}
    if SOC2_TYPE2 in kinds:
        return []
    if SOC2_TYPE1 in kinds:
        return ["Only a SOC 2 Type I report is on file: controls were designed, not shown to operate."]
    return ["No SOC 2 report is on file."]


def _stale(certifications: list[CertificationFacts], today: date) -> list[str]:
    cutoff = months_before(today, MAX_AGE_MONTHS)
    reasons = []
    for cert in _latest_per_family(certifications):
        if cert.expires_on is not None and cert.expires_on < today:
            reasons.append(f"{cert.label} expired on {cert.expires_on.isoformat()}.")
        elif cert.audited_on is not None and cert.audited_on < cutoff:
            reasons.append(f"{cert.label} was last audited on {cert.audited_on.isoformat()}, over 12 months ago.")
    return reasons


def _latest_per_family(certifications: list[CertificationFacts]) -> list[CertificationFacts]:
    """Only the newest SOC 2 report and the newest ISO certificate count: a renewal supersedes the old one."""
    latest: dict[str, CertificationFacts] = {}
    for cert in certifications:
        family = "soc2" if cert.kind in SOC2_KINDS else cert.kind
        current = latest.get(family)
        if current is None or (cert.audited_on or date.min) > (current.audited_on or date.min):
            latest[family] = cert
    return list(latest.values())
