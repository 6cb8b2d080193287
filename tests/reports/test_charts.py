"""Charts that say what they show: points coloured by their own verdict, dates as dates, labels apart."""

import datetime as dt

from reports import figures

START = dt.datetime(2026, 9, 1, 17, tzinfo=dt.UTC)


def point(value, days=0, verdict="accepted", half_width=0.01):
    return {
        "batch": f"#{days}",
        "delivered": START + dt.timedelta(days=days),
        "value": value,
        "low": value - half_width,
        "high": value + half_width,
        "verdict": verdict,
    }


def markers(figure) -> dict[str, list[float]]:
    return {trace.name: list(trace.y) for trace in figure.data if trace.mode == "markers"}


def test_a_point_above_the_floor_is_never_red_whatever_the_batch_verdict():
    """A batch rejected for another term (safety routing) still meets its accuracy floor."""
    points = [point(0.96, 0, "rejected"), point(0.87, 7, "accepted"), point(0.905, 14, "accepted")]
    figure = figures.compliance_trend(measure="Accuracy", points=points, thresholds=[("floor", 0.9)], unit="share")
    assert markers(figure) == {"meets the terms": [0.96, 0.905], "fails": [0.87]}


def test_iaa_between_fail_line_and_target_is_amber_and_confidence_rule_is_respected():
    thresholds = [("target", 0.85), ("fails below", 0.78)]
    points = [point(0.80, 0), point(0.90, 7), point(0.70, 14), point(0.79, 21, half_width=0.05)]
    figure = figures.compliance_trend(measure="kappa", points=points, thresholds=thresholds, rule="confidence")
    assert markers(figure) == {
        "meets the terms": [0.90],
        "between the lines": [0.80],
        "too close to tell": [0.79],
        "fails": [0.70],
    }


def test_one_batch_keeps_a_date_axis_of_days():
    figure = figures.defect_rate_against_aql(points=[point(0.008)], ceiling=0.01, aql=1.0)
    axis = figure.layout.xaxis
    assert axis.type == "date" and axis.tickformat == "%Y-%m-%d"
    low, high = (dt.datetime.fromisoformat(str(bound)) for bound in axis.range)
    assert high - low == dt.timedelta(days=6)


def test_equal_lines_share_one_label_and_close_lines_are_pushed_apart():
    same = figures.defect_rate_against_aql(points=[point(0.008), point(0.02, 7)], ceiling=0.01, aql=1.0)
    assert [a.text for a in same.layout.annotations] == ["AQL and ceiling 1%"]

    close = figures.compliance_trend(
        measure="kappa", points=[point(0.5), point(0.95, 7)], thresholds=[("target", 0.80), ("fails below", 0.79)]
    )
    labels = sorted(close.layout.annotations, key=lambda a: a.y)
    assert [a.text for a in labels] == ["fails below 0.79", "target 0.80"]
    low, high = close.layout.yaxis.range
    assert labels[1].y - labels[0].y >= figures.LABEL_GAP * (high - low) - 1e-9


def trends(**terms):
    given = dict(
        accuracy=[point(0.95), point(0.97, 7)],
        iaa=[point(0.2), point(0.4, 7)],
        accuracy_metric="Accuracy",
        accuracy_unit="share",
        accuracy_floor=0.9,
        iaa_coefficient="Fleiss' kappa",
        iaa_min=0.8,
        iaa_fail_below=0.6,
        decision_rule="point",
    )
    return {kind: (title, figure) for kind, title, figure in figures.compliance_trends(**{**given, **terms})}


def hlines(figure) -> list[float]:
    return sorted(shape.y0 for shape in figure.layout.shapes)


def test_an_iaa_fail_line_at_zero_is_drawn_and_labelled():
    """Chance agreement (kappa 0.0) is a threshold a contract may set; a falsy test dropped it from the PDFs."""
    title, figure = trends(iaa_min=None, iaa_fail_below=0.0)["iaa"]
    assert title == "Fleiss' kappa"
    assert hlines(figure) == [0.0]
    assert [a.text for a in figure.layout.annotations] == ["fails below 0.00"]
    assert markers(figure) == {"meets the terms": [0.2, 0.4]}

    _, both = trends(iaa_min=0.3, iaa_fail_below=0.0)["iaa"]
    assert hlines(both) == [0.0, 0.3]


def test_a_trend_is_drawn_only_with_points_and_a_line_to_judge_them_by():
    assert list(trends()) == ["accuracy", "iaa"]
    assert list(trends(accuracy_floor=None, iaa_min=None, iaa_fail_below=None)) == []
    unmeasured = [{**point(0.5), "value": None}]
    assert list(trends(accuracy=unmeasured, iaa=unmeasured)) == []
    title, figure = trends()["accuracy"]
    assert title == "Accuracy against gold" and hlines(figure) == [0.9]


def test_headline_measures_list_accuracy_then_coefficients_in_table_order_with_units():
    metrics = {
        "accuracy": {"value": 0.93, "ci95": [0.9, 0.95], "n": 200},
        "agreement": {"fleiss_kappa": {"value": 0.0}, "percent_agreement": {"value": 0.81}, "unlisted": {}},
    }
    rows = figures.headline_measures(metrics)
    assert [(r["label"], r["unit"], r["measure"]["value"]) for r in rows] == [
        ("Accuracy against gold", "share", 0.93),
        ("Percent agreement", "share", 0.81),
        ("Fleiss' kappa", "coefficient", 0.0),
    ]
    assert figures.headline_measures(None) == []
