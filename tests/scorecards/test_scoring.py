"""The scorecard arithmetic of DESIGN.md, without a database: examples first, then properties."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendorscore.scorecards import scoring
from vendorscore.scorecards.scoring import Criterion, Dimension, ScorecardError

FRAMEWORK_WEIGHTS = (25, 20, 25, 15, 15)
FRAMEWORK_CRITERIA = (3, 4, 4, 2, 4)


def framework(rating_of=lambda d, c: 5, evaluators=1):
    """The default framework's shape with every evaluator giving ``rating_of(dimension, criterion)``."""
    return [
        Dimension(
            key=d,
            weight=weight,
            criteria=tuple(Criterion(key=(d, c), ratings=(rating_of(d, c),) * evaluators) for c in range(count)),
        )
        for d, (weight, count) in enumerate(zip(FRAMEWORK_WEIGHTS, FRAMEWORK_CRITERIA, strict=True))
    ]


def one_criterion_per_dimension(ratings, weights=FRAMEWORK_WEIGHTS):
    return [
        Dimension(key=i, weight=w, criteria=(Criterion(i, (r,)),))
        for i, (w, r) in enumerate(zip(weights, ratings, strict=True))
    ]


def test_all_fives_score_100_and_enterprise_grade():
    result = scoring.evaluate(framework(lambda d, c: 5))
    assert result.total == 100
    assert result.band == scoring.ENTERPRISE_GRADE


def test_all_ones_score_20_and_material_risk():
    result = scoring.evaluate(framework(lambda d, c: 1))
    assert result.total == 20
    assert result.band == scoring.MATERIAL_RISK


def test_points_are_score_over_five_times_weight():
    result = scoring.evaluate(one_criterion_per_dimension((4, 3, 5, 2, 1)))
    assert [d.points for d in result.dimensions] == [20, 12, 25, 6, 3]
    assert result.total == 66
    assert result.band == scoring.VIABLE_WITH_OVERSIGHT


def test_dimension_score_is_the_mean_of_its_criteria():
    dimension = Dimension("quality", 100, (Criterion("a", (5,)), Criterion("b", (4,)), Criterion("c", (2,))))
    result = scoring.evaluate([dimension])
    assert result.dimensions[0].score == Fraction(11, 3)
    assert result.total == Fraction(11, 3) / 5 * 100


@pytest.mark.parametrize(
    "total,band",
    [
        ("59.99", scoring.MATERIAL_RISK),
        ("60", scoring.VIABLE_WITH_OVERSIGHT),
        ("74.99", scoring.VIABLE_WITH_OVERSIGHT),
        ("75", scoring.ENTERPRISE_GRADE),
        ("20", scoring.MATERIAL_RISK),
        ("100", scoring.ENTERPRISE_GRADE),
    ],
)
def test_band_edges(total, band):
    assert scoring.band(Decimal(total)) == band


@pytest.mark.parametrize(
    "weights,ratings,total,band",
    [
        ((100,), (3,), "60", scoring.VIABLE_WITH_OVERSIGHT),
        (("66.65", "33.35"), (4, 1), "59.99", scoring.MATERIAL_RISK),
        (("66.67", "33.33"), (4, 1), "60.002", scoring.VIABLE_WITH_OVERSIGHT),
        (("91.65", "8.35"), (4, 1), "74.99", scoring.VIABLE_WITH_OVERSIGHT),
        (("87.5", "12.5"), (4, 2), "75", scoring.ENTERPRISE_GRADE),
    ],
)
def test_band_edges_reached_through_weights_are_exact(weights, ratings, total, band):
    result = scoring.evaluate(one_criterion_per_dimension(ratings, [Decimal(w) for w in weights]))
    assert result.total == Fraction(Decimal(total))
    assert result.band == band


def test_a_total_just_below_60_is_material_risk_and_displays_below_60():
    # Three evaluators give 3 on 1,000 criteria, except one 2: 59.9933... is not 60.
    criteria = tuple(Criterion(i, (3, 3, 3)) for i in range(999)) + (Criterion("x", (3, 3, 2)),)
    dimensions = [Dimension("d", 100, criteria)]
    result = scoring.evaluate(dimensions)
    assert 59.99 < result.total < 60
    assert result.band == scoring.MATERIAL_RISK
    assert scoring.for_display(result.total) == Decimal("59.99")


def test_several_evaluators_are_averaged_per_criterion():
    dimension = Dimension("w", 100, (Criterion("tenure", (5, 3, 4)), Criterion("training", (2, 2, 2))))
    result = scoring.evaluate([dimension])
    tenure, training = result.dimensions[0].criteria
    assert tenure.score == 4
    assert training.score == 2
    assert result.total == Fraction(3, 5) * 100


def test_a_spread_of_two_points_is_flagged_for_calibration_and_one_is_not():
    dimension = Dimension("w", 100, (Criterion("a", (5, 3)), Criterion("b", (4, 3)), Criterion("c", (1, 5, 3))))
    result = scoring.evaluate([dimension])
    assert [c.key for c in result.calibration] == ["a", "c"]
    assert [c.spread for c in result.dimensions[0].criteria] == [2, 1, 4]


@pytest.mark.parametrize(
    "weights,message",
    [
        ((25, 20, 25, 15, 10), "these add up to 95"),
        ((25, 20, 25, 15, 20), "these add up to 105"),
        ((Decimal("33.33"), Decimal("33.33"), Decimal("33.33")), "these add up to 99.99"),
        ((110, -10), "between 0 and 100"),
        ((), "at least one dimension"),
    ],
)
def test_weights_not_summing_to_exactly_100_are_refused(weights, message):
    with pytest.raises(ScorecardError, match=message):
        scoring.check_weights(weights)
    if weights:
        with pytest.raises(ScorecardError):
            scoring.evaluate(one_criterion_per_dimension((3,) * len(weights), weights))


