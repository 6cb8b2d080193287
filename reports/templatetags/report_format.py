"""Number formats of the PDF reports: a missing value is a dash, never "None" or a made-up zero."""

from django import template

from sla import formatting

register = template.Library()


@register.filter
def num(value, digits: int = 3) -> str:
    """A measure to ``digits`` decimals, or an em dash when it could not be computed."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}f}"


@register.filter
def interval(measure: dict | None, digits: int = 3) -> str:
    """A measure's 95% interval as "low – high", or a dash."""
    if not measure or measure.get("low") is None:
        return "—"
    return f"{measure['low']:.{int(digits)}f} – {measure['high']:.{int(digits)}f}"


@register.filter
def get_item(mapping: dict, key):
    """``mapping[key]`` for keys that are not identifiers (chart images by section)."""
    return (mapping or {}).get(key)


@register.filter
def share(value) -> str:
    """A share as the pages show it (sla/formatting.py): 0.9627 -> "96.27%"."""
    return formatting.percent(value, 2)


@register.filter
def share_interval(measure: dict | None) -> str:
    """A share's 95% interval in percent, or a dash."""
    if not measure or measure.get("low") is None:
        return formatting.DASH
    return formatting.interval(measure["low"], measure["high"], formatting.SHARE)


@register.filter
def share_points(amount) -> str:
    """A difference of two shares in signed percentage points: 0.031 -> "+3.1 pts"."""
    if amount is None or amount == "":
        return formatting.DASH
    return f"{float(amount) * 100:+.1f} pts"


@register.filter
def in_unit(value, unit) -> str:
    """A value in the unit its row says (``share`` or ``coefficient``)."""
    return formatting.value(value, unit or formatting.COEFFICIENT)


@register.filter
def interval_in_unit(measure: dict | None, unit) -> str:
    """A 95% interval in the unit its row says, or a dash."""
    if not measure or measure.get("low") is None:
        return formatting.DASH
    return formatting.interval(measure["low"], measure["high"], unit or formatting.COEFFICIENT)
