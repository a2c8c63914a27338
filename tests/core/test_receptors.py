"""Tests for plugin.core.exposure.receptors (receptor classes and proximity, docs/domain/receptors.md §1, §2).

Hand-made cases are built in EPSG:4547 (CGCS2000 / 3-degree GK CM 114E, the zone the
module picks for Shenzhen) and converted to EPSG:4490, so distances are exact in metres.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from plugin.core.exposure.receptors import (
    E_NO_LOCATION,
    ISSUE_COLUMNS,
    LINK_COLUMNS,
    PER_HAZARD_COLUMNS,
    RECEPTOR_COLUMNS,
    UNKNOWN_CLASS,
    W_CLASS_UNKNOWN,
    prepare_receptors,
    receptor_proximity,
)
from plugin.core.rules import load_rules

SAMPLE_RECEPTORS = Path(__file__).resolve().parents[2] / "resources" / "sample" / "receptors.gpkg"
SHENZHEN_LON = (113.75, 114.6)
SHENZHEN_LAT = (22.45, 22.85)
METRIC_EPSG = 4547
GEO_EPSG = 4490
# The hazard of the hand-made cases, in EPSG:4547 metres (≈ 114.05E, 22.55N).
X0, Y0 = 505_000.0, 2_494_000.0
DIST_TOL_M = 0.01


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _to_geo(geoms, epsg: int = METRIC_EPSG) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(geoms), crs=epsg).to_crs(GEO_EPSG)


def _hazards(sectors, offsets=None) -> gpd.GeoDataFrame:
    """Hazards at (X0, Y0) + offsets (metres), one per sector."""
    offsets = offsets or [(0.0, 0.0)] * len(sectors)
    pts = [Point(X0 + dx, Y0 + dy) for dx, dy in offsets]
    return gpd.GeoDataFrame({"hazard_code": [f"H{i + 1}" for i in range(len(sectors))], "sector": list(sectors)},
                            geometry=_to_geo(pts), crs=GEO_EPSG)


def _receptors(rules, rows) -> gpd.GeoDataFrame:
    """rows: (name, class, geometry in EPSG:4547)."""
    frame = gpd.GeoDataFrame({"name": [r[0] for r in rows], "class": [r[1] for r in rows]},
                             geometry=gpd.GeoSeries([r[2] for r in rows], crs=METRIC_EPSG), crs=METRIC_EPSG)
    out, issues = prepare_receptors(frame, rules)
    assert issues.empty
    return out


def _metric(geoms: gpd.GeoSeries) -> np.ndarray:
    return np.asarray(geoms.to_crs(METRIC_EPSG).array, dtype=object)


# --- prepare_receptors ----------------------------------------------------------------------


def test_prepare_from_geodataframe_reprojects_and_numbers(rules):
    frame = gpd.GeoDataFrame({"名称": ["甲幼儿园", "乙小区"], "类别": ["幼儿园", "住宅小区"]},
                             geometry=[Point(X0, Y0), box(X0, Y0, X0 + 100, Y0 + 100)], crs=METRIC_EPSG)
    out, issues = prepare_receptors(frame, rules)
    assert list(out.columns) == list(RECEPTOR_COLUMNS)
    assert out.crs.to_epsg() == GEO_EPSG
    assert out.receptor_id.tolist() == [1, 2]
    assert out.name.tolist() == ["甲幼儿园", "乙小区"]
    assert out.class_id.tolist() == ["kindergarten", "residential"]
    assert out.class_zh.tolist() == ["幼儿园", "居住区"]
    assert out.sensitivity.tolist() == ["high", "medium"]
    assert out.geometry.iloc[0].x == pytest.approx(114.05, abs=0.01)
    assert list(issues.columns) == list(ISSUE_COLUMNS) and issues.empty


def test_class_aliases_and_unknown_class(rules):
    table = pd.DataFrame({
        "名称": ["A", "B", "C", "D", "E", "F", "G", "H", "I"],
        "类型": ["小学", "中学", "Primary School", "卫生院", "敬老院", "地铁站", "菜场2", "菜场2",
                 "ＫＩＮＤＥＲＧＡＲＴＥＮ"],
        "经度": [114.05] * 9,
        "纬度": [22.55] * 9,
    })
    out, issues = prepare_receptors(table, rules, source="survey.xlsx")
    assert out.class_id.tolist() == ["school", "school", "school", "hospital", "nursing_home", "transport_hub",
                                     UNKNOWN_CLASS, UNKNOWN_CLASS, "kindergarten"]
    assert out.class_raw.tolist()[6] == "菜场2"
    unknown = out[out.class_id == UNKNOWN_CLASS]
    assert (unknown.sensitivity == "low").all() and (unknown.class_zh == "未知").all()
    assert len(issues) == 1
    row = issues.iloc[0]
    assert row.code == W_CLASS_UNKNOWN and row.severity == "warning"
    assert row.value == "菜场2" and row["count"] == 2
    for text in (row.message_zh, row.message_en):
        assert "菜场2" in text and "2" in text and "survey.xlsx" in text


def test_explicit_fields_and_english_lonlat(rules):
    table = pd.DataFrame({"Facility": ["X"], "Kind": ["hospital"], "Longitude": ["114°03′00″"], "LAT": [22.55],
                          "name": ["ignored"]})
    out, issues = prepare_receptors(table, rules, name_field="Facility", class_field="Kind")
    assert out.name.tolist() == ["X"] and out.class_id.tolist() == ["hospital"]
    assert out.geometry.iloc[0].x == pytest.approx(114.05)
    assert issues.empty
    with pytest.raises(ValueError, match="Nope"):
        prepare_receptors(table, rules, class_field="Nope")


def test_missing_location_reported_and_left_out(rules):
    table = pd.DataFrame({"name": ["有坐标", "无坐标", None], "class": ["医院", "医院", "学校"],
                          "lon": [114.05, None, "abc"], "lat": [22.55, 22.55, 22.5]})
    out, issues = prepare_receptors(table, rules, source="r.csv")
    assert out.name.tolist() == ["有坐标"] and out.receptor_id.tolist() == [1]
    assert issues.code.tolist() == [E_NO_LOCATION, E_NO_LOCATION]
    assert issues.name.tolist() == ["无坐标", "#3"]
    assert issues.row.tolist() == [2, 3]
    assert (issues.severity == "error").all()
    assert "无坐标" in issues.message_zh.iloc[0] and "无坐标" in issues.message_en.iloc[0]

    frame = gpd.GeoDataFrame({"name": ["a", "b"], "class": ["医院", "医院"]},
                             geometry=[Point(114.05, 22.55), None], crs=GEO_EPSG)
    out, issues = prepare_receptors(frame, rules)
    assert len(out) == 1 and issues.code.tolist() == [E_NO_LOCATION] and issues.name.tolist() == ["b"]


def test_table_without_location_columns_is_refused(rules):
    with pytest.raises(ValueError, match="longitude"):
        prepare_receptors(pd.DataFrame({"name": ["a"], "class": ["医院"]}), rules)


# --- receptor_proximity: hand-made exact cases ------------------------------------------------


def test_kindergarten_499_counts_501_does_not(rules):
    rec = _receptors(rules, [("近园", "幼儿园", Point(X0 + 499, Y0)), ("远园", "幼儿园", Point(X0, Y0 - 501))])
    res = receptor_proximity(_hazards(["gas"]), rec, rules)
    row = res.per_hazard.iloc[0]
    assert res.epsg == METRIC_EPSG
    assert row.reach_m == 500
    assert row.n_kindergarten == 1 and row.n_receptors == 1 and row.n_high == 1
    assert row.nearest_high_m == pytest.approx(499, abs=DIST_TOL_M)
    assert row.nearest_high_name == "近园" and row.nearest_high_class == "幼儿园"
    assert bool(row.nearest_high_within_reach)
    assert res.links.receptor_name.tolist() == ["近园"]


def test_polygon_counts_by_nearest_edge_not_centroid(rules):
    school = box(X0 + 450, Y0 - 200, X0 + 850, Y0 + 200)  # centroid 650 m away, edge 450 m
    assert school.centroid.distance(Point(X0, Y0)) == pytest.approx(650)
    rec = _receptors(rules, [("校园", "学校", school)])
    res = receptor_proximity(_hazards(["gas"]), rec, rules)
    row = res.per_hazard.iloc[0]
    assert row.n_school == 1 and row.n_high == 1
    assert row.nearest_high_m == pytest.approx(450, abs=DIST_TOL_M)
    assert res.links.distance_m.iloc[0] == pytest.approx(450, abs=DIST_TOL_M)


def test_point_inside_polygon_is_at_distance_zero(rules):
    rec = _receptors(rules, [("大院", "医院", box(X0 - 100, Y0 - 100, X0 + 100, Y0 + 100))])
    res = receptor_proximity(_hazards(["industry"]), rec, rules)
    row = res.per_hazard.iloc[0]
    assert row.nearest_high_m == 0.0 and row.n_hospital == 1
    assert res.links.distance_m.tolist() == [0.0]


@pytest.mark.parametrize("offset, breach", [(250.0, True), (350.0, False)])
def test_protection_breach(rules, offset, breach):
    rec = _receptors(rules, [("人民医院", "医院", Point(X0, Y0 + offset)), ("小区", "住宅小区", Point(X0 + 10, Y0))])
    res = receptor_proximity(_hazards(["hazchem"]), rec, rules)
    row = res.per_hazard.iloc[0]
    assert row.protection_m == 300
    assert bool(row.protection_breach) is breach
    assert row.protection_receptor == ("人民医院" if breach else "")
    assert row.nearest_high_name == "人民医院"
    assert row.nearest_high_m == pytest.approx(offset, abs=DIST_TOL_M)
    assert bool(row.nearest_high_within_reach)  # 350 m is still within the 500 m reach


def test_per_sector_reach(rules):
    # Two hazards 10 km apart, each with one hospital 300 m away.
    offsets = [(0.0, 0.0), (10_000.0, 0.0)]
    rec = _receptors(rules, [("甲医院", "医院", Point(X0 + 300, Y0)), ("乙医院", "医院", Point(X0 + 10_300, Y0))])
    res = receptor_proximity(_hazards(["gas", "industry"], offsets), rec, rules)
    ph = res.per_hazard
    assert ph.reach_m.tolist() == [500.0, 200.0]
    assert ph.n_hospital.tolist() == [1, 0]
    assert ph.nearest_high_within_reach.tolist() == [True, False]
    np.testing.assert_allclose(ph.nearest_high_m, [300, 300], atol=DIST_TOL_M)
    assert ph.protection_breach.tolist() == [False, False]  # 300 m > 200 m (gas) and > 100 m (industry)


def test_given_reach_scalar_array_and_nan_fallback(rules):
    offsets = [(0.0, 0.0), (10_000.0, 0.0)]
    rec = _receptors(rules, [("甲", "医院", Point(X0 + 300, Y0)), ("乙", "医院", Point(X0 + 10_300, Y0))])
    hz = _hazards(["gas", "industry"], offsets)
    assert receptor_proximity(hz, rec, rules, reach_m=250).per_hazard.n_hospital.tolist() == [0, 0]
    res = receptor_proximity(hz, rec, rules, reach_m=[np.nan, 400.0])
    assert res.per_hazard.reach_m.tolist() == [500.0, 400.0]
    assert res.per_hazard.n_hospital.tolist() == [1, 1]
    with pytest.raises(ValueError):
        receptor_proximity(hz, rec, rules, reach_m=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        receptor_proximity(hz, rec, rules, reach_m=-1)


def test_receptor_at_exactly_the_reach_counts(rules):
    rec = _receptors(rules, [("边界", "幼儿园", Point(X0 + 123.456, Y0 + 78.9))])
    hz = _hazards(["gas"])
    d = receptor_proximity(hz, rec, rules).per_hazard.nearest_high_m.iloc[0]
    at = receptor_proximity(hz, rec, rules, reach_m=d).per_hazard.iloc[0]
    assert at.n_kindergarten == 1 and bool(at.nearest_high_within_reach)
    below = receptor_proximity(hz, rec, rules, reach_m=np.nextafter(d, 0)).per_hazard.iloc[0]
    assert below.n_kindergarten == 0 and not bool(below.nearest_high_within_reach)


def test_counts_by_class_unknown_and_index_alignment(rules):
    frame = gpd.GeoDataFrame({"name": list("abcde"), "class": ["小学", "小区", "菜场2", "酒店", "监狱"]},
                             geometry=[Point(X0 + 10 * (i + 1), Y0) for i in range(5)], crs=METRIC_EPSG)
    rec, issues = prepare_receptors(frame, rules)
    assert issues.code.tolist() == [W_CLASS_UNKNOWN]
    hz = _hazards(["industry"]).set_index(pd.Index([42]))
    ph = receptor_proximity(hz, rec, rules).per_hazard
    assert ph.index.tolist() == [42]
    counts = [f"n_{cid}" for cid in rules.receptors.classes] + ["n_unknown"]
    assert list(ph.columns) == counts + list(PER_HAZARD_COLUMNS)
    row = ph.loc[42]
    for cid in rules.receptors.classes:
        expected = {"school": 1, "residential": 1, "hotel": 1, "prison": 1}.get(cid, 0)
        assert row[f"n_{cid}"] == expected
    assert row.n_unknown == 1 and row.n_receptors == 5 and row.n_high == 2
    assert row.nearest_high_name == "a"


def test_no_high_receptor_and_missing_hazard_geometry(rules):
    rec = _receptors(rules, [("小区", "住宅小区", Point(X0 + 50, Y0))])
    hz = _hazards(["gas", "gas"])
    hz.loc[1, "geometry"] = None
    ph = receptor_proximity(hz, rec, rules).per_hazard
    assert ph.n_residential.tolist() == [1, 0]
    assert ph.nearest_high_m.isna().all()
    assert ph.nearest_high_name.tolist() == ["", ""]
    assert not ph.nearest_high_within_reach.any() and not ph.protection_breach.any()
    empty = rec.iloc[:0]
    res = receptor_proximity(hz, empty, rules)
    assert (res.per_hazard.n_receptors == 0).all() and res.links.empty


def test_unknown_sector_is_refused(rules):
    rec = _receptors(rules, [("小区", "住宅小区", Point(X0 + 50, Y0))])
    with pytest.raises(ValueError, match="mining"):
        receptor_proximity(_hazards(["mining"]), rec, rules)


def test_links_one_per_pair_with_metric_length(rules):
    rec = _receptors(rules, [
        ("园", "幼儿园", Point(X0 + 100, Y0)),
        ("校", "学校", box(X0 - 380, Y0 + 150, X0 - 180, Y0 + 350)),
        ("远", "医院", Point(X0 + 600, Y0)),
    ])
    hz = _hazards(["gas", "industry"], [(0.0, 0.0), (0.0, 100.0)])
    res = receptor_proximity(hz, rec, rules)
    links = res.links
    assert list(links.columns) == list(LINK_COLUMNS)
    assert links.crs.to_epsg() == GEO_EPSG
    assert len(links) == int(res.per_hazard.n_receptors.sum())
    pairs = set(zip(links.hazard_code, links.receptor_name))
    assert pairs == {("H1", "园"), ("H1", "校"), ("H2", "园"), ("H2", "校")}
    lengths = shapely.length(_metric(links.geometry))
    np.testing.assert_allclose(lengths, links.distance_m, atol=DIST_TOL_M)
    school = links[(links.hazard_code == "H1") & (links.receptor_name == "校")].iloc[0]
    assert school.distance_m == pytest.approx(np.hypot(180, 150), abs=DIST_TOL_M)
    # The line ends on the school's nearest corner and starts at the hazard.
    start, end = shapely.get_coordinates(_metric(gpd.GeoSeries([school.geometry], crs=GEO_EPSG)))
    np.testing.assert_allclose(start, [X0, Y0], atol=DIST_TOL_M)
    np.testing.assert_allclose(end, [X0 - 180, Y0 + 150], atol=DIST_TOL_M)
    assert set(links.class_id) == {"kindergarten", "school"}
    assert (links.sensitivity == "high").all()


# --- the sample receptors against many hazards ---------------------------------------------------


def _sample_receptors(rules):
    layers = [gpd.read_file(SAMPLE_RECEPTORS, layer=name) for name in ("receptors", "receptor_areas")]
    frame = gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), crs=layers[0].crs)
    return prepare_receptors(frame, rules, source="receptors.gpkg")


def _random_hazards(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(*SHENZHEN_LON, n)
    lat = rng.uniform(*SHENZHEN_LAT, n)
    sectors = rng.choice(["hazchem", "gas", "industry", "construction", "fire"], n)
    return gpd.GeoDataFrame({"hazard_code": [f"H{i:06d}" for i in range(n)], "sector": sectors},
                            geometry=gpd.points_from_xy(lon, lat), crs=GEO_EPSG)


def test_sample_receptors_agree_with_brute_force(rules):
    rec, issues = _sample_receptors(rules)
    assert len(rec) == 280 and issues.empty
    assert set(rec.geom_type) == {"Point", "MultiPolygon"}
    hz = _random_hazards(20_000, 7)
    res = receptor_proximity(hz, rec, rules)
    ph = res.per_hazard
    count_cols = [c for c in ph.columns if c.startswith("n_")]
    assert (ph[count_cols] >= 0).all().all()
    assert ph.n_receptors.sum() > 0 and len(res.links) == ph.n_receptors.sum()

    sub = np.random.default_rng(3).choice(len(hz), 500, replace=False)
    h = _metric(hz.geometry.iloc[sub])
    r = _metric(rec.geometry)
    dist = shapely.distance(h[:, None], r[None, :])  # 500 × 280 distance matrix
    reach = ph.reach_m.to_numpy()[sub]
    within = dist <= reach[:, None]
    for cid in [*rules.receptors.classes, UNKNOWN_CLASS]:
        expected = within[:, (rec.class_id == cid).to_numpy()].sum(axis=1)
        np.testing.assert_array_equal(ph[f"n_{cid}"].to_numpy()[sub], expected, err_msg=cid)
    high = (rec.sensitivity == "high").to_numpy()
    np.testing.assert_array_equal(ph.n_high.to_numpy()[sub], within[:, high].sum(axis=1))
    np.testing.assert_array_equal(ph.nearest_high_m.to_numpy()[sub], dist[:, high].min(axis=1))
    protection = ph.protection_m.to_numpy()[sub]
    np.testing.assert_array_equal(ph.protection_breach.to_numpy()[sub], dist[:, high].min(axis=1) <= protection)
    sub_codes = set(hz.hazard_code.iloc[sub])
    np.testing.assert_array_equal(np.sort(res.links.distance_m[res.links.hazard_code.isin(sub_codes)].to_numpy()),
                                  np.sort(dist[within]))


def test_timing_hundred_thousand_hazards_twenty_thousand_receptors(rules):
    rng = np.random.default_rng(11)
    n_r = 20_000
    classes = list(rules.receptors.classes)
    table = pd.DataFrame({"name": [f"R{i}" for i in range(n_r)], "class": rng.choice(classes, n_r),
                          "lon": rng.uniform(*SHENZHEN_LON, n_r), "lat": rng.uniform(*SHENZHEN_LAT, n_r)})
    rec, _ = prepare_receptors(table, rules)
    hz = _random_hazards(100_000, 12)
    t0 = time.perf_counter()
    res = receptor_proximity(hz, rec, rules)
    elapsed = time.perf_counter() - t0
    print(f"\nreceptor_proximity: {len(hz)} hazards × {len(rec)} receptors, "
          f"{len(res.links)} pairs, {elapsed:.2f} s")
    assert len(res.per_hazard) == len(hz)
    assert elapsed < 60
