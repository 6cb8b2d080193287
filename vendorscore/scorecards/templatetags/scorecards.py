"""``{% vendor_scorecard_panel vendor %}``: a vendor's evaluations and security evidence, for buyers only.

A tag rather than view context, so the vendor page (owned by the registry) shows the
panel with one line, and renders nothing at all for a vendor user, who must never see
internal scorecards.
"""

from django import template
from django.template.loader import render_to_string

from vendorscore.permissions import sees_buyer_internals
from vendorscore.scorecards import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def vendor_scorecard_panel(context, vendor) -> str:
    request = context["request"]
    if not sees_buyer_internals(request.user):
        return ""
    panel = {
        "vendor": vendor,
        "summaries": selectors.vendor_evaluations(user=request.user, vendor=vendor),
        "security": selectors.vendor_security(vendor=vendor),
    }
    return render_to_string("scorecards/includes/vendor_panel.html", panel, request=request)
