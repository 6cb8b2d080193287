"""Errors of the SLA app that services raise and callers turn into answers."""


class InvalidDelivery(Exception):
    """A delivered file failed validation; ``reader`` holds its errors and counts."""

    def __init__(self, reader):
        super().__init__(f"{reader.error_count} problem(s) in the delivery")
        self.reader = reader
