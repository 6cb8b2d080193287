"""Plotly figures of performance pages, styled like ``reports/charts.py`` and drawn by ``static/js/charts.js``."""

from collections.abc import Sequence

import plotly.graph_objects as go

from reports.charts import PALETTE, _layout

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
