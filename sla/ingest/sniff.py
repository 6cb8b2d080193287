"""Which delimiter a delimited text file uses: comma, tab, semicolon or pipe.

The standard library has ``csv.Sniffer``, and on well-formed files this agrees with it
(the tests check that on every delimited fixture). It is not used because it guesses
from how consistently each character recurs across lines, so it raises "Could not
determine delimiter" when the sampled rows have different numbers of fields, and that is
exactly the kind of broken file that must be read far enough to report each bad row
(see the tests). Here the candidates are few and known, each is tried with the real CSV
parser (so quoted values are handled), and the winner is the delimiter that splits the
header into the most recognised column names, then the one that gives every sampled
line the same number of fields, then the usual order: comma, tab, semicolon, pipe. It
never fails; a file with none of its columns recognised is reported by the column
mapping instead.
"""

import csv
from collections.abc import Container

from sla.ingest.aliases import normalize

CANDIDATES = (",", "\t", ";", "|")


def sniff_delimiter(lines: list[str], known_names: Container[str]) -> str:
    """The delimiter of a header line followed by sample data lines.

    ``known_names`` holds the normalised spellings of the columns the file may have.
    """

    def score(delimiter: str) -> tuple[int, bool]:
        rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
        header = rows[0] if rows else []
        recognised = sum(normalize(name) in known_names for name in header)
        consistent = len(header) > 1 and all(len(row) == len(header) for row in rows)
        return recognised, consistent

    return max(CANDIDATES, key=score)
