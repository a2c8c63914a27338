"""Blank survey workbook (调查表模板), docs/domain/survey.md §2.

:func:`write_template` writes an ``.xlsx`` with

* ``说明`` — how to fill in, every column explained, coordinate systems, sectors, the
  GB 18218 Table 2 categories and the quantity units;
* ``单位信息`` and ``危险源`` — row 1 the Chinese headers (required ones marked with ``*``),
  row 2 the English keys (grey italic), row 3 one example row, data from row 3 on;
  panes frozen below row 2, drop-down lists on the coded columns;
* ``代码表`` (hidden) — the code lists the drop-downs refer to.

Everything is driven by :mod:`schema` and the rules: the headers, keys, help texts, widths
and code lists are not repeated here, and the allowed L, E, C, likelihood and severity values
are the rules file's (:func:`write_template` takes a ``rules.Rules``; the default file when
none). Only the per-sector example rows are data of this module.

:func:`write_record_template` writes the like for the records beside the survey — a
hidden-danger ledger (隐患台账) or accident records (事故记录), docs/hidden_dangers.md.
"""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..rules import Rules, load_rules
from . import schema
from .schema import Column, Sector

__all__ = [
    "CODES_SHEET",
    "CREATOR",
    "FIRST_DATA_ROW",
    "HEADER_ROW",
    "KEY_ROW",
    "RECORD_SHEETS",
    "VALIDATION_LAST_ROW",
    "example_rows",
    "record_example",
    "write_record_template",
    "write_template",
]

CODES_SHEET = "代码表"
CREATOR = "City Safety Risk Map"

HEADER_ROW = 1  # Chinese headers (Column.header)
KEY_ROW = 2  # English keys (Column.key)
FIRST_DATA_ROW = 3  # the example row, then the user's data
VALIDATION_LAST_ROW = 10_000

DEFAULT_SECTOR = "hazchem"  # the example of the all-sectors template
EXAMPLE_PREFIX = "EX"

# Number formats by column kind (cells of the example row and the whole column).
_NUMBER_FORMATS = {
    "lon": "0.000000",
    "lat": "0.000000",
    "date": "yyyy-mm-dd",
    # Text, so that Excel keeps leading zeros and does not turn 7664-41-7 into a date.
    "code": "@",
    "credit_code": "@",
    "cas": "@",
    "phone": "@",
}

# --- styles ------------------------------------------------------------------------------

_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")  # light orange: required column
_OPTIONAL_FILL = PatternFill("solid", fgColor="BDD7EE")  # light blue: optional column
_KEY_FILL = PatternFill("solid", fgColor="F2F2F2")
_EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: the example row
_TABLE_HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
_HEADER_FONT = Font(bold=True)
_KEY_FONT = Font(italic=True, color="808080", size=9)
_EXAMPLE_FONT = Font(color="7F6000")
_TITLE_FONT = Font(bold=True, size=16)
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_COMMENT_WIDTH = 280  # points


# --- code lists (drop-downs) -------------------------------------------------------------


@dataclass(frozen=True)
class _CodeList:
    kind: str  # Column.kind it applies to
    title_zh: str
    title_en: str
    values: tuple
    labels: tuple = ()  # optional explanation per value, for the instructions sheet
    error_style: str = "stop"
    note_zh: str = ""
    note_en: str = ""


def _num(v: float | int) -> float | int:
    """10.0 → 10 (so the code list and the error text show 10, not 10.0)."""
    return int(v) if float(v).is_integer() else float(v)


def _fmt(v: object) -> str:
    return str(_num(v)) if isinstance(v, float) else str(v)


# Titles of the factor drop-downs (schema.FACTOR_KINDS), in the codes sheet and error texts.
_FACTOR_TITLES = {"lec_l": ("L 值", "LEC L"), "lec_e": ("E 值", "LEC E"), "lec_c": ("C 值", "LEC C"),
                  "ls_likelihood": ("可能性", "likelihood"), "ls_severity": ("严重性", "severity")}


def _factor_lists(rules: Rules) -> tuple[_CodeList, ...]:
    """The drop-downs of L, E, C, likelihood and severity: the values the rules allow. Where
    the rules tolerate more (methods.lec.C_tolerated) the drop-down warns instead of refusing."""
    out = []
    for kind, (method, factor) in schema.FACTOR_KINDS.items():
        m = getattr(rules, method)
        tolerated = [_fmt(_num(v)) for v in m.tolerated.get(factor, ())]
        title_zh, title_en = _FACTOR_TITLES[kind]
        out.append(_CodeList(kind, title_zh, title_en, tuple(_num(v) for v in m.factors[factor]), (),
                             "warning" if tolerated else "stop",
                             f"（{'、'.join(tolerated)} 也可导入，但会提示）" if tolerated else "",
                             f" ({', '.join(tolerated)} is read with a warning)" if tolerated else ""))
    return tuple(out)


