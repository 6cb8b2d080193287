from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    """Performance scorecards: each vendor's standing per month and quarter, from its delivery record.

    Its tables keep the ``vendorscore_`` names they had when the models lived in the vendors app.
    """

    name = "vendorscore.performance"
    label = "performance"
    verbose_name = "Performance scorecards"
