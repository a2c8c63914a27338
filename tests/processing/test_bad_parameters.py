"""Every bad parameter of every citysafety algorithm is refused with one bilingual message
(Chinese and English, naming the parameter and the file), never a Python traceback, and
nothing earlier is damaged: an existing risk database, density raster or bad input file is
byte-identical afterwards (plugin/processing/checks.py, base.bad_parameter).

Each case is (algorithm, parameter, bad value); the algorithm's other parameters are good
(the analysed sample city). A CRS that can be transformed is not an error (last tests)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pyogrio
import pytest

from tests.common import QGIS_PROCESS, SAMPLE

RECEPTORS = f"{SAMPLE / 'receptors.gpkg'}|layername=receptors"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[A-Za-z]{4,}\b")
TRACEBACK = "Traceback (most recent call last)"

# --- the bad values -----------------------------------------------------------------------

#: Bad files of any kind: not there, a folder, random bytes, text, nothing.
FILE_KINDS = ("missing", "folder", "random_bytes", "text", "zero_bytes")
EXT = {"RULES": "toml", "INPUT": "gpkg", "POPULATION": "tif", "RECEPTORS": "gpkg", "RECEPTOR_TABLE": "xlsx",
       "DISTRICTS": "gpkg", "OUTPUT": "gpkg"}


def _plain_file(d: Path, kind: str, ext: str) -> str:
    """A bad file named like a good one (``bad_<kind>.<ext>``)."""
    p = d / f"bad_{kind}.{ext}"
    if kind == "folder":
        p.mkdir()
    elif kind == "random_bytes":
        p.write_bytes(os.urandom(4096))
    elif kind == "text":
        p.write_text("这不是数据 this is not data\n", encoding="utf-8")
    elif kind == "zero_bytes":
        p.write_bytes(b"")
    return str(p)


def _foreign_gpkg(d: Path) -> str:
    """A GeoPackage of other data: one unrelated layer (roads)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    p = d / "roads.gpkg"
    gpd.GeoDataFrame({"name": ["深南大道"]}, geometry=[LineString([(114.0, 22.5), (114.1, 22.55)])],
                     crs="EPSG:4490").to_file(p, layer="roads")
    return str(p)


def _empty_gpkg(d: Path) -> str:
    """A GeoPackage without any layer."""
    from osgeo import ogr

    p = d / "empty.gpkg"
    source = ogr.GetDriverByName("GPKG").CreateDataSource(str(p))
    del source  # (closes it)
    return str(p)


def _raster_without_crs(d: Path) -> str:
    import rasterio

    p = d / "population_no_crs.tif"
    with rasterio.open(SAMPLE / "population.tif") as src:
        profile = {**src.profile, "crs": None}
        with rasterio.open(p, "w", **profile) as dst:
            dst.write(src.read(1), 1)
    return str(p)


def _layer(d: Path, which: str, kind: str) -> str:
    """The sample receptors or districts made bad: no CRS with metre coordinates, lines
    instead of points, points instead of polygons, no class field."""
    import geopandas as gpd
    from shapely.geometry import LineString

    layer = "receptors" if which == "RECEPTORS" else "districts"
    frame = gpd.read_file(SAMPLE / f"{layer}.gpkg", layer=layer)
    if kind == "no_crs_metres":
        frame = frame.to_crs(4547).set_crs(None, allow_override=True)
    elif kind == "lines":
        frame = frame.set_geometry([LineString([(g.x, g.y), (g.x + 0.001, g.y)]) for g in frame.geometry])
    elif kind == "points":
        frame = frame.set_geometry(frame.geometry.representative_point())
    elif kind == "no_class":
        frame = frame.rename(columns={"class": "备注"})
    p = d / f"{layer}_{kind}.gpkg"
    _write(frame, p, layer)
    return f"{p}|layername={layer}"


