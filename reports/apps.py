from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Charts (plotly), PDF rendering (WeasyPrint) and report views."""

    name = "reports"
    verbose_name = "Reports"
