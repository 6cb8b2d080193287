"""Figures shared by pages and PDF reports: headline measures and charts, one builder for each.

Pages embed a chart's JSON and draw it with the plotly.js served from ``static/``; PDF
reports render the same figures to images, so a chart looks alike in both. Pure: the
builders take plain numbers, names and dicts (callers read them through selectors), never
models, so any caller can feed them and a test needs no database.
"""

import datetime as dt
import json
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from sla import checks, formatting

PALETTE = ["#1d4ed8", "#b45309", "#15803d", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a21caf"]
FONT = dict(family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif", size=13)
MAX_RATING = 5


def _layout(**extra) -> dict:
    return dict(
        template="plotly_white",
        font=FONT,
        margin=dict(l=40, r=40, t=30, b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="center", x=0.5),
        paper_bgcolor="rgba(0,0,0,0)",
        **extra,
    )


def scorecard_radar(*, dimensions: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> go.Figure:
    """Dimension scores (1-5) of one or more vendors on a radar, one closed trace per vendor.

    Scores rather than points, so vendors evaluated with different weights stay comparable
    in shape; a dimension without a score is drawn at the centre.
    """
    figure = go.Figure()
    dimensions = [_two_lines(d) for d in dimensions]
    for index, (name, scores) in enumerate(series):
        values = [0 if s is None else float(s) for s in scores]
        color = PALETTE[index % len(PALETTE)]
        figure.add_trace(
            go.Scatterpolar(
                r=[*values, values[0]] if values else [],
                theta=[*dimensions, dimensions[0]] if dimensions else [],
                name=name,
                fill="toself",
                opacity=0.75,
                line=dict(color=color, width=2),
                hovertemplate="%{theta}: %{r:.2f} / 5<extra>" + name + "</extra>",
            )
        )
    layout = _layout(
        polar=dict(radialaxis=dict(range=[0, MAX_RATING], tickvals=[1, 2, 3, 4, 5], angle=90, tickangle=90)),
        showlegend=len(series) > 1,
        height=440,
    )
    layout["margin"] = dict(l=90, r=90, t=40, b=40)
    figure.update_layout(**layout)
    return figure


def vendor_comparison_bars(
    *, dimensions: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> go.Figure:
    """Each vendor's weighted points stacked by dimension, so the bar's length is its total out of 100."""
    vendors = [name for name, _ in series]
    figure = go.Figure()
    for index, dimension in enumerate(dimensions):
        points = [None if values[index] is None else float(values[index]) for _, values in series]
        figure.add_trace(
            go.Bar(
                y=vendors,
                x=points,
                name=dimension,
                orientation="h",
                marker=dict(color=PALETTE[index % len(PALETTE)]),
                hovertemplate="%{y}<br>" + dimension + ": %{x:.2f} points<extra></extra>",
            )
        )
    totals = [sum(float(v) for v in values if v is not None) for _, values in series]
    figure.add_trace(
        go.Scatter(
            y=vendors,
            x=totals,
            mode="text",
            text=[f"{t:.2f}" for t in totals],
            textposition="middle right",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    layout = _layout(
        barmode="stack",
        xaxis=dict(range=[0, 110], title="Weighted points (total out of 100)", tickvals=[0, 20, 40, 60, 75, 100]),
        yaxis=dict(autorange="reversed", automargin=True),
        height=max(300, 160 + 60 * len(vendors)),
        shapes=[_band_edge(60), _band_edge(75)],
    )
    layout["legend"] = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, traceorder="normal")
    layout["margin"] = dict(l=20, r=20, t=70, b=50)
    figure.update_layout(**layout)
    return figure


def _two_lines(label: str, width: int = 14) -> str:
    """Break a long axis label at the space nearest its middle, so radar labels fit beside the chart."""
    if len(label) <= width or " " not in label:
        return label
    middle = len(label) / 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return f"{label[:cut]}<br>{label[cut + 1 :]}"


def _band_edge(x: float) -> dict:
    return dict(type="line", x0=x, x1=x, yref="paper", y0=0, y1=1, line=dict(color="#9ca3af", dash="dot", width=1))


def figure_data(figure: go.Figure) -> dict:
    """The figure as plain JSON data, for ``json_script`` and ``Plotly.newPlot``."""
    return json.loads(figure.to_json())


# Headline measures ------------------------------------------------------------------------


def headline_measures(metrics: dict | None) -> list[dict]:
    """A metrics document's headline measures, labelled for people, in the table's order, with their unit.

    ``[{"label", "unit", "measure"}]``, ``measure`` as the document has it (``value``,
    ``ci95``, ``n``, ``note``): accuracy against gold first, then every agreement coefficient
    the document holds. The batch page and the batch report list the same rows.
    """
    metrics = metrics or {}
    rows = []
    if metrics.get("accuracy"):
        rows.append({"label": "Accuracy against gold", "unit": formatting.SHARE, "measure": metrics["accuracy"]})
    agreement = metrics.get("agreement") or {}
    rows += [
        {
            "label": label,
            "unit": formatting.SHARE if name == "percent_agreement" else formatting.COEFFICIENT,
            "measure": agreement[name],
        }
        for name, label in formatting.MEASURE_LABELS.items()
        if name in agreement
    ]
    return rows


# Radar and bars of vendors' scorecards ------------------------------------------------------


def vendors_radar(*, vendors: Sequence[tuple[str, Mapping[str, float | None]]]) -> go.Figure:
    """``scorecard_radar`` of vendors given as (name, {dimension: score}); see ``_dimension_series``."""
    dimensions, series = _dimension_series(vendors)
    return scorecard_radar(dimensions=dimensions, series=series)


def vendors_bars(*, vendors: Sequence[tuple[str, Mapping[str, float | None]]]) -> go.Figure:
    """``vendor_comparison_bars`` of vendors given as (name, {dimension: weighted points})."""
    dimensions, series = _dimension_series(vendors)
    return vendor_comparison_bars(dimensions=dimensions, series=series)


def _dimension_series(vendors) -> tuple[list[str], list[tuple[str, list]]]:
    """Every dimension any vendor has, in the order they first appear, and each vendor's values along them.

    Vendors evaluated with different templates may lack a dimension: theirs is None there.
    """
    dimensions = list(dict.fromkeys(name for _, values in vendors for name in values))
    return dimensions, [(vendor, [values.get(name) for name in dimensions]) for vendor, values in vendors]


# Compliance trends ------------------------------------------------------------------------


def iaa_thresholds(
    *, target: float | None, fail_below: float | None, fail_name: str = "fails below"
) -> list[tuple[str, float]]:
    """The IAA lines a contract's terms draw: its target and its fail line, each when the terms set it.

    A line at 0.0 is a line (a kappa of zero is chance agreement, a real threshold); only
    a term left unset draws none.
    """
    lines = (("target", target), (fail_name, fail_below))
    return [(name, value) for name, value in lines if value is not None]


def compliance_trends(
    *,
    accuracy: Sequence[dict],
    iaa: Sequence[dict],
    accuracy_metric: str,
    accuracy_unit: str,
    accuracy_floor: float | None,
    iaa_coefficient: str,
    iaa_min: float | None,
    iaa_fail_below: float | None,
    decision_rule: str,
) -> list[tuple[str, str, go.Figure]]:
    """A task type's trend charts as (kind, title, figure): accuracy against its floor, IAA against its lines.

    ``accuracy`` and ``iaa`` are ``compliance_trend`` points; points without a value are
    left out, and a chart is drawn only when it has points and the terms draw a line.
    """
    trends = []
    accuracy = [p for p in accuracy if p["value"] is not None]
    if accuracy and accuracy_floor is not None:
        title = f"{accuracy_metric} against gold"
        figure = compliance_trend(
            measure=title,
            points=accuracy,
            thresholds=[("floor", accuracy_floor)],
            unit=accuracy_unit,
            rule=decision_rule,
        )
        trends.append(("accuracy", title, figure))
    iaa = [p for p in iaa if p["value"] is not None]
    lines = iaa_thresholds(target=iaa_min, fail_below=iaa_fail_below)
    if iaa and lines:
        figure = compliance_trend(measure=iaa_coefficient, points=iaa, thresholds=lines, rule=decision_rule)
        trends.append(("iaa", iaa_coefficient, figure))
    return trends


DENSE_POINTS = 40
# Each point's own verdict against the lines drawn (sla.checks decides it, as for the finding).
POINT_STYLES = {
    checks.PASS: ("meets the terms", "#15803d", "circle"),
    checks.BELOW_TARGET: ("between the lines", "#d97706", "circle"),
    checks.INCONCLUSIVE: ("too close to tell", "#a16207", "circle-open"),
    checks.FAIL: ("fails", "#b91c1c", "diamond"),
}
LABEL_GAP = 0.1  # threshold labels at least this share of the y-range apart
SINGLE_DAY_PADDING = dt.timedelta(days=3)


def point_verdict(point: dict, lines: Sequence[float], *, at_most: bool = False, rule: str = "point") -> str:
    """A point's verdict against the lines drawn: the fail line decides, a target or AQL line warns.

    For a measure that must be high (accuracy, IAA) the lowest line is the fail line and a
    value under a higher line (the target) is ``below_target``; for a rate that must be low
    (defects) the highest line is the ceiling and a value over a lower one (the AQL) warns.
    ``rule`` is the contract's decision rule, so a point is coloured as its finding is decided.
    """
    value, ci95 = point["value"], (point["low"], point["high"]) if point.get("low") is not None else None
    if at_most:
        verdict = checks.decide_at_most(value, max(lines), ci95, rule)
        warn = value > min(lines)
    else:
        verdict = checks.decide_at_least(value, min(lines), ci95, rule)
        warn = value < max(lines)
    return checks.BELOW_TARGET if verdict == checks.PASS and warn else verdict


def compliance_trend(
    *,
    measure: str,
    points: Sequence[dict],
    thresholds: Sequence[tuple[str, float]],
    unit: str = formatting.COEFFICIENT,
    at_most: bool = False,
    rule: str = "point",
) -> go.Figure:
    """One measure of successive batches with its 95% intervals and the contract's lines.

    ``points``: dicts with ``batch`` (label), ``delivered`` (date or datetime), ``value``,
    ``low`` and ``high``; ``thresholds``: (name, value) drawn as dashed lines. Each point is
    coloured by its own verdict against those lines (``point_verdict``), never by the batch's
    verdict, which another term may have decided: a red point is always on the wrong side of
    the red line. The lines' labels sit in the right margin, pushed apart so they never
    overlap, and lines at the same height share one label. With one batch (or all on one
    day) the date axis still spans days, not milliseconds.

    Up to ``DENSE_POINTS`` batches each point is a marker with an error bar; beyond, markers
    would overlap, so the intervals become one shaded band and only the points that do not
    meet the terms keep a marker: readable (and light to draw in a PDF) at hundreds of batches.
    """
    figure = go.Figure()
    lines = [value for _, value in thresholds]
    verdicts = [point_verdict(p, lines, at_most=at_most, rule=rule) if lines else checks.PASS for p in points]
    dense = len(points) > DENSE_POINTS
    if dense:
        _interval_band(figure, points)
    figure.add_trace(
        go.Scatter(
            x=[p["delivered"] for p in points],
            y=[p["value"] for p in points],
            mode="lines",
            line=dict(color="#9ca3af", width=1),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    hover = "%{text}<br>%{x|%Y-%m-%d}: %{y:" + (".2%" if unit == formatting.SHARE else ".4f") + "}<extra></extra>"
    for verdict, (name, colour, symbol) in POINT_STYLES.items():
        chosen = [p for p, v in zip(points, verdicts, strict=True) if v == verdict]
        if not chosen or (dense and verdict == checks.PASS):
            continue
        figure.add_trace(
            go.Scatter(
                x=[p["delivered"] for p in chosen],
                y=[p["value"] for p in chosen],
                mode="markers",
                name=name,
                marker=dict(size=6 if dense else 10, color=colour, symbol=symbol, line=dict(width=2, color=colour)),
                error_y=None if dense else _error_bars(chosen),
                text=[p["batch"] for p in chosen],
                hovertemplate=hover,
            )
        )
    low, high = _y_range(points, lines, at_most=at_most)
    for value in lines:
        failing = value == (max(lines) if at_most else min(lines))
        figure.add_hline(y=value, line=dict(color="#b91c1c" if failing else "#1d4ed8", dash="dash", width=1.5))
    figure.update_layout(
        **_layout(
            height=300,
            showlegend=True,
            annotations=_line_labels(thresholds, unit, low, high),
            yaxis=dict(
                title=measure,
                range=[low, high],
                tickformat=".0%" if unit == formatting.SHARE else ".2f",
                fixedrange=True,
            ),
            xaxis=_date_axis([p["delivered"] for p in points]),
        )
    )
    figure.update_layout(
        margin=dict(l=60, r=120, t=36, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=11)),
    )
    return figure


def _y_range(points: Sequence[dict], lines: Sequence[float], *, at_most: bool) -> tuple[float, float]:
    """The y-axis span: every point, interval and line, padded; rates start at zero."""
    values = [*lines]
    for p in points:
        values += [v for v in (p["value"], p.get("low"), p.get("high")) if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = max((high - low) * 0.12, 0.01)
    return (0.0 if at_most else low - pad), high + pad


def _line_labels(thresholds: Sequence[tuple[str, float]], unit: str, low: float, high: float) -> list[dict]:
    """Labels of the lines in the right margin: equal lines share one, the rest are pushed LABEL_GAP apart."""
    merged: dict[float, list[str]] = {}
    for name, value in thresholds:
        merged.setdefault(value, []).append(name)
    labels = sorted(
        (value, f"{' and '.join(names)} {formatting.limit(value, unit)}") for value, names in merged.items()
    )
    gap = (high - low) * LABEL_GAP
    placed: list[float] = []
    for value, _ in labels:
        placed.append(max(value, placed[-1] + gap) if placed else value)
    overshoot = (placed[-1] - high + gap / 2) if placed else 0
    if overshoot > 0:
        placed = [y - overshoot for y in placed]
    return [
        dict(
            xref="paper",
            x=1.01,
            xanchor="left",
            yref="y",
            y=y,
            text=text,
            showarrow=False,
            font=dict(size=11),
            align="left",
        )
        for (_, text), y in zip(labels, placed, strict=True)
    ]


def _date_axis(moments: Sequence) -> dict:
    """A date axis that shows dates: with one batch, or all on one day, it spans a week around them."""
    axis = dict(title="delivered", type="date", tickformat="%Y-%m-%d", hoverformat="%Y-%m-%d %H:%M")
    if moments:
        first, last = min(moments), max(moments)
        if last - first < dt.timedelta(days=1):
            axis["range"] = [first - SINGLE_DAY_PADDING, last + SINGLE_DAY_PADDING]
    return axis


def _error_bars(points: Sequence[dict]) -> dict:
    return dict(
        type="data",
        symmetric=False,
        array=[(p["high"] - p["value"]) if p["high"] is not None else 0 for p in points],
        arrayminus=[(p["value"] - p["low"]) if p["low"] is not None else 0 for p in points],
        color="#9ca3af",
        thickness=1,
    )


def _interval_band(figure: go.Figure, points: Sequence[dict]) -> None:
    """The 95% intervals as a shaded band between the upper and the lower bounds."""
    x = [p["delivered"] for p in points]
    for bound, fill in (("high", None), ("low", "tonexty")):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[p[bound] if p[bound] is not None else p["value"] for p in points],
                mode="lines",
                line=dict(width=0, color="#cbd5e1"),
                fill=fill,
                fillcolor="rgba(148, 163, 184, 0.3)",
                hoverinfo="skip",
                showlegend=False,
            )
        )


def defect_rate_against_aql(*, points: Sequence[dict], ceiling: float | None, aql: float | None) -> go.Figure:
    """QA-sampled defect rate of successive batches against the contract's ceiling and its AQL.

    ``points`` as for ``compliance_trend`` (rates in 0-1); ``aql`` is in percent defective, as
    the contract states it. The AQL is the quality the sampling plan accepts most of the time,
    the ceiling the rate that fails a batch, so a run of points between them is an early warning.
    """
    lines = [(name, value) for name, value in (("AQL", aql / 100 if aql is not None else None), ("ceiling", ceiling))]
    figure = compliance_trend(
        measure="defect rate",
        points=points,
        thresholds=[(n, v) for n, v in lines if v is not None],
        unit=formatting.SHARE,
        at_most=True,
    )
    figure.update_layout(yaxis=dict(tickformat=".1%"))
    return figure


def confusion_heatmap(*, labels: Sequence[str], counts: Sequence[Sequence[int]]) -> go.Figure:
    """Gold label (rows) against annotated label (columns), shaded by the share of each gold row.

    Shading by row share rather than count, so a rare label's confusions are as visible as a
    common one's; the cell text keeps the counts the shares come from.
    """
    shares = []
    for row in counts:
        total = sum(row)
        shares.append([cell / total if total else 0 for cell in row])
    figure = go.Figure(
        go.Heatmap(
            z=shares,
            x=list(labels),
            y=list(labels),
            text=[[str(cell) for cell in row] for row in counts],
            texttemplate="%{text}",
            colorscale=[[0, "#f8fafc"], [1, "#1d4ed8"]],
            zmin=0,
            zmax=1,
            colorbar=dict(title=dict(text="share of row", side="right"), tickformat=".0%"),
            hovertemplate="gold %{y}, annotated %{x}: %{text}<extra></extra>",
        )
    )
    side = max(320, 120 + 48 * len(labels))
    figure.update_layout(
        **_layout(
            height=side,
            xaxis=dict(title="annotated", side="bottom", automargin=True),
            yaxis=dict(title="gold", autorange="reversed", automargin=True),
        )
    )
    return figure


def annotator_accuracy(*, rows: Sequence[dict], reference: float | None, reference_name: str = "batch") -> go.Figure:
    """Each annotator's accuracy against gold with its 95% interval; outliers in red.

    ``rows``: dicts with ``annotator``, ``value``, ``low``, ``high``, ``n`` and ``outlier``
    (the caller decides what an outlier is, so pages and PDFs mark the same people).
    """
    colours = ["#b91c1c" if r["outlier"] else "#1d4ed8" for r in rows]
    names = [r["annotator"] for r in rows]
    figure = go.Figure(
        go.Scatter(
            x=[r["value"] for r in rows],
            y=names,
            mode="markers",
            marker=dict(size=9, color=colours, symbol=["diamond" if r["outlier"] else "circle" for r in rows]),
            error_x=dict(
                type="data",
                symmetric=False,
                array=[r["high"] - r["value"] for r in rows],
                arrayminus=[r["value"] - r["low"] for r in rows],
                color="#9ca3af",
                thickness=1,
            ),
            text=[f"n = {r['n']}" for r in rows],
            hovertemplate="%{y}: %{x:.3f} (%{text})<extra></extra>",
        )
    )
    if reference is not None:
        figure.add_vline(
            x=reference, line=dict(color="#6b7280", dash="dash"), annotation_text=f"{reference_name} {reference:.3f}"
        )
    figure.update_layout(
        **_layout(
            height=max(240, 90 + 15 * len(rows)),
            showlegend=False,
            xaxis=dict(title="accuracy against gold", range=[0, 1.02], tickformat=".0%"),
            yaxis=dict(autorange="reversed", automargin=True, type="category", dtick=1),
        )
    )
    return figure


def breaches_over_time(*, months: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> go.Figure:
    """Breaches opened per month, stacked by the SLA term that failed."""
    figure = go.Figure()
    for index, (term, counts) in enumerate(series):
        figure.add_trace(
            go.Bar(
                x=list(months),
                y=list(counts),
                name=term,
                marker=dict(color=PALETTE[index % len(PALETTE)]),
                hovertemplate="%{x}: %{y} " + term + "<extra></extra>",
            )
        )
    figure.update_layout(
        **_layout(
            barmode="stack", height=300, yaxis=dict(title="breaches opened", dtick=1), xaxis=dict(type="category")
        )
    )
    return figure


# Vendor performance (monthly scorecards) ---------------------------------------------------

SCORE_COLOURS = {1: "#b91c1c", 2: "#c2410c", 3: "#a16207", 4: "#4d7c0f", 5: "#15803d", None: "#6b7280"}
BAND_LINES = ((60, "viable from 60"), (75, "enterprise-grade from 75"))


def _band_lines(figure: go.Figure) -> None:
    for value, name in BAND_LINES:
        figure.add_hline(
            y=value,
            line=dict(color="#9ca3af", dash="dot", width=1),
            annotation_text=name,
            annotation_position="top left",
        )


def standing_history(*, periods: Sequence[str], scores: Sequence, standings: Sequence) -> go.Figure:
    """A vendor's period scores and its recency-weighted standing, month by month, against the band edges."""
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=list(periods),
            y=[_num(s) for s in scores],
            mode="markers",
            name="period score",
            marker=dict(size=9, color=PALETTE[1]),
        )
    )
    figure.add_trace(
        go.Scatter(
            x=list(periods),
            y=[_num(s) for s in standings],
            mode="lines+markers",
            name="standing",
            line=dict(color=PALETTE[0], width=2),
        )
    )
    _band_lines(figure)
    figure.update_layout(**_layout(height=300, yaxis=dict(title="0-100", range=[0, 100]), xaxis=dict(type="category")))
    return figure


def kpi_history(
    *, name: str, periods: Sequence[str], values: Sequence, scores: Sequence, thresholds: Sequence[tuple[int, float]]
) -> go.Figure:
    """One KPI's value month by month, each point coloured by the 1-5 score it earned, with the score bounds."""
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=list(periods),
            y=list(values),
            mode="lines+markers",
            name=name,
            line=dict(color="#9ca3af", width=1),
            marker=dict(size=11, color=[SCORE_COLOURS.get(s, "#6b7280") for s in scores]),
            text=[f"score {s}" if s else "no data" for s in scores],
            hovertemplate="%{x}: %{y:.4f}<br>%{text}<extra></extra>",
        )
    )
    for score, bound in thresholds:
        figure.add_hline(
            y=bound,
            line=dict(color=SCORE_COLOURS.get(score, "#6b7280"), dash="dash", width=1),
            annotation_text=f"{score}",
            annotation_position="right",
        )
    figure.update_layout(**_layout(height=280, showlegend=False, yaxis=dict(title=name), xaxis=dict(type="category")))
    return figure


def standings_comparison(*, periods: Sequence[str], series: Sequence[tuple[str, Sequence]]) -> go.Figure:
    """Several vendors' standings over the same months."""
    figure = go.Figure()
    for index, (vendor, values) in enumerate(series):
        figure.add_trace(
            go.Scatter(
                x=list(periods),
                y=[_num(v) for v in values],
                mode="lines+markers",
                name=vendor,
                line=dict(color=PALETTE[index % len(PALETTE)], width=2),
                connectgaps=False,
            )
        )
    _band_lines(figure)
    figure.update_layout(
        **_layout(height=340, yaxis=dict(title="standing", range=[0, 100]), xaxis=dict(type="category"))
    )
    return figure


def _num(value):
    return None if value is None else float(value)