def _accident_types_list() -> _CodeList:
    """GB 6441's accident types, several per cell (火灾、其他爆炸): the list offers one, and a
    typed list is let through (the survey's hazard sources and the accident records)."""
    return _CodeList("accident_types", "事故类型", "accident type", tuple(a.zh for a in schema.ACCIDENT_TYPES),
                     tuple(a.en for a in schema.ACCIDENT_TYPES), "information",
                     "（可填多个，用顿号分隔）", " (several allowed, separated by 、)")


def _code_lists(rules: Rules) -> tuple[_CodeList, ...]:
    cats = schema.gb18218_categories()
    return (
        _CodeList("sector", "行业领域", "sector", tuple(s.zh for s in schema.SECTORS),
                  tuple(s.en for s in schema.SECTORS)),
        _CodeList("crs", "坐标系", "coordinate system", tuple(c.label for c in schema.COORD_SYSTEMS),
                  tuple(c.help_zh for c in schema.COORD_SYSTEMS)),
        _CodeList("equipment", "设备类型", "equipment type", tuple(e.zh for e in schema.EQUIPMENT),
                  tuple(e.en for e in schema.EQUIPMENT)),
        *_factor_lists(rules),
        _CodeList("category", "危险性类别", "hazard category", tuple(sym for sym, _, _ in cats),
                  tuple(f"{zh}：{desc}" for _, zh, desc in cats)),
        _CodeList("control_level", "管控层级", "control level", tuple(c.zh for c in schema.CONTROL_LEVELS),
                  tuple(c.en for c in schema.CONTROL_LEVELS)),
        _accident_types_list(),
    )


def _code_list_ranges(ws: Worksheet, lists: tuple[_CodeList, ...]) -> dict[str, str]:
    """Write every code list to the hidden codes sheet, one column each (row 1 a title,
    values from row 2); return kind → absolute range reference."""
    refs: dict[str, str] = {}
    for i, cl in enumerate(lists, start=1):
        letter = get_column_letter(i)
        ws.cell(1, i, f"{cl.title_zh} {cl.title_en}").font = _HEADER_FONT
        for r, v in enumerate(cl.values, start=2):
            c = ws.cell(r, i, v)
            if isinstance(v, str):
                c.number_format = "@"
        ws.column_dimensions[letter].width = 16
        last = len(cl.values) + 1
        refs[cl.kind] = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${last}"
    return refs


def _error_text(cl: _CodeList) -> str:
    """Bilingual error message (Excel allows 225 characters)."""
    values = "、".join(_fmt(v) for v in cl.values)
    zh = f"请从下拉列表中选择{cl.title_zh}：{values}{cl.note_zh}"
    en = f"Please choose a {cl.title_en} from the drop-down list{cl.note_en}."
    text = f"{zh}\n{en}"
    if len(text) > 225:
        text = f"请从下拉列表中选择{cl.title_zh}{cl.note_zh}\n{en}"
    return text[:225]


# --- example rows ------------------------------------------------------------------------

_NO_LEC = {"L": None, "E": None, "C": None}
_NO_LS = {"likelihood": None, "severity": None}
_NO_SUBSTANCE = {"substance": None, "cas": None, "category": None, "quantity_t": None, "volume_m3": None}

