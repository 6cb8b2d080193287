"""The scorecards and performance scorecards in the admin: a superuser reads them and cannot write them.

Every write of these apps goes through a service that records history or keeps a published
figure frozen; the admin would bypass both.
"""

import pytest
from django.urls import reverse

from tests.factories import EvaluationFactory
from vendorscore.performance.models import PerformanceTemplate
from vendorscore.scorecards.models import Evaluation, ScorecardTemplate

ADMIN_MODELS = [
    "scorecards_scorecardtemplate",
    "scorecards_evaluation",
    "scorecards_certification",
    "scorecards_securityprofile",
    "scorecards_scorecardchange",
    "performance_performancetemplate",
    "performance_periodscorecard",
    "performance_standingoverride",
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_each_changelist_shows_without_an_add_button(admin_client, model):
    page = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert page.status_code == 200
    assert reverse(f"admin:{model}_add") not in page.content.decode()
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403


@pytest.mark.django_db
def test_an_evaluation_is_shown_but_a_posted_change_is_refused(admin_client):
    evaluation = EvaluationFactory()
    change_url = reverse("admin:scorecards_evaluation_change", args=[evaluation.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert evaluation.program in page.content.decode()
    assert admin_client.post(change_url, {"program": "renamed"}).status_code == 403
    assert Evaluation.objects.get(pk=evaluation.pk).program == evaluation.program


@pytest.mark.django_db
def test_the_default_templates_cannot_be_deleted_in_the_admin(admin_client):
    for model, template in (
        ("scorecards_scorecardtemplate", ScorecardTemplate.objects.get(is_default=True)),
        ("performance_performancetemplate", PerformanceTemplate.objects.get(is_default=True)),
    ):
        url = reverse(f"admin:{model}_delete", args=[template.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
        assert type(template).objects.filter(pk=template.pk).exists()
