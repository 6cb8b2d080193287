"""The pages' plotly.js is a bundle of the trace types we draw: every chart builder's traces must be in it."""

import datetime as dt
import re

from reports import charts
from vendorscore.settings import BASE_DIR

ENTRY = BASE_DIR / "scripts/plotly/index.js"
BUNDLE = BASE_DIR / "static/vendor/plotly-vendorscore.min.js"


def _every_figure():
    when = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    point = {"batch": "#1", "delivered": when, "value": 0.9, "low": 0.88, "high": 0.92, "verdict": "accepted"}
    dense = [{**point, "delivered": when + dt.timedelta(days=i)} for i in range(charts.DENSE_POINTS + 1)]
    series = [("A", [4.0, 3.0]), ("B", [2.0, 5.0])]
    return [
        charts.scorecard_radar(dimensions=["x", "y"], series=series),
        charts.vendor_comparison_bars(dimensions=["x", "y"], series=series),
        charts.compliance_trend(measure="m", points=[point], thresholds=[("floor", 0.85)]),
        charts.compliance_trend(measure="m", points=dense, thresholds=[("floor", 0.95)]),
        charts.defect_rate_against_aql(points=[point], ceiling=0.01, aql=1.0),
        charts.confusion_heatmap(labels=["a", "b"], counts=[[3, 1], [0, 4]]),
        charts.annotator_accuracy(
            rows=[{"annotator": "x", "value": 0.9, "low": 0.8, "high": 0.95, "n": 30, "outlier": False}],
            reference=0.92,
        ),
        charts.breaches_over_time(months=["2026-09"], series=[("Accuracy", [2])]),
    ]


def test_every_trace_type_we_draw_is_in_the_pages_plotly_bundle():
    drawn = {trace.type for figure in _every_figure() for trace in figure.data}
    registered = {"scatter"} | set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", ENTRY.read_text()))
    registered.discard("core")
    assert drawn <= registered, f"add {sorted(drawn - registered)} to {ENTRY} and run scripts/plotly/build.sh"
    header = BUNDLE.read_text(encoding="utf-8")[:300]
    for trace in registered - {"scatter"}:
        assert trace in header, f"{BUNDLE.name} was built without {trace}: run scripts/plotly/build.sh"
