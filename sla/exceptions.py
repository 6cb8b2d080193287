"""Errors of the SLA app that services raise and callers turn into answers."""

from vendorscore.exceptions import DomainError


class InvalidDelivery(Exception):
    """A delivered file failed validation; ``reader`` holds its errors and counts."""

    def __init__(self, reader):
        super().__init__(f"{reader.error_count} problem(s) in the delivery")
        self.reader = reader


class UploadTooLarge(DomainError):
    """A file over ``MAX_UPLOAD_BYTES``: refused before it is stored (the API answers 413)."""

    status_code = 413
