"""The widget's reports to ``POST /log-error``: the schema, at most 8 KB."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_REPORT_BYTES = 8192
Text = Annotated[str, Field(max_length=2000)]


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    userAgent: Annotated[str, Field(max_length=500)] | None = None
    url: Text | None = None
    timestamp: Annotated[str, Field(max_length=40)] | None = None


class JavaScriptError(_Report):
    """A window error caught by the widget's page."""

    type: Literal["javascript_error"]
    message: Text
    filename: Text | None = None
    line: int | None = Field(None, ge=0)
    column: int | None = Field(None, ge=0)
    stack: Annotated[str, Field(max_length=4000)] | None = None


class DataLoadFailure(_Report):
    """The widget could not load data and shows its error state."""

    type: Literal["data_load_failure"]
    message: Text
    filename: Text | None = None


class PerformanceMetrics(_Report):
    """The widget's five-minute performance report."""

    type: Literal["performance_metrics"]
    metrics: Annotated[dict[Annotated[str, Field(max_length=40)], float], Field(max_length=20)]


Report = Annotated[
    JavaScriptError | DataLoadFailure | PerformanceMetrics, Field(discriminator="type")
]
REPORT = TypeAdapter(Report)
