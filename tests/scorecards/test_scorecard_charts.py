"""The chart builders of reports/figures.py shared by pages and, later, PDFs."""

from reports import figures

DIMENSIONS = ["Workforce model", "Security & compliance", "Quality SLA"]


def test_radar_has_one_closed_trace_per_vendor_on_a_1_to_5_axis():
    figure = figures.scorecard_radar(dimensions=DIMENSIONS, series=[("A", [4, 3.5, None]), ("B", [2, 2, 2])])
    first, second = figure.data
    assert (first.name, second.name) == ("A", "B")
    assert list(first.r) == [4, 3.5, 0, 4] and first.theta[0] == first.theta[-1] == "Workforce<br>model"
    assert tuple(figure.layout.polar.radialaxis.range) == (0, 5)


def test_comparison_bars_stack_points_per_dimension_and_label_totals():
    figure = figures.vendor_comparison_bars(dimensions=DIMENSIONS, series=[("A", [20, 15, 25]), ("B", [10, None, 5])])
    bars = [t for t in figure.data if t.type == "bar"]
    assert [b.name for b in bars] == DIMENSIONS
    assert list(bars[0].x) == [20, 10] and list(bars[1].x) == [15, None]
    labels = next(t for t in figure.data if t.type == "scatter")
    assert list(labels.text) == ["60.00", "15.00"]
    assert figure.layout.barmode == "stack"


def test_figure_data_is_plain_json():
    data = figures.figure_data(figures.scorecard_radar(dimensions=DIMENSIONS, series=[("A", [1, 2, 3])]))
    assert set(data) == {"data", "layout"}
    assert data["data"][0]["type"] == "scatterpolar"


def test_vendors_charts_align_dimensions_and_leave_a_missing_one_empty():
    """Vendors scored on different templates share one axis per dimension, in the order first seen."""
    vendors = [("A", {"Quality SLA": 4, "Workforce model": 3}), ("B", {"Workforce model": 2, "Pricing": 5})]
    radar = figures.vendors_radar(vendors=vendors)
    assert list(radar.data[0].theta) == ["Quality SLA", "Workforce<br>model", "Pricing", "Quality SLA"]
    assert list(radar.data[0].r) == [4, 3, 0, 4] and list(radar.data[1].r) == [0, 2, 5, 0]
    bars = [t for t in figures.vendors_bars(vendors=vendors).data if t.type == "bar"]
    assert [(b.name, list(b.x)) for b in bars] == [
        ("Quality SLA", [4, None]),
        ("Workforce model", [3, 2]),
        ("Pricing", [None, 5]),
    ]
