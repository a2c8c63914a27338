"""Hostile survey files (issue 14): refused by name before they are parsed, and the import
process never dies on one (docs/import.md, "Hostile files")."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest

from plugin.core.ingest import guard
from plugin.core.ingest.importer import import_surveys
from plugin.core.ingest.reader import read_file
from tests.common import ROOT
from tools.fuzz import child_env

SAMPLE = ROOT / "resources" / "sample" / "02_燃气.xlsx"
SHEET = "xl/worksheets/sheet1.xml"  # the sample workbook's first sheet, 单位信息
MEMORY_CAP = 3 << 30  # the import's address space in the subprocess tests


def _zip(path: Path, parts: dict[str, bytes], raw: dict[str, tuple[bytes, int]] | None = None) -> None:
    """A zip written by hand, so that a part can be a deflate stream built from repeated blocks
    (``raw``: name → (raw deflate bytes, declared inflated size); its CRC is not computed: the
    guard stops long before a reader would check it)."""
    raw = raw or {}
    entries = []
    with open(path, "wb") as f:
        for name, (data, size, crc) in [*((n, (zlib.compress(d, 6)[2:-4], len(d), zlib.crc32(d)))
                                          for n, d in parts.items()),
                                        *((n, (d, s, 0)) for n, (d, s) in raw.items())]:
            offset = f.tell()
            nb = name.encode()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0, crc, len(data), size, len(nb), 0))
            f.write(nb)
            f.write(data)
            entries.append((nb, crc, len(data), size, offset))
        start = f.tell()
        for nb, crc, csize, size, offset in entries:
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0, crc, csize, size,
                                len(nb), 0, 0, 0, 0, 0, offset))
            f.write(nb)
        end = f.tell()
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - start, start, 0))


def _sample_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(SAMPLE) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _with_sheet(path: Path, change) -> Path:
    parts = _sample_parts()
    parts[SHEET] = change(parts[SHEET])
    _zip(path, parts)
    return path


def _bomb(path: Path, inflated: int, declare: int | None = None) -> Path:
    """The sample with its first sheet replaced by a deflate stream inflating to ``inflated``
    bytes of rows (one compressed block, repeated; a few MB on disk)."""
    row = b'<row><c t="n"><v>1</v></c></row>' * 32768
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(row) + comp.flush(zlib.Z_FULL_FLUSH)
    n = inflated // len(row) + 1
    stream = block * n + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    parts = _sample_parts()
    del parts[SHEET]
    _zip(path, parts, raw={SHEET: (stream, min(n * len(row), 0xFFFFFFFF) if declare is None else declare)})
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    return {
        # one stray cell in Excel's last cell: calamine would ask for 512 GiB
        "stray": _with_sheet(d / "stray.xlsx", lambda s: s.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')),
        # one fuzzed cell reference: row 64,294,967,296
        "fuzzed": _with_sheet(d / "fuzzed.xlsx", lambda s: s.replace(b'<c r="B3"', b'<c r="P64294967296"', 1)),
        # the same, the reference after another attribute
        "late_ref": _with_sheet(d / "late_ref.xlsx", lambda s: s.replace(
            b'<c r="B3"', b'<c s="0" r="ZZZ3"', 1)),
        # a zip bomb: 8 KB of rows repeated to 2.1 GB
        "bomb": _bomb(d / "bomb.xlsx", 2_100_000_000),
        # the same bomb declaring 1 MB in the zip's directory
        "lying_bomb": _bomb(d / "lying_bomb.xlsx", 2_100_000_000, declare=1_000_000),
    }


@pytest.mark.parametrize("case, says", [
    ("stray", "column 16,384 (XFD)"), ("fuzzed", "row 64,294,967,296"), ("late_ref", "column 18,278 (ZZZ)"),
    ("bomb", "times its packed size, the limit is 200 times (a zip bomb?)"),
    ("lying_bomb", "xl/worksheets/sheet1.xml: BadZipFile")])
def test_hostile_workbook_is_refused_by_name_before_it_is_parsed(hostile, case, says):
    fr = read_file(hostile[case])
    assert fr.refused and not fr.tables
    assert [i["code"] for i in fr.issues] == ["E_FILE_CORRUPT" if case == "lying_bomb" else "E_FILE_LIMIT"]
    issue = fr.issues[0]
    assert issue["file"] == f"{case}.xlsx" and says in issue["message_en"]
    if case == "lying_bomb":
        return
    assert "[import_limits]" in issue["message_en"] and "[import_limits]" in issue["message_zh"]
    if case != "bomb":
        assert issue["sheet"] == "单位信息"  # the sheet's name, not its part


def test_the_inflated_total_has_its_own_limit(hostile):
    """A workbook that packs well enough to pass the ratio is still held to max_inflated_mb."""
    from plugin.core.ingest.guard import Limits

    fr = read_file(hostile["bomb"], limits=Limits(max_inflated_mb=1000.0, max_ratio=1e6))
    assert fr.refused and "inflates to 2,100 MB, the limit is 1,000 MB" in fr.issues[0]["message_en"]


def test_the_sample_workbooks_pass_the_guard():
    for path in sorted((ROOT / "resources" / "sample").glob("*.xlsx")):
        guard.check_file(path, guard.Limits())
    fr = read_file(SAMPLE)
    assert not fr.refused and fr.tables


def test_sheet_scan_finds_the_last_row_and_column_across_chunks():
    """Wherever the chunking cuts — inside a reference, or inside a tag whose reference comes
    after a long list of other attributes — the scan finds the last row and column."""
    long_attrs = b" ".join(b'x%d="%s"' % (i, b"v" * 20) for i in range(40))  # about 1 KB before r
    xml = (b'<sheetData><row r="1" spans="1:3"><c r="A1"/><c r="C1" t="s"/></row>'
           b'<row spans="1:2" r="7"><c r="AB7"/><c s="2" r="B9"/></row><row r="8"><c r="D8"/>'
           b'<c ' + long_attrs + b' r="AE8"/></row></sheetData>')
    for cut in range(1, len(xml)):
        scan = guard._SheetScan()
        scan.feed(xml[:cut])
        scan.feed(guard.carry(xml[:cut]) + xml[cut:])
        assert (scan.max_row, scan.max_col) == (9, 31), cut


@pytest.mark.parametrize("m", [0, 1, 9, 10, 99, 1048576, 5, 730, 16384])
def test_greater_patterns_match_exactly_the_greater_numbers(m):
    import re

    digits = re.compile(guard._greater_digits(m) + "$")
    letters = re.compile(guard._greater_letters(m) + "$")
    for n in range(max(1, m - 40), m + 40):
        assert bool(digits.match(str(n))) == (n > m)
        assert bool(letters.match(guard._letters(n))) == (n > m)


def test_limits_come_from_the_rules_file(tmp_path):
    from plugin.core.rules import DEFAULT_RULES, RulesError, load_rules

    text = DEFAULT_RULES.read_text(encoding="utf-8")
    tight = tmp_path / "tight.toml"
    tight.write_text(text.replace("max_columns = 1024", "max_columns = 5"), encoding="utf-8")
    rules = load_rules(tight)
    assert rules.import_limits.max_columns == 5
    fr = read_file(SAMPLE, limits=rules.import_limits)
    assert fr.refused and "the limit is 5 columns" in fr.issues[0]["message_en"]
    for bad, why in (("max_columns = 0", "must be positive"), ("max_cells = nan", "whole number"),
                     ("max_file_mb = nan", "finite"),
                     ("max_inflated_mb = inf", "finite"), ("max_rows = 1.5", "whole number")):
        key = bad.split(" = ")[0]
        broken = tmp_path / "broken.toml"
        old = next(line for line in text.splitlines() if line.startswith(key + " "))
        broken.write_text(text.replace(old, bad), encoding="utf-8")
        with pytest.raises(RulesError) as err:
            load_rules(broken)
        assert f"import_limits.{key}" in str(err.value) and why in str(err.value)


_CHILD = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    from plugin import installer
    installer.activate()  # a lane's packages, as tests/conftest.py does
    from plugin.core.ingest.importer import import_surveys
    result = import_surveys(sys.argv[1:])
    print(json.dumps({{"units": len(result.units), "hazards": len(result.hazards),
                       "refused": sorted(f.name for f in result.files if f.refused),
                       "codes": sorted(set(result.issues["code"]))}}))
""")


