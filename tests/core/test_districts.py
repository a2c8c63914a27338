"""Tests for plugin.core.mapping.districts (risk units per district, docs/domain/mapping.md §3)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely.geometry import Point, box

from plugin.core.mapping.districts import SUMMARY_COLUMNS, district_summary, guess_name_field
from plugin.core.rules import load_rules
from plugin.core.scoring.levels import weights as level_weights

WEIGHTS = level_weights(load_rules())  # the default rules: 8, 4, 2, 1

TO_4490 = pyproj.Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True)

# Two 2 km × 2 km squares in EPSG:4547 (CM 114°E, near 22.5°N), 1 km apart.
X0, Y0 = 500_000.0, 2_490_000.0
SIDE = 2_000.0
WEST = box(X0, Y0, X0 + SIDE, Y0 + SIDE)
EAST = box(X0 + 3_000.0, Y0, X0 + 3_000.0 + SIDE, Y0 + SIDE)


def _districts(**extra) -> gpd.GeoDataFrame:
    data = {"名称": ["西区", "东区"], "code": [1, 2]}
    data.update(extra)
    return gpd.GeoDataFrame(data, geometry=[WEST, EAST], crs="EPSG:4547")


def _units(points_m: list[tuple[float, float, float | None]]) -> gpd.GeoDataFrame:
    """Units from (x, y) in EPSG:4547 and a level, as points in EPSG:4490."""
    xs = [p[0] for p in points_m]
    ys = [p[1] for p in points_m]
    lon, lat = TO_4490.transform(xs, ys)
    levels = pd.array([p[2] for p in points_m], dtype="Int64")
    return gpd.GeoDataFrame({"level": levels}, geometry=[Point(a, b) for a, b in zip(lon, lat)],
                            crs="EPSG:4490")


# West: levels 1, 2, 2, 4 and one unscored; East: 3, 3, 4; one point between them.
POINTS = [
    (X0 + 500, Y0 + 500, 1),
    (X0 + 1500, Y0 + 500, 2),
    (X0 + 1000, Y0 + 1000, 2),
    (X0 + 1500, Y0 + 1500, 4),
    (X0 + 200, Y0 + 1800, None),
    (X0 + 3500, Y0 + 500, 3),
    (X0 + 4000, Y0 + 1000, 3),
    (X0 + 4500, Y0 + 1900, 4),
    (X0 + 2500, Y0 + 1000, 1),  # in the gap: outside both
]


def test_counts_worst_area_and_risk_index_by_hand():
    s = district_summary(_units(POINTS), _districts(), weights=WEIGHTS)
    assert list(s.columns[:-1]) == list(SUMMARY_COLUMNS) and s.geometry.name == "geometry"
    assert s.crs.to_epsg() == 4490
    assert s.attrs["outside"] == 1
    assert s.attrs["area_epsg"] == 4547
    assert s.attrs["name_field"] == "名称"
    west, east = s.iloc[0], s.iloc[1]
    assert west["district"] == "西区" and east["district"] == "东区"
    assert (west["n_units"], west["n_level1"], west["n_level2"], west["n_level3"],
            west["n_level4"], west["n_unscored"]) == (5, 1, 2, 0, 1, 1)
    assert (east["n_units"], east["n_level1"], east["n_level2"], east["n_level3"],
            east["n_level4"], east["n_unscored"]) == (3, 0, 0, 2, 1, 0)
    assert west["worst_level"] == 1.0 and east["worst_level"] == 3.0
    assert west["area_km2"] == pytest.approx(4.0, rel=1e-9)
    assert east["area_km2"] == pytest.approx(4.0, rel=1e-9)
    # West: 8·1 + 4·2 + 1·1 = 17 → 17 / 4 = 4.25; East: 2·2 + 1·1 = 5 → 1.25.
    assert west["risk_index"] == pytest.approx(4.25, rel=1e-9)
    assert east["risk_index"] == pytest.approx(1.25, rel=1e-9)
    assert list(s["risk_index_rank"]) == [1, 2]
    # Geometry comes back in EPSG:4490 and round-trips to the squares.
    back = s.to_crs(4547).geometry
    assert back.iloc[0].equals_exact(WEST, tolerance=1e-6)


def test_custom_weights_and_name_field():
    weights = {1: 100, 2: 10, 3: 1, 4: 0}
    s = district_summary(_units(POINTS), _districts(label=["W", "E"]), name_field="label", weights=weights)
    assert list(s["district"]) == ["W", "E"]
    assert s["risk_index"].tolist() == pytest.approx([(100 + 20) / 4.0, 2 / 4.0])


def test_empty_district_and_ties():
    pts = [(X0 + 500, Y0 + 500, None), (X0 + 2500, Y0 + 500, 2)]
    s = district_summary(_units(pts), _districts(), weights=WEIGHTS)
    assert s["n_units"].tolist() == [1, 0]
    assert s["n_unscored"].tolist() == [1, 0]
    assert math.isnan(s["worst_level"].iloc[0]) and math.isnan(s["worst_level"].iloc[1])
    assert s["risk_index"].tolist() == [0.0, 0.0]
    assert s["risk_index_rank"].tolist() == [1, 1]
    assert s.attrs["outside"] == 1


def test_level_may_be_float_with_nan_or_none_object():
    units = _units(POINTS)
    units["level"] = units["level"].astype("float64")
    a = district_summary(units, _districts(), weights=WEIGHTS)
    units["level"] = [None if pd.isna(v) else int(v) for v in units["level"]]
    b = district_summary(units, _districts(), weights=WEIGHTS)
    cols = ["n_level1", "n_level2", "n_level3", "n_level4", "n_unscored"]
    assert a[cols].equals(b[cols])
    assert a["n_unscored"].tolist() == [1, 0]


def test_bad_level_raises():
    units = _units(POINTS[:2])
    units["level"] = [1, 5]
    with pytest.raises(ValueError, match="1–4"):
        district_summary(units, _districts(), weights=WEIGHTS)


def test_point_on_shared_edge_counted_once():
    # Built in EPSG:4490 so the point lies exactly on the shared edge (lon 114.01).
    touching = gpd.GeoDataFrame({"name": ["A", "B"]},
                                geometry=[box(114.00, 22.50, 114.01, 22.51), box(114.01, 22.50, 114.02, 22.51)],
                                crs="EPSG:4490")
    units = gpd.GeoDataFrame({"level": [2, 3]}, geometry=[Point(114.01, 22.505), Point(114.015, 22.505)],
                             crs="EPSG:4490")
    s = district_summary(units, touching, weights=WEIGHTS)
    assert s["n_units"].tolist() == [1, 1]  # edge point → first district touching it
    assert s["n_level2"].tolist() == [1, 0]
    assert s.attrs["outside"] == 0


def test_units_without_geometry_are_outside():
    units = _units(POINTS[:2])
    units = pd.concat([units, gpd.GeoDataFrame({"level": [1]}, geometry=[None], crs="EPSG:4490")],
                      ignore_index=True)
    s = district_summary(units, _districts(), weights=WEIGHTS)
    assert s["n_units"].tolist() == [2, 0]
    assert s.attrs["outside"] == 1 and s.attrs["no_geometry"] == 1


def test_guess_name_field():
    geom = [box(0, 0, 1, 1)]
    assert guess_name_field(gpd.GeoDataFrame({"code": [1], "NAME": ["x"]}, geometry=geom)) == "NAME"
    assert guess_name_field(gpd.GeoDataFrame({"code": [1], "行政区": ["x"], "name": ["y"]},
                                             geometry=geom)) == "name"
    assert guess_name_field(gpd.GeoDataFrame({"code": [1], "qu": ["x"]}, geometry=geom)) == "qu"
    assert guess_name_field(gpd.GeoDataFrame({"code": [1]}, geometry=geom)) is None


def test_fallback_names_when_no_text_column():
    d = gpd.GeoDataFrame({"code": [1, 2]}, geometry=[WEST, EAST], crs="EPSG:4547")
    s = district_summary(_units(POINTS), d, weights=WEIGHTS)
    assert s["district"].tolist() == ["#1", "#2"]
    assert s.attrs["name_field"] is None


def test_no_districts_raises():
    with pytest.raises(ValueError, match="no features"):
        district_summary(_units(POINTS), _districts().iloc[0:0], weights=WEIGHTS)


def test_many_units_vectorised():
    rng = np.random.default_rng(7)
    n = 50_000
    xs = rng.uniform(X0 - 500, X0 + 5_500, n)
    ys = rng.uniform(Y0 - 500, Y0 + 2_500, n)
    levels = rng.choice([1, 2, 3, 4], n)
    lon, lat = TO_4490.transform(xs, ys)
    units = gpd.GeoDataFrame({"level": levels}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4490")
    s = district_summary(units, _districts(), weights=WEIGHTS)
    in_w = (xs > X0) & (xs < X0 + SIDE) & (ys > Y0) & (ys < Y0 + SIDE)
    in_e = (xs > X0 + 3000) & (xs < X0 + 3000 + SIDE) & (ys > Y0) & (ys < Y0 + SIDE)
    # Straight edges in degrees differ from straight edges in metres by far under a metre;
    # allow the handful of points that close to an edge.
    assert abs(int(s["n_units"].iloc[0]) - int(in_w.sum())) <= 5
    assert abs(int(s["n_units"].iloc[1]) - int(in_e.sum())) <= 5
    assert s["n_units"].sum() + s.attrs["outside"] == n


# --- shares, inherent levels and upgrades (docs/domain/mapping.md §3) ----------------------

# Inherent levels of POINTS (None: not scored): in the west the level-1 unit was 2 and one
# level-2 unit was 3 before the upgrades; in the east nothing moved.
INHERENT = [2, 2, 3, 4, None, 3, 3, 4, 1]


def _with_inherent(points, inherent) -> gpd.GeoDataFrame:
    units = _units(points)
    units["inherent_level"] = pd.array(inherent, dtype="Int64")
    return units


def test_shares_inherent_counts_and_raised_by_hand():
    s = district_summary(_with_inherent(POINTS, INHERENT), _districts(), weights=WEIGHTS)
    west, east = s.iloc[0], s.iloc[1]
    # West: 5 units, levels 1, 2, 2, 4 and one unscored → 20 % each, 40 % level 2.
    assert [west[f"share_level{k}"] for k in (1, 2, 3, 4)] + [west["share_unscored"]] == \
        pytest.approx([20.0, 40.0, 0.0, 20.0, 20.0])
    assert [east[f"share_level{k}"] for k in (1, 2, 3, 4)] + [east["share_unscored"]] == \
        pytest.approx([0.0, 0.0, 200 / 3, 100 / 3, 0.0])
    assert [west[f"n_inherent{k}"] for k in (1, 2, 3, 4)] == [0, 2, 1, 1]
    assert [east[f"n_inherent{k}"] for k in (1, 2, 3, 4)] == [0, 0, 2, 1]
    assert (west["n_raised"], east["n_raised"]) == (2, 0)
    # West inherent: 4·2 + 2·1 + 1·1 = 11 → 11 / 4 = 2.75 (final 4.25); East unchanged.
    assert west["risk_index_inherent"] == pytest.approx(2.75, rel=1e-9)
    assert east["risk_index_inherent"] == pytest.approx(east["risk_index"], rel=1e-12)


def test_a_district_without_units_has_no_shares():
    s = district_summary(_with_inherent(POINTS[5:8], INHERENT[5:8]), _districts(), weights=WEIGHTS)
    assert s["n_units"].tolist() == [0, 3]
    assert all(math.isnan(s[f"share_level{k}"].iloc[0]) for k in (1, 2, 3, 4))
    assert math.isnan(s["share_unscored"].iloc[0])
    assert s["n_inherent3"].tolist() == [0, 2] and s["n_raised"].tolist() == [0, 0]
    assert s["risk_index_inherent"].iloc[0] == 0.0


@pytest.mark.parametrize("inherent", ["absent", "empty"])
def test_units_scored_before_inherent_levels_existed(inherent):
    # A database scored before inherent_level existed: no column (or, added later, an empty
    # one): the inherent fields are empty, not zero, and the rest is as before.
    units = _units(POINTS)
    if inherent == "empty":
        units["inherent_level"] = pd.array([None] * len(units), dtype="Int64")
    s = district_summary(units, _districts(), weights=WEIGHTS)
    for c in ("n_inherent1", "n_inherent2", "n_inherent3", "n_inherent4", "n_raised"):
        assert s[c].isna().all(), c
    assert s["risk_index_inherent"].isna().all()
    assert s["share_level2"].tolist() == pytest.approx([40.0, 0.0])
    assert s["risk_index"].tolist() == pytest.approx([4.25, 1.25])


def test_bad_inherent_level_raises():
    with pytest.raises(ValueError, match="inherent_level"):
        district_summary(_with_inherent(POINTS[:2], [1, 7]), _districts(), weights=WEIGHTS)


def test_many_units_shares_and_raised_vectorised():
    rng = np.random.default_rng(11)
    n = 50_000
    lon, lat = TO_4490.transform(rng.uniform(X0, X0 + SIDE, n), rng.uniform(Y0, Y0 + SIDE, n))
    inherent = rng.choice([1, 2, 3, 4], n)
    level = np.where(rng.random(n) < 0.1, np.maximum(inherent - 1, 1), inherent)
    units = gpd.GeoDataFrame({"level": level, "inherent_level": inherent},
                             geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4490")
    s = district_summary(units, _districts(), weights=WEIGHTS)
    west = s.iloc[0]
    assert west["n_units"] + s.attrs["outside"] == n
    # every point lies in the west square (a handful near its edge may fall outside)
    assert west["n_raised"] == pytest.approx(int((level < inherent).sum()), abs=5)
    assert sum(west[f"share_level{k}"] for k in (1, 2, 3, 4)) + west["share_unscored"] == pytest.approx(100.0)


# --- on the analysed sample city ----------------------------------------------------------

def _summary_and_units(db):
    import pyogrio

    summary = pyogrio.read_dataframe(db, layer="district_summary")
    risk = pyogrio.read_dataframe(db, layer="risk_map", columns=["level", "inherent_level"])
    return summary, risk


def test_sample_city_shares_sum_to_100(analysed_db_session):
    summary, _ = _summary_and_units(analysed_db_session)
    shares = summary[[f"share_level{k}" for k in (1, 2, 3, 4)] + ["share_unscored"]].sum(axis=1)
    assert shares.tolist() == pytest.approx([100.0] * len(summary))
    for k in (1, 2, 3, 4):
        assert (summary[f"share_level{k}"]).tolist() == pytest.approx(
            (100.0 * summary[f"n_level{k}"] / summary["n_units"]).tolist())


def test_sample_city_inherent_counts_and_raised_from_the_risk_map(analysed_db_session):
    # Counted again from the risk_map layer by a spatial join (geopandas, not the summary's
    # STRtree query): the inherent counts and the raised units per district.
    summary, risk = _summary_and_units(analysed_db_session)
    joined = gpd.sjoin(risk, summary[["district", "geometry"]], predicate="within", how="inner")
    for k in (1, 2, 3, 4):
        direct = (joined["inherent_level"] == k).groupby(joined["district"]).sum()
        assert summary.set_index("district")[f"n_inherent{k}"].astype(int).to_dict() == \
            direct.reindex(summary["district"], fill_value=0).astype(int).to_dict(), k
    raised = (joined["level"] < joined["inherent_level"]).groupby(joined["district"]).sum()
    assert summary.set_index("district")["n_raised"].astype(int).to_dict() == \
        raised.reindex(summary["district"], fill_value=0).astype(int).to_dict()
    assert summary["n_raised"].sum() >= 1  # the sample city's upgrades raise some units
    # the inherent risk index: the same formula with the inherent counts
    w = np.array([WEIGHTS[k] for k in (1, 2, 3, 4)])
    by_hand = summary[[f"n_inherent{k}" for k in (1, 2, 3, 4)]].to_numpy(dtype=float) @ w / summary["area_km2"]
    assert summary["risk_index_inherent"].tolist() == pytest.approx(by_hand.tolist())
    assert (summary["risk_index_inherent"] <= summary["risk_index"] + 1e-12).all()


def test_a_database_scored_before_inherent_levels_builds_its_map(analysed_db_session, tmp_path):
    # Scored before inherent_level existed: the units have no such column; the risk map
    # still builds, with the inherent fields of the district summary empty (NULL).
    import shutil

    import pyogrio

    from plugin.core.steps import build_risk_map
    from plugin.core.store import riskdb
    from tests.common import SAMPLE

    db = tmp_path / "legacy.gpkg"
    shutil.copy(analysed_db_session, db)
    units = riskdb.read_layer(db, "units")
    riskdb.update_layers(db, {"units": units.drop(columns="inherent_level")})
    assert "inherent_level" not in pyogrio.read_info(db, layer="units")["fields"]
    districts = pyogrio.read_dataframe(SAMPLE / "districts.gpkg").to_crs(4490)
    build_risk_map(db, load_rules(), tmp_path / "risk_density.tif", districts)
    summary = pyogrio.read_dataframe(db, layer="district_summary", read_geometry=False)
    for c in ("n_inherent1", "n_inherent2", "n_inherent3", "n_inherent4", "n_raised", "risk_index_inherent"):
        assert summary[c].isna().all(), c
    before = pyogrio.read_dataframe(analysed_db_session, layer="district_summary", read_geometry=False)
    for c in ("n_units", "n_level1", "share_level1", "risk_index"):
        assert summary[c].tolist() == pytest.approx(before[c].tolist()), c
