"""Scorecard pages: evaluations, the scoring form, comparison, templates, certifications.

Thin: forms validate, services write, selectors read. Buyers (leads, analysts, viewers)
read; only procurement leads write, because DESIGN.md says analysts "must never edit
contracts or scores". Vendor users get 403 on every page here.
"""

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from reports import figures
from vendorscore import selectors as vendor_selectors
from vendorscore.exceptions import DomainError
from vendorscore.files import stored_file_open
from vendorscore.form_errors import form_add_service_error
from vendorscore.permissions import BUYER_ROLES, LEADS, RoleRequiredMixin
from vendorscore.scorecards import selectors, services
from vendorscore.scorecards.constants import EvaluationStatus
from vendorscore.scorecards.forms import (
    CertificationForm,
    EvaluationCreateForm,
    ScoreStepForm,
    SecurityProfileForm,
    TemplateCopyForm,
    TemplateEditForm,
    WeightsForm,
)

HISTORY_SHOWN = 30


def radar_for(summaries) -> dict:
    vendors = [(s.evaluation.vendor.name, {d.name: d.score for d in s.dimensions}) for s in summaries]
    return figures.figure_data(figures.vendors_radar(vendors=vendors))


class BuyerView(RoleRequiredMixin):
    allowed_roles = BUYER_ROLES


class LeadView(RoleRequiredMixin):
    allowed_roles = LEADS


# Evaluations -------------------------------------------------------------------------------


class EvaluationListView(BuyerView, TemplateView):
    template_name = "scorecards/evaluation_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        if status and status not in EvaluationStatus.values:
            raise BadRequest(f"status must be one of: {', '.join(EvaluationStatus.values)}")
        evaluations = selectors.evaluation_list(user=self.request.user, status=status or None)
        context["summaries"] = [selectors.evaluation_summary(evaluation=e) for e in evaluations]
        context["statuses"] = EvaluationStatus.choices
        context["status"] = status
        return context


class EvaluationCreateView(LeadView, FormView):
    template_name = "scorecards/evaluation_form.html"
    form_class = EvaluationCreateForm

    def get_initial(self):
        return {"vendor": self.request.GET.get("vendor"), "template": self.request.GET.get("template")}

    def form_valid(self, form):
        evaluation = services.evaluation_create(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"Evaluation of {evaluation.vendor} started; score it one dimension at a time.")
        return redirect("evaluation_score", pk=evaluation.pk, step=1)


class EvaluationMixin:
    """Loads the evaluation (404 when the user may not see it) and does its arithmetic.

    Listed after the role mixin, so the role is checked before anything is loaded.
    """

    def dispatch(self, request, *args, **kwargs):
        self.evaluation = selectors.evaluation_get(user=request.user, pk=kwargs["pk"])
        self.summary = selectors.evaluation_summary(evaluation=self.evaluation, with_evidence=True)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["evaluation"] = self.evaluation
        context["summary"] = self.summary
        return context


class EvaluationDetailView(BuyerView, EvaluationMixin, TemplateView):
    template_name = "scorecards/evaluation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        history = selectors.evaluation_history(evaluation=self.evaluation)
        context["history_count"] = history.count()
        show_all = self.request.GET.get("history") == "all"
        context["history"] = history if show_all else history[:HISTORY_SHOWN]
        context["evidence"] = selectors.evaluation_evidence(evaluation=self.evaluation)
        context["radar"] = radar_for([self.summary]) if self.summary.scored else None
        context["is_open"] = not self.evaluation.is_final
        return context


class EvaluationScoreView(LeadView, EvaluationMixin, TemplateView):
    """One dimension of the scoring form; every save posts, and errors re-render with the input kept."""

    template_name = "scorecards/evaluation_score.html"

    def get(self, request, *args, **kwargs):
        if self.evaluation.is_final:
            messages.info(request, "This evaluation is final; its scores can no longer change.")
            return redirect(self.evaluation)
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(data=request.POST, files=request.FILES)
        if form.is_valid():
            try:
                saved = services.evaluation_step_save(
                    evaluation=self.evaluation, evaluator=request.user, scores=form.scores(), flags=form.flags()
                )
            except (DomainError, ValidationError) as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(
                    request, f"Saved {self.row.name}: {saved} of {len(self.row.criteria)} criteria scored."
                )
                return redirect(self._next_url(request.POST.get("go", "stay")))
        return self.render_to_response(self.get_context_data(form=form))

    @property
    def step(self) -> int:
        step = self.kwargs["step"]
        if not 1 <= step <= len(self.summary.dimensions):
            raise Http404("No such step.")
        return step

    @property
    def row(self):
        return self.summary.dimensions[self.step - 1]

    def _form(self, **kwargs) -> ScoreStepForm:
        return ScoreStepForm(row=self.row, evaluator=self.request.user, **kwargs)

    def _next_url(self, go: str) -> str:
        last = len(self.summary.dimensions)
        if go == "next" and self.step == last:
            return self.evaluation.get_absolute_url()
        target = {"next": self.step + 1, "prev": self.step - 1}.get(go, self.step)
        return reverse("evaluation_score", args=[self.evaluation.pk, min(max(target, 1), last)])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["step"] = self.step
        context["row"] = self.row
        context["steps"] = [
            {"number": n, "row": row, "own": sum(1 for c in row.criteria if c.score_of(self.request.user))}
            for n, row in enumerate(self.summary.dimensions, start=1)
        ]
        context["is_last"] = self.step == len(self.summary.dimensions)
        return context


