"""Template filters for SLA numbers: shares shown as percentages without false precision."""

from django import template

register = template.Library()


@register.filter
def percent(value, digits: int = 2) -> str:
    """0.005 -> "0.5%", 0.15 -> "15%": a share as a percentage, trailing zeros dropped."""
    if value is None or value == "":
        return "—"
    text = f"{float(value) * 100:.{int(digits)}f}".rstrip("0").rstrip(".")
    return f"{text}%"
