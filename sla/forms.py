"""Forms of the SLA app: uploads of batches, gold sets and QA reviews."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from sla import selectors, webhook_rules
from sla.calendar import parse_holidays
from sla.constants import DisputeDecision, DuplicatePolicy
from sla.ingest import upload_too_large
from sla.models import Batch, Contract, ContractTerms, TaskType, Webhook
from sla.services.contracts import TERMS_FIELDS
from vendorscore.permissions import is_vendor_user


def within_upload_limit(upload) -> None:
    """The size limit on the form, for a file just under the web server's 413 allowance."""
    if problem := upload_too_large(upload.size, settings.MAX_UPLOAD_BYTES):
        raise ValidationError(problem)


class ContractTaggedSelect(forms.Select):
    """A select whose options carry their batch's contract, so the page offers only the chosen contract's."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-contract"] = str(instance.contract_id)
        return option


class BatchUploadForm(forms.Form):
    """A delivery: the contract and task type it is for, the file, and optional claims."""

    contract = forms.ModelChoiceField(queryset=None, empty_label="Choose a contract")
    task_type = forms.ModelChoiceField(queryset=TaskType.objects.all(), empty_label="Choose a task type")
    file = forms.FileField(
        help_text="CSV, TSV, JSON Lines, Parquet (or any of them gzipped), "
        "or a Label Studio, Prodigy or doccano export.",
        validators=[within_upload_limit],
    )
    reference = forms.CharField(max_length=200, required=False, help_text="Your name for this delivery.")
    claimed_accuracy = forms.FloatField(
        required=False, min_value=0, max_value=1, help_text="The accuracy the vendor claims, as a share (0.97)."
    )
    due_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="When this delivery was due; a later delivery fails the timeliness term.",
    )
    remediates = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="—",
        widget=ContractTaggedSelect,
        help_text="The rejected batch this delivery corrects: batches of the chosen contract with a breach still open.",
    )
    annotator = forms.CharField(
        max_length=200,
        required=False,
        help_text="For an export that names no annotator: doccano's per-user export (default: the file name "
        "without extension), Prodigy without _annotator_id/_session_id, Label Studio without completed_by.",
    )
    duplicates = forms.ChoiceField(
        choices=DuplicatePolicy.choices,
        initial=DuplicatePolicy.REJECT,
        label="If an annotator answered an item twice",
        help_text="Latest keeps the answer with the latest time (Prodigy's _timestamp, Label Studio's created_at), "
        "the last in the file among equals.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        contracts = selectors.contract_list(user=user)
        self.fields["contract"].queryset = contracts
        if len(contracts) == 1:
            self.fields["contract"].initial = contracts[0].pk
        self.fields["file"].widget.attrs["data-max-bytes"] = settings.MAX_UPLOAD_BYTES  # checked by upload.js
        self.fields["remediates"].queryset = selectors.remediable_batches(user=user)
        self.fields["remediates"].label_from_instance = _batch_label
        if is_vendor_user(user):
            self.fields["contract"].label_from_instance = lambda contract: contract.title

    def clean(self):
        data = super().clean()
        contract, remediates = data.get("contract"), data.get("remediates")
        if contract is not None and remediates is not None and remediates.contract_id != contract.pk:
            self.add_error("remediates", f"Batch #{remediates.pk} is not under the contract chosen above.")
        return data


def _batch_label(batch: Batch) -> str:
    return f"#{batch.pk} {batch.reference or batch.original_name} ({batch.task_type.name})"


class GoldSetUploadForm(forms.Form):
    task_type = forms.ModelChoiceField(queryset=TaskType.objects.all(), empty_label="Choose a task type")
    file = forms.FileField(
        help_text="Columns item_id and label; CSV, JSON Lines or Parquet, optionally gzipped.",
        validators=[within_upload_limit],
    )


class ReviewUploadForm(forms.Form):
    file = forms.FileField(
        help_text="Columns item_id, reviewer, verdict (ok or defect), defect_type, note.",
        validators=[within_upload_limit],
    )


class TaskTypeForm(forms.ModelForm):
    """A task type; labels are typed one per line, in order (the order matters for ordinal scales)."""

    labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), help_text="One label per line, in scale order for ordinal task types."
    )

    class Meta:
        model = TaskType
        fields = ["name", "scale", "labels", "complexity", "description"]

    def clean_labels(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["labels"].splitlines() if line.strip()]


class ContractForm(forms.ModelForm):
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Days off besides weekends, for remediation deadlines: YYYY-MM-DD, one per line or comma-separated.",
    )

    class Meta:
        model = Contract
        fields = [
            "vendor",
            "title",
            "start_date",
            "end_date",
            "pricing_model",
            "unit_price",
            "currency",
            "time_zone",
            "holidays",
            "service_credit_cap_percent",
            "reprice_remediated",
            "remediation_coverage_required",
            "owner",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {
            "unit_price": "Unit price (per item, in the contract's currency)",
            "currency": "Currency (ISO code)",
            "time_zone": "Time zone (deadlines and dates)",
            "service_credit_cap_percent": "Service credit cap (% of the month's invoiced value)",
            "reprice_remediated": "Remediated batches keep their service credits",
            "owner": "Owner (procurement lead)",
        }
        help_texts = {
            "time_zone": "An IANA name such as Europe/Lisbon: remediation deadlines end at 23:59 there.",
            "service_credit_cap_percent": "15 means credits in a calendar month never exceed 15% of that month's "
            "invoiced value.",
        }

    def clean_time_zone(self) -> str:
        from zoneinfo import available_timezones

        zone = self.cleaned_data["time_zone"].strip()
        if zone not in available_timezones():
            raise forms.ValidationError(f"“{zone}” is not a time zone name; use one like Europe/Lisbon or UTC.")
        return zone

    def clean_holidays(self) -> list[str]:
        text = self.cleaned_data["holidays"]
        values = text if isinstance(text, list) else text.replace(",", "\n").split()
        try:
            return [day.isoformat() for day in parse_holidays(values)]
        except ValueError:
            raise forms.ValidationError("Write each holiday as a date in the form YYYY-MM-DD.") from None


# Validator messages are %-formatted with their parameters, hence "%%".
SHARE_HELP = "A share between 0 and 1: 0.95 means 95%%."


# What a lead reads on the terms form: the measure and its unit in the label, an example in the help.
TERMS_LABELS = {
    "effective_from": "Effective from",
    "accuracy_floor": "Accuracy floor (share, 0–1)",
    "accuracy_metric": "Accuracy measured as",
    "accuracy_scope": "Accuracy checked on",
    "gold_sample_rate": "Gold sample rate (share, 0–1)",
    "iaa_coefficient": "IAA coefficient",
    "iaa_min": "Minimum IAA (target)",
    "iaa_fail_below": "IAA fail line (batch rejected below)",
    "overlap_min": "Consensus overlap, minimum (share, 0–1)",
    "overlap_max": "Consensus overlap, maximum (share, 0–1)",
    "defect_rate_max": "Defect-rate ceiling (share, 0–1)",
    "aql": "AQL (% defective)",
    "remediation_business_days": "Remediation deadline (business days)",
    "escalation_hours": "Escalation resolution time (hours)",
    "throughput_per_day": "Throughput commitment (items per day)",
    "service_credit_percent": "Service credit per failed term (% of batch value)",
    "decision_rule": "Decision rule",
    "inspection_level": "QA inspection level",
    "sample_draw": "QA sample drawn",
}
TERMS_HELP = {
    "accuracy_floor": "0.95 means 95% of gold items labeled correctly. Leave empty for no accuracy term.",
    "gold_sample_rate": "Share of each batch's items that carry gold labels: 0.05 means 5%.",
    "iaa_coefficient": "The agreement coefficient the IAA terms are measured with.",
    "iaa_min": "The agreement the vendor commits to, e.g. 0.80. Between the fail line and this, a batch is "
    "accepted but marked below target.",
    "iaa_fail_below": "A batch whose agreement is below this is rejected, e.g. 0.78; the same as the target "
    "when there is no margin.",
    "overlap_min": "Share of items labeled by two or more annotators: 0.05 means 5%.",
    "overlap_max": "0.15 means at most 15% of items labeled twice or more.",
    "defect_rate_max": "Defective share of the QA-reviewed items that fails a batch: 0.01 means 1%.",
    "aql": "Acceptance quality limit of the ISO 2859-1 sampling plan, in percent: 1 means 1% defective. "
    "It sets the QA review sample size and the accept number.",
    "remediation_business_days": "Days the vendor has to deliver a corrected batch, weekends and holidays excluded.",
    "escalation_hours": "Hours within which an escalated item must be resolved.",
    "service_credit_percent": "5 means 5% of the batch value (distinct items × unit price) per failed term.",
    "decision_rule": "Point: compare the estimate with the threshold. Confidence: fail only when the whole 95% "
    "interval is on the wrong side.",
}


# Sampling settings added after the first terms forms: a form that leaves them out gets the defaults.
DEFAULTED_SAMPLING_FIELDS = ("inspection_level", "sample_draw")


class TermsForm(forms.ModelForm):
    """One version of a contract's terms for a task type, with errors that say what is wrong.

    The terms' own rules (labels of the task type, thresholds that agree) are the model's
    (``ContractTerms.clean``), which a model form runs: each problem shows beside its field.
    """

    safety_critical_labels = forms.CharField(
        required=False,
        label="Safety-critical labels",
        help_text="Labels that must never go through the pre-labeled queue, comma-separated.",
    )

    class Meta:
        model = ContractTerms
        fields = TERMS_FIELDS
        labels = TERMS_LABELS
        help_texts = TERMS_HELP
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}
        error_messages = {
            name: {"max_value": f"{SHARE_HELP} Enter at most 1.", "min_value": f"{SHARE_HELP} Enter at least 0."}
            for name in ("accuracy_floor", "gold_sample_rate", "overlap_min", "overlap_max", "defect_rate_max")
        }

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.contract = contract
        if isinstance(self.initial.get("safety_critical_labels"), list):
            self.initial["safety_critical_labels"] = ", ".join(self.initial["safety_critical_labels"])
        for name in DEFAULTED_SAMPLING_FIELDS:
            self.fields[name].required = False

    def clean_inspection_level(self) -> str:
        return self.cleaned_data["inspection_level"] or ContractTerms._meta.get_field("inspection_level").default

    def clean_sample_draw(self) -> str:
        return self.cleaned_data["sample_draw"] or ContractTerms._meta.get_field("sample_draw").default

    def clean_safety_critical_labels(self) -> list[str]:
        return [label.strip() for label in self.cleaned_data["safety_critical_labels"].split(",") if label.strip()]


class BreachWaiveForm(forms.Form):
    waiver_reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept in the breach's history for auditors."
    )


class BreachSubmitForm(forms.Form):
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="What is being fixed, for the buyer."
    )


class BreachDisputeForm(forms.Form):
    reason = forms.CharField(
        label="Why the breach is wrong",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Read by the buyer's procurement lead, who upholds or withdraws the breach.",
    )
    file = forms.FileField(required=False, label="Evidence (optional)")


class BreachDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=DisputeDecision.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Sent to the vendor with the decision."
    )


class NotificationPreferenceForm(forms.Form):
    """Reminders and the digest may be turned off; breach notices are not offered, they always go."""

    reminders = forms.BooleanField(
        required=False, help_text="Remediation deadlines coming up or passed, and expiring certifications."
    )
    digest = forms.BooleanField(required=False, help_text="Monday's summary of the week (procurement leads).")


class WebhookForm(forms.Form):
    """A lead registers a URL for some events; the service refuses addresses the server may not call."""

    url = forms.URLField(max_length=500, assume_scheme="https", label="URL", help_text="An http(s) URL.")
    kind = forms.ChoiceField(
        choices=Webhook.Kind.choices,
        initial=Webhook.Kind.JSON,
        help_text='Slack-compatible sends {"text": ...} for an incoming-webhook URL of a chat channel.',
    )
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in webhook_rules.EVENTS], widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        max_length=200,
        required=False,
        help_text="Key of the X-Vendorscore-Signature HMAC-SHA256; leave empty to have one generated.",
    )


class CreditStatementForm(forms.Form):
    """Which statement: a month (YYYY-MM) and optionally one vendor among those the user may see."""

    month = forms.DateField(input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    vendor = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every vendor")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from vendorscore.selectors import vendor_list

        self.fields["vendor"].queryset = vendor_list(user=user)