def _run_capped(script: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=child_env(), timeout=600)


def test_hostile_imports_end_in_a_report_under_a_memory_cap(hostile):
    """Each hostile file alone, and all of them with a good one, imported in a process whose
    address space is capped: it ends normally, the hostile files refused, the good one read."""
    script = _CHILD.format(cap=MEMORY_CAP)
    for case, path in hostile.items():
        done = _run_capped(script, path)
        assert done.returncode == 0, (case, done.returncode, done.stderr[-2000:])
        out = json.loads(done.stdout.strip().splitlines()[-1])
        assert out["refused"] == [path.name] and out["units"] == 0
        assert {"E_FILE_LIMIT", "E_FILE_CORRUPT"} & set(out["codes"])
    done = _run_capped(script, SAMPLE, *hostile.values())
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["refused"] == sorted(p.name for p in hostile.values())
    assert out["units"] == len(import_surveys([SAMPLE]).units) > 0


def test_without_the_guard_the_stray_cell_kills_the_process(hostile):
    """The cap is what a real machine's memory is: calamine alone on the stray cell dies
    (abort, not an exception) — which is why the guard runs first."""
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
        from plugin import installer
        installer.activate()
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_path(sys.argv[1])
        try:
            wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
        except Exception as exc:
            print("raised", type(exc).__name__)
            sys.exit(3)
    """)
    done = _run_capped(script, hostile["stray"])
    assert done.returncode not in (0,), done.stdout


# --- what a cell can hold ---------------------------------------------------------------------

def _special_equipment_csv(path: Path, rows: int = 3, extra_columns: int = 0, change=None) -> Path:
    """The sample's special-equipment CSV (GB18030) as UTF-8, its first ``rows`` rows, with
    ``extra_columns`` more columns and each row changed by ``change(i, cells)``."""
    import csv
    import io

    text = (ROOT / "resources" / "sample" / "07_特种设备.csv").read_bytes().decode("gb18030")
    table = list(csv.reader(io.StringIO(text)))[: rows + 1]
    table[0] += [f"附加{j}" for j in range(extra_columns)]
    for i, cells in enumerate(table[1:]):
        cells += [f"v{j}" for j in range(extra_columns)]
        if change:
            change(i, cells)
    out = io.StringIO()
    csv.writer(out).writerows(table)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_error_workbook_writes_control_characters_long_text_and_too_many_columns(tmp_path):
    import dataclasses

    from openpyxl import load_workbook

    from plugin.core.ingest.error_workbook import write_error_workbooks
    from plugin.core.ingest.importer import ImportOptions
    from plugin.core.rules import load_rules

    def change(i, cells):
        if i == 0:  # rejected: a sector nobody knows; its name holds control characters and is long
            cells[1] = "名\x01称\x1b含\x0b控制字符" + "长" * 40_000
            cells[3] = "不存在的行业"

    path = _special_equipment_csv(tmp_path / "wide.csv", extra_columns=20_000, change=change)
    own = len(_special_equipment_csv(tmp_path / "own.csv", rows=0).read_text(encoding="utf-8").splitlines()[0]
              .split(","))  # the sample file's own columns
    rules = load_rules()
    rules = dataclasses.replace(rules, import_limits=dataclasses.replace(rules.import_limits, max_columns=30_000,
                                                                         max_cells=10_000_000))
    result = import_surveys([path], ImportOptions(rules=rules))
    assert (result.issues["code"] == "E_SECTOR_UNKNOWN").sum() == 1
    written = write_error_workbooks(tmp_path / "errors", result.files, result.tables, result.issues)
    assert len(written) == 1
    wb = load_workbook(written[0], read_only=True)
    ws = wb[wb.sheetnames[1]]
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
    row = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    assert len(header) == 16_384  # Excel's last column, not one more
    assert header[-2] == f"其他 {own + 20_000 - 16_381:,} 列 Other {own + 20_000 - 16_381:,} columns"
    assert header[-1] == "问题说明 Problems" and "E_SECTOR_UNKNOWN" in row[-1]
    assert row[-2].startswith(f"附加{16_381 - own}=v{16_381 - own}; ")  # the folded columns, by header
    name = row[2]
    assert name.startswith("名[U+0001]称[U+001B]含[U+000B]控制字符长")
    assert len(name) == 32_767 and name.endswith("个字符 / cut: 40,010 characters in all]")


def test_infinite_numbers_are_refused(tmp_path):
    def change(i, cells):
        if i == 0:
            cells[10] = "1e309"  # 职工人数 employees
    path = _special_equipment_csv(tmp_path / "inf.csv", change=change)
    result = import_surveys([path])
    bad = result.issues[result.issues["code"] == "E_NUMBER_INVALID"]
    assert list(bad["value"]) == ["1e309"] and list(bad["row"]) == [2]


def test_infinite_quantities_are_refused():
    import pandas as pd

    from plugin.core.ingest.values import INVALID, MASS_UNITS, OK, parse_measure

    vals, st, _ = parse_measure(pd.Series(["1e309", "1e308万吨", float("inf"), "5吨"], dtype=object), MASS_UNITS)
    assert list(st) == [INVALID, INVALID, INVALID, OK] and vals[3] == 5.0


def test_text_with_a_nul_is_refused_not_cut(messy_files):
    result = import_surveys([messy_files["nul_text"]])
    nul = result.issues[result.issues["code"] == "E_TEXT_NUL"]
    assert list(nul["row"]) == [2] and list(nul["value"]) == ["空字符[U+0000]单位"]
    assert list(result.units["unit_code"]) == ["N2"]
    assert not result.units["name"].str.contains("\x00").any()


def test_every_rejected_row_has_its_own_issue(messy_files):
    """Conservation is counted: a flat sheet's later row of a rejected unit carries its own
    issue naming the unit's first row, and rows_rejected counts the rows with issues."""
    result = import_surveys([messy_files["flat_rejected"]])
    issues = result.issues
    row3 = issues[issues["row"] == 3]
    assert list(row3["code"]) == ["E_ROW_UNIT_REJECTED"] and list(row3["related"]) == [
        "o_flat_rejected_unit.csv!csv!2"]
    run = result.runs.iloc[0]
    assert (run.rows_read, run.rows_accepted, run.rows_rejected) == (2, 0, 2) and result.balanced


