"""plugin.core.store.bulk: the Arrow write gives the layer pyogrio.write_dataframe gives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from plugin.core.store import bulk

pytest.importorskip("nanoarrow")


def _units(n: int = 500, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    text = np.array([f"单位{i}" for i in range(n)], dtype=object)
    text[::7] = ""
    opt = np.array([None if i % 5 == 0 else f"v{i}\u2028é" for i in range(n)], dtype=object)
    num = rng.random(n) * 100
    num[::3] = np.nan
    frame = pd.DataFrame({
        "unit_code": [f"U{i:05d}" for i in range(n)],
        "name": text, "note": opt,
        "employees": num, "count": np.arange(n, dtype=np.int64),
        "location_from_unit": (np.arange(n) % 2).astype(bool),
        "row": pd.array([None if i % 4 == 0 else i for i in range(n)], dtype="Int64"),
        "label": pd.Series([f"s{i}" if i % 6 else None for i in range(n)], dtype="str"),
    })
    pts = gpd.points_from_xy(113.8 + rng.random(n) * 0.7, 22.4 + rng.random(n) * 0.4, crs="EPSG:4490")
    return gpd.GeoDataFrame(frame, geometry=pts, crs="EPSG:4490")


def _reference(path: Path, name: str, frame: pd.DataFrame) -> None:
    """What riskdb wrote before bulk.py: pyogrio's feature path."""
    new = not path.exists()
    kw = {"dataset_options": {"VERSION": "1.2"}} if new else {}
    if isinstance(frame, gpd.GeoDataFrame):
        kw.update(geometry_type=frame.geom_type.iloc[0], promote_to_multi=False)
    pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", **kw)


