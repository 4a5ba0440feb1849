"""AWS Lambda entry point: the artifact API behind API Gateway, through Mangum.

Deploy with handler ``weir.dac.lambda_handler.handler``; routes sit at the stage root
(``/presigned-url``, ``/artifact/…``, ``/log-error``), as in the seed. Settings come from the
function's environment (``WEIR_STORE_URL``, ``WEIR_DAC_*``). The app is built on the first call
and reused by the warm container; Mangum runs its lifespan around each invocation, so the
buffered logs are written before the container is frozen.
"""

from __future__ import annotations

from typing import Any

_handler: Any = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one API Gateway event."""
    global _handler
    if _handler is None:
        from weir.core.optional import require
        from weir.core.settings import Settings
        from weir.dac.api import create_api_app

        mangum = require("mangum")
        _handler = mangum.Mangum(create_api_app(Settings()), lifespan="auto")
    result: dict[str, Any] = _handler(event, context)
    return result


def reset() -> None:
    """Forget the built app (a new configuration takes effect on the next call)."""
    global _handler
    _handler = None
