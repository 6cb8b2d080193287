"""ISO 2859-1 sampling plans against the standard's published entries, switching rules, reproducible draws."""

import pytest

from sla.sampling_plans import (
    AQLS,
    LETTERS,
    NORMAL,
    REDUCED,
    TIGHTENED,
    Lot,
    SwitchState,
    code_letter,
    draw,
    master_plan,
    nearest_aql,
    plan_for,
    switch,
    tighter_accept,
)

# Published entries below are from GB/T 2828.1-2012 (identical to ISO 2859-1:1999) as transcribed in
# github.com/nihantao-crosis/quality-platform src/core/__tests__/fixtures/gbt2828-1-2012-tables-2abc-full16.tsv
# and gbt2828-1-2012-table1-levels.tsv; Table 1, 2-A and 2-B agree with MIL-STD-105E / ANSI/ASQ Z1.4
# Tables I, II-A, II-B in J. Lawson's AQLSchemes (github.com/fjgonzalezmgt/AQLSchemesCust R/AAZ14Single.R).


@pytest.mark.parametrize(
    "lot,level,letter",
    [
        (2, "II", "A"),
        (8, "III", "B"),
        (50, "II", "D"),
        (51, "II", "E"),
        (500, "I", "F"),
        (1_200, "II", "J"),
        (1_201, "II", "K"),
        (3_200, "II", "K"),
        (3_201, "II", "L"),
        (3_200, "I", "H"),
        (3_200, "III", "L"),
        (35_000, "II", "M"),
        (500_001, "II", "Q"),
        (500_001, "III", "R"),
    ],
)
def test_code_letters_of_table_1(lot, level, letter):
    """Table 1, general inspection levels (both sources above agree on every row)."""
    assert code_letter(lot, level) == letter


@pytest.mark.parametrize(
    "lot,aql,expected",
    [
        (2_000, 1.0, ("K", 125, 3, 4)),  # the entry: 1,201-3,200 at level II
        (2_000, 0.65, ("K", 125, 2, 3)),
        (2_000, 2.5, ("K", 125, 7, 8)),
        (2_000, 4.0, ("K", 125, 10, 11)),
        (2_000, 6.5, ("K", 125, 14, 15)),
        (2_000, 10.0, ("K", 125, 21, 22)),
        (1_000, 0.65, ("J", 80, 1, 2)),
        (1_000, 1.0, ("J", 80, 2, 3)),
        (300, 1.5, ("H", 50, 2, 3)),
        (100, 1.0, ("E", 13, 0, 1)),  # row F at 1.0 is an arrow up to E's plan
        (10, 6.5, ("A", 2, 0, 1)),  # row B at 6.5 is an arrow up to the top row
        (20, 6.5, ("D", 8, 1, 2)),  # row C at 6.5 is an arrow down to D
    ],
)
def test_normal_inspection_entries_of_table_2a(lot, aql, expected):
    plan = plan_for(lot, aql)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected


def test_downward_arrows_lead_to_a_larger_sample():
    # Row H (n = 50) at AQL 0.65 is an arrow down to J: n = 80, Ac 1, Re 2.
    plan = plan_for(300, 0.65)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("J", 80, 1, 2)
    # Row D (n = 8) at AQL 4.0 is an arrow down to E: n = 13, Ac 1, Re 2.
    plan = plan_for(40, 4.0)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("E", 13, 1, 2)
    # Small AQLs on small lots point down the column to the first 0/1 plan: K (n = 125) at 0.10.
    assert (plan_for(200, 0.10).code_letter, plan_for(200, 0.10).sample_size) == ("K", 125)


def test_a_sample_as_large_as_the_lot_means_inspecting_every_item():
    plan = plan_for(60, 0.10)  # K's 125 items exceed the lot of 60
    assert (plan.sample_size, plan.accept, plan.reject) == (60, 0, 1)


