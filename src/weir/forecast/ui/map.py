"""The point-management map: vendored Leaflet, topojson-client and world-atlas, served by weir."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

VENDOR = {
    "leaflet": "1.9.4",
    "topojson-client": "3.1.0",
    "world-atlas": "2.0.2",
}


def _folder(*parts: str) -> str:
    return str(files("weir.forecast").joinpath("static", *parts))


def dependencies() -> list[Any]:
    """HTML dependencies of the map (served under ``lib/`` by Shiny, relative URLs)."""
    from htmltools import HTMLDependency

    return [
        HTMLDependency(
            "leaflet",
            VENDOR["leaflet"],
            source={"subdir": _folder("vendor", "leaflet@1.9.4")},
            script={"src": "leaflet.js"},
            stylesheet={"href": "leaflet.css"},
        ),
        HTMLDependency(
            "topojson-client",
            VENDOR["topojson-client"],
            source={"subdir": _folder("vendor", "topojson-client@3.1.0")},
            script={"src": "topojson-client.min.js"},
        ),
        HTMLDependency(
            "world-atlas",
            VENDOR["world-atlas"],
            source={"subdir": _folder("vendor", "world-atlas@2.0.2")},
            all_files=True,
        ),
        HTMLDependency(
            "weir-forecast-map",
            "1.0.0",
            source={"subdir": _folder()},
            script={"src": "forecast_map.js"},
        ),
    ]


def map_div(lat: float = 50.0, lon: float = -110.0, zoom: int = 3) -> Any:
    """The map element (initialised by ``forecast_map.js``)."""
    from htmltools import div

    return div(
        *dependencies(),
        id="point_map",
        class_="weir-map",
        style="height: 420px; width: 100%; background: #cfe3f0;",
        data_lat=str(lat),
        data_lon=str(lon),
        data_zoom=str(zoom),
        data_atlas=f"lib/world-atlas-{VENDOR['world-atlas']}/countries-110m.json",
    )
