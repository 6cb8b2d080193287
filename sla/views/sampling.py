"""Pages of the QA review sample: the reviewer's sample and the review upload."""

from django.contrib import messages
from django.http import (
    JsonResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from sla import selectors, services
from sla.constants import (
    DEFECT_TYPE_LABELS,
    defect_types_for,
)
from sla.forms import (
    ReviewUploadForm,
)
from vendorscore.exceptions import DomainError
from vendorscore.permissions import (
    BUYER_UPLOADERS,
    RoleRequiredMixin,
)


class ReviewUploadView(RoleRequiredMixin, FormView):
    allowed_roles = BUYER_UPLOADERS
    form_class = ReviewUploadForm
    template_name = "sla/review_upload.html"

    def dispatch(self, request, *args, **kwargs):
        self.batch = None
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "batch": self._batch()}

    def _batch(self):
        if self.batch is None:
            self.batch = selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])
        return self.batch

    def form_valid(self, form):
        receipt = services.qa_reviews_receive(
            batch=self._batch(), upload=form.cleaned_data["file"], user=self.request.user
        )
        review_set = receipt.upload
        if receipt.duplicate:
            messages.info(self.request, "This review file was already uploaded.")
        elif review_set.error_count:
            messages.error(
                self.request, f"The review file has {review_set.error_count} problem(s); nothing was stored."
            )
            return self.render_to_response(self.get_context_data(form=form, review_set=review_set))
        else:
            messages.success(self.request, f"{review_set.rows} review verdicts stored.")
        return redirect(self._batch())


class ReviewSampleView(RoleRequiredMixin, TemplateView):
    """The reviewer page: the batch's QA sample item by item, labels side by side, keyboard first.

    Each verdict is saved on its own (JSON for the page's script, a redirect without it),
    so a reviewer can stop and come back; the batch is re-checked when the sample is complete.
    """

    allowed_roles = BUYER_UPLOADERS
    template_name = "sla/review_sample.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])
        items = selectors.qa_sample_items(batch=batch)
        context.update(
            batch=batch,
            sample=getattr(batch, "qa_sample", None),
            items=items,
            reviewed=sum(1 for item in items if item["review"]),
            defect_types=[
                (key, DEFECT_TYPE_LABELS[key])
                for key in defect_types_for(scale=batch.task_type.scale, complexity=batch.task_type.complexity)
            ],
        )
        return context

    def post(self, request, pk):
        batch = selectors.batch_get(user=request.user, pk=pk)
        wants_json = "application/json" in request.headers.get("Accept", "")
        try:
            review = services.qa_review_record(
                batch=batch,
                item_id=request.POST.get("item_id", ""),
                verdict=request.POST.get("verdict", ""),
                defect_type=request.POST.get("defect_type", ""),
                note=request.POST.get("note", ""),
                user=request.user,
            )
        except DomainError as error:
            if wants_json:
                return JsonResponse({"error": error.message}, status=400)
            messages.error(request, error.message)
            return redirect("batch_review_sample", pk=pk)
        sample = selectors.batch_get(user=request.user, pk=pk).qa_sample
        reviewed, defects = services.qa_sample_verdicts(sample=sample)
        if wants_json:
            return JsonResponse(
                {
                    "item_id": review.item_id,
                    "verdict": review.verdict,
                    "defect_type": review.defect_type,
                    "reviewed": reviewed,
                    "defects": defects,
                    "total": len(sample.items),
                    "decision": sample.decision,
                }
            )
        return redirect(f"{reverse('batch_review_sample', args=[pk])}#item-{sample.items.index(review.item_id)}")
