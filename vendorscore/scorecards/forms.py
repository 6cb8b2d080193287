"""Forms of the scorecard pages; services do the writing, these only validate input."""

from decimal import Decimal

from django import forms

from vendorscore.constants import VendorStatus
from vendorscore.models import Vendor
from vendorscore.scorecards import scoring
from vendorscore.scorecards.constants import RATING_LABELS
from vendorscore.scorecards.models import Certification, ScorecardTemplate, SecurityProfile
from vendorscore.scorecards.services import CERTIFICATION_FIELDS, SECURITY_FIELDS

RATING_CHOICES = [(value, f"{value} · {label}") for value, label in RATING_LABELS.items()]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WeightsMixin:
    """One weight field per dimension (``weight_<id>``), refused unless they add up to exactly 100."""

    def add_weight_fields(self, dimensions) -> None:
        self.weighted_dimensions = list(dimensions)
        for dimension in self.weighted_dimensions:
            self.fields[f"weight_{dimension.pk}"] = forms.DecimalField(
                label=dimension.name,
                min_value=0,
                max_value=scoring.TOTAL_WEIGHT,
                max_digits=5,
                decimal_places=2,
                initial=f"{dimension.weight.normalize():f}",
                widget=forms.NumberInput(attrs={"step": "0.01", "class": "weight-input"}),
            )

    def weight_fields(self):
        return [self[f"weight_{d.pk}"] for d in self.weighted_dimensions]

    def weights(self) -> dict[int, Decimal]:
        return {d.pk: self.cleaned_data[f"weight_{d.pk}"] for d in self.weighted_dimensions}

    def clean_weights(self) -> None:
        values = [self.cleaned_data.get(f"weight_{d.pk}") for d in self.weighted_dimensions]
        if None in values:
            return
        try:
            scoring.check_weights(values)
        except scoring.ScorecardError as exc:
            raise forms.ValidationError(str(exc)) from exc


class EvaluationCreateForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.exclude(status=VendorStatus.OFFBOARDED).order_by("name"), empty_label="Choose a vendor"
    )
    template = forms.ModelChoiceField(
        queryset=ScorecardTemplate.objects.all(),
        empty_label=None,
        help_text="Its dimensions, weights and criteria are copied into the evaluation; later edits do not apply.",
    )
    program = forms.CharField(max_length=200, required=False, help_text="The program or RFP, e.g. “Clinical NER 2025”.")


class WeightsForm(WeightsMixin, forms.Form):
    """Adapt a draft evaluation's weights to the program's risk profile."""

    def __init__(self, *args, dimensions, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_weight_fields(dimensions)

    def clean(self):
        cleaned = super().clean()
        self.clean_weights()
        return cleaned


class TemplateCopyForm(WeightsMixin, forms.Form):
    name = forms.CharField(max_length=200, label="Name of the copy")

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].initial = f"{template.name} (copy)"
        self.add_weight_fields(template.dimensions.all())

    def clean(self):
        cleaned = super().clean()
        self.clean_weights()
        return cleaned


class TemplateEditForm(WeightsMixin, forms.Form):
    """Name, weights and every criterion of a template, plus one empty criterion per dimension to add."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.fields["name"].initial = template.name
        self.fields["description"].initial = template.description
        self.add_weight_fields(template.dimensions.all())
        for dimension in self.weighted_dimensions:
            for criterion in dimension.criteria.all():
                self._criterion_fields(f"c{criterion.pk}", criterion, removable=True)
            self._criterion_fields(f"new{dimension.pk}", None, removable=False)

    def _criterion_fields(self, prefix: str, criterion, *, removable: bool) -> None:
        self.fields[f"{prefix}-name"] = forms.CharField(
            max_length=200, required=False, label="Criterion", initial=getattr(criterion, "name", "")
        )
        self.fields[f"{prefix}-kpi"] = forms.CharField(
            required=False, label="KPI", initial=getattr(criterion, "kpi", "")
        )
        self.fields[f"{prefix}-guidance"] = forms.CharField(
            required=False,
            label="Guidance",
            initial=getattr(criterion, "guidance", ""),
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        if removable:
            self.fields[f"{prefix}-remove"] = forms.BooleanField(required=False, label="Remove")

    def sections(self):
        """Per dimension: its weight field, its criteria's fields and the row to add one."""
        for dimension in self.weighted_dimensions:
            yield {
                "dimension": dimension,
                "weight": self[f"weight_{dimension.pk}"],
                "criteria": [self._bound(f"c{c.pk}", removable=True) for c in dimension.criteria.all()],
                "new": self._bound(f"new{dimension.pk}", removable=False),
            }

    def _bound(self, prefix: str, *, removable: bool) -> dict:
        fields = {name: self[f"{prefix}-{name}"] for name in ("name", "kpi", "guidance")}
        if removable:
            fields["remove"] = self[f"{prefix}-remove"]
        return fields

    def clean(self):
        cleaned = super().clean()
        self.clean_weights()
        for dimension in self.weighted_dimensions:
            for criterion in dimension.criteria.all():
                prefix = f"c{criterion.pk}"
                if not cleaned.get(f"{prefix}-remove") and not cleaned.get(f"{prefix}-name", "").strip():
                    self.add_error(f"{prefix}-name", "Name the criterion, or tick “Remove”.")
        return cleaned

    def changes(self) -> dict:
        """The keyword arguments of ``services.template_update``."""
        data = self.cleaned_data
        criteria, removed, added = {}, set(), {}
        for dimension in self.weighted_dimensions:
            for criterion in dimension.criteria.all():
                prefix = f"c{criterion.pk}"
                if data[f"{prefix}-remove"]:
                    removed.add(criterion.pk)
                else:
                    criteria[criterion.pk] = {f: data[f"{prefix}-{f}"] for f in ("name", "kpi", "guidance")}
            new = {f: data[f"new{dimension.pk}-{f}"] for f in ("name", "kpi", "guidance")}
            if new["name"].strip():
                added[dimension.pk] = [new]
        return {
            "name": data["name"],
            "description": data["description"],
            "weights": self.weights(),
            "criteria": criteria,
            "added": added,
            "removed": removed,
        }


