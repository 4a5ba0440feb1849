"""Optional dependencies: one helper imports each, and names the extra to install when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from weir.core.errors import MissingExtraError

# top-level module → the extra of weir that installs it
EXTRAS = {
    "pyspark": "spark",
    "streamlit": "ui",
    "shiny": "forecast",
    "xarray": "forecast",
    "zarr": "forecast",
    "numcodecs": "forecast",
    "mangum": "aws",
    "boto3": "aws",
    "psycopg": "postgres",
    "mmdr": "render",
}


def require(module: str, extra: str | None = None) -> ModuleType:
    """Import `module`, or fail with one line naming the extra that installs it.

    Args:
        module: The module to import (``"pyspark.sql"``).
        extra: weir's extra providing it; looked up from the top-level name when omitted.

    Raises:
        MissingExtraError: it is not installed (exit code 2 from the CLI).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        if exc.name is not None and exc.name.split(".")[0] != top:
            raise  # the module exists but something it needs is broken: not a missing extra
        name = extra or EXTRAS.get(top)
        hint = f"pip install 'weir[{name}]'" if name else f"pip install {top}"
        raise MissingExtraError(f"{top} is not installed: {hint}") from None
