"""Managing forecast points: validation, duplicates, audit, and the regenerated JSON export.

Used by the API (and, through it, the dashboard). The database is the source of truth for
points once it exists; it is seeded once from the active ``pre_canned_points.json``, and after
every write that file is regenerated so the next extraction picks the change up.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from weir.core.errors import BadInputError, NotFoundError
from weir.core.storage import Store
from weir.forecast.db import ForecastPoint, PointAudit
from weir.forecast.errors import DuplicatePointError
from weir.forecast.models import CONFIG, GRIDS_FILE, Point, Points
from weir.forecast.pipeline import configs
from weir.forecast.pipeline.grid import Grid, normalize_lon


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= 80:
        raise ValueError("must be 1–80 characters after trimming")
    if not value.isprintable():
        raise ValueError("must contain printable characters only")
    return value


def _tags(value: list[str]) -> list[str]:
    cleaned = [_name(tag)[:40] for tag in value]
    return list(dict.fromkeys(cleaned))


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class PointCreate(BaseModel):
    """The seed's payload (point_name, latitude, longitude, created_by), plus tags and enabled."""

    point_name: str
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=360)
    created_by: str = Field(min_length=1, max_length=80)
    tags: list[str] = Field(default_factory=list, max_length=20)
    enabled: bool = True
    timezone: str = "UTC"

    _n = field_validator("point_name")(_name)
    _t = field_validator("tags")(_tags)
    _z = field_validator("timezone")(_timezone)


