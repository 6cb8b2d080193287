"""The problems found in an uploaded file, as the rows of the table a user fixes them from.

A vendor fixing a rejected delivery needs the file, the 1-based data row and the column of
each problem, and a sentence that says what is wrong. A broken million-row file can hold a
million problems, so only the first ones (by row) are kept and the rest are only counted.
"""

import bisect
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem. ``row`` and ``column`` are None for a problem of the whole file."""

    file: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}

    def sort_key(self) -> tuple:
        return (-1 if self.row is None else self.row, self.column or "", self.message)


class FileProblem(Exception):
    """A problem that stops the reading of a file: it is empty, too big, not parseable."""

    def __init__(self, message: str, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.column = column


class ErrorLog:
    """Counts every problem and keeps the first ``limit`` of them in row order."""

    def __init__(self, file: str, limit: int):
        self.file = file
        self.limit = limit
        self.count = 0
        self._kept: list[RowError] = []

    @property
    def errors(self) -> list[RowError]:
        return list(self._kept)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.add_counted(1, [RowError(self.file, row, column, message)])

    def add_counted(self, total: int, shown: Iterable[RowError]) -> None:
        """Count ``total`` problems, of which ``shown`` are candidates to be listed."""
        self.count += total
        for error in shown:
            if len(self._kept) < self.limit or error.sort_key() < self._kept[-1].sort_key():
                bisect.insort(self._kept, error, key=RowError.sort_key)
                del self._kept[self.limit :]


class ShiftedLog:
    """An ``ErrorLog`` seen by a reader that parses part of a file: its rows are counted from the part's start.

    A worker parsing one range of a split file (``sla.ingest.split``) reports each problem
    at its row in the whole file, ``offset`` rows further on.
    """

    def __init__(self, log: ErrorLog, offset: int):
        self.log, self.offset = log, offset
        self.file = log.file

    @property
    def count(self) -> int:
        return self.log.count

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.log.add(None if row is None else row + self.offset, column, message)
