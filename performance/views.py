"""Performance pages: standings compared, a vendor's history, a period scorecard, templates.

Thin: forms validate, services write, selectors read and scope. Buyers read everything;
leads compute, publish, answer appeals and adapt templates; a vendor user reads only their
own vendor's published scorecards (anything else is 404) and acknowledges or appeals them.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from performance import charts, selectors, services
from performance.constants import KPI, KPI_HELP
from performance.forms import AssignForm, ComputeForm, RespondForm, TemplateCopyForm, TemplateEditForm
from reports.charts import figure_data
from vendorscore.exceptions import DomainError
from vendorscore.models import Vendor
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES, LEADS, RoleRequiredMixin, has_role


class OverviewView(RoleRequiredMixin, TemplateView):
    """Every vendor's standing over the last closed months, side by side."""

    allowed_roles = BUYER_ROLES
    template_name = "performance/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = selectors.standings(user=self.request.user)
        context["table"] = table
        if table["rows"]:
            series = [
                (row["vendor"].name, [c.standing_score if c else None for c in row["cells"]]) for row in table["rows"]
            ]
            context["chart"] = figure_data(charts.standings_comparison(periods=table["periods"], series=series))
        context["compute_form"] = ComputeForm()
        context["can_edit"] = has_role(self.request.user, LEADS)
        return context


class ComputeView(RoleRequiredMixin, View):
    """A lead computes (or recomputes) a vendor's scorecard for a period now; published ones stay as they are."""

    allowed_roles = LEADS

    def post(self, request):
        form = ComputeForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
            return redirect("performance_overview")
        scorecard = services.scorecard_compute(vendor=form.cleaned_data["vendor"], period=form.cleaned_data["period"])
        messages.success(request, f"Scorecard of {scorecard.vendor} for {scorecard.period} computed.")
        return redirect(scorecard)


class VendorHistoryView(RoleRequiredMixin, TemplateView):
    """A vendor's monthly scorecards, its standing and one KPI's history (``?kpi=``) as charts."""

    allowed_roles = ALL_ROLES
    template_name = "performance/vendor.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        vendor = selectors.vendor_visible(user=user, pk=self.kwargs["pk"])
        history = selectors.vendor_history(user=user, vendor=vendor)
        key = self.request.GET.get("kpi", KPI.FIRST_PASS)
        key = key if key in KPI.values else KPI.FIRST_PASS
        context.update(vendor=vendor, history=history, kpi=KPI(key), kpi_help=KPI_HELP[KPI(key)][0], kpis=KPI.choices)
        context["scorecards"] = list(reversed(history))
        context["quarters"] = selectors.vendor_quarters(user=user, vendor=vendor)
        if history:
            periods = [s.period for s in history]
            context["standing_chart"] = figure_data(
                charts.standing_history(
                    periods=periods, scores=[s.score for s in history], standings=[s.standing_score for s in history]
                )
            )
            rows = [next((r for r in s.kpis if r["key"] == key), None) for s in history]
            latest = next((r for r in reversed(rows) if r), None)
            bounds = [(t["score"], t["at"]) for t in latest["thresholds"]] if latest else []
            context["kpi_chart"] = figure_data(
                charts.kpi_history(
                    name=KPI(key).label,
                    periods=periods,
                    values=[r["value"] if r else None for r in rows],
                    scores=[r["score"] if r else None for r in rows],
                    thresholds=bounds,
                )
            )
        if has_role(user, LEADS):
            context["assign_form"] = AssignForm(initial={"template": services.template_for(vendor)})
            context["overrides"] = selectors.overrides_of(vendor=vendor)[:20]
        context["template_in_use"] = services.template_for(vendor) if has_role(user, BUYER_ROLES) else None
        return context


class AssignView(RoleRequiredMixin, View):
    allowed_roles = LEADS

    def post(self, request, pk):
        vendor = selectors.vendor_visible(user=request.user, pk=pk)
        form = AssignForm(request.POST)
        if form.is_valid():
            services.vendor_template_assign(vendor=vendor, template=form.cleaned_data["template"], user=request.user)
            messages.success(request, f"{vendor} is measured with “{form.cleaned_data['template']}” from now on.")
        else:
            messages.error(request, "Choose a template.")
        return redirect("performance_vendor", pk=vendor.pk)


class ScorecardView(RoleRequiredMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "performance/scorecard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scorecard = selectors.scorecard_get(user=self.request.user, pk=self.kwargs["pk"])
        context.update(
            scorecard=scorecard,
            rows=selectors.kpi_rows(scorecard),
            responses=list(scorecard.responses.all()),
            respond_form=RespondForm(),
            can_edit=has_role(self.request.user, LEADS),
        )
        return context


class PublishView(RoleRequiredMixin, View):
    allowed_roles = LEADS

    def post(self, request, pk):
        scorecard = selectors.scorecard_get(user=request.user, pk=pk)
        try:
            services.scorecard_publish(scorecard=scorecard, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Published to {scorecard.vendor}; its report is on its way to their contacts.")
        return redirect(scorecard)


class RespondView(RoleRequiredMixin, View):
    allowed_roles = ALL_ROLES

    def post(self, request, pk):
        scorecard = selectors.scorecard_get(user=request.user, pk=pk)
        form = RespondForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose acknowledge, appeal or answer.")
            return redirect(scorecard)
        try:
            services.scorecard_respond(scorecard=scorecard, user=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Recorded.")
        return redirect(scorecard)


class TemplateListView(RoleRequiredMixin, TemplateView):
    allowed_roles = BUYER_ROLES
    template_name = "performance/template_list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "templates": selectors.template_list()}


class TemplateDetailView(RoleRequiredMixin, TemplateView):
    allowed_roles = BUYER_ROLES
    template_name = "performance/template_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = selectors.template_get(pk=self.kwargs["pk"])
        context.update(
            template=template,
            kpis=[(k, KPI_HELP[KPI(k.key)][0]) for k in template.kpis.all()],
            copy_form=TemplateCopyForm(initial={"name": f"{template.name} (copy)"}),
            can_edit=has_role(self.request.user, LEADS),
            vendors=Vendor.objects.filter(performance__template=template),
        )
        return context


class TemplateCopyView(RoleRequiredMixin, View):
    allowed_roles = LEADS

    def post(self, request, pk):
        template = selectors.template_get(pk=pk)
        form = TemplateCopyForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError("Give the copy a name.")
            copy = services.template_copy(template=template, name=form.cleaned_data["name"], user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(template)
        messages.success(request, f"“{copy.name}” copied from “{template.name}”; adapt it below.")
        return redirect("performance_template_edit", pk=copy.pk)


class TemplateEditView(RoleRequiredMixin, FormView):
    allowed_roles = LEADS
    template_name = "performance/template_edit.html"
    form_class = TemplateEditForm

    def dispatch(self, request, *args, **kwargs):
        self.template = selectors.template_get(pk=kwargs["pk"])
        if self.template.is_default and request.user.is_authenticated and has_role(request.user, LEADS):
            messages.info(request, "The default template is read-only; copy it to adapt it.")
            return redirect(self.template)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.template}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "template": self.template}

    def form_valid(self, form):
        rows = form.kpi_rows()
        if form.errors:
            return self.form_invalid(form)
        settings = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.template_update(template=self.template, user=self.request.user, kpis=rows, settings=settings)
        except DomainError as error:
            field = next((f for f in form.fields if f.startswith(f"{error.field}__thresholds")), None)
            form.add_error(field, error.message)
            return self.form_invalid(form)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, f"“{self.template.name}” saved; it applies from the next computation.")
        return redirect(self.template)
