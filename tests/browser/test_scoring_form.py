"""The scoring form driven in headless Chromium, as a procurement lead scores a vendor."""

import pytest

from tests.factories import EvaluationFactory, default_template
from vendorscore.scorecards import scoring
from vendorscore.scorecards.models import Evaluation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One rating per criterion of the default framework, in order (3 + 4 + 4 + 2 + 4 criteria).
RATINGS = [5, 4, 4, 3, 2, 4, 3, 4, 5, 3, 4, 2, 3, 5, 4, 4, 3]
RED_FLAG = "No IAA tracking by task type"


def expected_result(template):
    """What the arithmetic predicts for RATINGS on the template's weights."""
    ratings = iter(RATINGS)
    dimensions = [
        scoring.Dimension(
            d.name, d.weight, tuple(scoring.Criterion(c.name, (next(ratings),)) for c in d.criteria.all())
        )
        for d in template.dimensions.prefetch_related("criteria")
    ]
    return scoring.evaluate(dimensions)


def test_lead_scores_every_criterion_ticks_a_red_flag_submits_and_sees_the_predicted_total(
    login, lead, vendor_a, live_server
):
    template = default_template()
    expected = expected_result(template)
    page = login(lead)
    page.click("nav.mainnav >> text=Scorecards")
    page.click("text=New evaluation")
    page.select_option("#id_vendor", str(vendor_a.pk))
    page.select_option("#id_template", str(template.pk))
    page.fill("#id_program", "Clinical NER 2025")
    page.click("button:has-text('Start scoring')")

    ratings = iter(RATINGS)
    for step, dimension in enumerate(template.dimensions.prefetch_related("criteria"), start=1):
        page.wait_for_url(f"**/score/{step}/")
        assert dimension.name in page.locator("section.card h2").first.inner_text()
        for criterion in dimension.criteria.all():
            block = page.locator(f'.criterion[data-criterion="{criterion.name}"]')
            block.locator(f"label:has-text('{next(ratings)} · ')").click()
            block.locator("textarea").fill(f"Evidence for {criterion.name}")
        if dimension.name == "Quality SLA":
            page.locator(f"label.check:has-text('{RED_FLAG}') input").check()
        page.click("button[value=next]")

    evaluation = Evaluation.objects.get(vendor=vendor_a)
    page.wait_for_url(f"{live_server.url}/scorecards/{evaluation.pk}/")
    page.click("button:has-text('Submit for review')")
    page.wait_for_selector("text=Evaluation submitted for review.")

    assert page.locator("#status").inner_text() == "Submitted"
    assert page.locator("#total").inner_text().startswith(str(scoring.for_display(expected.total)))
    assert page.locator("#band").get_attribute("data-band") == expected.band
    assert page.locator("#band").inner_text() == scoring.BAND_LABELS[expected.band]
    assert RED_FLAG in page.locator("#raised-flags").inner_text()
    points = page.locator("#dimensions tr.dimension-row td[data-points]").all_inner_texts()
    assert points == [str(scoring.for_display(d.points)) for d in expected.dimensions]


def test_a_note_without_a_score_is_refused_and_the_typed_text_stays(login, lead, vendor_a, live_server):
    evaluation = EvaluationFactory(vendor=vendor_a, template=default_template())
    page = login(lead)
    page.goto(f"{live_server.url}/scorecards/{evaluation.pk}/score/1/")
    tenure = page.locator('.criterion[data-criterion="Annotator tenure"]')
    tenure.locator("textarea").fill("Asked for the HR export; not received yet.")
    page.click("button[value=next]")

    assert "Choose a score to save this note or evidence." in tenure.inner_text()
    assert tenure.locator("textarea").input_value() == "Asked for the HR export; not received yet."
    assert page.url.endswith(f"/scorecards/{evaluation.pk}/score/1/")
