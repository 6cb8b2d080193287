"""Read queries of the vendors app, with the vendor scoping applied once, here."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from vendorscore.constants import Role
from vendorscore.models import Vendor, WorkerHeartbeat
from vendorscore.permissions import role_of, sees_buyer_internals


def vendor_list(*, user) -> QuerySet[Vendor]:
    """Vendors the user may see: all of them, or a vendor user's own."""
    vendors = Vendor.objects.annotate(user_count=Count("users")).order_by("name")
    role = role_of(user)
    if role is None:
        return vendors.none()
    if role == Role.VENDOR:
        return vendors.filter(pk=user.vendor_id)
    return vendors


def vendor_get(*, user, pk) -> Vendor:
    """One vendor the user may see, or 404 so other vendors' existence is not revealed."""
    return get_object_or_404(vendor_list(user=user), pk=pk)


def worker_last_seen(*, user):
    """The newest heartbeat of any Celery worker, or None when none ever ran or the user may not see it."""
    if not sees_buyer_internals(user):
        return None
    return WorkerHeartbeat.objects.order_by("-seen_at").first()
