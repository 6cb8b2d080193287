"""Users with their role, and the vendor registry."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from vendorscore.constants import Role, VendorStatus, WorkforceModel
from vendorscore.validators import validate_single_line


class Vendor(models.Model):
    """An annotation vendor the buyer evaluates, contracts and polices."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    workforce_model = models.CharField(max_length=32, choices=WorkforceModel.choices)
    status = models.CharField(max_length=16, choices=VendorStatus.choices, default=VendorStatus.PROSPECT)
    country = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text="Where the vendor's delivery centres are.",
    )
    website = models.URLField(blank=True)
    contact_name = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    contact_email = models.EmailField(blank=True, help_text="Receives breach notices with the vendor's users.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), name="vendor_name_unique_ci", violation_error_message="A vendor with this name exists."
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("vendor_detail", args=[self.pk])


class User(AbstractUser):
    """A person who signs in; ``role`` decides what they may do, ``vendor`` what a vendor user may see."""

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.VIEWER)
    vendor = models.ForeignKey(
        Vendor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Required for vendor users: the only vendor whose data they see.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.VENDOR) | models.Q(vendor__isnull=False),
                name="vendor_user_has_vendor",
                violation_error_message="A vendor user must belong to a vendor.",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role != Role.VENDOR and self.vendor_id is not None:
            raise ValidationError({"vendor": "Only vendor users belong to a vendor."})

    @property
    def is_vendor_user(self) -> bool:
        return self.role == Role.VENDOR

    @property
    def is_lead(self) -> bool:
        return self.role == Role.PROCUREMENT_LEAD or self.is_superuser


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the periodic heartbeat task.

    Pages show it so a lead can tell at a glance whether batch checks and e-mails are
    being processed, rather than wondering why a batch sits in "received".
    """

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
