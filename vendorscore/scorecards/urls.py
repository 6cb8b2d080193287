"""Scorecard pages, and the API resources the project joins under its API root (``vendorscore/urls.py``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from vendorscore.scorecards import api, views

urlpatterns = [
    path("scorecards/", views.EvaluationListView.as_view(), name="evaluation_list"),
    path("scorecards/new/", views.EvaluationCreateView.as_view(), name="evaluation_create"),
    path("scorecards/compare/", views.ComparisonView.as_view(), name="scorecard_compare"),
    path("scorecards/<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path("scorecards/<int:pk>/score/<int:step>/", views.EvaluationScoreView.as_view(), name="evaluation_score"),
    path("scorecards/<int:pk>/weights/", views.EvaluationWeightsView.as_view(), name="evaluation_weights"),
    path(
        "scorecards/<int:pk>/submit/",
        views.EvaluationTransitionView.as_view(),
        {"action": "submit"},
        name="evaluation_submit",
    ),
    path(
        "scorecards/<int:pk>/finalize/",
        views.EvaluationTransitionView.as_view(),
        {"action": "finalize"},
        name="evaluation_finalize",
    ),
    path("scorecards/evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path("scorecards/templates/", views.TemplateListView.as_view(), name="scorecard_template_list"),
    path("scorecards/templates/<int:pk>/", views.TemplateDetailView.as_view(), name="scorecard_template_detail"),
    path("scorecards/templates/<int:pk>/copy/", views.TemplateCopyView.as_view(), name="scorecard_template_copy"),
    path("scorecards/templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="scorecard_template_edit"),
    path("vendors/<int:pk>/security/", views.VendorSecurityView.as_view(), name="vendor_security"),
    path("vendors/<int:pk>/security/edit/", views.SecurityProfileFormView.as_view(), name="security_profile_edit"),
    path("vendors/<int:pk>/certifications/new/", views.CertificationFormView.as_view(), name="certification_create"),
    path(
        "vendors/<int:pk>/certifications/<int:cert>/edit/",
        views.CertificationFormView.as_view(),
        name="certification_update",
    ),
    path("certifications/<int:pk>/evidence/", views.CertificationEvidenceView.as_view(), name="certification_evidence"),
]

api_router = SimpleRouter()
api_router.register("scorecard-templates", api.ScorecardTemplateViewSet, basename="scorecard-template")
api_router.register("evaluations", api.EvaluationViewSet, basename="evaluation")
api_router.register("certifications", api.CertificationViewSet, basename="certification")
