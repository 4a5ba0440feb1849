"""The dashboard's server function: reactive reads of the cached artifacts and API calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weir.core.settings import Settings
from weir.forecast.settings import ForecastSettings
from weir.forecast.ui.client import PointsClient
from weir.forecast.ui.data import STATS, Dashboard, Selection, unit_label

if TYPE_CHECKING:
    import pandas as pd


def table_frame(summary: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The table (and CSV) of what the plot shows."""
    import pandas as pd

    if summary.empty:
        return pd.DataFrame({"message": ["no forecast for this selection"]})
    out = pd.DataFrame(
        {
            "source": summary["source_id"],
            "valid_time": summary["valid_time"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M"),
            "lead_h": summary["lead_hours"],
            **{stat: summary[stat].round(2) for stat in STATS},
            "members": summary["member_count"],
        }
    )
    if "probability" in summary:
        out["p_threshold_pct"] = (summary["probability"] * 100).round(1)
    return out


def _status_ui(data: dict[str, Any]) -> Any:
    from shiny import ui

    fresh = data["freshness"]
    size = data["total_size_bytes"]
    trend = data["cost_trend_usd"]
    cost = data["estimated_monthly_storage_usd"]
    errors = data["errors"]
    rows = [
        ("Last successful extraction", data["last_successful_extract_utc"] or "never"),
        ("Last run", f"{data['last_run_status']} at {data['last_run_at'] or '—'}"),
        ("Init times", ", ".join(f"{k}: {v}" for k, v in data["init_times"].items()) or "—"),
        ("Objects", "—" if data["object_count"] is None else f"{data['object_count']:,}"),
        ("Size", "—" if size is None else f"{size / 1e6:,.2f} MB"),
        ("Monthly storage cost", "—" if cost is None else f"${cost:,.4f}"),
        ("Cost trend", "—" if trend is None else f"{trend:+.6f} USD since the last inventory"),
    ]
    return ui.div(
        ui.h4(
            "Freshness ",
            ui.span(fresh, class_=f"weir-badge weir-{fresh}", id="freshness_badge"),
        ),
        ui.tags.table(
            *[ui.tags.tr(ui.tags.th(k), ui.tags.td(v)) for k, v in rows],
            class_="table table-sm",
            id="status_table",
        ),
        ui.h5("Errors of the last run"),
        ui.tags.ul(*[ui.tags.li(f"{e['source_id']}: {e['message']}") for e in errors])
        if errors
        else ui.p("none"),
    )


def make_server(board: Dashboard, settings: Settings, options: ForecastSettings) -> Any:
    """The server function of one app."""
    from shiny import reactive, render, ui

    from weir.forecast.service import status_summary
    from weir.forecast.ui.plots import figure

    client = PointsClient(settings, options)

    def server(input: Any, output: Any, session: Any) -> None:
        points_version = reactive.value(0)
        picked: reactive.Value[dict[str, Any] | None] = reactive.value(None)
        message = reactive.value(("", ""))

        @reactive.calc
        def selection() -> Selection:
            return Selection(
                sources=tuple(input.sources() or ()),
                variable=input.variable() or "",
                point=input.point() or "",
                run=input.run() or "latest",
                system=input.units(),
                threshold=float(input.threshold())
                if input.use_threshold() and input.threshold() is not None
                else None,
                above=input.direction() == "above",
            )

        @reactive.effect
        def _runs() -> None:
            catalog = board.catalog()
            dates = sorted(
                {d for s in input.sources() or () for d in catalog.get((s, input.variable()), [])},
                reverse=True,
            )
            ui.update_select("run", choices=["latest", *dates], selected="latest")

        @reactive.calc
        def summary() -> pd.DataFrame:
            return board.summary(selection())

        @reactive.calc
        def tz() -> str:
            point = board.points().get(input.point(), {})
            return str(point.get("timezone", "UTC")) if input.local_time() else "UTC"

        @render.text
        def caption() -> str:
            sel = selection()
            variables = board.variables()
            point = board.points().get(sel.point, {"name": sel.point, "lat": "?", "lon": "?"})
            frame = summary()
            inits = (
                ", ".join(
                    f"{s} {t:%Y-%m-%d %HZ}"
                    for s, t in frame.groupby("source_id")["init_time"].max().items()
                )
                if not frame.empty
                else "no run"
            )
            units = unit_label(variables.get(sel.variable, {}).get("units", ""), sel.system)
            return f"{point['name']} ({point['lat']}, {point['lon']}) · {inits} · {units} · {tz()}"

        @render.plot(alt="Ensemble forecast")
        def plot() -> Any:
            sel = selection()
            variable = board.variables().get(sel.variable, {"label": "", "units": ""})
            members = (
                {s: board.members(sel, s) for s in sel.sources} if input.view() == "members" else {}
            )
            return figure(
                summary(),
                members,
                view=input.view(),
                label=f"{variable['label']} ({unit_label(variable['units'], sel.system)})",
                tz=tz(),
                threshold=sel.threshold,
            )

        @render.data_frame
        def table() -> Any:
            return render.DataGrid(table_frame(summary(), tz()), height="320px")

        @render.download_button(filename="forecast.csv")
        def download() -> Any:
            yield table_frame(summary(), tz()).to_csv(index=False)

        # --- point management -------------------------------------------------------------

        @reactive.calc
        async def point_list() -> list[dict[str, Any]]:
            points_version()
            status, body = await client.request("GET", "/points")
            return body if status == 200 else []

        @reactive.effect
        @reactive.event(input.map_ready, points_version)
        async def _send_points() -> None:
            listed = await point_list()
            await session.send_custom_message(
                "forecast_points",
                [{k: p[k] for k in ("name", "lat", "lon", "enabled")} for p in listed],
            )

        @render.data_frame
        async def points_table() -> Any:
            import pandas as pd

            listed = await point_list()
            frame = pd.DataFrame(
                [
                    {
                        "id": p["id"],
                        "name": p["name"],
                        "lat": p["lat"],
                        "lon": p["lon"],
                        "tags": ", ".join(p["tags"]),
                        "enabled": p["enabled"],
                    }
                    for p in listed
                ]
            )
            return render.DataGrid(frame, height="260px")

        @reactive.effect
        @reactive.event(input.map_click)
        async def _clicked() -> None:
            click = input.map_click()
            status, body = await client.request(
                "GET", "/nearest", params={"lat": click["lat"], "lon": click["lon"]}
            )
            picked.set(
                {"lat": click["lat"], "lon": click["lon"], "sources": body.get("sources", {})}
                if status == 200
                else None
            )
            message.set(("", ""))
            if status == 200:
                await session.send_custom_message(
                    "forecast_cells",
                    [{"source": k, **v} for k, v in body["sources"].items()],
                )

        @render.ui
        def nearest() -> Any:
            found = picked()
            if found is None:
                return ui.p("No location picked yet.", id="picked")
            lines = [
                ui.tags.li(f"{k}: {v['lat']:.2f}, {v['lon']:.2f} ({v['distance_km']:.1f} km)")
                for k, v in found["sources"].items()
            ] or [ui.tags.li("outside every source's domain")]
            return ui.div(
                ui.p(f"Picked {found['lat']:.3f}, {found['lon']:.3f}", id="picked"),
                ui.tags.ul(*lines, id="nearest_cells"),
            )

        @reactive.effect
        @reactive.event(input.save_point)
        async def _save() -> None:
            found = picked()
            if found is None:
                message.set(("error", "Click the map first."))
                return
            payload = {
                "point_name": input.new_name(),
                "latitude": round(found["lat"], 5),
                "longitude": round(found["lon"], 5),
                "created_by": input.new_by().strip() or options.actor,
                "tags": [t.strip() for t in input.new_tags().split(",") if t.strip()],
                "enabled": bool(input.new_enabled()),
                "timezone": input.new_tz() or "UTC",
            }
            status, body = await client.request("POST", "/points", json=payload)
            if status == 201:
                message.set(("ok", f"Saved {body['name']} ({body['id']})."))
                points_version.set(points_version() + 1)
                choices = {p["id"]: p["name"] for p in await point_list()}
                ui.update_select("point", choices=choices, selected=input.point())
            else:
                message.set(("error", PointsClient.message(body)))

        @render.ui
        def form_message() -> Any:
            kind, text = message()
            if not text:
                return ui.div(id="form_message_text")
            css = "weir-error" if kind == "error" else "text-success"
            return ui.div(text, id="form_message_text", class_=css)  # htmltools escapes

        @render.ui
        def status() -> Any:
            return _status_ui(status_summary(board.store))

    return server
