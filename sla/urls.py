"""Pages of the SLA app, and its API: resources the project joins under its API root, and the credit statement."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sla import api, views
from sla.api import credits as api_credits
from sla.api import webhooks as api_webhooks

urlpatterns = [
    path("contracts/", views.ContractListView.as_view(), name="contract_list"),
    path("contracts/new/", views.ContractCreateView.as_view(), name="contract_create"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("contracts/<int:pk>/terms/new/", views.TermsCreateView.as_view(), name="terms_create"),
    path("contracts/<int:pk>/terms/<int:terms_pk>/edit/", views.TermsCorrectView.as_view(), name="terms_correct"),
    path("task-types/", views.TaskTypeListView.as_view(), name="task_type_list"),
    path("task-types/<int:pk>/template.csv", views.DeliveryTemplateView.as_view(), name="delivery_template"),
    path("batches/", views.BatchListView.as_view(), name="batch_list"),
    path("batches/upload/", views.BatchUploadView.as_view(), name="batch_upload"),
    path("batches/<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("batches/<int:pk>/status.json", views.BatchStatusView.as_view(), name="batch_status"),
    path("batches/<int:pk>/recheck/", views.BatchRecheckView.as_view(), name="batch_recheck"),
    path("batches/<int:pk>/retry/", views.BatchRetryView.as_view(), name="batch_retry"),
    path("batches/<int:pk>/reviews/", views.ReviewUploadView.as_view(), name="batch_reviews_upload"),
    path("batches/<int:pk>/review/", views.ReviewSampleView.as_view(), name="batch_review_sample"),
    path("findings/", views.FindingListView.as_view(), name="finding_list"),
    path("breaches/", views.BreachListView.as_view(), name="breach_list"),
    path("credits/", views.CreditStatementView.as_view(), name="credit_statement"),
    path("breaches/<int:pk>/", views.BreachDetailView.as_view(), name="breach_detail"),
    path("breaches/<int:pk>/waive/", views.BreachWaiveView.as_view(), name="breach_waive"),
    path("breaches/<int:pk>/submit/", views.BreachSubmitView.as_view(), name="breach_submit"),
    path("breaches/<int:pk>/dispute/", views.BreachDisputeView.as_view(), name="breach_dispute"),
    path("breaches/<int:pk>/decide/", views.BreachDecideView.as_view(), name="breach_decide"),
    path("breaches/<int:pk>/dispute-file/", views.BreachDisputeFileView.as_view(), name="breach_dispute_file"),
    path("breaches/<int:pk>/missing-items.csv", views.BreachMissingItemsCsvView.as_view(), name="breach_missing_items"),
    path("batches/<int:pk>/lineage/", views.ItemLineageView.as_view(), name="item_lineage"),
    path(
        "batches/<int:pk>/items/<str:kind>.csv",
        views.BatchItemsCsvView.as_view(),
        name="batch_items_csv",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/preferences/", views.NotificationPreferencesView.as_view(), name="notification_preferences"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="webhook_detail"),
    path("webhooks/<int:pk>/delete/", views.WebhookDeleteView.as_view(), name="webhook_delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/",
        views.WebhookDeliveryResendView.as_view(),
        name="webhook_delivery_resend",
    ),
    path("gold-sets/", views.GoldSetListView.as_view(), name="gold_set_list"),
    path("gold-sets/upload/", views.GoldSetUploadView.as_view(), name="gold_set_upload"),
]

api_router = SimpleRouter()
api_router.register("task-types", api.TaskTypeViewSet, basename="task-type")
api_router.register("contracts", api.ContractViewSet, basename="contract")
api_router.register("gold-sets", api.GoldSetViewSet, basename="gold-set")
api_router.register("batches", api.BatchViewSet, basename="batch")
api_router.register("breaches", api.BreachViewSet, basename="breach")
api_router.register("findings", api.FindingViewSet, basename="finding")
api_router.register("webhooks", api_webhooks.WebhookViewSet, basename="webhook")

api_urlpatterns = [
    path("credits/", api_credits.CreditStatementView.as_view(), name="api_credit_statement"),
]
