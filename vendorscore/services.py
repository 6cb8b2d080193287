"""Use cases of the vendors app: the only code that writes vendors and users."""

from django.db import transaction
from django.utils import timezone

from vendorscore.constants import Role
from vendorscore.exceptions import DomainError
from vendorscore.models import User, Vendor, WorkerHeartbeat

VENDOR_FIELDS = ("name", "workforce_model", "status", "country", "website", "contact_name", "contact_email", "notes")


def vendor_create(*, name: str, workforce_model: str, **fields) -> Vendor:
    """Register a vendor after validating every field and the case-insensitive unique name."""
    vendor = Vendor(name=name.strip(), workforce_model=workforce_model, **_known_fields(fields))
    vendor.full_clean()
    vendor.save()
    return vendor


@transaction.atomic
def vendor_update(*, vendor: Vendor, data: dict) -> Vendor:
    """Change a vendor's fields; unknown keys are refused rather than silently dropped."""
    for field, value in _known_fields(data).items():
        setattr(vendor, field, value.strip() if field == "name" else value)
    vendor.full_clean()
    vendor.save()
    return vendor


def _known_fields(data: dict) -> dict:
    unknown = set(data) - set(VENDOR_FIELDS)
    if unknown:
        raise DomainError(f"Unknown vendor field(s): {', '.join(sorted(unknown))}.")
    return dict(data)


def user_create(*, username: str, role: str, password: str, email: str = "", vendor: Vendor | None = None) -> User:
    """Create a user in a role; vendor users must name their vendor, others must not."""
    if role not in Role.values:
        raise DomainError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.", field="role")
    if role == Role.VENDOR and vendor is None:
        raise DomainError("A vendor user needs a vendor.", field="vendor")
    user = User(username=username, role=role, email=email, vendor=vendor)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Note that a worker is alive, so pages can say whether background work is running."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"seen_at": timezone.now()})
    return heartbeat
