"""The aggregation grid (mapping/aggregate.py): hexagonal cells per band of scales, each
with its units counted per level and its worst level."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from plugin.core.mapping.aggregate import BANDS, POINTS_VISIBLE_BELOW, aggregate, hex_centre, hex_index

TO_GK = pyproj.Transformer.from_crs(4490, 4547, always_xy=True)


def city(n=5000, seed=3):
    rng = np.random.default_rng(seed)
    lon = 114.05 + rng.normal(0, 0.05, n)
    lat = 22.55 + rng.normal(0, 0.03, n)
    level = rng.choice([1.0, 2.0, 3.0, 4.0, np.nan], n, p=[0.02, 0.08, 0.25, 0.6, 0.05])
    return lon, lat, level


def test_bands_cover_every_scale_down_to_the_points():
    assert BANDS[0].min_scale == 0  # the coarsest band has no outer limit
    for outer, inner in zip(BANDS, BANDS[1:]):
        assert outer.max_scale == inner.min_scale and outer.cell_m > inner.cell_m
    assert BANDS[-1].max_scale == POINTS_VISIBLE_BELOW


def test_every_unit_lies_in_its_cell_and_is_counted_once():
    lon, lat, level = city()
    grid = aggregate(lon, lat, level)
    x, y = TO_GK.transform(lon, lat)
    pts = shapely.points(x, y)
    for band in BANDS:
        cells = grid[grid["cell_m"] == band.cell_m]
        assert cells["n_units"].sum() == len(lon)
        assert cells["cell_id"].is_unique
        q, r = hex_index(np.asarray(x), np.asarray(y), band.cell_m)
        ids = np.char.add(np.char.add(np.char.add(f"{band.cell_m}:", q.astype(str)), ":"), r.astype(str))
        poly = dict(zip(cells["cell_id"], cells.geometry))
        sample = np.random.default_rng(0).choice(len(lon), 300, replace=False)
        for i in sample:  # the cell polygon (back in the projected zone) holds the point
            gk = shapely.transform(poly[ids[i]], lambda c: np.column_stack(TO_GK.transform(c[:, 0], c[:, 1])))
            assert gk.buffer(1e-3).contains(pts[i])
        # hexagons: six corners, area √3/2 · cell²
        gk = shapely.transform(cells.geometry.iloc[0], lambda c: np.column_stack(TO_GK.transform(c[:, 0], c[:, 1])))
        assert gk.area == pytest.approx(np.sqrt(3) / 2 * band.cell_m ** 2, rel=1e-3)


def test_counts_per_level_and_worst_level():
    lon, lat, level = city()
    grid = aggregate(lon, lat, level)
    coarse = grid[grid["cell_m"] == BANDS[0].cell_m]
    for k in (1, 2, 3, 4):
        assert coarse[f"n_level{k}"].sum() == int(np.sum(level == k))
    assert coarse["n_unscored"].sum() == int(np.isnan(level).sum())
    assert (coarse[["n_level1", "n_level2", "n_level3", "n_level4", "n_unscored"]].sum(axis=1)
            == coarse["n_units"]).all()
    # level-1 units per km² of the hexagon (√3/2 · cell², 3.464 km² for 2 km)
    assert np.allclose(coarse["level1_per_km2"], coarse["n_level1"] / 3.4641016, rtol=1e-6)
    for _, c in coarse.iterrows():
        present = [k for k in (1, 2, 3, 4) if c[f"n_level{k}"] > 0]
        if present:
            assert c["worst_level"] == min(present)
        else:
            assert c["worst_level"] is pd.NA


def test_a_cell_of_unscored_units_has_no_worst_level():
    grid = aggregate([114.0, 114.0], [22.5, 22.5], [np.nan, np.nan])
    assert grid["worst_level"].isna().all() and (grid["n_unscored"] == 2).all()


def test_cells_keep_their_place_and_id_whatever_else_is_on_the_map():
    lon, lat, level = city()
    a = aggregate(lon, lat, level)
    b = aggregate(lon[:100], lat[:100], level[:100])
    shared = b.merge(a, on="cell_id", suffixes=("_b", "_a"))
    assert len(shared) == len(b)
    assert all(ga.equals_exact(gb, 1e-9) for ga, gb in zip(shared["geometry_a"], shared["geometry_b"]))


def test_a_hexagon_centre_is_in_its_own_cell():
    q = np.array([-3, 0, 5, 12])
    r = np.array([7, 0, -2, 4])
    for cell in (250, 1000):
        x, y = hex_centre(q, r, cell)
        assert (hex_index(x, y, cell)[0] == q).all() and (hex_index(x, y, cell)[1] == r).all()


def test_units_without_a_position_are_left_out_and_an_empty_city_gives_an_empty_grid():
    grid = aggregate([114.0, np.nan], [22.5, np.nan], [1, 2])
    assert (grid.groupby("cell_m")["n_units"].sum() == 1).all()
    assert len(aggregate([], [], [])) == 0


def test_the_risk_map_step_writes_the_grid(analysed_db):
    con = sqlite3.connect(analysed_db)
    try:
        positioned = con.execute("SELECT COUNT(*) FROM risk_map").fetchone()[0]
        per_band = dict(con.execute("SELECT cell_m, SUM(n_units) FROM risk_grid GROUP BY cell_m").fetchall())
        level1 = con.execute("SELECT COUNT(*) FROM risk_map WHERE level = 1").fetchone()[0]
        grid1 = dict(con.execute("SELECT cell_m, SUM(n_level1) FROM risk_grid GROUP BY cell_m").fetchall())
        top = con.execute("SELECT COUNT(*), MIN(level), MAX(level) FROM risk_level1").fetchone()
        has_index = con.execute("SELECT COUNT(*) FROM gpkg_extensions WHERE table_name = 'risk_grid' "
                                "AND extension_name = 'gpkg_rtree_index'").fetchone()[0]
    finally:
        con.close()
    assert per_band == {b.cell_m: positioned for b in BANDS}
    assert grid1 == {b.cell_m: level1 for b in BANDS} and level1 > 0
    assert has_index == 1
    assert top == (level1, 1, 1)  # the level-1 units, a layer of their own for the map


def test_level_1_density_of_each_units_cell():
    from plugin.core.mapping.aggregate import cell_level1_density

    lon = [114.0, 114.0, 114.0, 114.3, np.nan]
    lat = [22.5, 22.5, 22.5, 22.7, np.nan]
    level = [1, 1, 2, 1, 1]
    got = cell_level1_density(lon, lat, level, np.array([True, False, True, True, True]))
    area = np.sqrt(3) / 2 * 1000 ** 2 / 1e6  # a 1 km hexagon, 0.866 km²
    assert got[:3] == pytest.approx([2 / area, 2 / area, 1 / area]) and np.isnan(got[3])


@pytest.mark.parametrize("spacing_m, scale", [(1000, 150_000), (200, 50_000), (100, 25_000), (40, 10_000),
                                              (10, 5_000)])
def test_points_show_from_the_scale_where_markers_stop_touching(spacing_m, scale):
    """A square lattice of units ``spacing_m`` apart: points show from the most zoomed-out
    scale at which a 3 mm marker (0.003 × scale metres) no longer reaches the neighbour."""
    from plugin.core.mapping.aggregate import points_visible_below

    to_ll = pyproj.Transformer.from_crs(4547, 4490, always_xy=True)
    i, j = np.meshgrid(np.arange(60), np.arange(60))
    lon, lat = to_ll.transform(500_000 + i.ravel() * spacing_m, 2_500_000 + j.ravel() * spacing_m)
    assert points_visible_below(lon, lat) == scale
    assert points_visible_below([114.0], [22.5]) == 150_000  # one unit: nothing to tell apart
