"""Demo data for ``make demo``: vendors of each workforce model, one user per role.

Idempotent: vendors and users are looked up by name first, so running the demo twice
leaves one copy. Later capabilities add their own demo data through the same command.
"""

from dataclasses import dataclass

from vendorscore import services
from vendorscore.constants import Role, VendorStatus, WorkforceModel
from vendorscore.models import User, Vendor

DEMO_VENDORS = [
    {
        "name": "Northwind Annotation",
        "workforce_model": WorkforceModel.IN_HOUSE,
        "status": VendorStatus.ACTIVE,
        "country": "Portugal",
        "website": "https://northwind-annotation.example",
        "contact_name": "Inês Duarte",
        "contact_email": "delivery@northwind-annotation.example",
        "notes": "Permanent annotators with medical-domain training; strongest on complex tasks.",
    },
    {
        "name": "Meridian Data Services",
        "workforce_model": WorkforceModel.MANAGED_PLUS_GIG,
        "status": VendorStatus.ACTIVE,
        "country": "Philippines",
        "website": "https://meridian-data.example",
        "contact_name": "Paolo Reyes",
        "contact_email": "accounts@meridian-data.example",
        "notes": "Managed core team, gig workers for ramp-ups; pre-labeling pipeline on sentiment.",
    },
    {
        "name": "CrowdLabel Global",
        "workforce_model": WorkforceModel.CROWDSOURCED,
        "status": VendorStatus.PILOT,
        "country": "Kenya",
        "website": "https://crowdlabel.example",
        "contact_name": "Wanjiru Kamau",
        "contact_email": "pilot@crowdlabel.example",
        "notes": "Large crowd, fast turnaround; in a four-week pilot on simple classification.",
    },
    {
        "name": "Atlas Labeling Co.",
        "workforce_model": WorkforceModel.MANAGED_PLUS_GIG,
        "status": VendorStatus.PROSPECT,
        "country": "Poland",
        "website": "https://atlas-labeling.example",
        "contact_name": "Marta Nowak",
        "contact_email": "sales@atlas-labeling.example",
        "notes": "Responded to the RFP; no pilot yet.",
    },
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    vendor: str = ""


DEMO_LOGINS = [
    DemoLogin("lead", "lead-demo-pass", Role.PROCUREMENT_LEAD),
    DemoLogin("nadia", "nadia-demo-pass", Role.PROCUREMENT_LEAD),
    DemoLogin("analyst", "analyst-demo-pass", Role.QA_ANALYST),
    DemoLogin("viewer", "viewer-demo-pass", Role.VIEWER),
    DemoLogin("meridian", "vendor-demo-pass", Role.VENDOR, vendor="Meridian Data Services"),
]


def demo_vendors_ensure() -> list[Vendor]:
    vendors = []
    for fields in DEMO_VENDORS:
        vendor = Vendor.objects.filter(name=fields["name"]).first()
        vendors.append(vendor or services.vendor_create(**fields))
    return vendors


def demo_users_ensure() -> list[DemoLogin]:
    for login in DEMO_LOGINS:
        if User.objects.filter(username=login.username).exists():
            continue
        vendor = Vendor.objects.get(name=login.vendor) if login.vendor else None
        services.user_create(
            username=login.username,
            role=login.role,
            password=login.password,
            email=f"{login.username}@vendorscore.local",
            vendor=vendor,
        )
    return DEMO_LOGINS
