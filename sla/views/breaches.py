"""Pages of breaches: list, detail, and the moves people make (waive, submit, dispute, decide)."""

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
)
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from sla import exports, selectors, services
from sla.constants import (
    BREACH_TRANSITIONS,
    BreachStatus,
)
from sla.credits import credit_reduction
from sla.filters import BreachFilterSet
from sla.forms import (
    BreachDecideForm,
    BreachDisputeForm,
    BreachSubmitForm,
    BreachWaiveForm,
)
from sla.services import lineage
from sla.tables import (
    BreachTable,
)
from vendorscore.exceptions import DomainError
from vendorscore.files import stored_file_open
from vendorscore.permissions import (
    ALL_ROLES,
    LEADS,
    LEADS_AND_VENDORS,
    RoleRequiredMixin,
    may_answer_breach,
    may_decide_dispute,
    may_upload,
)

from .intake import ExportPageMixin, _item_csv


class BreachListView(RoleRequiredMixin, ExportPageMixin, SingleTableMixin, FilterView):
    """Every breach the user may see, filtered by vendor, contract, delivery and state; vendor users see their own."""

    allowed_roles = ALL_ROLES
    table_class = BreachTable
    filterset_class = BreachFilterSet
    export = exports.BREACHES
    template_name = "sla/breach_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.breach_list(user=self.request.user)


class BreachDetailView(RoleRequiredMixin, TemplateView):
    """One breach: its batch and finding, deadline, credit, history, and the moves the user may make."""

    allowed_roles = ALL_ROLES
    template_name = "sla/breach_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        breach = selectors.breach_get(user=self.request.user, pk=self.kwargs["pk"])
        may_move = BREACH_TRANSITIONS[breach.status]
        selectors.breach_finding_visible(breach=breach, vendor_copy=selectors.sees_vendor_copy(self.request.user))
        context["breach"] = breach
        context["credit_reduction"] = credit_reduction(
            status=breach.status,
            reprice_remediated=breach.batch.contract.reprice_remediated,
            credit_full=breach.credit_full,
            owed=breach.service_credit,
        )
        context["now"] = timezone.now()
        user = self.request.user
        context["can_waive"] = may_decide_dispute(user) and BreachStatus.WAIVED in may_move
        context["can_submit"] = may_answer_breach(user, breach) and BreachStatus.REMEDIATION_SUBMITTED in may_move
        context["can_upload_fix"] = context["can_submit"] and may_upload(user, breach.batch.contract)
        context["can_dispute"] = (
            may_answer_breach(user, breach)
            and BreachStatus.DISPUTED in may_move
            and not any(event.to_status == BreachStatus.DISPUTED for event in breach.events.all())
        )
        context["can_decide"] = may_decide_dispute(user) and breach.status == BreachStatus.DISPUTED
        context["waive_form"] = kwargs.get("waive_form") or BreachWaiveForm()
        context["submit_form"] = BreachSubmitForm()
        context["dispute_form"] = kwargs.get("dispute_form") or BreachDisputeForm()
        context["decide_form"] = kwargs.get("decide_form") or BreachDecideForm()
        result = breach.remediation_result or {}
        context["result"] = result
        context["missing_count"] = result.get("failed_items", 0) - result.get("covered", 0)
        return context


class BreachWaiveView(RoleRequiredMixin, View):
    """A lead waives a breach with a reason; without one the page shows the error."""

    allowed_roles = LEADS

    def post(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        form = BreachWaiveForm(request.POST)
        if form.is_valid():
            try:
                services.breach_waive(breach=breach, user=request.user, reason=form.cleaned_data["waiver_reason"])
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Breach #{breach.pk} waived.")
                return redirect(breach)
        view = BreachDetailView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(waive_form=form), status=400)


class BreachSubmitView(RoleRequiredMixin, View):
    """The vendor says a fix is on its way (the corrected batch itself is uploaded naming the batch)."""

    allowed_roles = LEADS_AND_VENDORS

    def post(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        form = BreachSubmitForm(request.POST)
        form.is_valid()
        try:
            services.breach_remediation_submit(breach=breach, user=request.user, note=form.cleaned_data.get("note", ""))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Breach #{breach.pk}: remediation submitted.")
        return redirect(breach)


class _BreachFormView(RoleRequiredMixin, View):
    """A form posted from the breach page: the service acts, or the page comes back with the form's errors."""

    form_class = None
    form_name = ""  # the breach page's context name for this form, to show its errors in place

    def act(self, breach, user, data) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def post(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                done = self.act(breach, request.user, form.cleaned_data)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, done)
                return redirect(breach)
        view = BreachDetailView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(**{self.form_name: form}), status=400)


class BreachDisputeView(_BreachFormView):
    """The vendor (or a lead) contests a breach with a reason and optional evidence; the clock stops."""

    allowed_roles = LEADS_AND_VENDORS
    form_class = BreachDisputeForm
    form_name = "dispute_form"

    def act(self, breach, user, data) -> str:
        services.breach_dispute(breach=breach, user=user, reason=data["reason"], file=data["file"])
        return f"Breach #{breach.pk} disputed: its clock is stopped until a lead decides."


class BreachDecideView(_BreachFormView):
    """A lead upholds a dispute (the clock resumes, the paused business time added) or withdraws the breach."""

    allowed_roles = LEADS
    form_class = BreachDecideForm
    form_name = "decide_form"

    def act(self, breach, user, data) -> str:
        services.breach_decide(breach=breach, user=user, **data)
        return f"Breach #{breach.pk}: dispute {data['decision']}."


class BreachDisputeFileView(RoleRequiredMixin, View):
    """The evidence attached to a dispute, for whoever may read the breach."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        if not breach.dispute_file:
            raise Http404("No file is attached to this dispute.")
        name = breach.dispute_file.name.rsplit("/", 1)[-1]
        return FileResponse(stored_file_open(file=breach.dispute_file), as_attachment=True, filename=name)


class BreachMissingItemsCsvView(RoleRequiredMixin, View):
    """The failed batch's items that no remediation batch passing on its items has delivered again yet."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        breach = selectors.breach_get(user=request.user, pk=pk)
        counted = (breach.remediation_result or {}).get("passed_batches") or []
        items = lineage.missing_items(failed_batch_id=breach.batch_id, remediation_batches=counted)
        rows = ((item,) for item in items.iterator(5000))
        return _item_csv(f"breach-{breach.pk}-missing-items.csv", ["item_id"], rows)