@pytest.mark.parametrize(
    "aql,expected",
    [
        (1.0, ("K", 125, 2, 3)),
        (0.65, ("K", 125, 1, 2)),
        (2.5, ("K", 125, 5, 6)),
        (4.0, ("K", 125, 8, 9)),
        (6.5, ("K", 125, 12, 13)),
        (10.0, ("K", 125, 18, 19)),
    ],
)
def test_tightened_inspection_entries_of_table_2b(aql, expected):
    plan = plan_for(2_000, aql, inspection=TIGHTENED)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected


@pytest.mark.parametrize(
    "inspection,letter,aql,expected",
    [
        # Table 2-A
        (NORMAL, "K", 1.0, ("K", 125, 3, 4)),
        (NORMAL, "K", 0.15, ("J", 80, 0, 1)),
        (NORMAL, "K", 0.25, ("L", 200, 1, 2)),
        (NORMAL, "H", 10.0, ("H", 50, 10, 11)),
        (NORMAL, "L", 10.0, ("K", 125, 21, 22)),
        (NORMAL, "A", 10.0, ("C", 5, 1, 2)),
        (NORMAL, "Q", 0.025, ("R", 2000, 1, 2)),
        (NORMAL, "R", 0.015, ("P", 800, 0, 1)),
        # Table 2-B
        (TIGHTENED, "K", 0.10, ("L", 200, 0, 1)),
        (TIGHTENED, "K", 0.15, ("K", 125, 0, 1)),
        (TIGHTENED, "K", 0.25, ("M", 315, 1, 2)),
        (TIGHTENED, "K", 0.40, ("L", 200, 1, 2)),
        (TIGHTENED, "H", 10.0, ("H", 50, 8, 9)),
        (TIGHTENED, "L", 10.0, ("K", 125, 18, 19)),
        (TIGHTENED, "A", 10.0, ("A", 2, 0, 1)),
        (TIGHTENED, "B", 10.0, ("D", 8, 1, 2)),
        (TIGHTENED, "Q", 0.025, ("S", 3150, 1, 2)),
        (TIGHTENED, "R", 0.015, ("Q", 1250, 0, 1)),
        # Table 2-C
        (REDUCED, "K", 0.10, ("K", 50, 0, 1)),
        (REDUCED, "K", 0.15, ("J", 32, 0, 1)),
        (REDUCED, "K", 0.25, ("M", 125, 1, 2)),
        (REDUCED, "K", 0.65, ("K", 50, 1, 2)),
        (REDUCED, "K", 1.0, ("K", 50, 2, 3)),
        (REDUCED, "K", 2.5, ("K", 50, 5, 6)),
        (REDUCED, "K", 4.0, ("K", 50, 6, 7)),
        (REDUCED, "K", 6.5, ("K", 50, 8, 9)),
        (REDUCED, "K", 10.0, ("K", 50, 10, 11)),
        (REDUCED, "H", 10.0, ("H", 20, 6, 7)),
        (REDUCED, "L", 10.0, ("K", 50, 10, 11)),
        (REDUCED, "C", 4.0, ("B", 2, 0, 1)),
        (REDUCED, "A", 10.0, ("D", 3, 1, 2)),
        (REDUCED, "Q", 0.025, ("N", 200, 0, 1)),
        (REDUCED, "R", 0.040, ("R", 800, 1, 2)),
    ],
)
def test_master_table_entries_match_the_published_tables(inspection, letter, aql, expected):
    """ISO 2859-1:1999 Tables 2-A, 2-B, 2-C (GB/T 2828.1-2012 pages 15-17), arrows resolved.

    Source: the GB/T 2828.1-2012 transcription named at the top of this module; the 2-A and 2-B
    entries are also MIL-STD-105E / Z1.4 Tables II-A and II-B in Lawson's AQLSchemes, except
    tightened A at 10, where that reproduction has an arrow down to D's 1-2 plan and the 1999
    table keeps A's own 0-1 plan on the 0-1 diagonal.
    """
    assert master_plan(letter, aql, inspection) == expected


