"""Forecast tables (SQLAlchemy 2): user-managed points and the audit of every write.

The schema is created by the Alembic revisions in ``weir/forecast/migrations/versions`` (branch
``forecast``); these classes mirror them (a test compares both).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, MetaData, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of the forecast tables."""

    metadata = MetaData()


class ForecastPoint(Base):
    """One forecast point (the seed's DynamoDB item)."""

    __tablename__ = "forecast_points"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    name_key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    tags: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def as_dict(self) -> dict[str, Any]:
        """The point as the API returns it."""
        return {
            "id": self.id,
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "tags": list(self.tags),
            "enabled": self.enabled,
            "timezone": self.timezone,
            "created_by": self.created_by,
            "created_at": _utc(self.created_at).isoformat(),
            "updated_at": _utc(self.updated_at).isoformat(),
        }


class PointAudit(Base):
    """One write to the points: who, when, what, before and after."""

    __tablename__ = "forecast_point_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    point_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)

    def as_dict(self) -> dict[str, Any]:
        """The audit row as the API returns it."""
        return {
            "id": self.id,
            "point_id": self.point_id,
            "action": self.action,
            "actor": self.actor,
            "at": _utc(self.at).isoformat(),
            "before": self.before,
            "after": self.after,
        }


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes: they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
