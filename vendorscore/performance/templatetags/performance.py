"""Performance scorecards on other apps' pages, each with one line in their template.

``{% performance_banner vendor %}``: the vendor's standing on its page (buyers: the newest
closed month; vendor users: the newest published one), when its template wants a banner.
``{% performance_evidence vendor dimension %}``: the measured KPIs beside the evaluator's
Quality SLA scores. ``{% standing_confirm %}``: the material-risk warning and the reason
field on the contract and terms forms.
"""

from django import template
from django.template.loader import render_to_string

from vendorscore.performance import selectors, services
from vendorscore.performance.constants import QUALITY_DIMENSION
from vendorscore.permissions import BUYER_ROLES, has_role

register = template.Library()


@register.simple_tag(takes_context=True)
def performance_banner(context, vendor) -> str:
    request = context["request"]
    latest = selectors.latest_scorecard(user=request.user, vendor=vendor)
    if latest is None:
        return ""
    template_ = latest.template or services.template_for(vendor)
    if not template_.banner:
        return ""
    return render_to_string("performance/includes/banner.html", {"scorecard": latest}, request=request)


@register.simple_tag(takes_context=True)
def performance_evidence(context, vendor, dimension_name) -> str:
    request = context["request"]
    if dimension_name != QUALITY_DIMENSION or not has_role(request.user, BUYER_ROLES):
        return ""
    evidence = selectors.quality_evidence(user=request.user, vendor=vendor)
    return render_to_string(
        "performance/includes/evidence.html", {"evidence": evidence, "vendor": vendor}, request=request
    )


@register.simple_tag(takes_context=True)
def standing_confirm(context, vendor=None) -> str:
    """The warning block; shown for a gated vendor (``vendor``, or the form's chosen one), toggled by script."""
    request = context["request"]
    gates = selectors.gated_vendors()
    if vendor is None and "form" in context and "vendor" in context["form"].fields:
        chosen = context["form"]["vendor"].value()
        vendor_id = int(chosen) if str(chosen or "").isdigit() else None
    else:
        vendor_id = vendor.pk if vendor is not None else None
    messages = {
        str(pk): f"{gate.vendor.name} stands in material delivery risk: standing {gate.standing_score} / 100 "
        f"over the months to {gate.period}."
        for pk, gate in gates.items()
    }
    return render_to_string(
        "performance/includes/standing_confirm.html",
        {
            "messages": messages,
            "shown": messages.get(str(vendor_id), ""),
            "reason": request.POST.get("standing_override_reason", "") if request.method == "POST" else "",
            "fixed": vendor is not None,
        },
        request=request,
    )
