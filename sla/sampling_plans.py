"""QA review sampling: ISO 2859-1 single sampling plans, switching rules, and seeded draws. Pure.

Edition: ISO 2859-1:1999 (second edition, with Amd 1:2011), *Sampling procedures for
inspection by attributes, Part 1: Sampling schemes indexed by acceptance quality limit (AQL)
for lot-by-lot inspection*: Table 1 (sample size code letters), Tables 2-A, 2-B and 2-C
(single sampling plans for normal, tightened and reduced inspection). GB/T 2828.1-2012 is an
identical national adoption. Only the AQLs of percent nonconforming (0.010 to 10) are held: a
defect rate is a share of items, not nonconformities per hundred items.

Table 1, 2-A and 2-B are the same as MIL-STD-105E and ANSI/ASQ Z1.4 (1993, 2003, 2008)
Tables I, II-A and II-B. Table 2-C is not: the 1999 edition gave reduced inspection
consecutive acceptance and rejection numbers (Re = Ac + 1, e.g. letter K, n = 50: 6-7 at
AQL 4.0 and 8-9 at 6.5), where MIL-STD-105E and Z1.4 Table II-C keep gaps (0-2, 1-3, 1-4,
2-5, 3-6, 5-8, 7-10, 10-13) and the rule that a lot with more than Ac but fewer than Re
nonconforming items is accepted while normal inspection is reinstated. Following the 1999
edition, every plan here decides a lot outright and "not accepted" is the only result
that ends reduced inspection.

Checked cell by cell, for all 16 letters and 16 AQL columns of each table after arrows are
resolved, against two independent machine-readable reproductions (``tests/sla/test_sampling.py``
pins a representative set): the GB/T 2828.1-2012 Tables 1 and 2-A/2-B/2-C fixtures of
github.com/nihantao-crosis/quality-platform (``src/core/__tests__/fixtures/``), and the
MIL-STD-105E / Z1.4 Tables I, II-A and II-B of J. Lawson's AQLSchemes R package
(github.com/fjgonzalezmgt/AQLSchemesCust, ``R/AAZ14Single.R``). They agree everywhere but
tightened letter A at AQL 10, where the 105E reproduction points down to D's 1-2 plan and the
1999 table has A's own 0-1 plan, on the table's 0-1 diagonal; the 1999 entry is used. That
package's Table II-C confirms only the 2-C sample size of each code letter.

The master tables are held as what they are, diagonals: in each table, moving one code
letter down and one AQL column left gives the same acceptance and rejection numbers, so
a table is its sample sizes plus one sequence of cells indexed by ``letter + column``.
Arrows are resolved as the standard says ("use the first sampling plan below/above the
arrow"): the plan keeps its own sample size and numbers, so an arrow can change the
sample size code letter. Where an arrow runs off the first or last row, the first plan the
other way is used, as the printed tables do (tightened letter R at AQL 0.015 takes Q's
0-1 plan: Table 2-B's letter S has a plan at AQL 0.025 only). When the sample size equals
or exceeds the lot, every item is inspected (clause 10.1 of the standard).

Switching rules (clause 9.3), tracked per contract and task type; only lots on original
inspection count, not a lot resubmitted after it was not accepted (a remediating redelivery):
- normal -> tightened when 2 of 5 or fewer consecutive lots are not accepted;
- tightened -> normal when 5 consecutive lots are accepted;
- normal -> reduced when the switching score reaches 30 (9.3.3). The score is 0 at every
  start of normal inspection and is updated after each lot inspected under it (9.3.3.2,
  single sampling): when the plan's acceptance number is 0 or 1, add 2 if the lot is
  accepted; when it is 2 or more, add 3 if the lot would also have been accepted had the
  AQL been one step tighter (the Ac of the plan's code letter in the next lower AQL
  column of Table 2-A, see ``tighter_accept``); otherwise reset it to 0. The score rewards
  lots that are clearly good, not just good enough: at Ac >= 2 a lot accepted only at the
  contract's own AQL earns nothing.
  The standard also asks for steady production and the responsible authority's approval,
  which the app cannot know: reaching 30 switches automatically, and a lead, as the
  responsible authority, can set the state back by hand;
- reduced -> normal when a lot is not accepted. The standard's other reasons (irregular or
  delayed production, other conditions) are a lead's call, made by hand.

Not applied: discontinuation (9.4). When 5 lots in total are not accepted under original
tightened inspection, the standard stops acceptance by sampling until the supplier has
corrected the cause; here tightened inspection goes on and stopping deliveries is a lead's
decision. The score rule and the 9.4 rule were checked against the GB/T 2828.1-2012 (=
ISO 2859-1:1999) switching implementation of github.com/nihantao-crosis/quality-platform
(commit fa4b539, ``src/core/aqlSwitch.ts``, ``recordInspection``; ``src/core/aql.ts``,
``normalPlanOneStepTighter``: Table 2-A, next lower AQL column). It reads the tighter plan
on the initial code letter; here it is read on the letter of the plan used, which differs
only where an upward arrow moved the letter (see ``tighter_accept``).
"""

