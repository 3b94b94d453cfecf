"""Application errors raised by services; views, the API and the admin turn them into messages."""


class DomainError(Exception):
    """A business rule refused an operation. The message is safe to show to the user."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)


class InvalidTransitionError(DomainError):
    code = "invalid_transition"


class ConflictError(DomainError):
    code = "conflict"
