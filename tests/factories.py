"""factory_boy factories for the test suite."""

import factory

from vendorscore.constants import Role, VendorStatus, WorkforceModel
from vendorscore.models import User, Vendor

TEST_PASSWORD = "correct-horse-battery"


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n:03d}")
    workforce_model = WorkforceModel.MANAGED_PLUS_GIG
    status = VendorStatus.ACTIVE
    country = "Portugal"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.VIEWER
    password = factory.django.Password(TEST_PASSWORD)