class EvaluationWeightsView(LeadView, EvaluationMixin, FormView):
    template_name = "scorecards/evaluation_weights.html"
    form_class = WeightsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "dimensions": [row.dimension for row in self.summary.dimensions]}

    def form_valid(self, form):
        try:
            services.evaluation_weights_update(
                evaluation=self.evaluation, user=self.request.user, weights=form.weights()
            )
        except (DomainError, ValidationError) as exc:
            form_add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Weights saved.")
        return redirect(self.evaluation)


class EvaluationTransitionView(LeadView, View):
    """POST only: submit a draft for review, or finalize a submitted evaluation."""

    actions = {"submit": services.evaluation_submit, "finalize": services.evaluation_finalize}
    done = {"submit": "Evaluation submitted for review.", "finalize": "Evaluation finalized; it can no longer change."}

    def post(self, request, pk, action):
        evaluation = selectors.evaluation_get(user=request.user, pk=pk)
        try:
            self.actions[action](evaluation=evaluation, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, self.done[action])
        return redirect(evaluation)


class ComparisonView(BuyerView, TemplateView):
    template_name = "scorecards/comparison.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = [int(v) for v in self.request.GET.getlist("vendor") if v.isdigit()]
        comparison = selectors.comparison(user=self.request.user, vendor_ids=chosen)
        context["comparison"] = comparison
        context["candidates"] = selectors.comparable_vendors(user=self.request.user)
        context["chosen"] = set(chosen) or {c.evaluation.vendor_id for c in comparison.columns}
        compared = {c.evaluation.vendor_id for c in comparison.columns}
        context["incomplete"] = [v for v in context["candidates"] if v.pk in context["chosen"] - compared]
        if comparison.columns:
            points = [(c.evaluation.vendor.name, {d.name: d.points for d in c.dimensions}) for c in comparison.columns]
            context["radar"] = radar_for(comparison.columns)
            context["bars"] = figures.figure_data(figures.vendors_bars(vendors=points))
        return context


class EvidenceDownloadView(BuyerView, View):
    def get(self, request, pk):
        evidence = selectors.evidence_get(user=request.user, pk=pk)
        return FileResponse(stored_file_open(file=evidence.file), as_attachment=True, filename=evidence.filename)


# Templates ---------------------------------------------------------------------------------


class TemplateListView(BuyerView, TemplateView):
    template_name = "scorecards/template_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = selectors.template_list(user=self.request.user)
        return context


class TemplateMixin:
    def dispatch(self, request, *args, **kwargs):
        self.template = selectors.template_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "template": self.template}


class TemplateDetailView(BuyerView, TemplateMixin, TemplateView):
    template_name = "scorecards/template_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = selectors.template_history(template=self.template)
        return context


class TemplateCopyView(LeadView, TemplateMixin, FormView):
    template_name = "scorecards/template_copy.html"
    form_class = TemplateCopyForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "template": self.template}

    def form_valid(self, form):
        try:
            copy = services.template_copy(
                template=self.template, name=form.cleaned_data["name"], user=self.request.user, weights=form.weights()
            )
        except (DomainError, ValidationError) as exc:
            form_add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Template “{copy.name}” created from “{self.template.name}”.")
        return redirect(copy)


class TemplateEditView(LeadView, TemplateMixin, FormView):
    template_name = "scorecards/template_edit.html"
    form_class = TemplateEditForm

    def get(self, request, *args, **kwargs):
        if self.template.is_default:
            messages.info(request, "The default framework is read-only; copy it to adapt weights and criteria.")
            return redirect(self.template)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "template": self.template}

    def form_valid(self, form):
        try:
            services.template_update(template=self.template, user=self.request.user, **form.changes())
        except (DomainError, ValidationError) as exc:
            form_add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Template “{self.template.name}” saved. Existing evaluations keep their copy.")
        return redirect(self.template)


# Certifications and security evidence ------------------------------------------------------


class VendorMixin:
    def dispatch(self, request, *args, **kwargs):
        self.vendor = vendor_selectors.vendor_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "vendor": self.vendor}


class VendorSecurityView(BuyerView, VendorMixin, TemplateView):
    """A vendor's certifications and security evidence, the red flags they raise, and their history."""

    template_name = "scorecards/vendor_security.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["security"] = selectors.vendor_security(vendor=self.vendor)
        context["history"] = selectors.vendor_security_history(vendor=self.vendor)
        return context


class CertificationFormView(LeadView, VendorMixin, FormView):
    template_name = "scorecards/certification_form.html"
    form_class = CertificationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "cert" in self.kwargs:
            kwargs["instance"] = selectors.certification_get(user=self.request.user, pk=self.kwargs["cert"])
            if kwargs["instance"].vendor_id != self.vendor.pk:
                raise Http404("No such certification of this vendor.")
        return kwargs

    def form_valid(self, form):
        user = self.request.user
        try:
            if form.instance.pk:
                services.certification_update(certification=form.instance, user=user, data=form.cleaned_data)
            else:
                services.certification_create(vendor=self.vendor, user=user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            form_add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Certification saved.")
        return redirect("vendor_security", pk=self.vendor.pk)


class SecurityProfileFormView(LeadView, VendorMixin, FormView):
    template_name = "scorecards/security_profile_form.html"
    form_class = SecurityProfileForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = selectors.vendor_security(vendor=self.vendor).profile
        return kwargs

    def form_valid(self, form):
        try:
            services.security_profile_update(vendor=self.vendor, user=self.request.user, data=form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            form_add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Security evidence saved.")
        return redirect("vendor_security", pk=self.vendor.pk)


class CertificationEvidenceView(BuyerView, View):
    def get(self, request, pk):
        certification = selectors.certification_get(user=request.user, pk=pk)
        if not certification.evidence:
            raise Http404("No evidence file on this certification.")
        return FileResponse(
            stored_file_open(file=certification.evidence), as_attachment=True, filename=certification.evidence_filename
        )