def _has(con: sqlite3.Connection, table: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone() is not None


def _describe(path: Path, layer: str) -> dict:
    con = sqlite3.connect(str(path))
    try:
        out = {
            "columns": con.execute(f'PRAGMA table_info("{layer}")').fetchall(),
            "contents": con.execute("SELECT table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id"
                                    " FROM gpkg_contents WHERE table_name = ?", (layer,)).fetchall(),
            "geometry": con.execute("SELECT * FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchall(),
            "extensions": con.execute("SELECT * FROM gpkg_extensions WHERE table_name = ? ORDER BY extension_name",
                                      (layer,)).fetchall() if _has(con, "gpkg_extensions") else [],
            "triggers": sorted(r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (layer,))),
            "srs": con.execute("SELECT srs_id, organization, organization_coordsys_id FROM gpkg_spatial_ref_sys"
                               " ORDER BY srs_id").fetchall(),
            "version": con.execute("PRAGMA application_id").fetchone()[0],
            "user_version": con.execute("PRAGMA user_version").fetchone()[0],
        }
        if out["geometry"]:
            out["rtree_rows"] = con.execute(f'SELECT count(*) FROM "rtree_{layer}_geom"').fetchone()[0]
        return out
    finally:
        con.close()


def _segments(n: int = 300) -> gpd.GeoDataFrame:
    """Two-point lines, as the cascade's edges and the receptor links are."""
    units = _units(n)
    ends = units.geometry.to_numpy()[::-1]
    lines = shapely.linestrings(np.stack([shapely.get_coordinates(units.geometry.to_numpy()),
                                          shapely.get_coordinates(ends)], axis=1))
    return gpd.GeoDataFrame(pd.DataFrame(units.drop(columns="geometry")), geometry=lines, crs="EPSG:4490")


@pytest.mark.parametrize("kind", ["points", "table", "lines"])
def test_same_layer_as_pyogrio(tmp_path: Path, kind: str) -> None:
    frame = {"points": _units, "lines": _segments}.get(kind, lambda: pd.DataFrame(_units().drop(columns="geometry")))()
    ref, ours = tmp_path / "ref.gpkg", tmp_path / "ours.gpkg"
    _reference(ref, "layer", frame)
    bulk.write_layer(ours, "layer", frame)
    assert bulk._to_arrow(frame) is not None  # the Arrow path, not the fallback
    assert _describe(ours, "layer") == _describe(ref, "layer")
    pd.testing.assert_frame_equal(pyogrio.read_dataframe(ours, layer="layer"),
                                  pyogrio.read_dataframe(ref, layer="layer"))
    if kind != "table":
        assert _describe(ours, "layer")["rtree_rows"] == len(frame)


def test_existing_geopackage_replace_and_append(tmp_path: Path) -> None:
    path = tmp_path / "db.gpkg"
    units = _units(300)
    bulk.write_layer(path, "units", units)
    bulk.write_layer(path, "hazards", units.iloc[:100])
    bulk.write_layer(path, "hazards", units.iloc[100:])  # replaces
    assert len(pyogrio.read_dataframe(path, layer="hazards")) == 200
    bulk.write_layer(path, "hazards", units.iloc[:50], append=True)  # a further chunk
    back = pyogrio.read_dataframe(path, layer="hazards")
    assert back["unit_code"].tolist() == units["unit_code"].iloc[100:].tolist() + units["unit_code"].iloc[:50].tolist()
    assert _describe(path, "hazards")["rtree_rows"] == 250
    assert sorted(n for n, _ in pyogrio.list_layers(path)) == ["hazards", "units"]
    assert len(pyogrio.read_dataframe(path, layer="units")) == 300


def test_fallbacks_give_the_same_layer(tmp_path: Path) -> None:
    """Columns the Arrow path does not build (dates, mixed objects) and empty point layers go
    through pyogrio, with the same result."""
    units = _units(50)
    odd = units.assign(when=pd.Timestamp("2024-03-05"), mixed=[1, "a"] * 25)
    assert bulk._to_arrow(odd) is None
    bulk.write_layer(tmp_path / "a.gpkg", "odd", odd)
    _reference(tmp_path / "b.gpkg", "odd", odd)
    assert _describe(tmp_path / "a.gpkg", "odd") == _describe(tmp_path / "b.gpkg", "odd")
    empty = units.iloc[:0]
    bulk.write_layer(tmp_path / "a.gpkg", "empty", empty)
    info = pyogrio.read_info(tmp_path / "a.gpkg", layer="empty")
    assert info["features"] == 0 and info["geometry_type"] == "Point"


def test_missing_and_empty_points(tmp_path: Path) -> None:
    units = _units(20)
    geoms = units.geometry.values.copy()
    geoms[3] = None
    geoms[5] = shapely.Point()
    units = units.set_geometry(gpd.GeoSeries(geoms, crs="EPSG:4490"))
    bulk.write_layer(tmp_path / "a.gpkg", "u", units)
    back = pyogrio.read_dataframe(tmp_path / "a.gpkg", layer="u")
    assert back.geometry.iloc[3] is None
    assert back.geometry.iloc[5] is None or back.geometry.iloc[5].is_empty
    assert back.geometry.iloc[7].equals(units.geometry.iloc[7])


def test_import_layers(tmp_path: Path) -> None:
    """The importer's four layers (the sample city and the messy files: issues, Int64 rows)
    as pyogrio writes them."""
    from plugin.core.ingest.importer import import_surveys
    from tests.common import sample_survey_files, write_messy_files

    messy = write_messy_files(tmp_path / "messy")
    r = import_surveys(sample_survey_files() + list(messy.values()))
    assert len(r.issues)
    for name, frame in {"units": r.units, "hazards": r.hazards, "import_issues": r.issues,
                        "import_runs": r.runs}.items():
        _reference(tmp_path / "ref.gpkg", name, frame)
        bulk.write_layer(tmp_path / "ours.gpkg", name, frame)
        assert _describe(tmp_path / "ours.gpkg", name) == _describe(tmp_path / "ref.gpkg", name), name
        pd.testing.assert_frame_equal(pyogrio.read_dataframe(tmp_path / "ours.gpkg", layer=name),
                                      pyogrio.read_dataframe(tmp_path / "ref.gpkg", layer=name))