class PointUpdate(BaseModel):
    """A change of name, tags or enabled (coordinates are fixed: add a new point instead)."""

    point_name: str | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    enabled: bool | None = None
    timezone: str | None = None

    @field_validator("point_name")
    @classmethod
    def _n(cls, value: str | None) -> str | None:
        return None if value is None else _name(value)

    @field_validator("tags")
    @classmethod
    def _t(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _tags(value)

    @field_validator("timezone")
    @classmethod
    def _z(cls, value: str | None) -> str | None:
        return None if value is None else _timezone(value)


def slug(name: str) -> str:
    """An id from a name: ``My Cabin`` → ``my-cabin`` (ASCII, at most 48 characters)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48] or "point"


class GridCache:
    """The sources' grids (``dashboard/config/source_grids.json``, written by extraction),
    reread only when that object changes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._key: Any = None
        self._grids: dict[str, Grid] = {}
        self._lock = threading.Lock()

    def grids(self) -> dict[str, Grid]:
        """source_id → grid; empty before the first extraction."""
        path = f"{CONFIG}/{GRIDS_FILE}"
        try:
            meta = self.store.head(path)
        except NotFoundError:
            return {}
        with self._lock:
            if self._key != (meta.size, meta.modified):
                raw = self.store.get_json(path)
                self._grids = {k: Grid.of(v["lats"], v["lons"]) for k, v in raw.items()}
                self._key = (meta.size, meta.modified)
            return self._grids

    def nearest(self, lat: float, lon: float) -> dict[str, dict[str, Any]]:
        """Per source containing (lat, lon): its nearest grid point and the distance."""
        lon = normalize_lon(lon)
        out = {}
        for source_id, grid in self.grids().items():
            if grid.contains(lat, lon):
                near = grid.nearest(lat, lon)
                out[source_id] = {
                    "lat": near.lat,
                    "lon": near.lon,
                    "distance_km": near.distance_km,
                    "cell": [near.lat_index, near.lon_index],
                }
        return out


class PointService:
    """Reads and audited writes of points on one engine and store."""

    def __init__(self, engine: Engine, store: Store, grids: GridCache) -> None:
        self.engine, self.store, self.grids = engine, store, grids

    def seed(self) -> None:
        """Import the active ``pre_canned_points.json`` when the tables have never been used."""
        with Session(self.engine) as session, session.begin():
            used = session.scalar(select(func.count()).select_from(PointAudit))
            if used or session.scalar(select(func.count()).select_from(ForecastPoint)):
                return
            now = dt.datetime.now(dt.UTC)
            for point in configs.load_points(self.store).points:
                row = ForecastPoint(
                    id=point.id,
                    name=point.name,
                    name_key=point.name.casefold(),
                    lat=point.lat,
                    lon=normalize_lon(point.lon),
                    tags=list(point.tags),
                    enabled=point.enabled,
                    timezone=point.timezone,
                    created_by="pre_canned_points.json",
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.add(_audit(point.id, "import", row.created_by, None, row.as_dict()))

    def all(self) -> list[dict[str, Any]]:
        """Every point, by name."""
        with Session(self.engine) as session:
            rows = session.scalars(select(ForecastPoint).order_by(ForecastPoint.name_key))
            return [self._with_cells(row.as_dict()) for row in rows]

    def get(self, point_id: str) -> dict[str, Any]:
        """One point.

        Raises:
            NotFoundError: no such point.
        """
        with Session(self.engine) as session:
            return self._with_cells(_row(session, point_id).as_dict())

    def _with_cells(self, data: dict[str, Any]) -> dict[str, Any]:
        data["grid"] = self.grids.nearest(data["lat"], data["lon"])
        return data

    def create(self, payload: PointCreate) -> dict[str, Any]:
        """Validate and add a point.

        Raises:
            BadInputError: outside every source's domain.
            DuplicatePointError: same name, or the same grid cell in every source.
        """
        lon = normalize_lon(payload.longitude)
        cells = self.grids.nearest(payload.latitude, lon)
        if self.grids.grids() and not cells:
            raise BadInputError(
                f"({payload.latitude}, {lon}) is outside every source's domain",
                field="latitude/longitude",
            )
        now = dt.datetime.now(dt.UTC)
        try:
            after = self._insert(payload, lon, cells, now)
        except IntegrityError as exc:  # a concurrent write won the race
            raise DuplicatePointError(
                f"a point named {payload.point_name!r} was added meanwhile"
            ) from exc
        self.export()
        return self._with_cells(after)

    def _insert(
        self,
        payload: PointCreate,
        lon: float,
        cells: dict[str, dict[str, Any]],
        now: dt.datetime,
    ) -> dict[str, Any]:
        with Session(self.engine) as session, session.begin():
            self._check_unique(session, payload.point_name, payload.latitude, lon, cells)
            base = slug(payload.point_name)
            point_id, n = base, 1
            while session.get(ForecastPoint, point_id) is not None:
                n += 1
                point_id = f"{base}-{n}"
            row = ForecastPoint(
                id=point_id,
                name=payload.point_name,
                name_key=payload.point_name.casefold(),
                lat=payload.latitude,
                lon=lon,
                tags=payload.tags,
                enabled=payload.enabled,
                timezone=payload.timezone,
                created_by=payload.created_by,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            after = row.as_dict()
            session.add(_audit(point_id, "create", payload.created_by, None, after))
        return after

    def _check_unique(
        self,
        session: Session,
        name: str,
        lat: float,
        lon: float,
        cells: dict[str, dict[str, Any]],
        exclude: str | None = None,
    ) -> None:
        for row in session.scalars(select(ForecastPoint)):
            if row.id == exclude:
                continue
            if row.name_key == name.casefold():
                raise DuplicatePointError(f"a point named {row.name!r} exists already ({row.id})")
            if cells and _cells(self.grids.nearest(row.lat, row.lon)) == _cells(cells):
                raise DuplicatePointError(
                    f"({lat}, {lon}) falls on the same grid cells as {row.name!r} ({row.id})"
                )

    def update(self, point_id: str, change: PointUpdate, actor: str) -> dict[str, Any]:
        """Change name, tags, enabled or time zone.

        Raises:
            NotFoundError: no such point.
            DuplicatePointError: the new name is taken.
        """
        with Session(self.engine) as session, session.begin():
            row = _row(session, point_id)
            before = row.as_dict()
            if change.point_name is not None:
                for other in session.scalars(select(ForecastPoint)):
                    if other.id != point_id and other.name_key == change.point_name.casefold():
                        raise DuplicatePointError(
                            f"a point named {other.name!r} exists already ({other.id})"
                        )
                row.name, row.name_key = change.point_name, change.point_name.casefold()
            if change.tags is not None:
                row.tags = change.tags
            if change.enabled is not None:
                row.enabled = change.enabled
            if change.timezone is not None:
                row.timezone = change.timezone
            row.updated_at = dt.datetime.now(dt.UTC)
            after = row.as_dict()
            session.add(_audit(point_id, "update", actor, before, after))
        self.export()
        return self._with_cells(after)

    def delete(self, point_id: str, actor: str) -> None:
        """Delete a point (its artifacts age out by retention).

        Raises:
            NotFoundError: no such point.
        """
        with Session(self.engine) as session, session.begin():
            row = _row(session, point_id)
            session.add(_audit(point_id, "delete", actor, row.as_dict(), None))
            session.delete(row)
        self.export()

    def audit(self, point_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Audit rows, newest first."""
        query = select(PointAudit).order_by(PointAudit.id.desc()).limit(limit)
        if point_id:
            query = query.where(PointAudit.point_id == point_id)
        with Session(self.engine) as session:
            return [row.as_dict() for row in session.scalars(query)]

    def export(self) -> Points:
        """Regenerate the active ``pre_canned_points.json`` from the table."""
        with Session(self.engine) as session:
            rows = session.scalars(select(ForecastPoint).order_by(ForecastPoint.id))
            points = Points(
                points=[
                    Point(
                        id=row.id,
                        name=row.name,
                        lat=row.lat,
                        lon=row.lon,
                        tags=tuple(row.tags),
                        enabled=row.enabled,
                        timezone=row.timezone,
                    )
                    for row in rows
                ]
            )
        configs.save_points(self.store, points)
        return points


def _cells(nearest: dict[str, dict[str, Any]]) -> dict[str, list[int]]:
    return {source_id: found["cell"] for source_id, found in nearest.items()}


def _row(session: Session, point_id: str) -> ForecastPoint:
    row = session.get(ForecastPoint, point_id)
    if row is None:
        raise NotFoundError(f"no point {point_id!r}")
    return row


def _audit(
    point_id: str,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> PointAudit:
    return PointAudit(
        point_id=point_id,
        action=action,
        actor=actor,
        at=dt.datetime.now(dt.UTC),
        before=before,
        after=after,
    )
