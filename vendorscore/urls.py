"""URL map of the whole project: pages, session login, API v1, schema and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from reports.urls import api_urlpatterns as report_api_urls
from sla import api as sla_api
from sla import api_credits, api_webhooks
from vendorscore import api, views
from vendorscore.performance import api as performance_api
from vendorscore.scorecards import api as scorecard_api


class NumericIdRouter(DefaultRouter):
    """Every resource is addressed by its numeric id: ``/batches/abc/`` is a 404 of the URL map.

    Without it the text reaches the database as a primary key and fails there (a 500).
    A viewset may still declare its own ``lookup_value_regex``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = "[0-9]+"


router = NumericIdRouter()
router.register("vendors", api.VendorViewSet, basename="vendor")
router.register("task-types", sla_api.TaskTypeViewSet, basename="task-type")
router.register("contracts", sla_api.ContractViewSet, basename="contract")
router.register("gold-sets", sla_api.GoldSetViewSet, basename="gold-set")
router.register("batches", sla_api.BatchViewSet, basename="batch")
router.register("breaches", sla_api.BreachViewSet, basename="breach")
router.register("findings", sla_api.FindingViewSet, basename="finding")
router.register("webhooks", api_webhooks.WebhookViewSet, basename="webhook")
router.register("scorecard-templates", scorecard_api.ScorecardTemplateViewSet, basename="scorecard-template")
router.register("evaluations", scorecard_api.EvaluationViewSet, basename="evaluation")
router.register("certifications", scorecard_api.CertificationViewSet, basename="certification")
router.register("performance", performance_api.PerformanceViewSet, basename="performance")

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("vendors/", views.VendorListView.as_view(), name="vendor_list"),
    path("vendors/new/", views.VendorCreateView.as_view(), name="vendor_create"),
    path("vendors/<int:pk>/", views.VendorDetailView.as_view(), name="vendor_detail"),
    path("vendors/<int:pk>/edit/", views.VendorUpdateView.as_view(), name="vendor_update"),
    path("", include("sla.urls")),
    path("", include("vendorscore.scorecards.urls")),
    path("", include("reports.urls")),
    path("", include("vendorscore.performance.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", api.TokenView.as_view(), name="api_token"),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include(report_api_urls)),
    path("api/v1/credits/", api_credits.CreditStatementView.as_view(), name="api_credit_statement"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