def _write(frame, path: Path, layer: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio: "'crs' was not provided"
        frame.to_file(path, layer=layer)


def _table(d: Path, kind: str) -> str:
    p = d / f"receptors_{kind}.csv"
    rows = {"no_lonlat": "名称,类别\n第一小学,学校\n", "no_class": "名称,经度,纬度\n第一小学,114.05,22.55\n",
            "no_header": "1,2\n3,4\n"}[kind]
    p.write_text(rows, encoding="utf-8")
    return str(p)


def bad_value(d: Path, param: str, kind: str, alg: str = "") -> str:
    d.mkdir(parents=True, exist_ok=True)
    if param == "FOLDER" and kind == "missing":
        return str(d / "no_such_folder")
    if kind in FILE_KINDS:
        return _plain_file(d, kind, EXT[param])
    if kind == "foreign_gpkg":
        return _foreign_gpkg(d)
    if kind == "empty_gpkg":
        return _empty_gpkg(d)
    if kind == "no_crs":
        return _raster_without_crs(d)
    if param in ("RECEPTORS", "DISTRICTS"):
        return _layer(d, param, kind)
    if param == "RECEPTOR_TABLE":
        return _table(d, kind)
    if kind == "folder_of_that_name":  # an output path that is a folder
        p = d / {"DENSITY": "density.tif", "XLSX": "report.xlsx", "PDF": "report.pdf", "REPORT_XLSX": "report.xlsx",
                 "OUTPUT": {"survey_template": "template.xlsx", "risk_list": "risk_list.xlsx",
                            "notice_cards": "cards.pdf"}.get(alg, "risk.gpkg")}[
            param]
        p.mkdir()
        return str(p)
    if kind == "under_a_file":  # an output path under a file
        (d / "a_file").write_text("x")
        return str(d / "a_file" / "out.tif")
    if kind == "a_file":  # a folder parameter given a file
        (d / "a_file.txt").write_text("x")
        return str(d / "a_file.txt")
    raise ValueError(kind)


# --- the cases ----------------------------------------------------------------------------

DB_ALGS = ("score", "proximity", "cascade", "cascade_scenario", "risk_map", "export_report", "risk_list",
           "notice_cards", "dynamic_risk", "change_report", "export_to_postgis")
LAYER_ALGS = ("proximity", "cascade_scenario", "risk_map", "run_all")
ALL_ALGS = ("survey_template", "import_surveys", *DB_ALGS, "run_all")

CASES = [
    *[(alg, "RULES", k) for alg in ALL_ALGS for k in FILE_KINDS],
    *[(alg, "INPUT", k) for alg in (*DB_ALGS, "publish_district") for k in (*FILE_KINDS, "foreign_gpkg", "empty_gpkg")],
    *[(alg, p, k) for alg in LAYER_ALGS for p in ("POPULATION", "RECEPTORS", "RECEPTOR_TABLE") for k in FILE_KINDS],
    *[(alg, "DISTRICTS", k) for alg in ("risk_map", "run_all") for k in FILE_KINDS],
    # wrong CRS: none, with coordinates that are not degrees (any other CRS is transformed)
    *[(alg, "POPULATION", "no_crs") for alg in LAYER_ALGS],
    *[(alg, "RECEPTORS", "no_crs_metres") for alg in LAYER_ALGS],
    *[(alg, "DISTRICTS", "no_crs_metres") for alg in ("risk_map", "run_all")],
    # wrong geometry type, a required field missing
    *[(alg, "RECEPTORS", k) for alg in LAYER_ALGS for k in ("lines", "no_class")],
    *[(alg, "DISTRICTS", "points") for alg in ("risk_map", "run_all")],
    *[("proximity", "RECEPTOR_TABLE", k) for k in ("no_lonlat", "no_class", "no_header")],
    # the survey files and the new risk database
    *[(alg, "INPUT", k) for alg in ("import_surveys", "run_all") for k in FILE_KINDS],
    *[(alg, "FOLDER", k) for alg in ("import_surveys", "run_all") for k in ("missing", "a_file")],
    *[(alg, "OUTPUT", k) for alg in ("import_surveys", "run_all")
      for k in ("folder_of_that_name", "random_bytes", "text", "foreign_gpkg")],
    # other outputs
    ("survey_template", "OUTPUT", "folder_of_that_name"), ("risk_map", "DENSITY", "folder_of_that_name"),
    ("risk_map", "DENSITY", "under_a_file"), ("export_report", "XLSX", "folder_of_that_name"),
    ("export_report", "PDF", "folder_of_that_name"), ("run_all", "DENSITY", "folder_of_that_name"),
    ("run_all", "REPORT_XLSX", "folder_of_that_name"), ("import_surveys", "ERROR_WORKBOOKS", "a_file"),
    ("risk_list", "OUTPUT", "folder_of_that_name"), ("notice_cards", "OUTPUT", "folder_of_that_name"),
    ("notice_cards", "FOLDER", "a_file"),
]


def _start(db) -> str:
    codes = pyogrio.read_dataframe(db, layer="hazards", read_geometry=False, columns=["hazard_code"])
    return str(codes["hazard_code"].iloc[0])


def good_parameters(alg: str, db: Path, out: Path) -> dict:
    """Good parameters of ``alg``: the analysed database ``db``; new outputs under ``out``,
    except the risk database of import_surveys and run_all, which is a copy of ``db`` (an
    earlier output that must survive)."""
    earlier = out / "earlier.gpkg"
    shutil.copy(db, earlier)
    return {
        "survey_template": {"OUTPUT": str(out / "template.xlsx")},
        "import_surveys": {"FOLDER": str(SAMPLE), "OUTPUT": str(earlier), "LOAD_LAYERS": False},
        "score": {"INPUT": str(db)},
        "proximity": {"INPUT": str(db), "RECEPTORS": RECEPTORS, "LOAD_LAYERS": False},
        "cascade": {"INPUT": str(db), "LOAD_LAYERS": False},
        "cascade_scenario": {"INPUT": str(db), "START": _start(db), "TRIALS": 10, "LOAD_LAYERS": False},
        "risk_map": {"INPUT": str(db), "DENSITY": str(db.parent / "risk_density.tif"), "LOAD_LAYERS": False},
        "export_report": {"INPUT": str(db), "XLSX": str(out / "report.xlsx")},
        "risk_list": {"INPUT": str(db), "OUTPUT": str(out / "risk_list.xlsx")},
        "notice_cards": {"INPUT": str(db), "OUTPUT": str(out / "cards.pdf"), "LEVELS": [0]},
        "dynamic_risk": {"INPUT": str(db), "AS_OF": "2026-04-01"},
        "change_report": {"INPUT": str(db), "FROM": "1", "LOAD_LAYERS": False},
        "export_to_postgis": {"INPUT": str(db), "URI": "postgresql://nobody@127.0.0.1:1/none"},
        "publish_district": {"INPUT": str(db), "DISTRICT": "南山区", "URI": "postgresql://nobody@127.0.0.1:1/none"},
        "run_all": {"FOLDER": str(SAMPLE), "OUTPUT": str(earlier), "DENSITY": str(db.parent / "risk_density.tif"),
                    "CASCADE": False, "LOAD_LAYERS": False},
    }[alg]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(paths) -> dict:
    """Every existing file among ``paths`` (and in the folders among them) → its digest."""
    out = {}
    for p in map(Path, paths):
        for f in ([p] if p.is_file() else sorted(p.rglob("*")) if p.is_dir() else []):
            if f.is_file():
                out[f] = _sha(f)
    return out


def assert_clear_refusal(message: str, param: str, value: str) -> None:
    """Both languages, the parameter and the file named, no traceback."""
    assert TRACEBACK not in message and "File \"" not in message, message
    assert CHINESE.search(message), message
    assert ENGLISH.search(CHINESE.sub(" ", message)), message
    assert param in message or param.lower() in message.lower(), message
    name = Path(value.split("|")[0]).name
    assert name in message, message


@pytest.mark.parametrize("alg, param, kind", CASES, ids=["-".join(c) for c in CASES])
def test_bad_parameter_is_refused_in_both_languages(provider, analysed_db, tmp_path, alg, param, kind):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

    out = tmp_path / "out"
    out.mkdir()
    params = good_parameters(alg, analysed_db, out)
    value = bad_value(tmp_path / "bad", param, kind, alg)
    if param == "INPUT" and alg in ("import_surveys", "run_all"):
        params.pop("FOLDER")
        params["INPUT"] = [value]
    else:
        params[param] = value
    if param == "RECEPTOR_TABLE":
        params.pop("RECEPTORS", None)  # (the layer would be used instead)
    before = _snapshot([analysed_db, analysed_db.parent / "risk_density.tif", out, tmp_path / "bad"])
    with pytest.raises(QgsProcessingException) as err:
        processing.run(f"citysafety:{alg}", params, context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    assert_clear_refusal(str(err.value), param, value)
    assert _snapshot([analysed_db, analysed_db.parent / "risk_density.tif", out, tmp_path / "bad"]) == before


def test_an_empty_file_as_the_new_database_is_written(provider, tmp_path):
    """An empty file holds nothing to lose: the import writes the database there."""
    from tests.common import run_algorithm

    out = tmp_path / "risk.gpkg"
    out.write_bytes(b"")
    res = run_algorithm("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(out),
                                                      "LOAD_LAYERS": False})
    assert res["UNITS"] == 329 and "units" in [n for n, _ in pyogrio.list_layers(out)]


def test_a_crs_that_can_be_transformed_is_not_an_error(provider, analysed_db, tmp_path):
    """Receptors in a projected CRS (EPSG:4547) or without a CRS in degrees, districts in
    EPSG:4547 and a population raster in degrees (EPSG:4490) give the answers of the sample's
    own CRSs (the raster's within its resampling)."""
    import geopandas as gpd
    import rasterio
    from rasterio.warp import calculate_default_transform, reproject

    from tests.common import run_algorithm

    def proximity(receptors, population):
        db = tmp_path / f"risk_{len(list(tmp_path.iterdir()))}.gpkg"
        shutil.copy(analysed_db, db)
        res = run_algorithm("citysafety:proximity", {"INPUT": str(db), "RECEPTORS": receptors,
                                                     "POPULATION": population, "LOAD_LAYERS": False})
        hz = pyogrio.read_dataframe(db, layer="hazards", read_geometry=False, columns=["pop_500m"])
        return res["LINKS"], float(hz["pop_500m"].sum())

    points = gpd.read_file(SAMPLE / "receptors.gpkg", layer="receptors")
    projected, no_crs = tmp_path / "receptors_4547.gpkg", tmp_path / "receptors_no_crs.gpkg"
    points.to_crs(4547).to_file(projected, layer="receptors")
    _write(points.set_crs(None, allow_override=True), no_crs, "receptors")
    degrees = tmp_path / "population_4490.tif"
    with rasterio.open(SAMPLE / "population.tif") as src:
        transform, width, height = calculate_default_transform(src.crs, "EPSG:4490", src.width, src.height,
                                                               *src.bounds)
        with rasterio.open(degrees, "w", **{**src.profile, "crs": "EPSG:4490", "transform": transform,
                                            "width": width, "height": height}) as dst:
            reproject(src.read(1), rasterio.band(dst, 1), src_transform=src.transform, src_crs=src.crs,
                      dst_transform=transform, dst_crs="EPSG:4490")
    links, people = proximity(RECEPTORS, str(SAMPLE / "population.tif"))
    assert proximity(f"{projected}|layername=receptors", str(SAMPLE / "population.tif")) == (links, people)
    assert proximity(f"{no_crs}|layername=receptors", str(SAMPLE / "population.tif")) == (links, people)
    links_deg, people_deg = proximity(RECEPTORS, str(degrees))
    assert links_deg == links and people_deg == pytest.approx(people, rel=0.05)

    districts = tmp_path / "districts_4547.gpkg"
    gpd.read_file(SAMPLE / "districts.gpkg").to_crs(4547).to_file(districts, layer="districts")
    res = run_algorithm("citysafety:risk_map", {"INPUT": str(analysed_db), "DISTRICTS": str(districts),
                                                "DENSITY": str(tmp_path / "d.tif"), "LOAD_LAYERS": False})
    assert res["DISTRICTS_SUMMARISED"] == 10


def test_qgis_process_refuses_a_bad_file_in_both_languages(qgis_process_env, analysed_db, tmp_path):
    """Through qgis_process: the bilingual message on its output, a non-zero exit, no
    traceback — for a bad file caught before the run (a risk database that is text) and one
    caught while reading (a receptor table that is not a workbook)."""
    text_db = Path(_plain_file(tmp_path, "text", "gpkg"))
    table = Path(_plain_file(tmp_path, "random_bytes", "xlsx"))
    before = _sha(analysed_db)
    for param, value, args in (
            ("INPUT", text_db, ["citysafety:score", "--", f"INPUT={text_db}"]),
            ("RECEPTOR_TABLE", table, ["citysafety:proximity", "--", f"INPUT={analysed_db}",
                                       f"RECEPTOR_TABLE={table}", "LOAD_LAYERS=false"])):
        proc = subprocess.run([QGIS_PROCESS, "run", *args], env=qgis_process_env, capture_output=True, text=True,
                              timeout=300)
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0, output[-3000:]
        assert TRACEBACK not in output, output[-3000:]
        refusal = next(line for line in output.splitlines() if f"参数 {param}" in line)
        assert_clear_refusal(refusal, param, str(value))
    assert _sha(analysed_db) == before