# Per sector: overrides of Column.example for the unit row and the hazard row. Each hazard
# example fills the fields of the sector's usual method: GB 18218 quantities plus LEC for
# hazchem/gas, LEC for industry/construction, the LS matrix for the others.
_SECTOR_EXAMPLES: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "hazchem": (
        {},
        {**_NO_LS},  # 液氨 7664-41-7, 25 t, 50 m³, L 3 E 6 C 15 from the schema
    ),
    "gas": (
        {"name": "深圳市示例燃气有限公司"},
        {"name": "1号液化石油气储罐", "kind": "储罐", "equipment": "压力",
         "substance": "液化石油气", "cas": "68476-85-7", "quantity_t": 40, "volume_m3": 100,
         "L": 1, "E": 6, "C": 40, **_NO_LS},
    ),
    "industry": (
        {"name": "深圳市示例铝制品有限公司"},
        {"name": "铝制品抛光车间", "kind": "粉尘涉爆车间", "equipment": "建筑", **_NO_SUBSTANCE,
         "L": 3, "E": 6, "C": 7, **_NO_LS, "note": "干式除尘，作业人员 12 人"},
    ),
    "construction": (
        {"name": "深圳市示例建设工程有限公司（示例大厦项目）"},
        {"name": "1号深基坑", "kind": "深基坑", "equipment": None, **_NO_SUBSTANCE,
         "L": 3, "E": 6, "C": 15, **_NO_LS, "note": "开挖深度 12 米"},
    ),
    "transport": (
        {"name": "深圳市示例危险货物运输有限公司"},
        {"name": "危险货物运输车辆停车场", "kind": "停车场", "equipment": None, **_NO_SUBSTANCE,
         **_NO_LEC, "likelihood": 3, "severity": 4, "note": "停放汽油罐车 20 辆"},
    ),
    "fire": (
        {"name": "示例商业广场"},
        {"name": "商场营业区（地上1–5层）", "kind": "人员密集场所", "equipment": "建筑", **_NO_SUBSTANCE,
         **_NO_LEC, "likelihood": 2, "severity": 5, "note": "日均客流约 2 万人次"},
    ),
    "special_equipment": (
        {"name": "深圳市示例热力有限公司"},
        {"name": "1号燃气蒸汽锅炉", "kind": "锅炉", "equipment": "压力", **_NO_SUBSTANCE,
         **_NO_LEC, "likelihood": 2, "severity": 4, "note": "额定蒸发量 10 t/h，工作压力 1.25 MPa"},
    ),
}


def _resolve_sector(sector: str | None) -> Sector | None:
    return None if sector is None else _sector(sector)


def _sector(sector: str) -> Sector:
    """The sector named by an id of ``schema.SECTORS`` or a Chinese or English name."""
    by_id = {s.id: s for s in schema.SECTORS}
    sid = schema.sector_lookup().get(schema.normalise_header(sector))
    if sid is None:
        raise ValueError(f"unknown sector {sector!r}; expected one of {', '.join(by_id)}")
    return by_id[sid]


def _example_value(col: Column, value: object) -> object:
    if value is None or value == "":
        return None
    if col.kind == "date" and isinstance(value, str):
        return _dt.date.fromisoformat(value)
    if isinstance(value, float):
        return _num(value)
    return value


def _allowed_example(col: Column, value: object, rules: Rules) -> object:
    """An example L, E, C, likelihood or severity the rules allow: the nearest allowed value."""
    if col.kind not in schema.FACTOR_KINDS or not isinstance(value, (int, float)):
        return value  # not a factor, or blank: nothing to snap
    method, factor = schema.FACTOR_KINDS[col.kind]
    allowed = getattr(rules, method).factors[factor]
    return min(allowed, key=lambda a: (abs(a - float(value)), -a))


def example_rows(sector: str | None = None, rules: Rules | None = None
                 ) -> tuple[dict[str, object], dict[str, object]]:
    """The example unit row and hazard row written to row 3 (key → value, blanks as None).

    For a sector the sector cell holds its Chinese name and the unit code a
    sector-specific prefix (``EX-HAZCHEM-0001``); the all-sectors template uses the
    hazardous-chemicals example. L, E, C, likelihood and severity are values ``rules``
    allows (the default rules when None).
    """
    rules = rules or load_rules()
    sec = _sector(DEFAULT_SECTOR if sector is None else sector)
    unit_over, hazard_over = _SECTOR_EXAMPLES.get(sec.id, ({}, {}))
    unit_code = f"{EXAMPLE_PREFIX}-{sec.id.upper().replace('_', '-')}-0001"

    unit = {c.key: c.example for c in schema.UNIT_COLUMNS}
    unit.update(unit_over)
    unit.update(unit_code=unit_code, sector=sec.zh)

    hazard = {c.key: c.example for c in schema.HAZARD_COLUMNS}
    hazard.update(hazard_over)
    hazard.update(hazard_code=f"{unit_code}-01", unit_code=unit_code)

    return (
        {c.key: _example_value(c, unit.get(c.key)) for c in schema.UNIT_COLUMNS},
        {c.key: _example_value(c, _allowed_example(c, hazard.get(c.key), rules)) for c in schema.HAZARD_COLUMNS},
    )


# --- data sheets -------------------------------------------------------------------------


