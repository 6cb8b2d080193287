"""REST API of the vendors app: serializers and viewsets (thin; services write)."""

import hashlib

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from vendorscore import selectors, services
from vendorscore.filters import VendorFilterSet
from vendorscore.models import Vendor
from vendorscore.permissions import ALL_ROLES, LEADS, sees_buyer_internals


class VendorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "workforce_model",
            "status",
            "country",
            "website",
            "contact_name",
            "contact_email",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        """The buyer's notes on the vendor are left out for vendor users."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not sees_buyer_internals(request.user):
            data.pop("notes", None)
        return data

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Enter the vendor's name.")
        return value.strip()


class VendorViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Vendors: every role reads (vendor users only their own), leads create and edit."""

    serializer_class = VendorSerializer
    filterset_class = VendorFilterSet
    search_fields = ["name", "country"]
    ordering_fields = ["name", "workforce_model", "status", "updated_at"]
    read_roles = ALL_ROLES
    write_roles = LEADS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.vendor_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.vendor_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.vendor_update(vendor=serializer.instance, data=serializer.validated_data)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenUsernameThrottle(SimpleRateThrottle):
    """Token requests per username, from any address: guessing one account's password from many
    addresses is slowed as much as from one. The username is hashed, never kept in the cache."""

    scope = "auth_token_username"

    def get_cache_key(self, request, view):
        username = str(request.data.get("username", "")).strip().lower()
        if not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": hashlib.sha256(username.encode()).hexdigest()}


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the API token (``Authorization: Token ...``).

    Throttled per address and per username (429 with ``Retry-After``); django-axes also locks
    a username at an address after repeated wrong passwords.
    """

    permission_classes = []
    throttle_classes = [ScopedRateThrottle, TokenUsernameThrottle]
    throttle_scope = "auth_token"

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
