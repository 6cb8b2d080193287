"""The pages' plotly.js is a bundle of the trace types we draw: every trace any chart module builds must be in it."""

import re

import plotly.graph_objects as go

from vendorscore.settings import BASE_DIR

ENTRY = BASE_DIR / "scripts/plotly/index.js"
BUNDLE = BASE_DIR / "static/vendor/plotly-vendorscore.min.js"
NOT_TRACES = {"Figure", "Layout", "FigureWidget"}


def _traces_built_in_the_code() -> set[str]:
    """Every ``go.<Trace>(`` in our modules, as plotly.js trace type names (go.Scatterpolar -> scatterpolar)."""
    names = set()
    for app in ("reports", "sla", "vendorscore", "scorecards", "performance"):
        for path in (BASE_DIR / app).rglob("*.py"):
            names |= set(re.findall(r"\bgo\.([A-Z]\w+)\(", path.read_text(encoding="utf-8")))
    return {getattr(go, name)().type for name in names - NOT_TRACES}


def test_every_trace_type_we_draw_is_in_the_pages_plotly_bundle():
    drawn = _traces_built_in_the_code()
    assert {"scatter", "bar", "scatterpolar"} <= drawn  # the scan finds the charts we know of
    registered = {"scatter"} | set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", ENTRY.read_text()))
    registered.discard("core")
    assert drawn <= registered, f"add {sorted(drawn - registered)} to {ENTRY} and run scripts/plotly/build.sh"
    header = BUNDLE.read_text(encoding="utf-8")[:300]
    for trace in registered - {"scatter"}:
        assert trace in header, f"{BUNDLE.name} was built without {trace}: run scripts/plotly/build.sh"


def test_every_page_loads_the_bundle_not_the_full_plotly():
    templates = (BASE_DIR / "templates").rglob("*.html")
    full = [path.name for path in templates if "vendor/plotly.min.js" in path.read_text(encoding="utf-8")]
    assert full == []
