"""The e-mail ledger, notification preferences, webhooks and their deliveries."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Notification(models.Model):
    """The e-mail ledger: one row per event and recipient, so "sent exactly once" is a database fact.

    The row is created (``get_or_create`` on the unique pair) before anything is sent, and
    carries the rendered message, so a scheduler tick, a retried task or a second worker
    finds the row instead of sending again; a failed send stays here, visible, until it goes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, will retry"

    event_key = models.CharField(max_length=200, help_text="What happened, e.g. breach:12:overdue:2026-11-25.")
    kind = models.CharField(max_length=32)
    recipient = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    attachment = models.FileField(
        upload_to="notifications/%Y/%m/", blank=True, help_text="A file sent with the message, e.g. a report PDF."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"],
                name="one_notification_per_event_and_recipient",
                violation_error_message="This recipient already has this notification.",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_key} -> {self.recipient} ({self.status})"


class NotificationPreference(models.Model):
    """What a user chose to hear besides breach notices, which nobody may turn off."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    reminders = models.BooleanField(default=True, help_text="Deadline and certification-expiry reminders.")
    digest = models.BooleanField(default=True, help_text="The weekly digest (procurement leads).")

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"


class Webhook(models.Model):
    """A URL a procurement lead registered to hear about events (API.md v1.1): a ticket system, a chat channel.

    ``json`` webhooks get the signed ``{event, id, occurred_at, data}`` document; ``slack``
    ones get an incoming-webhook ``{"text": ...}`` message, signed the same way.
    """

    class Kind(models.TextChoices):
        JSON = "json", "JSON document (signed)"
        SLACK = "slack", "Slack-compatible text message"

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="The event names this URL receives.")
    secret = models.CharField(max_length=200, help_text="Key of the HMAC-SHA256 signature of each body.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.JSON)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Webhook {self.pk}: {self.url}"

    def get_absolute_url(self) -> str:
        return reverse("webhook_detail", args=[self.pk])


class WebhookDelivery(models.Model):
    """The webhook ledger: one row per event and webhook, with the exact body, so each event is POSTed once.

    Created (``get_or_create`` on the unique pair) before anything is sent, like an e-mail
    ``Notification``; the body is stored so a retry sends the same bytes and signature.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed, will retry"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32)
    event_key = models.CharField(max_length=200, help_text="The event's id, the same for every webhook.")
    body = models.TextField(help_text="The UTF-8 body exactly as sent and signed.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "webhook"],
                name="one_delivery_per_event_and_webhook",
                violation_error_message="This webhook already has this event.",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_key} -> webhook {self.webhook_id} ({self.status})"
