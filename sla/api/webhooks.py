"""``/api/v1/webhooks/`` (API.md v1.1): leads register, list and delete webhooks and read their deliveries."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sla import selectors, services, webhook_rules
from sla.models import Webhook, WebhookDelivery
from vendorscore.permissions import LEADS


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=webhook_rules.EVENTS), allow_empty=False)
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Key of the X-Vendorscore-Signature HMAC; generated (and returned once) when left out.",
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "secret", "kind", "active", "created_at"]
        read_only_fields = ["id", "active", "created_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    """The answer to a registration: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_key",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class WebhookViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Webhooks: procurement leads only. A URL the server may not call (private, loopback) is refused with 400."""

    serializer_class = WebhookSerializer
    read_roles = LEADS
    write_roles = LEADS
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.webhook_list()

    @extend_schema(request=WebhookSerializer, responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webhook = services.webhook_create(user=request.user, **serializer.validated_data)
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.webhook_delete(webhook=instance)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The webhook's deliveries, newest first, with the receiver's status code and the last error."""
        page = self.paginate_queryset(selectors.webhook_deliveries(webhook=self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=WebhookDeliverySerializer)
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_pk>\d+)/resend")
    def resend(self, request, pk=None, delivery_pk=None):
        """Send one delivery again (same body and event id), e.g. after the receiver was fixed."""
        delivery = selectors.webhook_delivery_get(webhook=self.get_object(), pk=delivery_pk)
        delivery = services.webhook_delivery_resend(delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
