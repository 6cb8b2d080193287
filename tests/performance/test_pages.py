"""Performance pages by role, templates copied and adapted, the banner, the Quality SLA evidence."""

import pytest

from performance import kpis, services
from performance.models import PerformanceTemplate, VendorPerformance
from tests.factories import EvaluationFactory, default_template
from vendorscore.constants import Role

SEPTEMBER = kpis.parse_period("2026-09")
LEAD = {Role.PROCUREMENT_LEAD}
BUYERS = {Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER}
EVERYONE = set(Role.values)

PAGES = [
    ("get", "/performance/", BUYERS, None),
    ("get", "/performance/vendors/{own}/", EVERYONE, None),
    ("get", "/performance/scorecards/{published}/", EVERYONE, None),
    ("get", "/performance/templates/", BUYERS, None),
    ("get", "/performance/templates/{default}/", BUYERS, None),
    ("post", "/performance/compute/", LEAD, {"vendor": "{own}", "period": "2026-09"}),
    ("post", "/performance/templates/{default}/copy/", LEAD, {"name": "Stricter"}),
    ("post", "/performance/vendors/{own}/template/", LEAD, {"template": "{default}"}),
]


@pytest.fixture
def published(september, vendor_a, lead):
    scorecard = services.scorecard_compute(vendor=vendor_a, period=SEPTEMBER)
    return services.scorecard_publish(scorecard=scorecard, user=lead)


def _fill(value, names):
    return value.format(**names) if isinstance(value, str) else value


@pytest.mark.parametrize("method,template,allowed,data", PAGES)
@pytest.mark.parametrize("role", Role.values)
def test_page_access_by_role(client, users, vendor_a, published, role, method, template, allowed, data):
    names = {"own": vendor_a.pk, "published": published.pk, "default": services.default_template_ensure().pk}
    client.force_login(users[role])
    payload = {key: _fill(value, names) for key, value in (data or {}).items()} or None
    response = getattr(client, method)(_fill(template, names), data=payload)
    if role in allowed:
        assert response.status_code in (200, 302), response.content[:500]
    else:
        assert response.status_code == 403


def test_scorecard_page_shows_each_kpi_with_value_n_and_batches(client, lead, published, september):
    client.force_login(lead)
    page = client.get(f"/performance/scorecards/{published.pk}/").content.decode()
    assert "33.3%" in page  # first-pass acceptance 1 of 3
    assert f'href="/batches/{september["b3"].pk}/"' in page  # the remediation batch, behind remediation on time
    assert "52.00 / 100" in page and "Material delivery risk" in page


def test_lead_copies_the_default_and_adapts_weights_thresholds_and_consequences(client, lead):
    default = services.default_template_ensure()
    client.force_login(lead)
    response = client.post(f"/performance/templates/{default.pk}/copy/", {"name": "Two KPIs"})
    copy = PerformanceTemplate.objects.get(name="Two KPIs")
    assert response["Location"] == f"/performance/templates/{copy.pk}/edit/"
    assert copy.kpis.count() == default.kpis.count()
    form = {
        "standing_periods": 3,
        "decay": "0.8",
        "drop_points": "3",
        "banner": "on",
        "first_pass_acceptance__keep": "on",
        "first_pass_acceptance__weight": "70",
        "first_pass_acceptance__direction": "higher",
        "first_pass_acceptance__thresholds": "0.8:3\n0.9:5",
        "breaches_per_10k__keep": "on",
        "breaches_per_10k__weight": "30",
        "breaches_per_10k__direction": "lower",
        "breaches_per_10k__thresholds": "5:3\n1:5",
    }
    assert client.post(f"/performance/templates/{copy.pk}/edit/", form).status_code == 302
    copy.refresh_from_db()
    assert {k.key: k.weight for k in copy.kpis.all()} == {"first_pass_acceptance": 70, "breaches_per_10k": 30}
    assert copy.standing_periods == 3 and not copy.warn_new_contracts and not copy.digest_drops
    bad = client.post(f"/performance/templates/{copy.pk}/edit/", {**form, "breaches_per_10k__thresholds": "1:3\n5:5"})
    assert bad.status_code == 200 and "must be below" in bad.content.decode()
    unbalanced = client.post(f"/performance/templates/{copy.pk}/edit/", {**form, "breaches_per_10k__weight": "20"})
    assert "add up to exactly 100" in unbalanced.content.decode()
    assert default.kpis.count() == 8  # the default is untouched


def test_an_assigned_template_scores_the_vendor(september, vendor_a, lead):
    default = services.default_template_ensure()
    copy = services.template_copy(template=default, name="FPA only", user=lead)
    rows = [
        {
            "key": "first_pass_acceptance",
            "weight": 100,
            "direction": "higher",
            "thresholds": [{"at": 0.3, "score": 3}, {"at": 0.9, "score": 5}],
        }
    ]
    services.template_update(template=copy, user=lead, kpis=rows, settings={})
    services.vendor_template_assign(vendor=vendor_a, template=copy, user=lead)
    scorecard = services.scorecard_compute(vendor=vendor_a, period=SEPTEMBER)
    # 1/3 reaches 0.3: score 3 -> 100 * 3 / 5 = 60.
    assert scorecard.score == 60 and scorecard.band == "viable_with_oversight"
    assert VendorPerformance.objects.get(vendor=vendor_a).template == copy


def test_vendor_page_banner_shows_the_standing_to_buyers_and_only_published_to_the_vendor(
    client, users, september, vendor_a, lead
):
    scorecard = services.scorecard_compute(vendor=vendor_a, period=SEPTEMBER)
    client.force_login(users[Role.VIEWER])
    assert "Performance standing: 52.00 / 100" in client.get(f"/vendors/{vendor_a.pk}/").content.decode()
    client.force_login(users[Role.VENDOR])
    assert "performance-banner" not in client.get(f"/vendors/{vendor_a.pk}/").content.decode()
    services.scorecard_publish(scorecard=scorecard, user=lead)
    assert "performance-banner" in client.get(f"/vendors/{vendor_a.pk}/").content.decode()


def test_quality_sla_step_of_a_reevaluation_shows_the_measured_kpis(client, lead, september, vendor_a):
    services.scorecard_compute(vendor=vendor_a, period=SEPTEMBER)
    evaluation = EvaluationFactory(vendor=vendor_a, template=default_template(), created_by=lead)
    steps = [d.name for d in evaluation.dimensions.all()]
    client.force_login(lead)
    quality = client.get(f"/scorecards/{evaluation.pk}/score/{steps.index('Quality SLA') + 1}/").content.decode()
    assert "Measured delivery quality" in quality and "33.3%" in quality
    other = client.get(f"/scorecards/{evaluation.pk}/score/{steps.index('Quality SLA') or 2}/").content.decode()
    assert "Measured delivery quality" not in other


def test_vendor_page_lists_quarters_and_a_lead_recomputes_an_unpublished_scorecard(client, lead, september, vendor_a):
    quarter = services.scorecard_compute(vendor=vendor_a, period=kpis.parse_period("2026-Q3"))
    client.force_login(lead)
    page = client.get(f"/performance/vendors/{vendor_a.pk}/").content.decode()
    assert 'id="quarters"' in page and "2026-Q3" in page
    september["b2"].verdict = "accepted"
    september["b2"].save()
    response = client.post("/performance/compute/", {"vendor": vendor_a.pk, "period": "2026-Q3"})
    assert response["Location"] == f"/performance/scorecards/{quarter.pk}/"
    quarter.refresh_from_db()
    assert quarter.first_pass_acceptance == 2 / 3