import math
from dataclasses import dataclass, field

import numpy as np

NORMAL, TIGHTENED, REDUCED = "normal", "tightened", "reduced"
LEVELS = ("I", "II", "III")
LETTERS = "ABCDEFGHJKLMNPQRS"
AQLS = (0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0)

# Table 1: upper lot size of each range -> code letter at general inspection levels I, II, III.
CODE_LETTERS = (
    (8, "AAB"),
    (15, "ABC"),
    (25, "BCD"),
    (50, "CDE"),
    (90, "CEF"),
    (150, "DFG"),
    (280, "EGH"),
    (500, "FHJ"),
    (1_200, "GJK"),
    (3_200, "HKL"),
    (10_000, "JLM"),
    (35_000, "KMN"),
    (150_000, "LNP"),
    (500_000, "MPQ"),
    (math.inf, "NQR"),
)

UP, DOWN = "up", "down"


@dataclass(frozen=True)
class MasterTable:
    """One of Tables 2-A/2-B/2-C: sample size per letter, and the cells along the diagonals.

    ``cells[d - first]`` is the cell where letter index + AQL column index == d; cells before
    ``first`` are downward arrows and cells after the last are upward arrows.
    """

    sample_sizes: dict[str, int]
    first: int
    cells: tuple


_NORMAL_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)

