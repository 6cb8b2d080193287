"""Who may do what: the role table of DESIGN.md, enforced for pages, API and services alike.

Reads are scoped to a vendor in ``selectors.py`` (a vendor user sees only their vendor,
and an object outside it is answered 404); this module answers the other question,
whether the role may make the request at all (403 when not). Every role set and every
"may this user do X" lives here: views declare ``allowed_roles``, API views ``read_roles``
and ``write_roles``, services call the predicates as a second lock, and templates test
the flags of ``PagePermissions`` (``perms_ui.may_upload``), never a role's name.
"""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from vendorscore.constants import Role

ALL_ROLES = frozenset(Role.values)
BUYER_ROLES = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER})
LEADS = frozenset({Role.PROCUREMENT_LEAD})
VENDOR_USERS = frozenset({Role.VENDOR})
# Deliveries come from the vendor, or from the buyer's own people on its behalf; viewers only read.
UPLOADERS = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VENDOR})
# Gold sets and QA review verdicts are the buyer's own measurements: never uploaded by the vendor measured.
BUYER_UPLOADERS = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST})
# The two parties that answer each other: the vendor (a fix, a dispute, an appeal) and a procurement lead.
LEADS_AND_VENDORS = frozenset({Role.PROCUREMENT_LEAD, Role.VENDOR})


def role_of(user) -> str | None:
    """The role a user acts in; superusers act as procurement leads."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.PROCUREMENT_LEAD
    return user.role


def has_role(user, roles) -> bool:
    return role_of(user) in roles


def is_vendor_user(user) -> bool:
    """A vendor's user: pages speak to them ("you owe") and leave out the buyer's internals."""
    return has_role(user, VENDOR_USERS)


def sees_buyer_internals(user) -> bool:
    """Buyer roles see what the buyer keeps from vendors: gold, notes, scorecards, the workers' state."""
    return has_role(user, BUYER_ROLES)


def may_manage(user) -> bool:
    """Procurement leads add and edit vendors, contracts, terms, scorecards and certifications."""
    return has_role(user, LEADS)


def may_upload(user, contract=None) -> bool:
    """Whether ``user`` may deliver a batch, under ``contract`` when given (a vendor user only under its own)."""
    if not has_role(user, UPLOADERS):
        return False
    return contract is None or not is_vendor_user(user) or user.vendor_id == contract.vendor_id


def may_upload_gold(user) -> bool:
    """Gold sets and QA review verdicts: the buyer's measurements, uploaded by leads and analysts."""
    return has_role(user, BUYER_UPLOADERS)


def may_answer_breach(user, breach=None) -> bool:
    """Submit a remediation or dispute a breach: the vendor (only its own breaches) or a lead for them."""
    if not has_role(user, LEADS_AND_VENDORS):
        return False
    return breach is None or not is_vendor_user(user) or user.vendor_id == breach.batch.contract.vendor_id


def may_decide_dispute(user) -> bool:
    """Waive a breach or decide a dispute: a procurement lead's call, never the vendor's."""
    return has_role(user, LEADS)


@dataclass(frozen=True)
class PagePermissions:
    """What the signed-in user may do, as flags a template tests (``perms_ui``) instead of comparing role names."""

    is_vendor: bool  # pages speak to the vendor ("you owe") and link only where it may go
    is_buyer: bool  # buyer-only details: who published, the performance overview, dated buyer reports
    may_manage: bool
    may_upload: bool

    @classmethod
    def of(cls, user) -> "PagePermissions":
        return cls(
            is_vendor=is_vendor_user(user),
            is_buyer=sees_buyer_internals(user),
            may_manage=may_manage(user),
            may_upload=may_upload(user),
        )


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
