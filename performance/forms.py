"""Forms of performance pages: compute on demand, respond, copy and adapt a template."""

from django import forms

from performance import kpis
from performance.constants import KPI, ResponseKind
from performance.kpis import HIGHER, LOWER
from performance.models import PerformanceTemplate
from vendorscore.models import Vendor


class PeriodField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        try:
            return kpis.parse_period(value)
        except kpis.PerformanceError as error:
            raise forms.ValidationError(str(error)) from None


class ComputeForm(forms.Form):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.all())
    period = PeriodField(max_length=7, help_text="YYYY-MM or YYYY-Qn.")


class RespondForm(forms.Form):
    kind = forms.ChoiceField(choices=ResponseKind.choices)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)


class TemplateCopyForm(forms.Form):
    name = forms.CharField(max_length=200)


class AssignForm(forms.Form):
    template = forms.ModelChoiceField(queryset=PerformanceTemplate.objects.all())


class TemplateEditForm(forms.ModelForm):
    """The template's settings, and per KPI: kept, weight, direction and thresholds as ``bound:score`` lines."""

    class Meta:
        model = PerformanceTemplate
        fields = ["standing_periods", "decay", "banner", "warn_new_contracts", "digest_drops", "drop_points"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {kpi.key: kpi for kpi in self.instance.kpis.all()}
        for key, label in KPI.choices:
            kpi = current.get(key)
            self.fields[f"{key}__keep"] = forms.BooleanField(
                label=f"{label}: counts", required=False, initial=bool(kpi)
            )
            self.fields[f"{key}__weight"] = forms.DecimalField(
                label=f"{label}: weight", required=False, min_value=0, max_value=100, initial=kpi.weight if kpi else 0
            )
            self.fields[f"{key}__direction"] = forms.ChoiceField(
                label=f"{label}: better is",
                choices=[(HIGHER, "higher"), (LOWER, "lower")],
                required=False,
                initial=kpi.direction if kpi else HIGHER,
            )
            self.fields[f"{key}__thresholds"] = forms.CharField(
                label=f"{label}: thresholds",
                required=False,
                help_text="One bound per line as bound:score, e.g. 0.95:5.",
                widget=forms.Textarea(attrs={"rows": 4}),
                initial="\n".join(f"{t['at']:g}:{t['score']}" for t in kpi.thresholds) if kpi else "",
            )

    def kpi_rows(self) -> list[dict]:
        rows = []
        for key in KPI.values:
            if not self.cleaned_data.get(f"{key}__keep"):
                continue
            thresholds = []
            for number, line in enumerate(self.cleaned_data.get(f"{key}__thresholds", "").splitlines(), start=1):
                if not line.strip():
                    continue
                bound, _, score = line.partition(":")
                try:
                    thresholds.append({"at": float(bound), "score": int(score)})
                except ValueError:
                    self.add_error(f"{key}__thresholds", f"Line {number}: write bound:score, e.g. 0.95:5.")
                    return []
            rows.append(
                {
                    "key": key,
                    "weight": self.cleaned_data.get(f"{key}__weight") or 0,
                    "direction": self.cleaned_data.get(f"{key}__direction") or HIGHER,
                    "thresholds": thresholds,
                }
            )
        return rows

    def kpi_fields(self):
        """Bound fields grouped per KPI, for the template."""
        return [
            (label, [self[f"{key}__{part}"] for part in ("keep", "weight", "direction", "thresholds")])
            for key, label in KPI.choices
        ]
