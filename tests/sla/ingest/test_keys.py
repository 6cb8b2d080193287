"""Key hashing and the duplicate index, against plain Python sets and dicts."""

import numpy as np
import pyarrow as pa
import pytest

from sla.ingest.keys import SeenKeys, hash_keys, hash_strings


def test_equal_strings_hash_equal_and_different_ones_differ():
    values = ["", "a", "ab", "abcdefgh", "abcdefghi", "abcdefgh\x00", "ünïcødé", "a" * 1000, "a" * 999 + "b"]
    doubled = pa.array(values + values)

    hashes = hash_strings(doubled)

    assert (hashes[: len(values)] == hashes[len(values) :]).all()
    assert len(set(hashes[: len(values)].tolist())) == len(values)


def test_hash_ignores_where_the_array_is_sliced_from():
    values = pa.array(["x", "item-1", "ann-2", "item-1"])

    assert hash_strings(values.slice(1)).tolist() == hash_strings(pa.array(["item-1", "ann-2", "item-1"])).tolist()


def test_key_hash_depends_on_which_column_holds_what():
    items, annotators = pa.array(["a", "b"]), pa.array(["b", "a"])

    hashes = hash_keys([items, annotators])

    assert hashes[0] != hashes[1]
    assert hash_keys([pa.array(["ab"]), pa.array(["c"])])[0] != hash_keys([pa.array(["a"]), pa.array(["bc"])])[0]


def test_a_million_distinct_keys_do_not_collide():
    values = pa.array([f"item-{n}" for n in range(1_000_000)])

    assert len(np.unique(hash_strings(values))) == 1_000_000


@pytest.mark.parametrize("seed", range(20))
def test_first_rows_match_a_dict_across_chunks(seed):
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 400, 3000).astype(np.uint64)
    chunk = int(rng.integers(1, 500))
    seen, first_seen, row = SeenKeys(), {}, 1
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        rows = np.arange(row, row + len(part))
        row += len(part)

        got = seen.first_rows(part, rows)

        expected = []
        for key, number in zip(part.tolist(), rows.tolist(), strict=True):
            expected.append(first_seen.get(key, 0))
            first_seen.setdefault(key, number)
        assert got.tolist() == expected


def test_the_filter_grows_without_losing_keys():
    seen = SeenKeys()
    keys = np.random.default_rng(0).integers(0, 2**63, 300_000).astype(np.uint64)
    seen.first_rows(keys[:200_000], np.arange(1, 200_001))

    again = seen.first_rows(keys[:100_000], np.arange(200_001, 300_001))

    assert len(seen) == 300_000
    assert again.tolist() == list(range(1, 100_001))