@pytest.mark.parametrize("inspection", [NORMAL, TIGHTENED, REDUCED])
def test_every_cell_leads_to_a_plan_that_decides_the_lot_outright(inspection):
    """Every arrow ends at a plan, and ISO 2859-1:1999 plans have Re = Ac + 1 in all three tables.

    Table 2-C too, unlike the 0-2, 1-3 ... 10-13 plans of MIL-STD-105E / Z1.4 Table II-C, so no
    lot is "accepted but back to normal".
    """
    plans = {master_plan(letter, aql, inspection) for letter in LETTERS[:-1] for aql in AQLS}
    assert all(reject == accept + 1 for _, _, accept, reject in plans)


def test_reduced_inspection_takes_a_smaller_sample():
    plan = plan_for(2_000, 1.0, inspection=REDUCED)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("K", 50, 2, 3)
    assert (plan.decide(2), plan.decide(3)) == ("pass", "fail")


def test_plan_decides_on_the_accept_number():
    plan = plan_for(2_000, 1.0)
    assert (plan.decide(3), plan.decide(4)) == ("pass", "fail")


def test_unknown_aql_and_level_are_refused_and_contract_figures_snap_to_a_column():
    with pytest.raises(ValueError):
        plan_for(2_000, 0.7)
    with pytest.raises(ValueError):
        code_letter(2_000, "IV")
    assert nearest_aql(1) == 1.0 and nearest_aql(0.6) == 0.65 and nearest_aql(0.005) == 0.010


def _lot(accepted: bool) -> Lot:
    """A lot decided by an Ac 0 plan: no defect accepts it, one does not."""
    return Lot(defects=0 if accepted else 1, accept=0)


def _states(lots, state=None):
    state = state or SwitchState()
    states = []
    for lot in lots:
        state = switch(state, lot)
        states.append(state)
    return states


def _run(results, state=None):
    return [state.inspection for state in _states([_lot(accepted) for accepted in results], state)]


def test_two_rejections_in_five_lots_tighten_and_five_acceptances_relax():
    history = _run([True, False, True, True, False] + [True] * 5)
    assert history[:4] == [NORMAL] * 4
    assert history[4] == TIGHTENED
    assert history[5:9] == [TIGHTENED] * 4 and history[9] == NORMAL


def test_two_rejections_six_lots_apart_do_not_tighten():
    assert _run([False, True, True, True, True, False])[-1] == NORMAL


def test_ten_acceptances_no_longer_reduce_but_a_score_of_thirty_does():
    # Ac 0 or 1: two points per accepted lot, so the 15th accepted lot reaches 30.
    states = _states([_lot(True)] * 15)
    assert [state.score for state in states[:14]] == list(range(2, 29, 2))
    assert states[9].inspection == NORMAL and states[13].inspection == NORMAL
    assert states[14] == SwitchState(REDUCED)


def test_a_lot_not_accepted_resets_the_score():
    states = _states([_lot(True)] * 3 + [_lot(False)] + [_lot(True)])
    assert [(state.inspection, state.score) for state in states] == [
        (NORMAL, 2),
        (NORMAL, 4),
        (NORMAL, 6),
        (NORMAL, 0),
        (NORMAL, 2),
    ]


def test_with_ac_two_or_more_only_lots_good_at_the_tighter_aql_score():
    # K at AQL 1.0 (Table 2-A): n = 125, Ac 3; one column tighter (0.65) the same letter has Ac 2.
    clear, borderline = Lot(defects=2, accept=3, tighter=2), Lot(defects=3, accept=3, tighter=2)
    states = _states([clear, clear, borderline, clear])
    assert [state.score for state in states] == [3, 6, 0, 3]
    assert borderline.accepted and {state.inspection for state in states} == {NORMAL}
    assert _states([clear] * 10)[-1] == SwitchState(REDUCED)
    assert _states([clear] * 9)[-1] == SwitchState(NORMAL, (True,) * 5, 27)


