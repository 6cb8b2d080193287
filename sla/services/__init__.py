"""Use cases of the SLA app: the only code that writes contracts, batches and their rows."""

from sla.services.breaches import (
    breach_decide,
    breach_dispute,
    breach_remediation_submit,
    breach_waive,
    breaches_escalate_overdue,
    credits_rebalance,
    month_invoiced_value,
)
from sla.services.checking import batch_check, terms_in_force
from sla.services.contracts import contract_create, task_type_create, terms_correct, terms_create, terms_recheck
from sla.services.evaluation import batch_evaluate, batch_statistics
from sla.services.intake import (
    Receipt,
    batch_ingest,
    batch_receive,
    gold_set_ingest,
    gold_set_receive,
    qa_reviews_receive,
)
from sla.services.notifications import (
    NotificationNotSent,
    batch_probe_notify,
    breach_decided_notify,
    breach_disputed_notify,
    breach_escalated_notify,
    breach_opened_notify,
    breach_partially_remediated_notify,
    breach_remediated_notify,
    breach_waived_notify,
    escalation_reminders_enqueue,
    notification_preferences_update,
    notification_send,
    notifications_remind,
    weekly_digest_enqueue,
)
from sla.services.recovery import upload_retry, upload_wait_note, uploads_sweep
from sla.services.reviews import qa_review_record
from sla.services.sampling import qa_sample_decision, qa_sample_draw, qa_sample_verdicts

__all__ = [
    "NotificationNotSent",
    "Receipt",
    "batch_check",
    "batch_evaluate",
    "batch_probe_notify",
    "batch_ingest",
    "batch_receive",
    "batch_statistics",
    "breach_decide",
    "breach_decided_notify",
    "breach_dispute",
    "breach_disputed_notify",
    "breach_remediation_submit",
    "breach_escalated_notify",
    "breach_opened_notify",
    "breach_partially_remediated_notify",
    "breach_remediated_notify",
    "breach_waive",
    "breach_waived_notify",
    "breaches_escalate_overdue",
    "credits_rebalance",
    "escalation_reminders_enqueue",
    "month_invoiced_value",
    "contract_create",
    "gold_set_ingest",
    "gold_set_receive",
    "notification_preferences_update",
    "notification_send",
    "notifications_remind",
    "qa_review_record",
    "qa_reviews_receive",
    "qa_sample_decision",
    "qa_sample_draw",
    "qa_sample_verdicts",
    "task_type_create",
    "terms_in_force",
    "terms_correct",
    "terms_create",
    "terms_recheck",
    "upload_retry",
    "upload_wait_note",
    "uploads_sweep",
    "weekly_digest_enqueue",
]
