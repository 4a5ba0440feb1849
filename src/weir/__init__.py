"""weir: field and operations data to tables people can trust and dashboards people can read."""

from __future__ import annotations

from functools import cache

__all__ = ["__version__"]


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("weir")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0"


def __getattr__(name: str) -> str:
    """``weir.__version__``, read from the installed metadata when first asked for: scanning
    the installed distributions costs every command ~50 ms, and only ``--version`` and the
    server need it."""
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'weir' has no attribute {name!r}")
