"""The pure arithmetic of performance scorecards: periods, threshold edges, period score, recency weighting."""

import datetime as dt
from fractions import Fraction

import pytest

from performance import kpis
from performance.kpis import HIGHER, LOWER, ScoredKPI, Threshold

FIRST_PASS = [Threshold(0.6, 2), Threshold(0.75, 3), Threshold(0.85, 4), Threshold(0.95, 5)]
BREACHES = [Threshold(10, 2), Threshold(5, 3), Threshold(2, 4), Threshold(0, 5)]


@pytest.mark.parametrize(
    ("value", "score", "bound"),
    [
        (0.5999, 1, None),
        (0.6, 2, 0.6),
        (0.7499, 2, 0.6),
        (0.75, 3, 0.75),
        (0.85, 4, 0.85),
        (0.9499, 4, 0.85),
        (0.95, 5, 0.95),
        (1.0, 5, 0.95),
    ],
)
def test_higher_is_better_threshold_edges_earn_their_score(value, score, bound):
    assert kpis.kpi_score(value, FIRST_PASS, HIGHER) == (score, bound)


@pytest.mark.parametrize(("value", "score"), [(10.01, 1), (10, 2), (5.01, 2), (5, 3), (2, 4), (0.01, 4), (0, 5)])
def test_lower_is_better_threshold_edges_earn_their_score(value, score):
    assert kpis.kpi_score(value, BREACHES, LOWER)[0] == score


def test_two_thresholds_skip_scores_and_no_value_scores_nothing():
    bounds = [Threshold(0.9, 3), Threshold(1.0, 5)]
    assert kpis.kpi_score(0.89, bounds, HIGHER)[0] == 1
    assert kpis.kpi_score(0.9, bounds, HIGHER)[0] == 3
    assert kpis.kpi_score(0.99, bounds, HIGHER)[0] == 3
    assert kpis.kpi_score(1.0, bounds, HIGHER)[0] == 5
    assert kpis.kpi_score(None, bounds, HIGHER) == (None, None)


@pytest.mark.parametrize(
    "bounds",
    [
        [Threshold(0.9, 3)],
        [Threshold(0.1 * i, 2) for i in range(6)],
        [Threshold(0.9, 3), Threshold(0.8, 5)],
        [Threshold(0.8, 3), Threshold(0.9, 3)],
        [Threshold(0.8, 3), Threshold(0.9, 6)],
    ],
)
def test_thresholds_out_of_order_or_count_are_refused(bounds):
    with pytest.raises(kpis.PerformanceError):
        kpis.check_thresholds(bounds, HIGHER)


def test_period_score_weighs_scored_kpis_like_the_selection_scorecard():
    scored = [ScoredKPI("a", Fraction(60), 5), ScoredKPI("b", Fraction(40), 2)]
    # 60 * 5/5 + 40 * 2/5 = 76 points out of 100.
    assert kpis.period_score(scored) == 76
    # A KPI without data is left out and the rest rescaled: only "a", all 5s.
    assert kpis.period_score([ScoredKPI("a", Fraction(60), 5), ScoredKPI("b", Fraction(40), None)]) == 100
    assert kpis.period_score([ScoredKPI("a", Fraction(60), None)]) is None


def test_standing_matches_the_documented_recency_weighting():
    # standing = sum(d**k * s[k]) / sum(d**k), newest first; d = 0.5 over 3 periods.
    scores = [Fraction(40), Fraction(80), Fraction(90), Fraction(10)]
    expected = (40 * 1 + 80 * Fraction(1, 2) + 90 * Fraction(1, 4)) / (1 + Fraction(1, 2) + Fraction(1, 4))
    assert kpis.standing(scores, decay="0.5", periods=3) == expected
    assert float(expected) == pytest.approx(58.5714, abs=1e-4)
    # A period without a score is skipped but keeps its place in the weighting.
    gap = kpis.standing([Fraction(40), None, Fraction(90)], decay="0.5", periods=3)
    assert gap == (40 + 90 * Fraction(1, 4)) / (1 + Fraction(1, 4))
    # Decay 1: a plain mean.
    assert kpis.standing([Fraction(40), Fraction(80)], decay=1, periods=6) == 60


def test_standing_uses_the_selection_bands_and_a_drop_is_a_lower_band_or_enough_points():
    assert kpis.standing_band(Fraction(75)) == "enterprise_grade"
    assert kpis.standing_band(Fraction(7499, 100)) == "viable_with_oversight"
    assert kpis.standing_band(Fraction(5999, 100)) == "material_risk"
    assert kpis.standing_dropped(76, 74, drop_points=5)
    assert not kpis.standing_dropped(74, 70, drop_points=5)
    assert kpis.standing_dropped(74, 69, drop_points=5)
    assert not kpis.standing_dropped(None, 40, drop_points=5)


def test_periods_parse_and_close():
    quarter = kpis.parse_period("2026-Q3")
    assert (quarter.start, quarter.end) == (dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    assert [m.month for m in quarter.months()] == [7, 8, 9]
    assert kpis.parse_period("2026-12").end == dt.date(2027, 1, 1)
    assert kpis.parse_period("2026-01").previous().name == "2025-12"
    assert [p.name for p in kpis.closed_periods(dt.date(2026, 10, 2))] == ["2026-09", "2026-Q3"]
    assert [p.name for p in kpis.closed_periods(dt.date(2026, 11, 2))] == ["2026-10"]
    for bad in ("2026-13", "2026-Q5", "26-09", "", "2026-9"):
        with pytest.raises(kpis.PerformanceError):
            kpis.parse_period(bad)
