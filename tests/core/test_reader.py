"""Finding headers and refusing unreadable files, each with one clear issue."""

import pytest
from openpyxl import Workbook

from plugin.core.ingest.reader import column_letter, find_header, read_file


def _xlsx(path, rows, title="单位信息", merge=None):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


HEAD = ["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"]
ROW = ["U1", "甲单位", "消防", "南山区", 113.9, 22.5]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_header_under_title_rows_and_merged_cells(tmp_path):
    p = _xlsx(tmp_path / "t.xlsx", [["2024年度 城市安全风险普查"] + [None] * 5, [None] * 6, [None, "填报单位：某街道"],
                                    HEAD, ROW], merge="A1:F1")
    fr = read_file(p)
    assert not fr.refused
    (t,) = fr.tables
    assert t.header_row == 4 and t.layout == "units" and list(t.rows) == [5]
    assert {c.key for c in t.columns if c.table} == {"unit_code", "name", "sector", "district", "lon", "lat"}


@pytest.mark.parametrize("header", [
    ["Unit code", "Unit name", "Sector", "District", "Longitude", "Latitude"],
    ["unit_code", "name", "sector", "district", "lon", "lat"],
    ["企业编码", "企业名称", "所属行业", "所属区", "经度（°）", "纬度(°)"],
    ["单位编码*", "单位名称 *", "行业领域【必填】", "行政区", "经度", "纬度"],
])
def test_headers_by_name_and_alias(tmp_path, header):
    fr = read_file(_xlsx(tmp_path / "t.xlsx", [header, ROW]))
    (t,) = fr.tables
    assert not t.refused
    assert set(t.mapped("units")) == {"unit_code", "name", "sector", "district", "lon", "lat"}


def test_english_key_row_under_chinese_header_is_skipped(tmp_path):
    keys = ["unit_code", "name", "sector", "district", "lon", "lat"]
    fr = read_file(_xlsx(tmp_path / "t.xlsx", [HEAD, keys, ROW]))
    assert list(fr.tables[0].rows) == [3] and fr.tables[0].n_read == 1


def test_flat_layout_detected():
    rows = [["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度", "危险源编码", "危险源名称"]]
    assert find_header(rows) == (0, "flat")
    assert find_header([["危险源编码", "单位编码", "名称", "L"]]) == (0, "hazards")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    p = tmp_path / "s.csv"
    p.write_bytes(("\n".join([",".join(HEAD), "U1,甲单位,消防,南山区,113.9,22.5"]) + "\n").encode(encoding))
    fr = read_file(p)
    assert not fr.refused
    assert fr.tables[0].cells.iloc[0, 1] == "甲单位"


def test_unknown_columns_are_kept_as_extras(tmp_path):
    fr = read_file(_xlsx(tmp_path / "t.xlsx", [HEAD + ["巡查频次"], ROW + ["每周"]]))
    assert [c.header for c in fr.tables[0].extras()] == ["巡查频次"]


@pytest.mark.parametrize("name, content, code", [
    ("x.xlsx", b"hello, not a zip", "E_FILE_TYPE"),
    ("x.docx", b"PK\x03\x04whatever", "E_FILE_TYPE"),
    ("x.xlsx", b"", "E_FILE_EMPTY"),
    ("x.csv", b"\xff\xfe\x80\x81\xff", "E_FILE_ENCODING"),
])
def test_unreadable_files(tmp_path, name, content, code):
    p = tmp_path / name
    p.write_bytes(content)
    fr = read_file(p)
    assert fr.refused and [i["code"] for i in fr.issues] == [code]
    assert fr.issues[0]["file"] == name and fr.issues[0]["message_zh"] and fr.issues[0]["message_en"]


def test_truncated_workbook(tmp_path):
    p = _xlsx(tmp_path / "t.xlsx", [HEAD, ROW])
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    fr = read_file(p)
    assert fr.refused and [i["code"] for i in fr.issues] == ["E_FILE_CORRUPT"]


def test_encrypted_workbook():
    from tests.common import DATA

    fr = read_file(DATA / "encrypted_password_secret.xlsx")
    assert fr.refused and [i["code"] for i in fr.issues] == ["E_FILE_ENCRYPTED"]


def test_workbook_without_data(tmp_path):
    wb = Workbook()
    wb.save(tmp_path / "blank.xlsx")
    fr = read_file(tmp_path / "blank.xlsx")
    assert fr.refused and [i["code"] for i in fr.issues] == ["E_FILE_EMPTY"]


def test_no_header(tmp_path):
    fr = read_file(_xlsx(tmp_path / "t.xlsx", [["a", "b"], [1, 2]], title="Sheet1"))
    assert fr.refused and [i["code"] for i in fr.issues] == ["E_FILE_NO_HEADER"]


def test_missing_required_column_names_it(tmp_path):
    fr = read_file(_xlsx(tmp_path / "t.xlsx", [HEAD[:3] + HEAD[4:], ROW[:3] + ROW[4:]]))
    assert fr.refused
    (issue,) = fr.issues
    assert (issue["code"] == "E_FILE_MISSING_COLUMN" and "district" in issue["message_en"]
            and "行政区" in issue["message_zh"])


def test_too_many_rows(too_many_rows_csv):
    fr = read_file(too_many_rows_csv)
    assert fr.refused and [i["code"] for i in fr.issues] == ["E_FILE_TOO_MANY_ROWS"]


def test_blank_and_total_rows_counted(tmp_path):
    fr = read_file(_xlsx(tmp_path / "t.xlsx", [HEAD, ROW, [None] * 6, ["U2", "乙", "消防", "南山区", 114, 22.6],
                                               ["合计", None, None, None, None, None], [None] * 6]))
    t = fr.tables[0]
    assert (t.n_read, t.n_blank, t.n_total, len(t.cells)) == (4, 1, 1, 2)
    assert list(t.rows) == [2, 4]
