"""The delimiter sniffer agrees with csv.Sniffer where that works, and works where it does not."""

import csv

import pytest

from sla.ingest.aliases import canonical_names
from sla.ingest.schema import DELIVERY
from sla.ingest.sniff import sniff_delimiter
from tests.sla.ingest.fixtures import VALID

KNOWN = canonical_names(DELIVERY.names)


def lines(name: str) -> list[str]:
    return (VALID / name).read_text(encoding="utf-8-sig").splitlines()


@pytest.mark.parametrize(
    "name",
    [
        "delivery.csv",
        "delivery.tsv",
        "delivery_semicolon.csv",
        "delivery_pipe.txt",
        "delivery_bom_crlf.csv",
        "delivery_aliases.csv",
    ],
)
def test_agrees_with_csv_sniffer_on_well_formed_files(name):
    sample = "\n".join(lines(name))

    assert sniff_delimiter(lines(name), KNOWN) == csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("item_id,annotator_id,label\ni1,a\ni2,b,x,y\n", ","),
        ("item_id;annotator_id;label\ni1;a\ni2;b;x;y\n", ";"),
        ("Item\tWorker ID\tClass\ni1\ta\n", "\t"),
    ],
)
def test_finds_the_delimiter_of_ragged_files_where_csv_sniffer_gives_up(sample, delimiter):
    with pytest.raises(csv.Error, match="Could not determine delimiter"):
        csv.Sniffer().sniff(sample, delimiters=",\t;|")

    assert sniff_delimiter(sample.splitlines(), KNOWN) == delimiter


def test_prefers_the_delimiter_that_splits_the_header_into_known_columns():
    sample = ["item_id;annotator_id;label", 'i1;"a,b";"x,y,z"', 'i2;"c,d";"x,y,z"']

    assert sniff_delimiter(sample, KNOWN) == ";"


def test_quoted_delimiters_do_not_count():
    sample = ["item_id,annotator_id,label", 'i1,a,"x;y"', 'i2,b,"x;y"']

    assert sniff_delimiter(sample, KNOWN) == ","
