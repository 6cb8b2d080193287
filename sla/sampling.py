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

Switching rules (clause 9.3), tracked per contract and task type:
- normal -> tightened when 2 of 5 or fewer consecutive lots are not accepted;
- tightened -> normal when 5 consecutive lots are accepted;
- normal -> reduced when 10 consecutive lots are accepted. The standard also asks for a
  switching score of at least 30, steady production and the responsible authority's
  approval; here the ten acceptances stand for all three, and a lead can always set
  the state by hand;
- reduced -> normal when a lot is not accepted.
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


@dataclass(frozen=True)
class SwitchState:
    """Where a contract and task type stand in the switching rules, and the recent lot results."""

    inspection: str = NORMAL
    results: tuple[bool, ...] = field(default=())  # accepted?, oldest first, since the last switch


def switch(state: SwitchState, accepted: bool) -> SwitchState:
    """The inspection severity for the next lot after a lot's result (see the module docstring)."""
    results = (*state.results, accepted)
    if state.inspection == NORMAL:
        if results[-5:].count(False) >= 2:
            return SwitchState(TIGHTENED)
        if len(results) >= 10 and all(results[-10:]):
            return SwitchState(REDUCED)
    elif state.inspection == TIGHTENED:
        if len(results) >= 5 and all(results[-5:]):
            return SwitchState(NORMAL)
    elif not accepted:
        return SwitchState(NORMAL)
    return SwitchState(state.inspection, results[-10:])


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
