"""The fictional sample city: reproducible, valid, and its manifest tells the truth about
the files it describes."""

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from stdnum import casrn
from stdnum.cn import uscc

from plugin.core import coords
from plugin.core.ingest import schema
from plugin.core.rules import load_rules
from tools.sample_city.generator import (
    SHENZHEN_BOX,
    generate_city,
    sector_counts,
    uscc_check_chars,
    write_city,
    write_layers,
)

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
ROW_LEVEL_CODES = {
    "E_REQUIRED_MISSING", "E_UNIT_CODE_DUPLICATE", "E_HAZARD_CODE_DUPLICATE", "E_HAZARD_UNIT_UNKNOWN",
    "E_SECTOR_UNKNOWN", "E_CRS_UNKNOWN", "E_COORD_INVALID", "E_COORD_OUT_OF_CHINA", "E_CREDIT_CODE_INVALID",
    "E_CAS_INVALID", "E_NUMBER_INVALID", "E_NUMBER_NEGATIVE", "E_EQUIPMENT_UNKNOWN", "E_CATEGORY_UNKNOWN",
    "E_LEC_VALUE", "W_LEC_C16", "E_LS_VALUE", "W_DATE_INVALID", "W_CREDIT_CODE_LOWERCASE", "W_COORD_SWAPPED",
    "W_ACCIDENT_TYPE_UNKNOWN", "W_CONTROL_LEVEL_UNKNOWN",
}
MESS_KINDS = {"fullwidth_digits", "thousands_separator", "unit_in_cell", "excel_date_serial", "chinese_date",
              "dms_coordinate", "number_as_text", "padded_spaces", "blank_row", "total_row",
              "accident_types_as_written", "control_level_alias"}


@pytest.fixture(scope="module")
def city():
    return generate_city(350)


