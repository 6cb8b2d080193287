"""Names shared by the vendors app, its pages and its API: roles, workforce models, statuses."""

from django.db import models


class Role(models.TextChoices):
    """The four kinds of user of DESIGN.md; what each may do is in ``permissions.py``."""

    PROCUREMENT_LEAD = "procurement_lead", "Procurement lead"
    QA_ANALYST = "qa_analyst", "QA analyst"
    VIEWER = "viewer", "Viewer"
    VENDOR = "vendor", "Vendor user"


class WorkforceModel(models.TextChoices):
    IN_HOUSE = "in_house", "In-house workforce"
    MANAGED_PLUS_GIG = "managed_plus_gig", "Managed team plus gig workers"
    CROWDSOURCED = "crowdsourced", "Crowdsourced"


class VendorStatus(models.TextChoices):
    """Where a vendor stands in procurement, so the registry can be filtered by it."""

    PROSPECT = "prospect", "Prospect"
    PILOT = "pilot", "Pilot"
    ACTIVE = "active", "Active"
    OFFBOARDED = "offboarded", "Offboarded"
