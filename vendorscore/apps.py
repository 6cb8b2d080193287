from django.apps import AppConfig


class VendorscoreConfig(AppConfig):
    """The vendors app: vendors, users and roles (certifications and scorecards follow)."""

    name = "vendorscore"
    verbose_name = "Vendors"
