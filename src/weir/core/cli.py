"""One mapping from errors to command-line messages and exit codes (0 ok, 1 failure, 2 bad input).

Every command body runs inside :func:`guard`; ``weir``'s entry point wraps the whole app in it
too, so an error raised while a command builds its settings is reported the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console

from weir.core.errors import WeirError

_stderr = Console(stderr=True, soft_wrap=True)


def describe(exc: BaseException) -> tuple[str, int] | None:
    """The message and exit code for an error weir knows how to report, else None."""
    if isinstance(exc, WeirError):
        return exc.message, 2 if 400 <= exc.status < 500 else 1
    if isinstance(exc, ValidationError):  # settings from the environment
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or exc.title}: {error['msg']}"
            for error in exc.errors()
        )
        return f"invalid configuration ({exc.title}): {problems}", 2
    from sqlalchemy.exc import ArgumentError, OperationalError

    if isinstance(exc, ArgumentError):
        return f"WEIR_DATABASE_URL is not a database URL: {exc}", 2
    if isinstance(exc, OperationalError):  # no SQL text: only the driver's first line
        return f"database unreachable: {str(exc.orig).splitlines()[0]}", 1
    return None


def report(message: str) -> None:
    """Print an error message on stderr (stdout stays clean for ``--json`` output)."""
    _stderr.print(f"[red]error:[/] {message}", markup=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Report bad input; returns the exit (code 2) for the caller to raise."""
    report(message)
    return typer.Exit(2)


@contextmanager
def guard() -> Iterator[None]:
    """Report known errors on stderr and exit with their code; anything else propagates."""
    try:
        yield
    except Exception as exc:
        known = describe(exc)
        if known is None:
            raise
        message, code = known
        report(message)
        raise typer.Exit(code) from exc
