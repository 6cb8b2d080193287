"""Performance pages, and the API resource the project joins under its API root (``vendorscore/urls.py``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from vendorscore.performance import api, views

urlpatterns = [
    path("performance/", views.OverviewView.as_view(), name="performance_overview"),
    path("performance/compute/", views.ComputeView.as_view(), name="performance_compute"),
    path("performance/vendors/<int:pk>/", views.VendorHistoryView.as_view(), name="performance_vendor"),
    path("performance/vendors/<int:pk>/template/", views.AssignView.as_view(), name="performance_assign"),
    path("performance/scorecards/<int:pk>/", views.ScorecardView.as_view(), name="performance_scorecard"),
    path("performance/scorecards/<int:pk>/publish/", views.PublishView.as_view(), name="performance_publish"),
    path("performance/scorecards/<int:pk>/respond/", views.RespondView.as_view(), name="performance_respond"),
    path("performance/templates/", views.TemplateListView.as_view(), name="performance_template_list"),
    path("performance/templates/<int:pk>/", views.TemplateDetailView.as_view(), name="performance_template_detail"),
    path("performance/templates/<int:pk>/copy/", views.TemplateCopyView.as_view(), name="performance_template_copy"),
    path("performance/templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="performance_template_edit"),
]

api_router = SimpleRouter()
api_router.register("performance", api.PerformanceViewSet, basename="performance")
