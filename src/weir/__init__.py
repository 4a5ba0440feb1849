"""weir: field and operations data to tables people can trust and dashboards people can read."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("weir")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
