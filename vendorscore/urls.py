"""URL map of the whole project: the vendors app's pages, each app's pages and API, login, schema and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from reports.urls import api_urlpatterns as report_api_urls
from sla.urls import api_router as sla_api_router
from sla.urls import api_urlpatterns as sla_api_urls
from vendorscore import api, views
from vendorscore.performance.urls import api_router as performance_api_router
from vendorscore.routers import api_router_join
from vendorscore.scorecards.urls import api_router as scorecard_api_router

vendor_api_router = SimpleRouter()
vendor_api_router.register("vendors", api.VendorViewSet, basename="vendor")

router = api_router_join(vendor_api_router, sla_api_router, scorecard_api_router, performance_api_router)

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
    path("api/v1/", include(sla_api_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
