"""Template context shared by every page: the navigation the user's role allows, and what the user may do."""

from django.urls import reverse

from vendorscore.constants import Role
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES, LEADS, PagePermissions, role_of

NAVIGATION = [
    ("Dashboard", "dashboard", ALL_ROLES),
    ("Vendors", "vendor_list", ALL_ROLES),
    ("Contracts", "contract_list", ALL_ROLES),
    ("Batches", "batch_list", ALL_ROLES),
    ("Breaches", "breach_list", ALL_ROLES),
    ("Credits", "credit_statement", ALL_ROLES),
    ("Gold sets", "gold_set_list", BUYER_ROLES),
    ("Scorecards", "evaluation_list", BUYER_ROLES),
    ("Performance", "performance_overview", BUYER_ROLES),
    ("Notifications", "notification_list", LEADS),
    ("Webhooks", "webhook_list", LEADS),
    ("API docs", "api_docs", ALL_ROLES),
]


def navigation(request) -> dict:
    role = role_of(getattr(request, "user", None))
    items = []
    for label, url_name, roles in NAVIGATION:
        if role not in roles:
            continue
        url = reverse(url_name)
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items, "user_role": role, "user_role_label": Role(role).label if role else ""}


def page_permissions(request) -> dict:
    """``perms_ui``: the flags templates test to show an action or a buyer-only detail (see ``permissions.py``)."""
    return {"perms_ui": PagePermissions.of(getattr(request, "user", None))}
