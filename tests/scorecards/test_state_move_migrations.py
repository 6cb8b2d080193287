"""A database made before the scorecards left the vendors app migrates with every row where it was.

vendorscore 0008, scorecards 0001 and performance 0001 move the models by state only: the
tables keep their names, and the content types are relabelled rather than created again.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from vendorscore.performance.models import PerformanceTemplate
from vendorscore.scorecards.models import Evaluation, ScorecardTemplate

BEFORE = [("vendorscore", "0007_default_performance_template_and_schedule")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rows_written_under_the_vendorscore_label_are_read_by_the_new_apps():
    old = _migrate(BEFORE)
    Vendor = old.get_model("vendorscore", "Vendor")
    OldTemplate = old.get_model("vendorscore", "ScorecardTemplate")
    OldEvaluation = old.get_model("vendorscore", "Evaluation")
    OldContentType = old.get_model("contenttypes", "ContentType")
    vendor = Vendor.objects.create(name="Before the move", workforce_model="in_house")
    # A transactional test before this one may have flushed the default templates the data migrations wrote.
    defaults = (
        OldTemplate.objects.filter(is_default=True).count(),
        old.get_model("vendorscore", "PerformanceTemplate").objects.filter(is_default=True).count(),
    )
    template = OldTemplate.objects.create(name="Written under vendorscore")
    evaluation = OldEvaluation.objects.create(
        vendor=vendor, template=template, template_name=template.name, program="Written under vendorscore"
    )
    evaluation_type, _ = OldContentType.objects.get_or_create(app_label="vendorscore", model="evaluation")

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    moved = Evaluation.objects.get(pk=evaluation.pk)
    assert (moved.vendor.name, moved.template.pk, moved.program) == (vendor.name, template.pk, evaluation.program)
    assert ScorecardTemplate.objects.get(pk=template.pk).name == template.name
    assert ScorecardTemplate.objects.filter(is_default=True).count() == defaults[0]
    assert PerformanceTemplate.objects.filter(is_default=True).count() == defaults[1]
    assert Evaluation._meta.db_table == "vendorscore_evaluation"
    assert ContentType.objects.get(pk=evaluation_type.pk).app_label == "scorecards"
    assert not ContentType.objects.filter(app_label="vendorscore", model="evaluation").exists()