def _comment_text(col: Column, lists: dict[str, _CodeList]) -> str:
    need = "必填 required" if col.required else "选填 optional"
    text = f"{col.zh} / {col.en}（{col.key}）— {need}\n{col.help_zh}\n{col.help_en}"
    if col.kind in schema.FACTOR_KINDS:  # the values the rules allow
        cl = lists[col.kind]
        text += f"\n可选值 Allowed: {'、'.join(_fmt(v) for v in cl.values)}{cl.note_zh}"
    return text


def _write_data_sheet(ws: Worksheet, columns: tuple[Column, ...], example: dict[str, object],
                      refs: dict[str, str], lists: dict[str, _CodeList]) -> None:
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        head = ws.cell(HEADER_ROW, i, col.header)
        head.font = _HEADER_FONT
        head.fill = _REQUIRED_FILL if col.required else _OPTIONAL_FILL
        head.alignment = _CENTER
        head.border = _BORDER
        text = _comment_text(col, lists)
        head.comment = Comment(text, CREATOR, width=_COMMENT_WIDTH,
                               height=16 * _lines(text, _COMMENT_WIDTH / 6.5) + 16)

        key = ws.cell(KEY_ROW, i, col.key)
        key.font = _KEY_FONT
        key.fill = _KEY_FILL
        key.alignment = _CENTER
        key.border = _BORDER

        fmt = _NUMBER_FORMATS.get(col.kind)
        ex = ws.cell(FIRST_DATA_ROW, i, example.get(col.key))
        ex.fill = _EXAMPLE_FILL
        ex.font = _EXAMPLE_FONT
        if fmt:
            ex.number_format = fmt
            # Column style: cells typed below the example get the same format.
            ws.column_dimensions[letter].number_format = fmt
        ws.column_dimensions[letter].width = col.width

        if col.kind in refs:
            cl = lists[col.kind]
            dv = DataValidation(type="list", formula1=refs[col.kind], allow_blank=True,
                                showErrorMessage=True, errorStyle=cl.error_style,
                                errorTitle="输入值无效 Invalid value", error=_error_text(cl))
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{VALIDATION_LAST_ROW}")
            ws.add_data_validation(dv)

    ws.row_dimensions[HEADER_ROW].height = 30
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1).coordinate


def _add_unit_code_list(units_ws: Worksheet, hazards_ws: Worksheet) -> None:
    """The hazard sheet's unit_code offers the codes typed on the units sheet (warns only)."""
    ucol = _col_index(schema.UNIT_COLUMNS, "unit_code")
    hcol = _col_index(schema.HAZARD_COLUMNS, "unit_code")
    if ucol is None or hcol is None:
        return
    ul, hl = get_column_letter(ucol), get_column_letter(hcol)
    dv = DataValidation(
        type="list", allow_blank=True, showErrorMessage=True, errorStyle="warning",
        formula1=f"{quote_sheetname(units_ws.title)}!${ul}${FIRST_DATA_ROW}:${ul}${VALIDATION_LAST_ROW}",
        errorTitle="单位编码 Unit code",
        error=f"该单位编码不在「{units_ws.title}」表中。\nThis unit code is not on the {units_ws.title} sheet.")
    dv.add(f"{hl}{FIRST_DATA_ROW}:{hl}{VALIDATION_LAST_ROW}")
    hazards_ws.add_data_validation(dv)


def _col_index(columns: tuple[Column, ...], key: str) -> int | None:
    for i, c in enumerate(columns, start=1):
        if c.key == key:
            return i
    return None


# --- instructions sheet ------------------------------------------------------------------

_INSTR_WIDTHS = (12, 22, 20, 10, 36, 40, 34, 22)  # A..H


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    chars = max(1.0, width * 0.95)
    return sum(max(1, math.ceil(_display_width(p) / chars)) for p in str(text).split("\n"))


