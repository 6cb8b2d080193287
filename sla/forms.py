"""Forms of the SLA app: uploads of batches, gold sets and QA reviews."""

from django import forms

from sla import selectors
from sla.models import Batch, TaskType
from vendorscore.constants import Role
from vendorscore.permissions import role_of


class BatchUploadForm(forms.Form):
    """A delivery: the contract and task type it is for, the file, and optional claims."""

    contract = forms.ModelChoiceField(queryset=None, empty_label="Choose a contract")
    task_type = forms.ModelChoiceField(queryset=TaskType.objects.all(), empty_label="Choose a task type")
    file = forms.FileField(
        help_text="CSV, TSV, JSON Lines, Parquet (or any of them gzipped), "
        "or a Label Studio, Prodigy or doccano export."
    )
    reference = forms.CharField(max_length=200, required=False, help_text="Your name for this delivery.")
    claimed_accuracy = forms.FloatField(
        required=False, min_value=0, max_value=1, help_text="The accuracy the vendor claims, as a share (0.97)."
    )
    remediates = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="—", help_text="The rejected batch this delivery corrects."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = selectors.contract_list(user=user)
        self.fields["remediates"].queryset = selectors.batch_list(user=user).filter(verdict="rejected")
        self.fields["remediates"].label_from_instance = _batch_label
        if role_of(user) == Role.VENDOR:
            self.fields["contract"].label_from_instance = lambda contract: contract.title


def _batch_label(batch: Batch) -> str:
    return f"#{batch.pk} {batch.reference or batch.original_name} ({batch.task_type.name})"


class GoldSetUploadForm(forms.Form):
    task_type = forms.ModelChoiceField(queryset=TaskType.objects.all(), empty_label="Choose a task type")
    file = forms.FileField(help_text="Columns item_id and label; CSV, JSON Lines or Parquet, optionally gzipped.")


class ReviewUploadForm(forms.Form):
    file = forms.FileField(help_text="Columns item_id, reviewer, verdict (ok or defect), defect_type, note.")
