"""Canonical values of one variable at a set of grid cells, from a source's native variables."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from weir.forecast.errors import LayoutError
from weir.forecast.models import NativeVariable, Variable
from weir.forecast.pipeline import units
from weir.forecast.pipeline.grid import Nearest
from weir.forecast.pipeline.source import OpenSource

Cell = tuple[int, int]


def natives(native: NativeVariable) -> tuple[str, ...]:
    """The store variables a canonical variable is read from."""
    return (native.native,) if isinstance(native.native, str) else tuple(native.native)


def derive(
    opened: OpenSource,
    variable: Variable,
    native: NativeVariable,
    init_index: int,
    cells: Iterable[Nearest],
) -> dict[Cell, NDArray[np.float64]]:
    """(member, lead) arrays in canonical units, per grid cell.

    Raises:
        LayoutError: a vector variable is mapped to one native variable (or the reverse).
    """
    names = natives(native)
    vector = variable.derive in ("vector_speed", "vector_direction")
    if vector != (len(names) == 2):
        raise LayoutError(
            f"{opened.source.source_id}: {variable.id} ({variable.derive}) needs "
            f"{'two native components (u, v)' if vector else 'one native variable'}",
            field=f"variables.{variable.id}.native",
        )
    cells = list(cells)
    blocks = [opened.read_points(name, init_index, cells) for name in names]
    out: dict[Cell, NDArray[np.float64]] = {}
    for cell, first in blocks[0].items():
        if variable.derive == "convert":
            out[cell] = units.convert(first, native.units, variable.units)
        elif variable.derive == "rate_to_amount":
            out[cell] = units.rate_to_amount(first, native.units, variable.units, opened.lead_hours)
        elif variable.derive == "vector_speed":
            speed = units.vector_speed(first, blocks[1][cell])
            out[cell] = units.convert(speed, native.units, variable.units)
        else:
            out[cell] = units.vector_direction(first, blocks[1][cell])
    return out
