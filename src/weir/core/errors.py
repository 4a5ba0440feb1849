"""The error hierarchy: one root, client-facing errors carry their HTTP status."""

from __future__ import annotations


class WeirError(Exception):
    """Root of every error weir raises on purpose.

    Attributes:
        status: HTTP status when the error reaches a client (500 for internal errors).
        exit_code: Exit code of a command that fails with it (1 failure, 2 bad input or
            bad configuration).
        code: Stable machine-readable error code.
    """

    status: int = 500
    exit_code: int = 1
    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def client_message(self) -> str:
        """What a client may see: the message for 4xx errors, a generic text otherwise."""
        return self.message if self.status < 500 else "internal error"


class BadInputError(WeirError):
    """Input that cannot be used, with where it came from (file, row, field)."""

    status = 400
    exit_code = 2
    code = "bad_input"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        self.file, self.row, self.field = file, row, field
        where = ", ".join(
            f"{name} {value}"
            for name, value in (("file", file), ("row", row), ("field", field))
            if value is not None
        )
        super().__init__(f"{message} ({where})" if where else message, code=code)


class NotFoundError(WeirError):
    """A requested object, table or record does not exist."""

    status = 404
    exit_code = 2
    code = "not_found"


class UnauthorizedError(WeirError):
    """A request without the credential it needs (API key, token)."""

    status = 401
    exit_code = 2
    code = "unauthorized"


class ForbiddenError(WeirError):
    """A credential that is wrong, expired, or not allowed to do this."""

    status = 403
    exit_code = 2
    code = "forbidden"


class ConflictError(WeirError):
    """The request conflicts with the current state (for example a schema change)."""

    status = 409
    code = "conflict"


class ConfigError(WeirError):
    """Settings that cannot work (unknown URL scheme, missing credentials ...)."""

    status = 500
    exit_code = 2
    code = "config_error"


class MissingExtraError(ConfigError):
    """An optional dependency is not installed; the message names the extra to install."""

    code = "missing_extra"


class StoreUnavailableError(WeirError):
    """The object store cannot be reached right now (network, endpoint down)."""

    status = 503
    code = "store_unavailable"
