"""The chart builders of reports/charts.py shared by pages and, later, PDFs."""

from reports import charts

DIMENSIONS = ["Workforce model", "Security & compliance", "Quality SLA"]


def test_radar_has_one_closed_trace_per_vendor_on_a_1_to_5_axis():
    figure = charts.scorecard_radar(dimensions=DIMENSIONS, series=[("A", [4, 3.5, None]), ("B", [2, 2, 2])])
    first, second = figure.data
    assert (first.name, second.name) == ("A", "B")
    assert list(first.r) == [4, 3.5, 0, 4] and first.theta[0] == first.theta[-1] == "Workforce<br>model"
    assert tuple(figure.layout.polar.radialaxis.range) == (0, 5)


def test_comparison_bars_stack_points_per_dimension_and_label_totals():
    figure = charts.vendor_comparison_bars(dimensions=DIMENSIONS, series=[("A", [20, 15, 25]), ("B", [10, None, 5])])
    bars = [t for t in figure.data if t.type == "bar"]
    assert [b.name for b in bars] == DIMENSIONS
    assert list(bars[0].x) == [20, 10] and list(bars[1].x) == [15, None]
    labels = next(t for t in figure.data if t.type == "scatter")
    assert list(labels.text) == ["60.00", "15.00"]
    assert figure.layout.barmode == "stack"


def test_figure_data_is_plain_json():
    data = charts.figure_data(charts.scorecard_radar(dimensions=DIMENSIONS, series=[("A", [1, 2, 3])]))
    assert set(data) == {"data", "layout"}
    assert data["data"][0]["type"] == "scatterpolar"
