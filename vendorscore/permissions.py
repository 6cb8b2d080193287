"""Who may do what: the role table of DESIGN.md, enforced for pages and API alike.

Reads are scoped to a vendor in ``selectors.py`` (a vendor user sees only their vendor,
and an object outside it is answered 404); this module answers the other question,
whether the role may make the request at all (403 when not).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from vendorscore.constants import Role

ALL_ROLES = frozenset(Role.values)
BUYER_ROLES = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER})
LEADS = frozenset({Role.PROCUREMENT_LEAD})


def role_of(user) -> str | None:
    """The role a user acts in; superusers act as procurement leads."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.PROCUREMENT_LEAD
    return user.role


def has_role(user, roles) -> bool:
    return role_of(user) in roles


class RoleRequiredMixin(LoginRequiredMixin):
    """Page views: anonymous users go to the login page, other roles get 403."""

    allowed_roles = ALL_ROLES

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_role(request.user, self.allowed_roles):
            raise PermissionDenied("Your role may not open this page.")
        return super().dispatch(request, *args, **kwargs)


class RolePermission(BasePermission):
    """API views declare ``read_roles`` and ``write_roles``; writes default to leads only."""

    message = "Your role may not make this request."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            roles = getattr(view, "read_roles", ALL_ROLES)
        else:
            roles = getattr(view, "write_roles", LEADS)
        return has_role(request.user, roles)