def test_a_lot_with_ac_two_or_more_needs_the_tighter_plan():
    with pytest.raises(ValueError):
        switch(SwitchState(), Lot(defects=0, accept=2))


def test_every_switch_starts_the_score_afresh():
    reduced = _states([_lot(True)] * 15)[-1]
    back = switch(reduced, _lot(False))
    assert back == SwitchState(NORMAL) and switch(back, _lot(True)).score == 2
    tightened = switch(SwitchState(NORMAL, (False,), 20), _lot(False))
    assert tightened == SwitchState(TIGHTENED)
    assert _states([_lot(True)] * 5, tightened)[-1] == SwitchState(NORMAL)


def test_a_rejection_under_tightened_restarts_the_count():
    history = _run([True] * 4 + [False] + [True] * 4, SwitchState(TIGHTENED))
    assert set(history) == {TIGHTENED}


def test_the_tighter_aql_is_the_next_lower_column_of_table_2a_for_the_same_letter():
    # Table 2-A, letter K (n = 125): Ac 3 at 1.0, 2 at 0.65, 1 at 0.40; nothing tighter than 0.010.
    assert tighter_accept("K", 1.0) == 2 and tighter_accept("K", 0.65) == 1
    assert tighter_accept("A", 0.010) is None
    assert Lot.inspected(0, 1, "S", 0.025).tighter is None  # Ac <= 1: no lookup (S has no Table 2-A row)
    assert Lot.inspected(2, 3, "K", 1.0) == Lot(2, 3, 2)


def test_every_plan_with_ac_two_or_more_has_a_plan_of_its_letter_one_column_tighter():
    # The tighter column is read on the letter of the plan used, so on the lot's own sample: where an
    # upward arrow moved the letter (L at AQL 10 uses K's n = 125, 21-22), it is K at 6.5 (14-15).
    plans = set()
    for letter in LETTERS[:-1]:
        for index, aql in enumerate(AQLS):
            plan_letter, size, accept, _ = master_plan(letter, aql)
            if accept < 2:
                continue
            tighter_letter, tighter_size, tighter, _ = master_plan(plan_letter, AQLS[index - 1])
            assert index > 0 and tighter_letter == plan_letter and tighter_size == size
            assert tighter_accept(plan_letter, aql) == tighter < accept
            plans.add((letter, plan_letter, aql))
    assert ("L", "K", 10.0) in plans and tighter_accept("K", 10.0) == 14
    # The seven diagonals from 2-3 to 21-22 hold 13, 12, ..., 7 cells of the 16 x 16 table.
    assert len({(plan_letter, aql) for _, plan_letter, aql in plans}) == sum(range(7, 14))


def test_draws_are_reproducible_and_seed_dependent():
    items = [f"item-{i}" for i in range(1_000)]
    first = draw(items, 125, seed=42)
    assert first == draw(list(reversed(items)), 125, seed=42)
    assert len(first) == len(set(first)) == 125
    assert first != draw(items, 125, seed=43)


def test_stratified_draws_review_every_annotator():
    items = [f"item-{i}" for i in range(500)]
    strata = {item: ("busy" if i < 480 else f"rare-{i % 4}") for i, item in enumerate(items)}
    sample = draw(items, 20, seed=7, strata=strata)
    assert len(sample) == 20
    assert {strata[item] for item in sample} == {"busy", "rare-0", "rare-1", "rare-2", "rare-3"}
    assert sample == draw(items, 20, seed=7, strata=strata)


def test_a_sample_never_exceeds_the_population():
    assert len(draw(["a", "b", "c"], 10, seed=1)) == 3
    assert len(draw(["a", "b", "c"], 10, seed=1, strata={"a": "x", "b": "y", "c": "y"})) == 3
