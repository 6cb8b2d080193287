"""Certifications and security evidence on file for a vendor; the automatic red flags follow from them."""

from collections.abc import Collection, Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from vendorscore.exceptions import DomainError
from vendorscore.scorecards.constants import ChangeKind
from vendorscore.scorecards.models import Certification, SecurityProfile
from vendorscore.scorecards.services.changes import change_record, value_shown

CERTIFICATION_FIELDS = (
    "kind",
    "audit_period_end",
    "last_audit_on",
    "expires_on",
    "certified_sites",
    "auditor",
    "evidence",
    "notes",
)
SECURITY_FIELDS = ("dpa_signed", "dpa_signed_on", "air_gap_option", "endpoint_controls", "subprocessors")


@transaction.atomic
def certification_create(*, vendor, user, kind: str, **fields) -> Certification:
    """Put a SOC 2 report or ISO 27001 certificate on file; the automatic red flags follow from it."""
    certification = Certification(vendor=vendor, kind=kind, **_known(fields, CERTIFICATION_FIELDS))
    certification.full_clean()
    certification.save()
    change_record(
        user=user,
        kind=ChangeKind.CERTIFICATION,
        subject=certification.get_kind_display(),
        new=_certification_summary(certification),
        vendor=vendor,
    )
    return certification


@transaction.atomic
def certification_update(*, certification: Certification, user, data: Mapping) -> Certification:
    """Change a certification's fields, one history row per field that changed."""
    data = _known(data, CERTIFICATION_FIELDS)
    if not isinstance(data.get("evidence"), UploadedFile):
        data.pop("evidence", None)  # no new file: keep the one on file
    changes = _assign(certification, data)
    certification.full_clean()
    certification.save()
    for field, old, new in changes:
        label = Certification._meta.get_field(field).verbose_name
        change_record(
            user=user,
            kind=ChangeKind.CERTIFICATION,
            subject=f"{certification.get_kind_display()} · {label}",
            old=old,
            new=new,
            vendor=certification.vendor,
        )
    return certification


def _certification_summary(certification: Certification) -> str:
    parts = [certification.get_kind_display()]
    if certification.audited_on:
        parts.append(f"audited {certification.audited_on.isoformat()}")
    if certification.expires_on:
        parts.append(f"expires {certification.expires_on.isoformat()}")
    return ", ".join(parts)


@transaction.atomic
def security_profile_update(*, vendor, user, data: Mapping) -> SecurityProfile:
    """Record the vendor's DPA, air-gap option, endpoint controls and subprocessors."""
    profile, _ = SecurityProfile.objects.get_or_create(vendor=vendor)
    changes = _assign(profile, _known(data, SECURITY_FIELDS))
    profile.full_clean()
    profile.save()
    for field, old, new in changes:
        label = SecurityProfile._meta.get_field(field).verbose_name
        change_record(
            user=user, kind=ChangeKind.SECURITY, subject=label[:1].upper() + label[1:], old=old, new=new, vendor=vendor
        )
    return profile


def _known(data: Mapping, allowed: Collection[str]) -> dict:
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    return dict(data)


def _assign(instance, data: Mapping) -> list[tuple[str, object, object]]:
    """Set fields and return ``(field, old, new)`` for those whose value changed."""
    changes = []
    for field, value in data.items():
        old = getattr(instance, field)
        if isinstance(value, str):
            value = value.strip()
        if value_shown(old) != value_shown(value) or isinstance(value, UploadedFile):
            setattr(instance, field, value)
            changes.append((field, old, getattr(instance, field)))
    return changes
