"""The engine's fast paths give the same statistics as its general paths.

Item count patterns are read as radix keys when ``base^q < 2^53`` and grouped from sorted
label sequences otherwise; integer keys are grouped by counting when the key space is
small and by sorting otherwise; rows are ordered by one composite key when it fits in
int64. Each pair of paths must agree exactly, and a batch with many labels (general
path) must still match the reference libraries.
"""

import warnings

import krippendorff
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from irrCAC.raw import CAC

from sla.metrics import compute_metrics
from sla.metrics.cohen import pair_observations
from sla.metrics.grouping import group
from sla.metrics.patterns import _by_radix_key, _by_sorted_sequences, _canonical

from .helpers import PROPERTY, close, frame_from_matrix, value_counts, wide_frame


def _ratings(seed, items=40, q=6, most=5):
    rng = np.random.default_rng(seed)
    per_item = rng.integers(0, most + 1, items)
    item = np.repeat(np.arange(items), per_item)
    label = rng.integers(0, q, item.size)
    order = rng.permutation(item.size)
    return item[order], label[order], per_item


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_radix_and_sequence_patterns_agree(seed):
    item, label, per_item = _ratings(seed)
    base = int(per_item.max()) + 1
    radix = _canonical(*_by_radix_key(item, label, per_item, base, 6))
    sequences = _canonical(*_by_sorted_sequences(item, label, per_item, 6))
    for field in ("counts", "weights", "of_item"):
        assert np.array_equal(getattr(radix, field), getattr(sequences, field)), field


@PROPERTY
@given(st.lists(st.integers(0, 5000), max_size=300))
def test_counting_and_sorting_groups_agree(keys):
    keys = np.asarray(keys, dtype=np.int64)
    dense = group(keys, 5001)
    sparse = group(keys, 10**12)
    for a, b in zip(dense, sparse, strict=True):
        assert np.array_equal(a, b)


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_pair_observations_do_not_depend_on_the_sort_path(seed):
    rng = np.random.default_rng(seed)
    per_item = rng.integers(0, 5, 40)
    item = np.repeat(np.arange(per_item.size), per_item)
    annotator = np.concatenate([rng.permutation(6)[:count] for count in per_item])
    label = rng.integers(0, 3, item.size)
    small = pair_observations(item, annotator, label, per_item, 6, 3)
    huge = pair_observations(item, annotator, label, per_item, 2**40, 3)
    assert np.array_equal(small.first, huge.first) and np.array_equal(small.second, huge.second)
    assert np.array_equal(small.cell_counts, huge.cell_counts)
    assert np.array_equal(small.item, huge.item)


def test_many_labels_take_the_general_path_and_still_match_the_references():
    rng = np.random.default_rng(3)
    q = 40
    truth = rng.integers(0, q, 120)
    matrix = [
        [None if rng.random() < 0.2 else int(t if rng.random() < 0.7 else rng.integers(0, q)) for _ in range(4)]
        for t in truth
    ]
    labels = [str(k) for k in range(q)]
    agreement = compute_metrics(frame_from_matrix(matrix), labels=labels, level="ordinal")["agreement"]
    counts = value_counts(matrix, list(range(q)))
    expected = krippendorff.alpha(value_counts=counts, value_domain=list(range(q)), level_of_measurement="ordinal")
    assert close(agreement["krippendorff_alpha"]["value"], expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ac1 = CAC(wide_frame(matrix), categories=[float(k) for k in range(q)], digits=15).gwet()["est"]
    assert close(agreement["gwet_ac1"]["value"], ac1["coefficient_value"])
