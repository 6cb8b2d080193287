from django.apps import AppConfig


class SlaConfig(AppConfig):
    """Contracts, terms, task types, gold sets, batches, checks, breaches, notifications."""

    name = "sla"
    verbose_name = "SLA"