@pytest.fixture(scope="module")
def written(city, tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
    manifest = write_city(city, out)
    return out, manifest


def _sheet_rows(path: Path, sheet: str) -> list[list]:
    if path.suffix == ".csv":
        with open(path, encoding="gb18030", newline="") as f:
            return [list(r) for r in csv.reader(f)]
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _same(cell, value) -> bool:
    if value is None:
        return _blank(cell)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return abs(float(cell) - float(value)) < 1e-9 * max(1.0, abs(float(value)))
        except (TypeError, ValueError):
            return False
    return str(cell) == str(value)


# --- reproducibility ------------------------------------------------------------------------

def test_same_seed_same_city(city):
    again = generate_city(350)
    pd.testing.assert_frame_equal(city.units, again.units)
    pd.testing.assert_frame_equal(city.hazards, again.hazards)
    assert city.receptors.equals(again.receptors)
    assert city.districts.equals(again.districts)
    np.testing.assert_array_equal(city.population, again.population)
    other = generate_city(350, seed=1)
    assert not other.units["unit_code"].equals(city.units["unit_code"]) or \
        not other.units["name"].equals(city.units["name"])


def test_same_seed_same_files(city, written, tmp_path):
    out, manifest = written
    again = write_city(generate_city(350), tmp_path)
    assert again == manifest
    for f in manifest["files"]:
        a = (out / f["file"]).read_bytes()
        b = (tmp_path / f["file"]).read_bytes()
        assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest(), f["file"]
    csv_file = next(f["file"] for f in manifest["files"] if f["format"] == "csv")
    assert (out / csv_file).read_bytes() == (tmp_path / csv_file).read_bytes()


# --- clean data -----------------------------------------------------------------------------

def test_codes_unique_and_linked(city):
    u, h = city.units, city.hazards
    assert u["unit_code"].is_unique
    assert h["hazard_code"].is_unique
    assert h["unit_code"].isin(u["unit_code"]).all()
    assert u["unit_code"].str.fullmatch(r"(HC|GS|IT|CS|TR|FR|SE)-[A-Z]{2}-\d{6}").all()
    # Every required column is filled in the clean data.
    for table, frame in (("units", u), ("hazards", h)):
        for key in schema.required_keys(table):
            assert frame[key].notna().all() and (frame[key].astype(str) != "").all(), (table, key)


def test_credit_codes_valid(city):
    codes = city.units["credit_code"]
    assert codes.str.len().eq(18).all() and codes.is_unique
    assert all(uscc.calc_check_digit(c[:17]) == c[17] for c in codes)
    # The vectorised check agrees with stdnum on arbitrary bodies, letters included.
    rng = np.random.default_rng(0)
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    bodies = np.array(["".join(r) for r in alphabet[rng.integers(0, 31, (500, 17))]], dtype=object)
    assert list(uscc_check_chars(bodies)) == [uscc.calc_check_digit(b) for b in bodies]
    assert uscc_check_chars(np.array(["91110108551385082"], dtype=object))[0] == "Q"


def test_coordinates_inside_shenzhen(city):
    x0, y0, x1, y1 = SHENZHEN_BOX
    for frame in (city.units, city.hazards.dropna(subset=["lon"])):
        lon, lat = frame["wgs84_lon"].to_numpy(), frame["wgs84_lat"].to_numpy()
        assert ((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)).all()
        # Stored coordinates are in the row's own system: converting back gives the truth.
        back_lon, back_lat = coords.to_wgs84(frame["lon"].to_numpy(), frame["lat"].to_numpy(),
                                             frame["crs"].to_numpy(dtype=object))
        metres = np.hypot((back_lon - lon) * 102_700, (back_lat - lat) * 110_600)
        assert metres.max() < 0.5
    crs = city.units["crs"].value_counts(normalize=True)
    assert set(crs.index) == {"CGCS2000", "WGS84", "GCJ02", "BD09"}
    assert crs["CGCS2000"] + crs["WGS84"] > 0.6
    offset = city.units[city.units.crs == "GCJ02"]
    assert (np.abs(offset["lon"] - offset["wgs84_lon"]) > 1e-3).all()  # hundreds of metres


def test_units_lie_in_their_district(city):
    import shapely

    d = city.districts.set_index("name")
    for name, group in city.units.groupby("district"):
        assert shapely.contains_xy(d.geometry[name], group["wgs84_lon"], group["wgs84_lat"]).mean() > 0.99


@pytest.mark.parametrize("n", [1, 7, 50, 350, 20_000, 1_116_200])
def test_sector_counts_sum(n):
    counts = sector_counts(n)
    assert sum(counts.values()) == n and set(counts) == {s.id for s in schema.SECTORS}
    if n >= 20_000:
        ranked = sorted(counts, key=counts.get, reverse=True)
        assert set(ranked[:2]) == {"fire", "industry"} and set(ranked[-2:]) == {"hazchem", "gas"}


def test_city_sector_counts(city):
    assert city.units["sector"].value_counts().to_dict() == {k: v for k, v in sector_counts(350).items()}
    assert city.n_units == 350


def test_hazard_values_from_allowed_sets(city):
    u = city.units.set_index("unit_code")["sector"]
    h = city.hazards.assign(sector=city.hazards["unit_code"].map(u))
    lec = h[h.sector.isin(["hazchem", "gas", "industry", "construction"])]
    allowed = load_rules().lec.factors
    assert lec["L"].isin(allowed["L"]).all() and lec["E"].isin(allowed["E"]).all()
    assert lec["C"].isin(allowed["C"]).all() and lec["likelihood"].isna().all()
    ls = h[~h.index.isin(lec.index)]
    assert ls["likelihood"].between(1, 5).all() and ls["severity"].between(1, 5).all() and ls["L"].isna().all()
    d = lec["L"] * lec["E"] * lec["C"]
    assert (d < 70).mean() > 0.6 and (d >= 160).any()  # mostly low, a few high
    assert h["equipment"].dropna().isin([e.id for e in schema.EQUIPMENT]).all()


def test_risk_list_columns(city, written):
    """Accident types in GB 6441's names and order, controls and people with a share missing
    (findings for the missing-controls rule), the 包保责任人 on major-hazard units only, and
    the transport workbook in the old layout without any of it."""
    h, u = city.hazards, city.units
    order = [a.zh for a in schema.ACCIDENT_TYPES]
    sector = h["unit_code"].map(u.set_index("unit_code")["sector"])
    surveyed = h[sector != "transport"]
    for cell in surveyed["accident_types"]:
        parts = cell.split("、")
        assert parts == sorted(parts, key=order.index) and len(set(parts)) == len(parts)
    assert h.loc[h.substance == "液氯", "accident_types"].str.contains("中毒和窒息").all()
    assert h.loc[h.kind == "塔式起重机", "accident_types"].str.contains("起重伤害").all()
    assert surveyed["control_level"].dropna().isin([c.zh for c in schema.CONTROL_LEVELS]).all()
    no_controls = surveyed[["controls_engineering", "controls_management", "controls_emergency"]].isna().all(axis=1)
    assert 0.02 < no_controls.mean() < 0.12 and 0.01 < surveyed["responsible_person"].isna().mean() < 0.1
    assert h.loc[sector == "transport", ["accident_types", "responsible_person"]].isna().all().all()
    people = u[["principal_person", "technical_person", "operating_person"]]
    assert (people.notna().all(axis=1) | people.isna().all(axis=1)).all()
    assert u.loc[people.notna().all(axis=1), "sector"].isin(["hazchem", "gas", "industry"]).all()
    assert people.notna().all(axis=1).sum() >= 3
    _, m = written
    keys = {f["sector"]: {c["key"] for s in f["sheets"] for c in s["columns"]} for f in m["files"]}
    assert "accident_types" not in keys["transport"] and "supervising_dept" not in keys["transport"]
    assert {"accident_types", "controls_emergency", "duty_phone"} <= keys["fire"]
    assert "principal_person" in keys["hazchem"] and "principal_person" not in keys["fire"]


def test_substances_follow_gb18218(city):
    t1 = pd.read_csv(schema.REFERENCE / "gb18218_2018_table1.csv", dtype=str)
    t2 = pd.read_csv(schema.REFERENCE / "gb18218_2018_table2.csv", dtype=str)
    cas_q = {c.strip(): float(q) for cs, q in zip(t1.cas.fillna(""), t1.critical_t) for c in cs.split(";") if c}
    names = set(t1.name_zh) | {a for al in t1.aliases_zh.dropna() for a in al.split(";")}
    cat_q = dict(zip(t2.symbol, t2.critical_t.astype(float)))
    h = city.hazards[city.hazards.substance.notna()]
    assert len(h)
    assert all(casrn.is_valid(c) for c in h.cas.dropna())
    named = h.category.isna()
    assert h[named].cas.isin(list(cas_q)).all()
    assert h[~named].category.isin(list(cat_q)).all()
    assert {"液氨", "液化石油气", "汽油", "甲醇"} & set(h.substance) and (set(h[named].substance) & names)
    # Some hazards hold more than the critical quantity: major hazard sources exist.
    q_crit = np.where(named, h.cas.map(cas_q), h.category.map(cat_q))
    assert (h.quantity_t.to_numpy() >= q_crit).sum() >= 3
    assert (h.quantity_t > 0).all()


def test_twenty_thousand_units():
    c = generate_city(20_000, seed=3)
    assert len(c.units) == 20_000 and c.units["unit_code"].is_unique and c.units["credit_code"].is_unique
    assert c.hazards["hazard_code"].is_unique
    per_unit = c.hazards.groupby("unit_code").size()
    assert per_unit.between(1, 4).all() and len(per_unit) == 20_000
    assert c.units["sector"].value_counts().sum() == 20_000


# --- files and manifest -------------------------------------------------------------------

def test_file_set_and_layouts(written):
    out, m = written
    names = [f["file"] for f in m["files"]]
    assert names == ["01_危险化学品.xlsx", "02_燃气.xlsx", "03_工贸.xlsx", "04_建设施工.xlsx", "05_交通运输.xlsx",
                     "06_消防.xlsx", "07_特种设备.csv"]
    layouts = {f["file"]: f["layout"] for f in m["files"]}
    assert list(layouts.values()).count("two_sheet") == 5
    assert layouts["07_特种设备.csv"] == "flat" and layouts["04_建设施工.xlsx"] == "flat"
    for f in m["files"]:
        if f["layout"] == "two_sheet":
            assert [s["sheet"] for s in f["sheets"]] == [schema.UNITS_SHEET, schema.HAZARDS_SHEET]
    assert (out / "07_特种设备.csv").read_bytes().decode("gb18030").startswith("企业编码")
    assert sum(f["units"] for f in m["files"]) == m["n_units"]
    assert sum(f["hazards"] for f in m["files"]) == m["n_hazards"]


def test_headers_map_to_their_keys(written):
    _, m = written
    for f in m["files"]:
        for s in f["sheets"]:
            for col in s["columns"]:
                if col["table"] is None:  # a column the schema does not know, kept as extra
                    assert schema.alias_index("units").match(col["header"]) is None
                    assert schema.alias_index("hazards").match(col["header"]) is None
                else:
                    assert schema.alias_index(col["table"]).match(col["header"]) == col["key"], col


def test_manifest_counts_match_the_files(written):
    out, m = written
    for f in m["files"]:
        for s in f["sheets"]:
            rows = _sheet_rows(out / f["file"], s["sheet"])
            assert [("" if c is None else c) for c in rows[s["header_row"] - 1][: len(s["columns"])]] == \
                [c["header"] for c in s["columns"]]
            body = rows[s["first_data_row"] - 1:]
            while body and all(_blank(c) for c in body[-1]):
                body.pop()
            assert s["first_data_row"] + len(body) - 1 == s["last_row"]
            blank = sum(all(_blank(c) for c in r) for r in body)
            total = sum(str(r[0]).strip() == "合计" for r in body)
            assert (len(body) - blank - total, blank, total) == (s["data_rows"], s["blank_rows"], s["total_rows"])


def test_manifest_points_at_the_injected_cells(written):
    out, m = written
    for f in m["files"]:
        sheets = {s["sheet"]: s for s in f["sheets"]}
        cache = {name: _sheet_rows(out / f["file"], name) for name in sheets}

        def cell(entry, sheets=sheets, cache=cache):
            s = sheets[entry["sheet"]]
            j = next(i for i, c in enumerate(s["columns"]) if (c["table"], c["key"]) == (entry["table"], entry["key"])
                     or (s["table"] == "flat" and entry["key"] == "unit_code" and c["key"] == "unit_code"))
            return cache[entry["sheet"]][entry["excel_row"] - 1][j]

        for e in f["mistakes"]:
            if e["code"] == "W_COORD_SWAPPED":
                continue  # both coordinate cells change
            assert _same(cell(e), e["value"]), (f["file"], e)
        for e in f["messes"]:
            if "key" in e:
                assert _same(cell(e), e["written"]), (f["file"], e)
        for e in f["consequences"]:
            assert _same(cell(e), e["value"]), (f["file"], e)


def test_every_row_level_mistake_and_mess_is_injected(written):
    _, m = written
    assert set(m["expected_issues"]) == ROW_LEVEL_CODES | {"E_HAZARD_UNIT_REJECTED"}
    per_kind = m["per_kind"]
    assert all(m["expected_issues"][c] == per_kind for c in ROW_LEVEL_CODES)  # a handful, not hundreds
    kinds = pd.Series([e["kind"] for f in m["files"] for e in f["messes"]]).value_counts()
    assert set(kinds.index) == MESS_KINDS
    cell_kinds = MESS_KINDS - {"blank_row", "total_row"}
    assert (kinds[list(cell_kinds)] == per_kind).all(), kinds  # a handful, not hundreds
    for f in m["files"]:
        e = f["expected"]
        assert e["rows_read"] == (e["rows_accepted"] + e["rows_rejected"] + e["rows_skipped_blank"]
                                  + e["rows_skipped_total"])


def test_tidy_files_have_no_mess(city, tmp_path):
    m = write_city(city, tmp_path, messy=False)
    assert m["expected_issues"] == {}
    for f in m["files"]:
        assert not f["mistakes"] and not f["messes"]
        assert f["expected"]["units_accepted"] == f["units"] and f["expected"]["hazards_accepted"] == f["hazards"]


def test_a_large_sector_is_split_across_workbooks(tmp_path):
    c = generate_city(600, seed=7)
    m = write_city(c, tmp_path, max_rows=300)
    fire = [f for f in m["files"] if f["sector"] == "fire"]
    assert len(fire) > 1 and [f["file"] for f in fire] == [f"06_消防_{i}.xlsx" for i in range(1, len(fire) + 1)]
    assert sum(f["units"] for f in fire) == (c.units.sector == "fire").sum()
    for f in fire:
        assert all(s["last_row"] <= 300 for s in f["sheets"])
    assert sum(f["units"] for f in m["files"]) == 600


def test_import_agrees_with_manifest(written):
    """The importer finds exactly the mistakes the manifest lists and reads the mess."""
    importer = pytest.importorskip("plugin.core.ingest.importer")
    out, m = written
    r = importer.import_surveys([out / f["file"] for f in m["files"]],
                                importer.ImportOptions(survey_extent=tuple(m["survey_extent"])))
    runs = r.runs.set_index("file")
    for f in m["files"]:
        got = {k: int(runs.loc[f["file"], k]) for k in f["expected"] if k != "issues"}
        assert got == {k: v for k, v in f["expected"].items() if k != "issues"}, f["file"]
    got = set(zip(r.issues.file, r.issues.sheet, r.issues.row.astype(int), r.issues.code))
    want = {(f["file"], e["sheet"], e["excel_row"], e["code"]) for f in m["files"]
            for e in f["mistakes"] + f["consequences"]}
    assert got == want
    units = r.units.set_index("unit_code")
    checked = 0
    for f in m["files"]:
        for e in f["messes"]:
            if e.get("table") == "units" and e["key"] in ("employees", "outside_population", "survey_date", "name",
                                                           "district", "credit_code"):
                assert _same(units.loc[e["record"], e["key"]], e["expected"]), e
                checked += 1
    assert checked
    # The risk list's columns: other separators, orders and shorthands read as the standard's
    # names; an unknown accident type is left out (the known ones kept), an unknown level blank.
    hazards = r.hazards.set_index("hazard_code")
    read = [(e["expected"], hazards.loc[e["record"], e["key"]]) for f in m["files"] for e in f["messes"]
            if e.get("key") in ("accident_types", "control_level")]
    assert len(read) == 2 * m["per_kind"] and all(want == got for want, got in read), read
    for f in m["files"]:
        for e in f["mistakes"]:
            if e["code"] == "W_ACCIDENT_TYPE_UNKNOWN":
                kept = [p for p in e["value"].split("、") if p not in ("泄漏", "设备损坏", "环境污染")]
                assert hazards.loc[e["record"], "accident_types"] == "、".join(kept), e
            elif e["code"] == "W_CONTROL_LEVEL_UNKNOWN":
                assert hazards.loc[e["record"], "control_level"] == "", e


# --- layers -------------------------------------------------------------------------------

def test_layers(city, tmp_path):
    import pyogrio
    import rasterio
    import shapely

    info = write_layers(city, tmp_path)
    for name in ("districts.gpkg", "receptors.gpkg"):
        con = sqlite3.connect(tmp_path / name)
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
        con.close()
    d = pyogrio.read_dataframe(tmp_path / "districts.gpkg", layer="districts")
    assert d.crs.to_epsg() == 4490 and list(d.columns) == ["name", "name_en", "code", "geometry"]
    assert d["name"].is_unique and {"南山区", "福田区", "宝安区"} <= set(d["name"])
    assert shapely.union_all(d.geometry.values).area == pytest.approx(city.boundary.area, rel=1e-6)
    r = pyogrio.read_dataframe(tmp_path / "receptors.gpkg", layer="receptors")
    a = pyogrio.read_dataframe(tmp_path / "receptors.gpkg", layer="receptor_areas")
    assert r.crs.to_epsg() == 4490 and set(r.geom_type) == {"Point"} and len(a) > 0
    classes = set(r["class"]) | set(a["class"])
    assert {"小学", "幼儿园", "医院", "住宅小区", "菜市场"} <= classes
    assert info["receptors.gpkg"]["receptors"] == len(r)
    # Sensitive receptors close to chemical parks.
    pk = city.parks
    near = np.hypot((r.geometry.x.to_numpy()[:, None] - pk.lon.to_numpy()) * 102_700,
                    (r.geometry.y.to_numpy()[:, None] - pk.lat.to_numpy()) * 110_600).min(axis=1) < 1000
    assert near.sum() >= len(pk)
    with rasterio.open(tmp_path / "population.tif") as src:
        assert src.crs.to_epsg() == 4547 and src.res == (100.0, 100.0)
        assert src.profile["compress"] == "lzw" and src.dtypes[0] == "int16"
        pop = src.read(1, masked=True)
    assert 1e7 < pop.sum() < 3e7 and pop.max() > 20 * np.ma.median(pop)


def test_committed_sample(tmp_path):
    manifest = SAMPLE / "manifest.json"
    if not manifest.exists():
        pytest.skip("resources/sample not generated")
    size = sum(p.stat().st_size for p in SAMPLE.iterdir() if p.is_file())
    assert size < 3_000_000
    committed = json.loads(manifest.read_text(encoding="utf-8"))
    assert 300 <= committed["n_units"] <= 400
    fresh = write_city(generate_city(committed["n_units"], seed=committed["seed"]), tmp_path)
    assert fresh["files"] == committed["files"], "resources/sample is stale: run scripts/make_sample.py"
    for f in committed["files"]:
        assert (SAMPLE / f["file"]).exists()


def test_the_sample_records_import_as_their_manifest_says(analysed_db_session, tmp_path):
    """resources/sample/records: the hidden-danger ledger and the accident records name units
    the survey import accepts; every deliberate mistake is rejected on its row with its code,
    and on the demo's day the dynamic risk raises units by every factor."""
    import shutil

    from plugin.core import steps
    from tools.sample_city.records import ACCIDENTS_NAME, AS_OF, LEDGER_NAME

    records = Path(__file__).resolve().parents[2] / "resources" / "sample" / "records"
    manifest = json.loads((records / "manifest.json").read_text(encoding="utf-8"))
    db = tmp_path / "risk.gpkg"
    shutil.copyfile(analysed_db_session, db)
    rules = load_rules()
    for name, run in ((LEDGER_NAME, steps.import_hidden_dangers), (ACCIDENTS_NAME, steps.import_accidents)):
        result = run(db, [records / name], rules)
        expected = manifest["files"][name]
        assert len(result.records) == expected["accepted"] and result.balanced, name
        errors = result.issues[result.issues.severity == "error"]
        assert sorted(zip(errors.code, errors.row.astype(int))) == sorted(
            (m["code"], m["row"]) for m in expected["mistakes"]), name
    summary = steps.dynamic_risk(db, rules, AS_OF.isoformat())
    raised = {f: int((summary.units[f"raise_{f}"] > 0).sum()) for f in ("hidden_major", "hidden_overdue", "accident",
                                                                          "controls")}
    assert all(raised.values()), raised
