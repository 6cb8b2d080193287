"""Report pages (PDF downloads and report jobs in the browser) and the ``report.pdf`` API endpoints."""

from django.urls import path

from reports import api, views

urlpatterns = [
    path("batches/<int:pk>/report.pdf", views.BatchReportPageView.as_view(), name="batch_report"),
    path("vendors/<int:pk>/report.pdf", views.VendorReportPageView.as_view(), name="vendor_report"),
    path("reports/", views.ReportJobCreateView.as_view(), name="report_job_create"),
    path("reports/comparison.pdf", views.ComparisonReportPageView.as_view(), name="comparison_report"),
    path("reports/jobs/<uuid:pk>/", views.ReportJobView.as_view(), name="report_job"),
    path("reports/jobs/<uuid:pk>/status.json", views.ReportJobStatusView.as_view(), name="report_job_status"),
    path("reports/jobs/<uuid:pk>/download/", views.ReportJobDownloadView.as_view(), name="report_job_download"),
]

api_urlpatterns = [
    path("batches/<int:pk>/report.pdf", api.BatchReportView.as_view(), name="api_batch_report"),
    path("vendors/<int:pk>/report.pdf", api.VendorReportView.as_view(), name="api_vendor_report"),
    path("reports/comparison.pdf", api.ComparisonReportView.as_view(), name="api_comparison_report"),
]
