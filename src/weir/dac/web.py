"""The public demo page at ``/dac/``: every metric, machine status, 48-hour trends, freshness.

Values are rendered on the server (the page reads correctly with JavaScript off); the widget then
takes over with live refreshes and honest motion. Charts are inline SVG drawn here, and every
script and style is served from this app: nothing from a CDN.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from weir.core.errors import NotFoundError
from weir.core.freshness import FreshnessPolicy
from weir.core.settings import Settings
from weir.dac.service import DacService
from weir.dac.settings import DacSettings

STATIC = Path(__file__).parent / "static"
PAPAPARSE = "static/vendor/papaparse@5.7.1/papaparse.min.js"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors *"
)
FRESHNESS = FreshnessPolicy.parse("1h", "2h")
LEVELS = {"FRESH": ("fresh", "Live"), "AGING": ("aging", "Slightly outdated")}


def display(value: float, config: dict[str, Any]) -> str:
    """`value` formatted as the widget does (``toFixed`` / ``Math.round``: half up)."""
    places = 0 if config["formatter"] == "integer" else int(config["decimal_places"])
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sparkline(points: list[tuple[datetime, float]], end: datetime) -> str:
    """A 48-hour inline SVG line of hourly means (empty hours leave gaps in x, not invented)."""
    if not points:
        return '<svg class="trend" viewBox="0 0 200 48" role="img" aria-label="no trend"></svg>'
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    coords = " ".join(
        f"{200 - (end - at).total_seconds() / 3600 * 200 / 48:.1f},{40 - (v - low) / span * 32:.1f}"
        for at, v in points
    )
    return (
        '<svg class="trend" viewBox="0 0 200 48" role="img" aria-label="48-hour trend">'
        f'<polyline points="{coords}"/><text x="0" y="47">48 h</text></svg>'
    )


def render_page(
    service: DacService, api_base: str, now: datetime | None = None, retry_ms: int | None = None
) -> str:
    """The whole page, values filled from the latest publication."""
    now = now or datetime.now(UTC)
    try:
        config = service.config()
        snapshot = service.csv_rows("data/current_snapshot_*.csv")
        trends = service.csv_rows("data/hourly_trends_*.csv")
        machines = service.csv_rows("data/machine_status_*.csv")
        metadata = service.metadata()
    except NotFoundError:
        return _shell(
            api_base,
            '<p id="error-message" style="display:block">No data published '
            "yet: run <code>weir dac publish</code>.</p>",
        )
    values = {row["metric"]: row for row in snapshot}
    series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for row in trends:
        series[row["metric"]].append((_time(row["timestamp"]), float(row["hourly_mean"])))
    measured = max((_time(row["timestamp"]) for row in snapshot), default=None)
    level, label = LEVELS.get(FRESHNESS.evaluate(measured, now).name, ("stale", "Stale"))
    # the trend window ends an hour before the next publication is due
    end = _time(metadata.get("next_update", now.isoformat())) - timedelta(hours=1)
    cards = []
    for metric, conf in config.items():
        reading = values.get(metric)
        text = display(float(reading["value"]), conf) if reading else "--"
        at = f"measured at {_time(reading['timestamp']):%H:%M}" if reading else "no reading"
        chart = sparkline(series.get(metric, []), end) if metric in series else ""
        cards.append(
            f'<section class="card"><h2>{html.escape(conf["display_name"])}</h2>'
            f'<div id="{metric}_value" class="metric-value">{text}</div>'
            f'<span id="{metric}_unit" class="unit">{html.escape(conf["display_unit"])}</span>'
            f'<div id="{metric}_note" class="note">{at}</div>{chart}</section>'
        )
    units = "".join(
        f'<li class="machine {html.escape(m["status"])}">{html.escape(m["unit_id"])}: '
        f"{html.escape(m['status'])} since {_time(m['since']):%H:%M}</li>"
        for m in machines
    )
    stamp = f"{measured:%Y-%m-%d %H:%M} UTC" if measured else "--"
    body = (
        '<div class="status">'
        f'<span id="data-quality-indicator" class="data-quality {level}" data-level="{level}" '
        f'title="quality: {html.escape(metadata.get("data_quality", ""))}">{label}</span>'
        f'<span>Last update: <span id="last_update">{stamp}</span></span>'
        f'<span id="estimate-note" class="note">measured at {measured:%H:%M}</span></div>'
        '<p id="error-message" role="status"></p>'
        f'<div class="grid">{"".join(cards)}</div>'
        f'<h2>Machines</h2><ul id="machine-status" class="machines">{units}</ul>'
    )
    return _shell(api_base, body, retry_ms)


def _shell(api_base: str, body: str, retry_ms: int | None = None) -> str:
    retry = f' data-retry-ms="{retry_ms}"' if retry_ms else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>Direct Air Capture · live plant metrics</title>"
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="static/dac.css"></head>'
        f'<body data-api-base="{html.escape(api_base)}"{retry}><header>'
        "<h1>Direct Air Capture · live plant metrics</h1></header><main>"
        f"{body}</main><footer class=note>Data published hourly; between updates the widget "
        "shows estimates from the last hour's measurements.</footer>"
        f'<script src="{PAPAPARSE}"></script><script src="static/dac_dashboard.js"></script>'
        '<script src="static/dac_page.js"></script></body></html>'
    )


def create_app(
    settings: Settings,
    dac: DacSettings | None = None,
    api_base: str = "../api/dac",
    retry_ms: int | None = None,
) -> Any:
    """The demo page and its static files (mounted at ``/dac/`` by ``weir serve``)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    service = DacService(settings, dac or DacSettings())

    def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(
            render_page(service, api_base, retry_ms=retry_ms),
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
        )

    return Starlette(
        routes=[Route("/", page), Mount("/static", StaticFiles(directory=STATIC), name="static")]
    )
