"""What plugin/core says about input files it cannot use (the Processing algorithms turn it
into their bilingual refusals, tests/processing/test_bad_parameters.py): a file that is not
there, a folder, an empty or unreadable file, a GeoPackage that is not a risk database, a
receptor table without its columns, an import in which every file is refused."""

from __future__ import annotations

import os
import re

import geopandas as gpd
import pytest
from shapely.geometry import Point

from plugin.core.exposure.receptors import missing_fields
from plugin.core.files import file_problem
from plugin.core.ingest.importer import import_surveys
from plugin.core.ingest.tables import TableError, read_table
from plugin.core.store import read, riskdb

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _bilingual(problem) -> bool:
    en, zh = problem
    return bool(en) and not CHINESE.search(en) and bool(CHINESE.search(zh))


def _point_gpkg(path, layer):
    gpd.GeoDataFrame({"unit_code": ["U1"]}, geometry=[Point(114.0, 22.6)], crs="EPSG:4490").to_file(path, layer=layer)
    return path


def test_file_problem(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("x = 1\n")
    (tmp_path / "empty.toml").write_bytes(b"")
    assert file_problem(good) is None
    for name, words in (("missing.toml", "not found"), (".", "folder"), ("empty.toml", "empty")):
        problem = file_problem(tmp_path / name)
        assert problem is not None and words in problem[0] and _bilingual(problem)


def test_database_problem(tmp_path):
    text = tmp_path / "text.gpkg"
    text.write_text("not a database")
    random_bytes = tmp_path / "random.gpkg"
    random_bytes.write_bytes(os.urandom(2048))
    roads = _point_gpkg(tmp_path / "roads.gpkg", "roads")
    db = tmp_path / "risk.gpkg"
    riskdb.write_layers(db, {"units": gpd.read_file(roads), "hazards": gpd.read_file(roads)})
    assert read.database_problem(db) is None
    for path, words in ((tmp_path / "none.gpkg", "not found"), (tmp_path, "folder"), (text, "not a GeoPackage"),
                        (random_bytes, "not a GeoPackage"), (roads, "no layer units, hazards (its layers: roads)")):
        problem = read.database_problem(path)
        assert problem is not None and words in problem[0] and _bilingual(problem), (path, problem)


def test_output_database_problem_protects_other_files(tmp_path):
    empty = tmp_path / "empty.gpkg"
    empty.write_bytes(b"")
    text = tmp_path / "text.gpkg"
    text.write_text("not a database")
    roads = _point_gpkg(tmp_path / "roads.gpkg", "roads")
    db = tmp_path / "risk.gpkg"
    riskdb.write_layers(db, {"units": gpd.read_file(roads), "hazards": gpd.read_file(roads)})
    for fine in (tmp_path / "new.gpkg", empty, db):  # nothing there, nothing to lose, replaced by design
        assert read.output_database_problem(fine) is None
    for path, words in ((tmp_path, "folder"), (text, "not a GeoPackage"), (roads, "remove those layers")):
        problem = read.output_database_problem(path)
        assert problem is not None and words in problem[0] and _bilingual(problem), (path, problem)


@pytest.mark.parametrize("name, content", [("random.xlsx", os.urandom(2048)), ("text.xlsx", b"plain text"),
                                           ("no_header.csv", b"1,2\n3,4\n"), ("folder", None)])
def test_read_table_raises_table_error(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(TableError) as err:
        read_table(path)
    assert name in err.value.en and CHINESE.search(err.value.zh)
    assert isinstance(err.value, ValueError)  # (what callers caught before)


def test_missing_receptor_fields():
    assert missing_fields(["name", "class"]) == ()
    assert missing_fields(["名称", "类别"]) == ()
    assert missing_fields(["name", "备注"]) == ("class",)
    assert missing_fields(["name", "备注"], class_field="备注") == ()
    assert missing_fields(["名称", "类别"], located=False) == ("lon", "lat")
    assert missing_fields(["名称", "类别", "经度", "纬度"], located=False) == ()


def test_an_import_of_only_refused_files_reports_them(tmp_path):
    """Every file refused (not there, a folder, not a workbook): no rows, each file's reason."""
    (tmp_path / "folder.xlsx").mkdir()
    text = tmp_path / "text.xlsx"
    text.write_text("not a workbook")
    result = import_surveys([tmp_path / "missing.xlsx", tmp_path / "folder.xlsx", text])
    assert result.balanced and len(result.units) == 0
    assert (result.runs["status"] == "refused").all()
    codes = dict(zip(result.issues["file"], result.issues["code"]))
    assert codes == {"missing.xlsx": "E_FILE_NOT_FOUND", "folder.xlsx": "E_FILE_TYPE", "text.xlsx": "E_FILE_TYPE"}