def test_every_sample_file_balances_and_a_hazards_only_workbook_reports(tmp_path):
    """read = accepted + rejected + skipped for every file of the sample (rejected rows
    counted by their issues); a workbook with only a hazards sheet imports nothing, every row
    with its reason, and no exception."""
    from openpyxl import load_workbook

    sample = sorted(p for p in (ROOT / "resources" / "sample").iterdir() if p.suffix in (".xlsx", ".csv"))
    result = import_surveys(sample)
    runs = result.runs
    assert result.balanced and len(runs) == len(sample)
    assert (runs.rows_read == runs.rows_accepted + runs.rows_rejected + runs.rows_skipped_blank
            + runs.rows_skipped_total).all()
    errors = result.issues[(result.issues["severity"] == "error") & result.issues["row"].notna()]
    assert int(runs.rows_rejected.sum()) == len(errors.drop_duplicates(["file", "sheet", "row"]))
    wb = load_workbook(SAMPLE)
    for name in wb.sheetnames[:-1]:
        del wb[name]
    hazards_only = tmp_path / "hazards_only.xlsx"
    wb.save(hazards_only)
    result = import_surveys([hazards_only])
    run = result.runs.iloc[0]
    assert len(result.units) == len(result.hazards) == 0 and result.balanced
    assert run.rows_rejected == run.rows_read - run.rows_skipped_blank - run.rows_skipped_total > 0
    assert set(result.issues["code"]) >= {"E_HAZARD_UNIT_UNKNOWN"}
