"""Chart builders: one function per chart, each returning a plotly figure.

Pages embed the figure's JSON and draw it with the plotly.js served from ``static/``;
PDF reports render the same figures to images, so a chart looks alike in both. The
functions take plain numbers and names, not models, so any caller can feed them.
"""

import json
from collections.abc import Sequence

import plotly.graph_objects as go

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


VERDICT_COLOURS = {"accepted": "#15803d", "rejected": "#b91c1c", "inconclusive": "#a16207", "": "#6b7280"}


def compliance_trend(
    *,
    measure: str,
    points: Sequence[dict],
    thresholds: Sequence[tuple[str, float]],
) -> go.Figure:
    """One measure of successive batches with its 95% intervals, coloured by verdict, and the contract's lines.

    ``points``: dicts with ``batch`` (label), ``delivered`` (date or datetime), ``value``,
    ``low``, ``high`` and ``verdict``; ``thresholds``: (name, value) drawn as dashed lines.
    """
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[p["delivered"] for p in points],
            y=[p["value"] for p in points],
            mode="lines+markers",
            name=measure,
            line=dict(color="#9ca3af", width=1),
            marker=dict(size=10, color=[VERDICT_COLOURS.get(p["verdict"], "#6b7280") for p in points]),
            error_y=dict(
                type="data",
                symmetric=False,
                array=[(p["high"] - p["value"]) if p["high"] is not None else 0 for p in points],
                arrayminus=[(p["value"] - p["low"]) if p["low"] is not None else 0 for p in points],
                color="#9ca3af",
                thickness=1,
            ),
            text=[p["batch"] for p in points],
            hovertemplate="%{text}<br>%{y:.4f}<extra></extra>",
        )
    )
    for index, (name, value) in enumerate(thresholds):
        figure.add_hline(
            y=value,
            line=dict(color="#b91c1c" if index == len(thresholds) - 1 else "#1d4ed8", dash="dash", width=1.5),
            annotation_text=f"{name} {value:g}",
            annotation_position="bottom left" if index == len(thresholds) - 1 else "top right",
        )
    figure.update_layout(
        **_layout(
            height=300, showlegend=False, yaxis=dict(title=measure, tickformat=".2f"), xaxis=dict(title="delivered")
        )
    )
    return figure
