"""Template filters for SLA numbers: every one a thin call into ``sla.formatting``, the one place formats live."""

from django import template

from sla import formatting

register = template.Library()


@register.filter
def percent(value, digits: int = 2) -> str:
    """0.005 -> "0.5%", 0.15 -> "15%": a share as a percentage, trailing zeros dropped."""
    return formatting.percent(value, digits)


@register.filter
def measure_name(key) -> str:
    """``fleiss_kappa`` -> "Fleiss' kappa"."""
    return formatting.measure_name(key)


@register.filter
def verdict_name(verdict) -> str:
    """``below_target`` -> "below target"."""
    return formatting.verdict_name(verdict)


def _field(finding, name):
    return finding.get(name) if isinstance(finding, dict) else getattr(finding, name, None)


@register.filter
def finding_title(finding) -> str:
    """The finding's term with its queue or measure in words."""
    return formatting.finding_title(_field(finding, "term"), _field(finding, "extra"))


@register.filter
def finding_measured(finding) -> str:
    """The measured value in the finding's unit (a percentage, a coefficient, items a day, hours)."""
    term, extra = _field(finding, "term"), _field(finding, "extra")
    return formatting.value(_field(finding, "measured"), formatting.finding_unit(term, extra), term=term)


@register.filter
def finding_threshold(finding) -> str:
    """The threshold in the finding's unit; a range for overlap, fail line and target for IAA."""
    term = _field(finding, "term")
    return formatting.finding_threshold(term, _field(finding, "threshold"), _field(finding, "extra"))


@register.filter
def finding_interval(finding) -> str:
    """The 95% interval in the finding's unit, or a dash."""
    term, extra = _field(finding, "term"), _field(finding, "extra")
    unit = formatting.finding_unit(term, extra)
    return formatting.interval(_field(finding, "ci_low"), _field(finding, "ci_high"), unit, term=term)


def _unit(unit) -> str:
    return unit or formatting.COEFFICIENT


@register.filter
def measure_value(measure, unit=None) -> str:
    """A measure ``{value, ci95, n}`` of the metrics document in its unit (``share`` or a coefficient)."""
    return formatting.value((measure or {}).get("value"), _unit(unit))


@register.filter
def measure_interval(measure, unit=None) -> str:
    """The measure's 95% interval in its unit, or a dash."""
    ci95 = (measure or {}).get("ci95") or (None, None)
    return formatting.interval(ci95[0], ci95[1], _unit(unit))


@register.filter
def points(amount) -> str:
    """A difference of two shares in percentage points, signed: 0.031 -> "+3.1"."""
    if amount is None or amount == "":
        return formatting.DASH
    return f"{float(amount) * 100:+.1f}"