class _Sheet:
    """Writes the instructions sheet row by row, sizing rows for wrapped text (Excel does
    not grow row heights of merged or wrapped cells on opening)."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.row = 1
        self.ncols = len(_INSTR_WIDTHS)
        for i, w in enumerate(_INSTR_WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w

    def _height(self, lines: int, size: float = 11) -> float:
        return round(max(1, lines) * size * 1.35 + 4, 1)

    def title(self, text: str) -> None:
        self._merged(text, _TITLE_FONT, 16)

    def section(self, text: str) -> None:
        self.row += 1
        self._merged(text, _SECTION_FONT, 12)

    def para(self, text: str) -> None:
        self._merged(text, None, 11)

    def _merged(self, text: str, font: Font | None, size: float) -> None:
        ws, r = self.ws, self.row
        c = ws.cell(r, 1, text)
        c.alignment = _WRAP_TOP
        if font is not None:
            c.font = font
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=self.ncols)
        total = sum(_INSTR_WIDTHS) * (11 / size)
        ws.row_dimensions[r].height = self._height(_lines(text, total), size)
        self.row += 1

    def table(self, head: list[str], rows: list[list[object]], spans: list[int] | None = None) -> None:
        """A bordered table; spans[i] = how many sheet columns column i occupies."""
        spans = spans or [1] * len(head)
        starts = [1 + sum(spans[:i]) for i in range(len(spans))]
        widths = [sum(_INSTR_WIDTHS[s - 1:s - 1 + n]) for s, n in zip(starts, spans)]
        for values, is_head in [(head, True)] + [(r, False) for r in rows]:
            ws, r = self.ws, self.row
            lines = 1
            for v, s, n, w in zip(values, starts, spans, widths):
                c = ws.cell(r, s, v)
                c.alignment = _CENTER if is_head else _WRAP_TOP
                if isinstance(v, str):
                    c.number_format = "@"
                if is_head:
                    c.font = _HEADER_FONT
                    c.fill = _TABLE_HEAD_FILL
                for k in range(s, s + n):
                    ws.cell(r, k).border = _BORDER
                if n > 1:
                    ws.merge_cells(start_row=r, start_column=s, end_row=r, end_column=s + n - 1)
                if v not in (None, ""):
                    lines = max(lines, _lines(_fmt(v), w))
            ws.row_dimensions[r].height = self._height(lines)
            self.row += 1


def _allowed_text(col: Column, lists: dict[str, _CodeList]) -> str:
    cl = lists.get(col.kind)
    if cl is None:
        return ""
    if col.kind == "category":
        return "GB 18218 表2 类别符号（见下文第五节）\nGB 18218 Table 2 symbol (see section 5)"
    if col.kind == "crs":
        return "、".join(cl.values) + "（见第三节）\n(see section 3)"
    if cl.labels:
        return "\n".join(f"{v} {lab}" for v, lab in zip(cl.values, cl.labels))
    return "、".join(_fmt(v) for v in cl.values) + cl.note_zh


def _range_text(values) -> str:
    """1、2、3、4、5 → 1–5 (consecutive whole numbers), else the values listed."""
    v = sorted(float(x) for x in values)
    if len(v) > 2 and all(x.is_integer() for x in v) and v == [v[0] + i for i in range(len(v))]:
        return f"{_fmt(_num(v[0]))}–{_fmt(_num(v[-1]))}"
    return "、".join(_fmt(_num(x)) for x in values)


def _write_instructions(ws: Worksheet, sec: Sector | None, examples: tuple[dict, dict],
                        lists: dict[str, _CodeList]) -> None:
    s = _Sheet(ws)
    ls_range = "，".join(f"{lists[k].title_zh} {_range_text(lists[k].values)}"
                        for k in ("ls_likelihood", "ls_severity"))
    ls_range_en = ", ".join(f"{lists[k].title_en} {_range_text(lists[k].values)}"
                            for k in ("ls_likelihood", "ls_severity"))
    scope_zh = sec.zh if sec else "全部行业领域"
    scope_en = sec.en if sec else "all sectors"
    u, h = schema.UNITS_SHEET, schema.HAZARDS_SHEET
    s.title(f"城市安全风险一张图 — 安全风险调查表（{scope_zh}）\n"
            f"City Safety Risk Map — safety risk survey workbook ({scope_en})")

    s.section("一、填表说明 How to fill in")
    ucode = schema.column("units", "unit_code").zh
    hcode = schema.column("hazards", "hazard_code").zh
    for p in (
        f"1. 本工作簿有两张数据表：「{u}」每个单位填一行，「{h}」每个危险源填一行；两表通过「{ucode}」关联，"
        f"一个单位有多个危险源时，在「{h}」表中填多行、{ucode}相同。\n"
        f"The workbook has two data sheets: {u} (units, one row per unit) and {h} (hazard sources, "
        "one row per hazard source), linked by the unit code; a unit with several hazard sources "
        "has several hazard rows with the same unit code.",
        f"2. 第 {HEADER_ROW} 行为中文表头、第 {KEY_ROW} 行为英文字段名，请勿修改或删除；"
        f"数据从第 {FIRST_DATA_ROW} 行开始填写。表头带 * 的列（橙色）为必填，蓝色为选填。"
        "表头单元格的批注中有该列的说明。\n"
        f"Row {HEADER_ROW} holds the Chinese headers and row {KEY_ROW} the English keys: do not change "
        f"or delete them; data start at row {FIRST_DATA_ROW}. Headers marked * (orange) are required, "
        "blue ones optional. The comment on each header explains the column.",
        f"3. 第 {FIRST_DATA_ROW} 行（淡黄色）是示例，编码以 {EXAMPLE_PREFIX}- 开头；填写时请直接覆盖或删除该行，"
        "否则它会作为数据导入。\n"
        f"Row {FIRST_DATA_ROW} (pale yellow) is an example whose codes start with {EXAMPLE_PREFIX}-: "
        "overwrite or delete it, otherwise it is imported as data.",
        f"4. {ucode}、{hcode}须唯一（一个对象一个编码）；「{h}」表中的{ucode}须在「{u}」表中存在。\n"
        "Unit codes and hazard codes must be unique; a hazard row's unit code must exist on the units sheet.",
        "5. 带下拉箭头的列请从列表中选择（行业领域、坐标系、设备类型、L、E、C、可能性、严重性、危险性类别）。\n"
        "Columns with a drop-down arrow take a value from the list (sector, coordinate system, equipment "
        "type, L, E, C, likelihood, severity, hazard category).",
        "6. 风险评价方法（默认）：危险化学品、燃气的储存设施填写物质名称、CAS号与设计最大量，按 GB 18218-2018 "
        "辨识与分级，未达重大危险源的按 LEC；工贸、建设施工填写 L、E、C（D = L×E×C）；交通运输、消防、特种设备"
        f"填写可能性与严重性（风险矩阵 R = L×S，{ls_range}）。\n"
        "Methods (default): hazardous chemicals and gas storage — substance, CAS number and design maximum "
        "quantity (GB 18218-2018), LEC for those below the threshold; industry and construction — L, E, C "
        "(D = L×E×C); transport, fire safety and special equipment — likelihood and severity (risk matrix "
        f"R = L×S, {ls_range_en}).",
        "7. 表中没有的列可以自行添加，导入时会原样保留（作为附加属性）。联系人、联系电话为个人信息，报告中脱敏显示。\n"
        "Extra columns may be added; they are kept on import (as extra attributes). Contact name and phone "
        "are personal data and are masked in reports.",
    ):
        s.para(p)

    s.section("二、各列说明 Columns")
    ex_unit, ex_hazard = examples
    rows: list[list[object]] = []
    for sheet, cols, ex in ((u, schema.UNIT_COLUMNS, ex_unit), (h, schema.HAZARD_COLUMNS, ex_hazard)):
        for col in cols:
            v = ex.get(col.key)
            rows.append([
                sheet, col.header, col.key, "是 yes" if col.required else "否 no",
                col.help_zh, f"{col.en}: {col.help_en}", _allowed_text(col, lists),
                v.isoformat() if isinstance(v, _dt.date) else ("" if v is None else _fmt(v)),
            ])
    s.table(["工作表\nSheet", "表头\nHeader", "英文字段名\nKey", "必填\nRequired", "含义",
             "Meaning", "可选值\nAllowed values", "示例\nExample"], rows)

    s.section("三、坐标系 Coordinate systems")
    s.table(["坐标系\nCRS", "也可写作\nAlso written as", "说明", "Description"],
            [[c.label, "、".join(c.aliases), c.help_zh, c.help_en] for c in schema.COORD_SYSTEMS],
            spans=[1, 3, 2, 2])
    lon, lat = schema.column("units", "lon"), schema.column("units", "lat")
    for p in (
        "• GCJ-02（高德、腾讯）与 BD-09（百度）坐标在导入时自动转换为 WGS84；WGS84 与 CGCS2000 直接采用。"
        "坐标系列空白时采用导入时选择的默认坐标系。\n"
        "GCJ-02 (Amap, Tencent) and BD-09 (Baidu) coordinates are converted to WGS84 on import; WGS84 and "
        "CGCS2000 are taken as given. A blank coordinate system means the default chosen at import.",
        f"• {lon.zh}、{lat.zh}可填十进制度（如 {_fmt(lon.example)}、{_fmt(lat.example)}）"
        "或度分秒（如 113°56′32.3″、22°31′52.3″）。\n"
        f"{lon.en} and {lat.en} may be decimal degrees (e.g. {_fmt(lon.example)}, {_fmt(lat.example)}) "
        "or degrees-minutes-seconds (e.g. 113°56′32.3″, 22°31′52.3″).",
        "• 经纬度填反（经度填成纬度）时导入程序会识别并交换，同时给出提示；"
        "中国范围以外（经度 73–136、纬度 3–54 以外）的坐标视为错误。\n"
        "Latitude and longitude entered the wrong way round are detected and swapped with a warning; "
        "points outside China (lon 73–136, lat 3–54) are errors.",
        f"• 「{h}」表的经纬度可空，空白时取所属单位的位置。\n"
        "Hazard-source coordinates are optional; blank means the unit's location.",
    ):
        s.para(p)

    s.section("四、行业领域 Sectors")
    s.table(["代码\nId", "行业领域", "Sector", "也可写作\nAlso written as"],
            [[x.id, x.zh, x.en, "、".join(x.aliases)] for x in schema.SECTORS],
            spans=[2, 1, 2, 3])

    s.section("五、GB 18218-2018 表2 危险性类别 Hazard categories (Table 2)")
    s.para("物质名称不在 GB 18218-2018 表1 中时，在「危险性类别」列填写下表的类别符号。\n"
           "When the substance is not named in GB 18218-2018 Table 1, give its Table 2 symbol in the "
           "hazard category column.")
    s.table(["符号\nSymbol", "类别\nCategory", "说明\nDescription"],
            [[sym, zh, desc] for sym, zh, desc in schema.gb18218_categories()],
            spans=[1, 2, 5])

    q = schema.column("hazards", "quantity_t")
    vol = schema.column("hazards", "volume_m3")
    s.section("六、数量单位 Quantities")
    s.para(f"「{q.zh}」以吨（t）为单位，按 GB 18218-2018 第 4.2.2 条取设计最大量；也可填写带单位的数值，"
           "如 5000kg、50吨、50 t，导入时千克换算为吨。"
           f"「{vol.zh}」以立方米（m³）为单位。\n"
           f"{q.en} is in tonnes (GB 18218-2018 clause 4.2.2: design maximum quantity); values with a unit "
           f"such as 5000kg, 50吨 or 50 t are read, kilograms converted to tonnes. {vol.en} is in cubic metres.")


# --- entry point -------------------------------------------------------------------------


def write_template(path, sector: str | None = None, rules: Rules | None = None) -> Path:
    """Write a blank survey workbook for one sector (an id of ``schema.SECTORS``; a
    Chinese or English name is accepted too) or for all sectors (``None``), its L, E, C,
    likelihood and severity drop-downs offering the values ``rules`` allows (the default
    rules file when None).

    Returns the path written. Raises ValueError for an unknown sector.
    """
    sec = _resolve_sector(sector)
    path = Path(path)
    rules = rules or load_rules()
    examples = example_rows(sec.id if sec else None, rules)
    lists = _code_lists(rules)
    by_kind = {cl.kind: cl for cl in lists}

    wb = Workbook()
    instr = wb.active
    instr.title = schema.INSTRUCTIONS_SHEET
    units = wb.create_sheet(schema.UNITS_SHEET)
    hazards = wb.create_sheet(schema.HAZARDS_SHEET)
    codes = wb.create_sheet(CODES_SHEET)
    codes.sheet_state = "hidden"

    refs = _code_list_ranges(codes, lists)
    _write_instructions(instr, sec, examples, by_kind)
    _write_data_sheet(units, schema.UNIT_COLUMNS, examples[0], refs, by_kind)
    _write_data_sheet(hazards, schema.HAZARD_COLUMNS, examples[1], refs, by_kind)
    _add_unit_code_list(units, hazards)

    p = wb.properties
    scope_zh = sec.zh if sec else "全部行业领域"
    scope_en = sec.en if sec else "all sectors"
    p.title = f"城市安全风险调查表（{scope_zh}） City safety risk survey ({scope_en})"
    p.subject = "城市安全风险一张图 City Safety Risk Map"
    p.creator = CREATOR
    p.lastModifiedBy = CREATOR
    p.keywords = "城市安全风险; 危险源; GB 18218; LEC; survey template"
    p.description = "Blank survey workbook written by City Safety Risk Map"

    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- the record templates: a hidden-danger ledger, accident records ------------------------

#: The data sheet of each record family's template, and what it is called in its title.
RECORD_SHEETS = {schema.HIDDEN_DANGERS: ("隐患台账", "hidden-danger ledger"),
                 schema.ACCIDENTS: ("事故记录", "accident records")}


def _record_code_lists() -> tuple[_CodeList, ...]:
    return (
        _CodeList("hd_grade", "隐患等级", "grade", tuple(g.zh for g in schema.HIDDEN_DANGER_GRADES),
                  tuple(g.en for g in schema.HIDDEN_DANGER_GRADES)),
        _CodeList("hd_status", "整改状态", "status", tuple(s.zh for s in schema.HIDDEN_DANGER_STATUSES),
                  tuple(s.en for s in schema.HIDDEN_DANGER_STATUSES)),
        _accident_types_list(),
    )


def record_example(family: str) -> dict[str, object]:
    """The example row of a record template: the schema's examples, the unit code marked as
    an example (``EX-``) so that a row left in place is rejected as a unit the database lacks."""
    row = {c.key: _example_value(c, c.example) for c in schema.COLUMNS[family]}
    row["unit_code"] = f"{EXAMPLE_PREFIX}-0001"
    row["hazard_code"] = f"{EXAMPLE_PREFIX}-0001-01"
    return row


def write_record_template(path, family: str) -> Path:
    """Write a blank workbook for a record family (``schema.HIDDEN_DANGERS`` or
    ``schema.ACCIDENTS``): ``说明`` (how to fill it in, every column), the data sheet
    (:data:`RECORD_SHEETS`) laid out as the survey's sheets, and the hidden code lists.
    Raises KeyError for another family."""
    sheet_zh, sheet_en = RECORD_SHEETS[family]
    columns = schema.COLUMNS[family]
    path = Path(path)
    lists = _record_code_lists()
    by_kind = {cl.kind: cl for cl in lists}
    example = record_example(family)

    wb = Workbook()
    instr = wb.active
    instr.title = schema.INSTRUCTIONS_SHEET
    data = wb.create_sheet(sheet_zh)
    codes = wb.create_sheet(CODES_SHEET)
    codes.sheet_state = "hidden"
    refs = _code_list_ranges(codes, lists)
    _write_data_sheet(data, columns, example, refs, by_kind)

    s = _Sheet(instr)
    s.title(f"{sheet_zh}填写说明 How to fill in the {sheet_en}")
    for p in (
        f"• 在「{sheet_zh}」表中每行填写一条记录；第 {HEADER_ROW} 行为中文表头（带 * 的为必填），第 {KEY_ROW} 行为英文"
        f"字段名，第 {FIRST_DATA_ROW} 行（淡黄色）是示例，单位编码以 {EXAMPLE_PREFIX}- 开头，填写时请覆盖或删除。\n"
        f"One record per row of '{sheet_zh}'. Row {HEADER_ROW}: the Chinese headers (* required); row {KEY_ROW}: the "
        f"English keys; row {FIRST_DATA_ROW} (pale yellow) is an example whose unit code starts with "
        f"{EXAMPLE_PREFIX}-: overwrite or delete it.",
        "• 单位编码须为风险数据库中已导入的单位；用「导入隐患」或「导入事故」导入，"
        "每一行或被接受，或被拒绝并说明原因。\n"
        "The unit code must be a unit already in the risk database; import with 'Import hidden dangers' or "
        "'Import accidents': every row is accepted or rejected with its reason.",
        "• 日期可写作 2026-03-05、2026/3/5、2026年3月5日 或 Excel 日期。\n"
        "Dates may be written 2026-03-05, 2026/3/5, 2026年3月5日 or as Excel dates.",
    ):
        s.para(p)
    s.section("列说明 Columns")
    s.table(["表头\nHeader", "英文字段名\nKey", "必填\nRequired", "含义", "Meaning", "可选值\nAllowed values",
             "示例\nExample"],
            [[c.header, c.key, "是 yes" if c.required else "否 no", c.help_zh, f"{c.en}: {c.help_en}",
              _allowed_text(c, by_kind),
              (lambda v: v.isoformat() if isinstance(v, _dt.date) else ("" if v is None else _fmt(v)))(
                  example.get(c.key))] for c in columns],
            spans=[1, 1, 1, 1, 1, 2, 1])

    p = wb.properties
    p.title = f"{sheet_zh} {sheet_en}"
    p.subject = "城市安全风险一张图 City Safety Risk Map"
    p.creator = CREATOR
    p.lastModifiedBy = CREATOR
    p.description = f"Blank {sheet_en} written by City Safety Risk Map"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
