"""One mapping from errors to command-line messages and exit codes (0 ok, 1 failure, 2 bad input).

Every command body runs inside :func:`guard`; ``weir``'s entry point wraps the whole app in it
too, so an error raised while a command builds its settings is reported the same way.
"""

from __future__ import annotations

import datetime as dt
import gc
import inspect
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from weir.core.errors import WeirError

_stderr = Console(stderr=True, soft_wrap=True)


def describe(exc: BaseException) -> tuple[str, int] | None:
    """The message and exit code for an error weir knows how to report, else None."""
    from pydantic import ValidationError

    if isinstance(exc, WeirError):
        return exc.message, exc.exit_code
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


#: Whether this process ends with its one command (set by the ``weir`` entry point).
_process_ends_with_command = False


def ends_with_command() -> None:
    """Declare that this process ends when its command does (the ``weir`` console script; not
    in-process callers such as tests): see :func:`pause_collector`."""
    global _process_ends_with_command
    _process_ends_with_command = True


def pause_collector(ctx: typer.Context) -> None:
    """Pause Python's cyclic garbage collector until the command of ``ctx`` ends (called from
    the callback of a group of batch commands).

    A batch command imports SQLAlchemy, pydantic, polars or numpy and builds its rows: millions
    of objects, nearly none in a reference cycle (a whole ``weir mrv ingest`` of the sample
    leaves ~400 cyclic objects), and the collector's repeated passes over them took a fifth of
    the command's CPU time. Reference counting still frees everything else at once.

    When the command ends the collector runs again. In a process that ends with the command
    (:func:`ends_with_command`), what it built is frozen first: resuming, and Python's exit,
    would otherwise sweep the whole heap once more for nothing (~0.2 s of ``weir mrv
    calculate``). Frozen objects are not finalized by the collector at exit, so such commands
    close what must be closed themselves (database engines).
    """
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(_resume_collector)


def _resume_collector() -> None:
    if _process_ends_with_command:
        gc.freeze()
    gc.enable()


# --- shared output: one --json option, one printer, one progress helper --------------------

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def interval(text: str | None, option: str = "--every") -> float | None:
    """An ``--every`` value (``30s``, ``5m``, ``1h``) in seconds, or None when not given.

    Raises:
        typer.BadParameter: not a duration.
    """
    if text is None:
        return None
    from weir.core.durations import parse_duration

    try:
        return parse_duration(text, allow_zero=True).total_seconds()
    except WeirError as exc:
        raise typer.BadParameter(exc.message, param_hint=option) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def dumps(data: Any) -> str:
    """JSON text of command output, one line (dates ISO 8601, NaN and Infinity as null)."""
    return orjson.dumps(data, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict | list):
        return orjson.dumps(value, default=_json_default).decode()
    return str(value)


def emit(
    data: Any,
    as_json: bool,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    empty: str | None = None,
) -> None:
    """Print command output: JSON on stdout, or a table sized to the terminal.

    Args:
        data: A dict (printed as field/value rows) or a list of dicts (one row each).
        as_json: Print JSON instead.
        title: Table title.
        columns: Columns of a list's table (default: the first row's keys).
        empty: What to say when the list is empty (what to run first).
    """
    if as_json:
        print(dumps(data))
        return
    console = Console()
    if isinstance(data, dict):
        table = Table(title=title)
        table.add_column("field", no_wrap=True)
        table.add_column("value", overflow="fold")
        for key, value in data.items():
            table.add_row(str(key), _cell(value))
        console.print(table)
        return
    rows = list(data)
    if not rows:
        console.print(empty or f"{title or 'nothing'}: no rows")
        return
    console.print(_fit(rows, list(columns or rows[0]), title, console.width))


def _fit(rows: list[dict[str, Any]], columns: list[str], title: str | None, width: int) -> Any:
    """The columns that fit in `width`, in order (long values wrap, numbers never do), with a
    caption naming the rest and how to see them."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    natural = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    # a column needs its header, or 12 characters of a long value, plus 3 for the borders
    needed = [min(n, max(len(c), 12)) + 3 for n, c in zip(natural, columns, strict=True)]
    shown: list[int] = []
    used = 1
    for index, need in enumerate(needed):
        if used + need > width and shown:
            break
        shown.append(index)
        used += need
    table = Table(title=title)
    for index in shown:
        table.add_column(columns[index], overflow="fold", min_width=needed[index] - 3)
    for row in cells:
        table.add_row(*(row[i] for i in shown))
    if len(shown) < len(columns):
        hidden = [columns[i] for i in range(len(columns)) if i not in shown]
        table.caption = f"not shown: {', '.join(hidden)} (use --json, or a wider terminal)"
    return table


@contextmanager
def progress(label: str, *, disable: bool = False) -> Iterator[Callable[[int, int | None], None]]:
    """A transient progress bar on stderr; yields ``update(done, total)``."""
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True, disable=disable) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None = None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


# --- `weir sample <system>`: one wrapper around every system's generator --------------------


@dataclass
class SampleSummary:
    """What a sample generator wrote.

    Attributes:
        root: The folder written.
        files: Number of files written.
        messy: The messy cases included, name → count or description.
        figures: Other figures (records, days, vehicles …).
    """

    root: Path
    files: int
    messy: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


def sample_command(system: str, generate: Callable[..., SampleSummary]) -> Callable[..., None]:
    """``weir sample <system>``: ``--out`` (default ``$WEIR_HOME/samples/<system>``), ``--seed``,
    plus the generator's own keyword options, and a summary of files and messy cases."""
    own = [
        param
        for name, param in inspect.signature(generate).parameters.items()
        if name not in ("out", "seed")
    ]
    hints = typing.get_type_hints(generate, include_extras=True)

    def command(
        out: Path | None = None, seed: int = 7, json_out: bool = False, **options: Any
    ) -> None:
        from weir.core.settings import Settings

        with guard():
            target = out or Settings().home / "samples" / system
            summary = generate(target, seed, **options)
        data = {
            "system": system,
            "root": str(summary.root),
            "files": summary.files,
            **summary.figures,
            "messy": summary.messy,
        }
        if json_out:
            print(dumps(data))
            return
        Console().print(f"wrote {summary.files} files of {system} sample data to {summary.root}")
        for case, count in summary.messy.items():
            Console().print(f"  messy: {case}: {count}")

    base = [
        inspect.Parameter(
            "out",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                Path | None,
                typer.Option(help=f"Folder to write (default $WEIR_HOME/samples/{system})."),
            ],
        ),
        inspect.Parameter(
            "seed",
            inspect.Parameter.KEYWORD_ONLY,
            default=7,
            annotation=Annotated[int, typer.Option(help="Same seed, same files.")],
        ),
        inspect.Parameter(
            "json_out",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=JsonOpt,
        ),
    ]
    extra = [
        param.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints[param.name])
        for param in own
    ]
    command.__signature__ = inspect.Signature(base + extra)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in base + extra}
    command.__doc__ = (generate.__doc__ or f"Sample inputs of {system}.").split("\n\n")[0]
    return command
