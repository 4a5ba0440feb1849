"""The forecast dashboard (Shiny for Python), mounted by ``weir serve`` at ``/forecast/``.

Three tabs: the forecast overview (sources side by side, percentile bands, boxplots, members,
threshold probability, units, the point's time zone, CSV download), point management on an
offline map (saved through the points API), and system status. Interaction reads only the
precomputed artifacts, cached in memory. Also runnable alone:
``shiny run weir.forecast.ui.app:standalone``.
"""

from __future__ import annotations

from typing import Any

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.settings import ForecastSettings
from weir.forecast.ui.data import Dashboard, Selection, unit_label

VIEWS = {"bands": "Percentile bands", "boxplot": "Boxplots", "members": "Members"}
UNITS = {"metric": "°C · mm · cm · m/s", "imperial": "°F · in · in · mph"}
CSS = """
.weir-badge{display:inline-block;padding:.15rem .6rem;border-radius:1rem;color:#fff}
.weir-fresh{background:#2e7d32}.weir-aging{background:#f9a825}.weir-stale{background:#c62828}
.weir-unknown{background:#757575}.weir-error{color:#c62828}
"""


def _overview(board: Dashboard) -> Any:
    from shiny import ui

    catalog = board.catalog()
    sources = sorted({source for source, _ in catalog})
    variables = board.variables()
    present = {variable for _, variable in catalog}
    points = board.points()
    return ui.layout_sidebar(
        ui.sidebar(
            ui.input_checkbox_group(
                "sources", "Sources", choices=sources, selected=sources, inline=True
            ),
            ui.input_select(
                "variable",
                "Variable",
                choices={k: v["label"] for k, v in variables.items() if k in present},
            ),
            ui.input_select("point", "Point", choices={k: v["name"] for k, v in points.items()}),
            ui.input_select("run", "Run (init date)", choices=["latest"]),
            ui.input_radio_buttons("view", "View", VIEWS),
            ui.input_radio_buttons("units", "Units", UNITS),
            ui.input_switch("local_time", "Point's time zone", value=True),
            ui.input_switch("use_threshold", "Threshold probability", value=False),
            ui.input_numeric("threshold", "Threshold", value=0.0, step=0.5),
            ui.input_radio_buttons(
                "direction", None, {"below": "below", "above": "above"}, inline=True
            ),
            ui.download_button("download", "Download CSV"),
            width=280,
        ),
        ui.output_text("caption"),
        ui.output_plot("plot", height="420px"),
        ui.output_data_frame("table"),
    )


def _points_tab(board: Dashboard) -> Any:
    from zoneinfo import available_timezones

    from shiny import ui

    from weir.forecast.ui.map import map_div

    return ui.layout_columns(
        ui.card(ui.card_header("Click the map to place a point"), map_div(*board.map_center())),
        ui.card(
            ui.card_header("New point"),
            ui.output_ui("nearest"),
            ui.input_text("new_name", "Name"),
            ui.input_text("new_tags", "Tags (comma-separated)"),
            ui.input_checkbox("new_enabled", "Enabled", value=True),
            ui.input_selectize(
                "new_tz", "Time zone", choices=sorted(available_timezones()), selected="UTC"
            ),
            ui.input_text("new_by", "Created by"),
            ui.input_action_button("save_point", "Save point", class_="btn-primary"),
            ui.output_ui("form_message"),
        ),
        ui.card(ui.card_header("Points"), ui.output_data_frame("points_table")),
        col_widths=(7, 5, 12),
    )


def create_app(settings: Settings, options: ForecastSettings | None = None) -> Any:
    """The Shiny app over the store of `settings`."""
    from shiny import App, ui

    from weir.forecast.ui.server import make_server

    options = options or ForecastSettings()
    board = Dashboard(Store.from_settings(settings))

    def page(_request: Any) -> Any:
        return ui.page_navbar(
            ui.nav_panel("Forecast", _overview(board), value="forecast"),
            ui.nav_panel("Points", _points_tab(board), value="points"),
            ui.nav_panel("Status", ui.output_ui("status"), value="status"),
            title="weir · ensemble forecasts",
            id="tabs",
            header=ui.tags.style(CSS),
            fillable=False,
        )

    return App(page, make_server(board, settings, options))


def standalone() -> Any:
    """The app with settings from the environment (for ``shiny run``)."""
    return create_app(Settings())


__all__ = ["Selection", "create_app", "standalone", "unit_label"]
