from django.apps import AppConfig


class VendorscoreConfig(AppConfig):
    """The vendors app: vendors, users and roles, beside the project's configuration."""

    name = "vendorscore"
    verbose_name = "Vendors"
