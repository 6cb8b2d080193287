"""Charts that say what they show: points coloured by their own verdict, dates as dates, labels apart."""

import datetime as dt

from reports import charts

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
    figure = charts.compliance_trend(measure="Accuracy", points=points, thresholds=[("floor", 0.9)], unit="share")
    assert markers(figure) == {"meets the terms": [0.96, 0.905], "fails": [0.87]}


def test_iaa_between_fail_line_and_target_is_amber_and_confidence_rule_is_respected():
    thresholds = [("target", 0.85), ("fails below", 0.78)]
    points = [point(0.80, 0), point(0.90, 7), point(0.70, 14), point(0.79, 21, half_width=0.05)]
    figure = charts.compliance_trend(measure="kappa", points=points, thresholds=thresholds, rule="confidence")
    assert markers(figure) == {
        "meets the terms": [0.90],
        "between the lines": [0.80],
        "too close to tell": [0.79],
        "fails": [0.70],
    }


def test_one_batch_keeps_a_date_axis_of_days():
    figure = charts.defect_rate_against_aql(points=[point(0.008)], ceiling=0.01, aql=1.0)
    axis = figure.layout.xaxis
    assert axis.type == "date" and axis.tickformat == "%Y-%m-%d"
    low, high = (dt.datetime.fromisoformat(str(bound)) for bound in axis.range)
    assert high - low == dt.timedelta(days=6)


def test_equal_lines_share_one_label_and_close_lines_are_pushed_apart():
    same = charts.defect_rate_against_aql(points=[point(0.008), point(0.02, 7)], ceiling=0.01, aql=1.0)
    assert [a.text for a in same.layout.annotations] == ["AQL and ceiling 1%"]

    close = charts.compliance_trend(
        measure="kappa", points=[point(0.5), point(0.95, 7)], thresholds=[("target", 0.80), ("fails below", 0.79)]
    )
    labels = sorted(close.layout.annotations, key=lambda a: a.y)
    assert [a.text for a in labels] == ["fails below 0.79", "target 0.80"]
    low, high = close.layout.yaxis.range
    assert labels[1].y - labels[0].y >= charts.LABEL_GAP * (high - low) - 1e-9