TABLES = {
    # Table 2-A: e.g. letter K (n = 125) at AQL 1.0 -> Ac 3, Re 4.
    NORMAL: MasterTable(
        dict(zip(LETTERS, _NORMAL_SIZES, strict=False)),
        14,
        ((0, 1), UP, DOWN, (1, 2), (2, 3), (3, 4), (5, 6), (7, 8), (10, 11), (14, 15), (21, 22)),
    ),
    # Table 2-B: the 0-1 diagonal one AQL column later than in 2-A and no upward arrow after it
    # (K at 0.25 is an arrow down to M's 1-2 plan); 8-9, 12-13, 18-19 where 2-A has 10-11,
    # 14-15, 21-22. Letter S (n = 3150) is only in this table.
    TIGHTENED: MasterTable(
        dict(zip(LETTERS, (*_NORMAL_SIZES, 3150), strict=True)),
        15,
        ((0, 1), DOWN, DOWN, (1, 2), (2, 3), (3, 4), (5, 6), (8, 9), (12, 13), (18, 19)),
    ),
    # Table 2-C: sample sizes two letters smaller than 2-A's (K: n = 50), the 0-1 diagonal where
    # 2-A has it, two arrows down before 1-2, and 6-7, 8-9, 10-11 as the largest plans.
    REDUCED: MasterTable(
        dict(zip(LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=False)),
        14,
        ((0, 1), UP, DOWN, DOWN, (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (10, 11)),
    ),
}


@dataclass(frozen=True)
class Plan:
    """A single sampling plan: inspect ``sample_size`` items, accept with at most ``accept`` defects."""

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    inspection: str = NORMAL
    aql: float = 1.0
    level: str = "II"

    def decide(self, defects: int) -> str:
        return "pass" if defects <= self.accept else "fail"


def code_letter(lot_size: int, level: str = "II") -> str:
    """Table 1: the sample size code letter of a lot at a general inspection level."""
    if lot_size < 2:
        raise ValueError("A lot has at least 2 items.")
    if level not in LEVELS:
        raise ValueError(f"Inspection level must be one of {', '.join(LEVELS)}.")
    column = LEVELS.index(level)
    return next(letters[column] for upper, letters in CODE_LETTERS if lot_size <= upper)


def _cell(table: MasterTable, letter_index: int, aql_index: int):
    position = letter_index + aql_index - table.first
    if position < 0:
        return DOWN
    if position >= len(table.cells):
        return UP
    return table.cells[position]


def master_plan(letter: str, aql: float, inspection: str = NORMAL) -> tuple[str, int, int, int]:
    """A master table's plan for a code letter and AQL, arrows followed: (letter, sample size, Ac, Re)."""
    if aql not in AQLS:
        raise ValueError(f"AQL {aql} is not a column of the standard's tables ({AQLS[0]} to {AQLS[-1]}).")
    table = TABLES[inspection]
    letters = list(table.sample_sizes)
    aql_index = AQLS.index(aql)
    index = letters.index(letter)
    cell = _cell(table, index, aql_index)
    step = 1 if cell == DOWN else -1
    while cell in (UP, DOWN):
        if not 0 <= index + step < len(letters):
            step = -step  # the arrow runs off the table: the first plan the other way applies
        index += step
        cell = _cell(table, index, aql_index)
    accept, reject = cell
    return letters[index], table.sample_sizes[letters[index]], accept, reject


def plan_for(lot_size: int, aql: float, *, level: str = "II", inspection: str = NORMAL) -> Plan:
    """The single sampling plan for a lot, with arrows followed and 100% inspection of small lots."""
    letter, sample_size, accept, reject = master_plan(code_letter(lot_size, level), aql, inspection)
    return Plan(letter, min(sample_size, lot_size), accept, reject, inspection, aql, level)


def nearest_aql(percent: float) -> float:
    """The standard's AQL column closest to a contract's figure (a contract may say 1 or 1.0)."""
    return min(AQLS, key=lambda column: (abs(math.log(column) - math.log(max(percent, AQLS[0]))), column))


def tighter_accept(letter: str, aql: float) -> int | None:
    """Table 2-A's acceptance number for a code letter one AQL column tighter; None at the tightest column.

    The switching score (9.3.3.2) asks whether a lot on normal inspection with Ac >= 2 would
    also have been accepted at the next lower AQL. ``letter`` is the letter of the plan used,
    after arrows, so the answer is read on the lot's own sample: left of every Ac >= 2 cell
    is a plan of the same letter and sample size (the tests walk the whole table). Where an
    upward arrow moved the letter (L at AQL 10 uses K's n = 125, 21-22) this is K at 6.5
    (14-15); the initial letter's plan (L at 6.5, n = 200, 21-22) was never sampled.
    """
    index = AQLS.index(aql)
    if index == 0:
        return None
    return master_plan(letter, AQLS[index - 1], NORMAL)[2]


RULE_WINDOW = 5  # the switching rules read at most the last five lots
REDUCED_SCORE = 30


@dataclass(frozen=True)
class SwitchState:
    """Where a contract and task type stand in the switching rules.

    ``results`` are the lots since the last switch (accepted?, oldest first, at most
    ``RULE_WINDOW``); ``score`` is the switching score, kept under normal inspection only.
    """

    inspection: str = NORMAL
    results: tuple[bool, ...] = field(default=())
    score: int = 0


@dataclass(frozen=True)
class Lot:
    """A decided lot as the switching rules read it: defects found and the plan's numbers.

    ``accept`` is the Ac of the plan the lot was inspected under; ``tighter`` is
    ``tighter_accept`` for its code letter and AQL, read only for a lot on normal inspection
    with Ac >= 2 (and looked up only then: letter S of Table 2-B, always Ac <= 1, has no
    Table 2-A row).
    """

    defects: int
    accept: int
    tighter: int | None = None

    @classmethod
    def inspected(cls, defects: int, accept: int, letter: str, aql: float) -> "Lot":
        """A lot decided by a plan with this code letter, AQL and acceptance number."""
        return cls(defects, accept, tighter_accept(letter, aql) if accept >= 2 else None)

    @property
    def accepted(self) -> bool:
        return self.defects <= self.accept


def switch(state: SwitchState, lot: Lot) -> SwitchState:
    """The inspection severity for the next lot after a lot's result (see the module docstring).

    Every switch starts the new severity with no results and a score of 0, so a return
    to normal inspection starts the switching score afresh, as 9.3.3.2 requires.
    """
    results = (*state.results, lot.accepted)[-RULE_WINDOW:]
    if state.inspection == NORMAL:
        if results.count(False) >= 2:
            return SwitchState(TIGHTENED)
        score = _score(state.score, lot)
        if score >= REDUCED_SCORE:
            return SwitchState(REDUCED)
        return SwitchState(NORMAL, results, score)
    if state.inspection == TIGHTENED:
        if len(results) == RULE_WINDOW and all(results):
            return SwitchState(NORMAL)
        return SwitchState(TIGHTENED, results)
    if not lot.accepted:
        return SwitchState(NORMAL)
    return SwitchState(REDUCED, results)


def _score(score: int, lot: Lot) -> int:
    """Clause 9.3.3.2 a), single sampling: the switching score after a lot on normal inspection."""
    if lot.accept <= 1:
        return score + 2 if lot.accepted else 0
    if lot.tighter is None:
        raise ValueError("A lot with Ac >= 2 on normal inspection needs the Ac one AQL column tighter.")
    return score + 3 if lot.defects <= lot.tighter else 0


def draw(items: list[str], sample_size: int, seed: int, *, strata: dict[str, str] | None = None) -> list[str]:
    """A reproducible sample of ``items``: the same items, seed and strata always give the same sample.

    With ``strata`` (item -> annotator) every stratum gets at least one item when the
    sample is large enough, and the rest is spread in proportion to the strata's sizes
    (largest remainders), so every annotator's work is reviewed.
    """
    population = sorted(set(items))
    size = min(sample_size, len(population))
    rng = np.random.default_rng(seed)
    if not strata:
        return sorted(rng.choice(population, size=size, replace=False).tolist())
    groups: dict[str, list[str]] = {}
    for item in population:
        groups.setdefault(strata.get(item, ""), []).append(item)
    names = sorted(groups)
    quotas = _allocate(size, [len(groups[name]) for name in names])
    chosen = []
    for name, quota in zip(names, quotas, strict=True):
        chosen.extend(rng.choice(groups[name], size=quota, replace=False).tolist())
    return sorted(chosen)


def _allocate(size: int, sizes: list[int]) -> list[int]:
    """Split ``size`` over strata: one each first (when it fits), the rest by largest remainder."""
    floor = [1 if size >= len(sizes) else 0 for _ in sizes]
    left = size - sum(floor)
    spare = [n - f for n, f in zip(sizes, floor, strict=True)]
    total = sum(spare)
    if left <= 0 or total == 0:
        return floor
    shares = [left * s / total for s in spare]
    quotas = [f + int(share) for f, share in zip(floor, shares, strict=True)]
    order = sorted(range(len(sizes)), key=lambda i: (-(shares[i] - int(shares[i])), i))
    for i in order[: size - sum(quotas)]:
        quotas[i] += 1
    return quotas
