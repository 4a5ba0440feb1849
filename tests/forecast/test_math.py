"""Grid geometry, unit conversions and ensemble quantiles, with exact values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from weir.core.errors import BadInputError
from weir.forecast.models import QUANTILES
from weir.forecast.pipeline.grid import Grid, haversine_km, normalize_lon
from weir.forecast.pipeline.summary import exceedance, summarize
from weir.forecast.pipeline.units import convert, rate_to_amount, vector_direction, vector_speed

GLOBAL = Grid.of(np.arange(90, -90.25, -0.25), np.arange(-180, 180, 0.25))


def test_normalize_lon() -> None:
    assert [normalize_lon(x) for x in (350, 180, -180, 179.75, 360, -190)] == [
        -10,
        -180,
        -180,
        179.75,
        0,
        170,
    ]


def test_nearest_on_a_global_descending_grid_wraps_longitude() -> None:
    assert GLOBAL.is_global
    near = GLOBAL.nearest(44.13, 179.9)  # closer to -180 than to 179.75
    assert (near.lat_index, near.lon_index, near.lat, near.lon) == (183, 0, 44.25, -180.0)
    assert near.distance_km == round(haversine_km(44.13, 179.9, 44.25, -180.0), 3)
    west = GLOBAL.nearest(-33.9, normalize_lon(350.1))
    assert (west.lat_index, west.lon_index, west.lat, west.lon) == (496, 680, -34.0, -10.0)


def test_haversine_one_degree_on_the_equator() -> None:
    assert haversine_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * 6371.0088 / 360, abs=1e-9)


def test_nearest_on_an_ascending_grid_too() -> None:
    grid = Grid.of([30.0, 31.0, 32.0], [-130.0, -129.0])
    near = grid.nearest(31.6, -129.2)
    assert (near.lat_index, near.lon_index, near.lat, near.lon) == (2, 1, 32.0, -129.0)


def test_contains_regional_grid_with_half_cell_margin() -> None:
    grid = Grid.of(np.arange(70, 59, -1.0), np.arange(-130, -119, 1.0))
    assert not grid.is_global
    assert grid.contains(65, -125)
    assert grid.contains(70.4, -130.4)
    assert grid.contains(60, 240)
    assert not grid.contains(70.6, -125)
    assert not grid.contains(65, -119.4)
    assert GLOBAL.contains(-90, 179.9)


def test_quantiles_and_member_count_match_numpy() -> None:
    members = np.array(
        [
            [1.0, 10.0, np.nan],
            [2.0, np.nan, np.nan],
            [4.0, 30.0, np.nan],
            [8.0, 20.0, np.nan],
            [16.0, 40.0, np.nan],
        ]
    )
    out = summarize(members)
    assert out["member_count"].tolist() == [5, 4, 0]
    first, second = np.array([1, 2, 4, 8, 16.0]), np.array([10, 30, 20, 40.0])
    for name, q in (("min", 0), ("q10", 0.1), ("q25", 0.25), ("median", 0.5), ("q90", 0.9)):
        assert out[name][0] == np.quantile(first, q)
        assert out[name][1] == np.quantile(second, q)
        assert np.isnan(out[name][2])
    assert out["q10"][0] == pytest.approx(1.4)  # 1 + 0.4 * (2 - 1): linear interpolation
    assert out["q75"][1] == 32.5
    assert out["max"][1] == 40.0


def test_exceedance_counts_finite_members_only() -> None:
    members = np.array([[-1.0, 5.0], [1.0, np.nan], [-3.0, np.nan], [np.nan, np.nan]])
    assert exceedance(members, 0.0, above=False).tolist() == [2 / 3, 0.0]
    assert exceedance(members, 0.0, above=True).tolist() == [1 / 3, 1.0]
    assert np.isnan(exceedance(np.full((2, 1), np.nan), 0.0, above=True)[0])


def test_unit_conversions() -> None:
    assert convert(np.array([273.15, 300.0]), "K", "degC").tolist() == pytest.approx([0, 26.85])
    assert convert(np.array([1.5]), "degree_Celsius", "degC").tolist() == [1.5]
    assert convert(np.array([0.25]), "m", "cm").tolist() == [25.0]
    with pytest.raises(BadInputError, match="no unit conversion from 'K' to 'mm'"):
        convert(np.array([1.0]), "K", "mm")


def test_rate_to_amount_per_step() -> None:
    rate = np.full((2, 4), 1 / 3600)  # 1 mm per hour
    amount = rate_to_amount(rate, "kg m-2 s-1", "mm", np.array([0.0, 3.0, 9.0, 15.0]))
    assert np.isnan(amount[:, 0]).all()
    assert amount[0, 1:].tolist() == pytest.approx([3.0, 6.0, 6.0])
    with pytest.raises(BadInputError, match="rate_to_amount needs kg m-2 s-1"):
        rate_to_amount(rate, "m", "mm", np.arange(4.0))


def test_wind_speed_and_direction() -> None:
    u = np.array([3.0, 0.0, 5.0, -5.0, 0.0])
    v = np.array([4.0, -5.0, 0.0, 0.0, 5.0])
    assert vector_speed(u, v).tolist() == [5.0, 5.0, 5.0, 5.0, 5.0]
    # from the north, from the west, from the east, from the south
    assert vector_direction(u[1:], v[1:]).tolist() == pytest.approx([0.0, 270.0, 90.0, 180.0])


@settings(max_examples=150, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 40), st.integers(1, 6)),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    )
)
def test_summary_equals_numpy_quantile_exactly(members: np.ndarray) -> None:
    out = summarize(members)
    for lead in range(members.shape[1]):
        finite = members[:, lead][np.isfinite(members[:, lead])]
        assert out["member_count"][lead] == finite.size
        for name, q in QUANTILES.items():
            expected = np.quantile(finite, q) if finite.size else np.nan
            assert np.array_equal(out[name][lead], expected, equal_nan=True), (name, q)
