"""Number formats of the PDF reports: a missing value is a dash, never "None" or a made-up zero."""

from django import template

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
