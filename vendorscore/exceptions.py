"""Domain errors raised by services and turned into HTTP answers in one place."""


class DomainError(Exception):
    """A request that breaks a business rule; answered 400 with the message."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
