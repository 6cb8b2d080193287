"""factory_boy factories for the test suite."""

import copy
import io
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from sla import services as sla_services
from sla.simulate import DeliverySpec, simulate_delivery
from vendorscore.constants import Role, VendorStatus, WorkforceModel
from vendorscore.models import User, Vendor
from vendorscore.scorecards import services as scorecard_services

TEST_PASSWORD = "correct-horse-battery"


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n:03d}")
    workforce_model = WorkforceModel.MANAGED_PLUS_GIG
    status = VendorStatus.ACTIVE
    country = "Portugal"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.VIEWER
    password = factory.django.Password(TEST_PASSWORD)


class TaskTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sla.TaskType"
        django_get_or_create = ("name",)

    name = "sentiment"
    labels = ["negative", "neutral", "positive"]
    scale = "nominal"
    complexity = "simple"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sla.Contract"

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Master services agreement {n}")
    start_date = factory.Faker("date_between", start_date="-2y", end_date="-1y")
    unit_price = "0.0800"
    currency = "USD"


class TermsFactory(factory.django.DjangoModelFactory):
    """The framework's defaults for a simple classification task."""

    class Meta:
        model = "sla.ContractTerms"

    contract = factory.SubFactory(ContractFactory)
    task_type = factory.SubFactory(TaskTypeFactory)
    effective_from = factory.LazyAttribute(lambda terms: terms.contract.start_date)
    accuracy_floor = 0.90
    iaa_coefficient = "cohen_kappa"
    iaa_min = 0.80
    iaa_fail_below = 0.78
    overlap_min = 0.05
    overlap_max = 0.15
    defect_rate_max = 0.01


def csv_bytes(frame) -> bytes:
    """A data frame as the CSV file a vendor would upload."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


class DeliveredBatchFactory(factory.django.DjangoModelFactory):
    """A batch delivered through the real intake service: generated rows uploaded as a CSV, then processed.

    The rows are simulated from ``spec`` (or given as ``rows``); processing runs as in production,
    from the task the upload queues once committed (Celery is eager in tests), so the batch comes
    back evaluated, with its findings, breaches and notifications. ``queue_processing=False``
    leaves it received. Any other keyword (``remediates``, ``reference``, ``claimed_accuracy``...)
    goes to ``batch_receive``.
    """

    class Meta:
        model = "sla.Batch"

    class Params:
        spec = DeliverySpec(items=300, seed=7)

    contract = factory.LazyFunction(lambda: TermsFactory().contract)
    task_type = factory.LazyAttribute(lambda batch: batch.contract.terms.order_by("pk").first().task_type)
    rows = factory.LazyAttribute(lambda batch: simulate_delivery(batch.spec).annotations)
    filename = factory.LazyAttribute(lambda batch: f"delivery-{batch.spec.seed}.csv")
    user = factory.SubFactory(UserFactory, role=Role.PROCUREMENT_LEAD)

    @classmethod
    def _create(cls, model_class, *, contract, task_type, rows, filename, user, **fields):
        upload = SimpleUploadedFile(filename, csv_bytes(rows), content_type="text/csv")
        with TestCase.captureOnCommitCallbacks(execute=True):
            receipt = sla_services.batch_receive(
                contract=contract, task_type=task_type, upload=upload, user=user, **fields
            )
        return model_class.objects.get(pk=receipt.upload.pk)


# Scorecards: templates and evaluations are built through their services, as leads build them.

SMALL_TEMPLATE = [
    {
        "name": "Workforce",
        "weight": 60,
        "criteria": [{"name": "Tenure", "kpi": "% permanent staff"}, {"name": "Training"}],
        "questions": ["How long do annotators stay?"],
        "red_flags": [{"text": "No tenure data"}],
    },
    {
        "name": "Security",
        "weight": 40,
        "criteria": [{"name": "SOC 2"}, {"name": "DPA"}, {"name": "Endpoints"}],
        "red_flags": [{"text": "SOC 2 Type I only", "rule": "soc2_type1_only"}],
    },
]


def default_template():
    """The default framework template (present after migrate; made again if a test flushed the tables)."""
    return scorecard_services.default_template_ensure()


class ScorecardTemplateFactory(factory.django.DjangoModelFactory):
    """A two-dimension template weighted 60/40, with two and three criteria."""

    class Meta:
        model = "scorecards.ScorecardTemplate"

    name = factory.Sequence(lambda n: f"Program template {n:03d}")
    dimensions = factory.LazyFunction(lambda: copy.deepcopy(SMALL_TEMPLATE))

    @classmethod
    def _create(cls, model_class, *, name, dimensions, user=None, **kwargs):
        return scorecard_services.template_create(name=name, dimensions=dimensions, user=user)


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scorecards.Evaluation"

    vendor = factory.SubFactory(VendorFactory)
    template = factory.SubFactory(ScorecardTemplateFactory)
    program = "Test program"

    @classmethod
    def _create(cls, model_class, *, vendor, template, program, created_by=None, **kwargs):
        return scorecard_services.evaluation_create(vendor=vendor, template=template, user=created_by, program=program)


def score_all(evaluation, evaluator, value=3) -> None:
    """Give every criterion of the evaluation the evaluator's score: ``value`` or ``value(criterion)``."""
    for dimension in evaluation.dimensions.prefetch_related("criteria"):
        for criterion in dimension.criteria.all():
            rating = value(criterion) if callable(value) else value
            scorecard_services.score_record(
                evaluation=evaluation, criterion=criterion, evaluator=evaluator, value=rating
            )


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scorecards.Certification"

    vendor = factory.SubFactory(VendorFactory)
    kind = "soc2_type2"
    audit_period_end = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))