class ScoreStepForm(forms.Form):
    """One dimension of the scoring form: the evaluator's own score, note and evidence per criterion, and ticks.

    A criterion left without a score is simply not saved yet; a note or a file without a
    score is refused, with everything typed kept on the page.
    """

    def __init__(self, *args, row, evaluator, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        self.own = {c.criterion.pk: c.score_of(evaluator) for c in row.criteria}
        for criterion in row.criteria:
            self._add_criterion_fields(criterion.criterion.pk, self.own[criterion.criterion.pk])
        for flag in row.red_flags:
            self.fields[f"flag-{flag.flag.pk}"] = forms.BooleanField(
                label=flag.flag.text, required=False, initial=flag.ticked_by_user(evaluator)
            )

    def _add_criterion_fields(self, pk: int, own) -> None:
        self.fields[f"c{pk}-value"] = forms.TypedChoiceField(
            label="Score",
            choices=RATING_CHOICES,
            coerce=int,
            required=False,
            empty_value=None,
            widget=forms.RadioSelect(attrs={"class": "rating"}),
            initial=own.value if own else None,
        )
        self.fields[f"c{pk}-note"] = forms.CharField(
            label="Note",
            required=False,
            initial=own.note if own else "",
            widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What the score rests on"}),
        )
        self.fields[f"c{pk}-evidence"] = forms.FileField(label="Evidence file", required=False)

    def criterion_fields(self):
        for criterion in self.row.criteria:
            prefix = f"c{criterion.criterion.pk}"
            yield criterion, self[f"{prefix}-value"], self[f"{prefix}-note"], self[f"{prefix}-evidence"]

    def flag_fields(self):
        for flag in self.row.red_flags:
            yield flag, self[f"flag-{flag.flag.pk}"]

    def clean(self):
        cleaned = super().clean()
        for pk, own in self.own.items():
            has_extra = cleaned.get(f"c{pk}-note") or cleaned.get(f"c{pk}-evidence")
            if cleaned.get(f"c{pk}-value") is None and has_extra and own is None:
                self.add_error(f"c{pk}-value", "Choose a score to save this note or evidence.")
        return cleaned

    def scores(self) -> list[tuple]:
        """``(criterion, value, note, files)`` for each criterion given (or keeping) a score."""
        result = []
        for criterion in self.row.criteria:
            pk, own = criterion.criterion.pk, self.own[criterion.criterion.pk]
            value = self.cleaned_data[f"c{pk}-value"] or (own.value if own else None)
            if value is None:
                continue
            upload = self.cleaned_data[f"c{pk}-evidence"]
            result.append((criterion.criterion, value, self.cleaned_data[f"c{pk}-note"], [upload] if upload else []))
        return result

    def flags(self) -> list[tuple]:
        return [(flag.flag, self.cleaned_data[f"flag-{flag.flag.pk}"]) for flag in self.row.red_flags]


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = CERTIFICATION_FIELDS
        widgets = {
            "audit_period_end": DATE_INPUT,
            "last_audit_on": DATE_INPUT,
            "expires_on": DATE_INPUT,
            "certified_sites": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.FileInput,
        }
        help_texts = {"evidence": "The report or certificate. Buyers can download it; vendor users never see it."}


class SecurityProfileForm(forms.ModelForm):
    class Meta:
        model = SecurityProfile
        fields = SECURITY_FIELDS
        widgets = {
            "dpa_signed_on": DATE_INPUT,
            "endpoint_controls": forms.Textarea(attrs={"rows": 3}),
            "subprocessors": forms.Textarea(attrs={"rows": 4}),
        }