def test_float_weights_are_read_as_their_decimal_form():
    scoring.check_weights([33.3, 33.3, 33.4])


@pytest.mark.parametrize("rating", [0, 6, -1, 3.5, True, "4"])
def test_ratings_outside_1_to_5_are_refused(rating):
    with pytest.raises(ScorecardError, match="whole number from 1 to 5"):
        scoring.evaluate([Dimension("d", 100, (Criterion("c", (rating,)),))])


def test_missing_ratings_give_dimension_results_but_no_total():
    dimensions = [
        Dimension("done", 50, (Criterion("a", (4,)),)),
        Dimension("open", 50, (Criterion("b", (4,)), Criterion("c", ()))),
    ]
    result = scoring.evaluate(dimensions)
    assert result.dimensions[0].points == 40
    assert result.dimensions[1].score is None
    assert (result.total, result.band, result.complete) == (None, None, False)


def test_a_dimension_without_criteria_is_refused():
    with pytest.raises(ScorecardError, match="no criteria"):
        scoring.evaluate([Dimension("empty", 100, ())])


@pytest.mark.parametrize(
    "value,shown",
    [(Fraction(200, 3), "66.66"), (Fraction(100), "100.00"), (Fraction(5999, 100), "59.99"), (None, None)],
)
def test_display_rounds_down_to_two_places(value, shown):
    assert scoring.for_display(value) == (Decimal(shown) if shown else None)


# Properties --------------------------------------------------------------------------------


@st.composite
def weights_summing_to_100(draw, max_dimensions=7):
    """Weights in hundredths (as the database keeps them) that add up to exactly 100."""
    count = draw(st.integers(1, max_dimensions))
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=count - 1, max_size=count - 1)))
    edges = [0, *cuts, 10_000]
    return [Decimal(b - a).scaleb(-2) for a, b in zip(edges, edges[1:], strict=False)]


@st.composite
def scorecards(draw):
    """Complete scorecards: 1-6 criteria per dimension, the same 1-4 evaluators on every criterion."""
    weights = draw(weights_summing_to_100())
    evaluators = draw(st.integers(1, 4))
    ratings = st.lists(st.integers(1, 5), min_size=evaluators, max_size=evaluators).map(tuple)
    return [
        Dimension(
            key=i,
            weight=w,
            criteria=tuple(Criterion((i, c), draw(ratings)) for c in range(draw(st.integers(1, 6)))),
        )
        for i, w in enumerate(weights)
    ]


@given(scorecards())
def test_total_is_between_20_and_100_and_is_the_sum_of_points(dimensions):
    result = scoring.evaluate(dimensions)
    assert 20 <= result.total <= 100
    assert result.total == sum(d.points for d in result.dimensions)
    for dimension in result.dimensions:
        assert dimension.weight / 5 <= dimension.points <= dimension.weight


@given(weights_summing_to_100(), st.integers(1, 5))
def test_the_same_rating_everywhere_scores_twenty_times_it(weights, rating):
    dimensions = [Dimension(i, w, (Criterion(i, (rating,)),)) for i, w in enumerate(weights)]
    assert scoring.evaluate(dimensions).total == 20 * rating


@given(scorecards(), st.data())
def test_raising_one_rating_never_lowers_the_total(dimensions, data):
    before = scoring.evaluate(dimensions).total
    d = data.draw(st.integers(0, len(dimensions) - 1))
    c = data.draw(st.integers(0, len(dimensions[d].criteria) - 1))
    criterion = dimensions[d].criteria[c]
    raised = Criterion(criterion.key, (min(5, criterion.ratings[0] + 1), *criterion.ratings[1:]))
    criteria = (*dimensions[d].criteria[:c], raised, *dimensions[d].criteria[c + 1 :])
    changed = [*dimensions[:d], Dimension(dimensions[d].key, dimensions[d].weight, criteria), *dimensions[d + 1 :]]
    assert scoring.evaluate(changed).total >= before


@given(scorecards(), st.randoms(use_true_random=False))
def test_the_order_of_evaluators_does_not_matter(dimensions, rng):
    def shuffled(criterion):
        ratings = list(criterion.ratings)
        rng.shuffle(ratings)
        return Criterion(criterion.key, tuple(ratings))

    reordered = [Dimension(d.key, d.weight, tuple(shuffled(c) for c in d.criteria)) for d in dimensions]
    assert scoring.evaluate(reordered).total == scoring.evaluate(dimensions).total


@given(scorecards())
def test_a_second_evaluator_agreeing_exactly_changes_nothing(dimensions):
    doubled = [
        Dimension(d.key, d.weight, tuple(Criterion(c.key, c.ratings * 2) for c in d.criteria)) for d in dimensions
    ]
    assert scoring.evaluate(doubled).total == scoring.evaluate(dimensions).total


@given(scorecards())
def test_the_displayed_total_is_never_in_another_band(dimensions):
    result = scoring.evaluate(dimensions)
    shown = scoring.for_display(result.total)
    assert scoring.band(shown) == result.band
    assert shown <= result.total < shown + Decimal("0.01")


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=6))
def test_weights_are_accepted_exactly_when_they_add_up_to_100(hundredths):
    weights = [Decimal(h).scaleb(-2) for h in hundredths]
    if sum(hundredths) == 10_000:
        scoring.check_weights(weights)
    else:
        with pytest.raises(ScorecardError):
            scoring.check_weights(weights)
