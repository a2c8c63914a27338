"""Import issue catalogue (导入问题代码): stable codes, severity and bilingual messages.

Every problem the import finds is one row of the ``import_issues`` table. The code is
stable (scripts and reports key on it); the messages are templates filled with the row's
facts. ``error`` means the row (or file) is not accepted; ``warning`` means it is accepted
with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class IssueKind:
    code: str
    severity: str
    zh: str
    en: str
    scope: str = "row"  # "file", "sheet" or "row"


_KINDS = (
    # --- files and sheets ---------------------------------------------------------------
    IssueKind("E_FILE_NOT_FOUND", ERROR, "文件不存在：{value}", "File not found: {value}", "file"),
    IssueKind("E_FILE_TYPE", ERROR, "不是 .xlsx 工作簿或 .csv 文件（{detail}）",
              "Not an .xlsx workbook or .csv file ({detail})", "file"),
    IssueKind("E_FILE_ENCRYPTED", ERROR, "工作簿已加密（设有打开密码），请另存为不加密的 .xlsx",
              "The workbook is encrypted (password to open); save it unencrypted as .xlsx", "file"),
    IssueKind("E_FILE_CORRUPT", ERROR, "文件已损坏或不完整，无法读取（{detail}）",
              "The file is damaged or truncated and cannot be read ({detail})", "file"),
    IssueKind("E_FILE_EMPTY", ERROR, "文件中没有任何数据", "The file contains no data", "file"),
    IssueKind("E_FILE_ENCODING", ERROR, "CSV 文件编码无法识别（支持 UTF-8、带 BOM 的 UTF-8、GB18030）",
              "The CSV encoding is not recognised (UTF-8, UTF-8 with BOM and GB18030 are read)", "file"),
    IssueKind("E_FILE_NO_HEADER", ERROR, "未找到可识别的表头（应包含 单位编码、危险源编码 等列）",
              "No recognisable header row (expected columns such as 单位编码 unit_code, "
              "危险源编码 hazard_code)", "file"),
    IssueKind("E_FILE_MISSING_COLUMN", ERROR, "工作表「{sheet}」缺少必填列「{header}」，该表 {detail} 行未导入",
              "Sheet '{sheet}' lacks the required column '{header}'; its {detail} rows were not imported", "sheet"),
    IssueKind("E_FILE_TOO_MANY_ROWS", ERROR, "工作表「{sheet}」有 {detail} 行，超过 Excel 上限 1,048,576 行",
              "Sheet '{sheet}' has {detail} rows, more than Excel's limit of 1,048,576", "file"),
    IssueKind("E_FILE_LIMIT", ERROR, "文件超出导入限制，未解析（{detail}）；限制见规则文件的 [import_limits]",
              "The file exceeds an import limit and was not parsed ({detail}); the limits are in the rules "
              "file's [import_limits]", "file"),
    IssueKind("E_FILE_DUPLICATE", ERROR, "与本次导入的文件 {related} 内容完全相同，未重复导入",
              "Same content as {related}, already in this import; not imported twice", "file"),
    IssueKind("W_SHEET_IGNORED", WARNING, "工作表「{sheet}」没有可识别的表头，已忽略（{detail} 行）",
              "Sheet '{sheet}' has no recognisable header and was ignored ({detail} rows)", "sheet"),
    IssueKind("W_COLUMN_DUPLICATE", WARNING, "列「{header}」重复出现，只采用第一列，本列保存在扩展属性中",
              "Column '{header}' appears twice; the first is used, this one is kept in the extra attributes", "sheet"),
    # --- rows ---------------------------------------------------------------------------
    IssueKind("E_REQUIRED_MISSING", ERROR, "必填项「{header}」为空", "Required value '{header}' is blank"),
    IssueKind("E_UNIT_CODE_DUPLICATE", ERROR, "单位编码「{value}」重复，已在 {related} 出现",
              "Unit code '{value}' is duplicated; it already appears at {related}"),
    IssueKind("E_HAZARD_CODE_DUPLICATE", ERROR, "危险源编码「{value}」重复，已在 {related} 出现",
              "Hazard code '{value}' is duplicated; it already appears at {related}"),
    IssueKind("E_HAZARD_UNIT_UNKNOWN", ERROR, "所属单位编码「{value}」在单位信息中不存在",
              "Unit code '{value}' does not exist among the units"),
    IssueKind("E_HAZARD_UNIT_REJECTED", ERROR, "所属单位「{value}」（{related}）未通过校验，危险源随之未导入",
              "Its unit '{value}' ({related}) was rejected, so this hazard source is not imported"),
    IssueKind("E_ROW_UNIT_REJECTED", ERROR, "本行所属单位「{value}」（{related}）未通过校验，本行随之未导入",
              "This row's unit '{value}' ({related}) was rejected, so the row is not imported"),
    IssueKind("E_SECTOR_UNKNOWN", ERROR, "行业领域「{value}」无法识别（应为七个行业领域之一）",
              "Sector '{value}' is not recognised (one of the seven sectors is expected)"),
    IssueKind("E_CRS_UNKNOWN", ERROR, "坐标系「{value}」无法识别（WGS84、CGCS2000、GCJ-02、BD-09）",
              "Coordinate system '{value}' is not recognised (WGS84, CGCS2000, GCJ-02, BD-09)"),
    IssueKind("E_COORD_INVALID", ERROR, "坐标「{value}」无法解析为十进制度或度分秒",
              "Coordinate '{value}' cannot be read as decimal degrees or degrees-minutes-seconds"),
    IssueKind("E_COORD_OUT_OF_CHINA", ERROR, "坐标（{detail}）不在中国范围内（经度 73–136，纬度 3–54）",
              "Coordinates ({detail}) are outside China (lon 73-136, lat 3-54)"),
    IssueKind("W_COORD_SWAPPED", WARNING, "经纬度填反（{detail}），已交换",
              "Longitude and latitude were swapped ({detail}); swapped back"),
    IssueKind("W_COORD_OUTSIDE_AREA", WARNING, "坐标（{detail}）在调查区域范围之外",
              "Coordinates ({detail}) lie outside the survey area's extent"),
    IssueKind("E_CREDIT_CODE_INVALID", ERROR, "统一社会信用代码「{value}」无效（{detail}）",
              "Unified social credit code '{value}' is invalid ({detail})"),
    IssueKind("W_CREDIT_CODE_LOWERCASE", WARNING, "统一社会信用代码「{value}」含小写字母，已转为大写",
              "Unified social credit code '{value}' had lower-case letters; upper-cased"),
    IssueKind("E_CAS_INVALID", ERROR, "CAS 号「{value}」无效（{detail}）",
              "CAS number '{value}' is invalid ({detail})"),
    IssueKind("E_TEXT_NUL", ERROR, "「{header}」的值「{value}」含有空字符（U+0000），数据库无法原样保存，该行未导入",
              "'{header}' value '{value}' holds a NUL character (U+0000), which the database cannot store as "
              "read; the row is not imported"),
    IssueKind("E_NUMBER_INVALID", ERROR, "「{header}」的值「{value}」不是有效数字",
              "'{header}' value '{value}' is not a valid number"),
    IssueKind("E_NUMBER_NEGATIVE", ERROR, "「{header}」的值「{value}」不能为负数",
              "'{header}' value '{value}' cannot be negative"),
    IssueKind("E_UNIT_OF_MEASURE", ERROR, "「{header}」的计量单位「{detail}」无法识别（应为 吨/t 或 千克/kg）",
              "'{header}' unit '{detail}' is not recognised (t or kg expected)"),
    IssueKind("E_EQUIPMENT_UNKNOWN", ERROR, "设备类型「{value}」无法识别（常压、压力、长形、辅助、建筑）",
              "Equipment type '{value}' is not recognised (atmospheric, pressurised, elongated, auxiliary, building)"),
    IssueKind("E_CATEGORY_UNKNOWN", ERROR, "危险性类别「{value}」不是 GB 18218 表2 的类别符号",
              "Hazard category '{value}' is not a GB 18218 Table 2 symbol"),
    IssueKind("E_LEC_VALUE", ERROR, "「{header}」的值「{value}」不在允许取值 {detail} 中",
              "'{header}' value '{value}' is not one of the allowed values {detail}"),
    # A value the rules accept with a warning (C = 16 in the default rules: methods.lec.C_tolerated).
    IssueKind("W_LEC_C16", WARNING, "「{header}」= {value}（部分文献取值，规则容许），按 {value} 计算",
              "'{header}' = {value} (used by some sources, tolerated by the rules); kept as {value}"),
    IssueKind("E_LS_VALUE", ERROR, "「{header}」的值「{value}」不在允许取值 {detail} 中",
              "'{header}' value '{value}' is not one of the allowed values {detail}"),
    IssueKind("W_ACCIDENT_TYPE_UNKNOWN", WARNING, "事故类型「{detail}」不是 GB 6441 的事故类别，已略去（其余照常导入）",
              "Accident type '{detail}' is not a GB 6441 accident type; left out (the rest is imported)"),
    IssueKind("W_CONTROL_LEVEL_UNKNOWN", WARNING,
              "管控层级「{value}」无法识别（公司、部门、班组、岗位、市、区、街道），已留空",
              "Control level '{value}' is not recognised (company, department, team, post, city, district, "
              "street); left blank"),
    IssueKind("W_DATE_INVALID", WARNING, "日期「{value}」无法识别，已留空",
              "Date '{value}' is not recognised; left blank"),
    IssueKind("W_UNIT_FIELDS_DIFFER", WARNING, "同一单位「{value}」的单位信息与 {related} 不一致，采用先出现的",
              "Unit '{value}' has different unit details than at {related}; the first is used"),
    # --- hidden-danger and accident records (records.py) ---------------------------------
    IssueKind("E_HD_GRADE_UNKNOWN", ERROR, "隐患等级「{value}」无法识别（应为 一般隐患 或 重大隐患）",
              "Hidden danger grade '{value}' is not recognised (general or major)"),
    IssueKind("E_HD_STATUS_UNKNOWN", ERROR, "整改状态「{value}」无法识别（应为 未整改、整改中、已整改 或 已销号）",
              "Status '{value}' is not recognised (not rectified, being rectified, rectified or closed)"),
    IssueKind("W_HD_DATES_ORDER", WARNING, "整改完成日期「{value}」早于发现日期 {detail}",
              "Date rectified '{value}' is before the date found {detail}"),
    IssueKind("E_REC_DATE_INVALID", ERROR, "「{header}」的日期「{value}」无法识别",
              "'{header}' date '{value}' is not recognised"),
    IssueKind("E_REC_UNIT_UNKNOWN", ERROR, "单位编码「{value}」不是风险数据库中的单位",
              "Unit code '{value}' is not a unit of the risk database"),
    IssueKind("E_REC_CODE_DUPLICATE", ERROR, "「{header}」「{value}」重复，已在 {related} 出现",
              "'{header}' '{value}' is duplicated; it already appears at {related}"),
    IssueKind("W_REC_HAZARD_UNKNOWN", WARNING, "危险源编码「{value}」不是该单位的危险源，照原样保存",
              "Hazard source code '{value}' is not one of the unit's hazard sources; kept as written"),
    IssueKind("W_REC_DATE_FUTURE", WARNING, "「{header}」的日期「{value}」晚于导入当天 {detail}，照原样保存",
              "'{header}' date '{value}' is after the day of the import {detail}; kept as written"),
)

KINDS: dict[str, IssueKind] = {k.code: k for k in _KINDS}

ISSUE_FIELDS = (
    "file", "sheet", "row", "column", "header", "value", "severity", "code",
    "message_zh", "message_en", "record", "related",
)


class _Blank(dict):
    def __missing__(self, key):  # unfilled placeholders render empty
        return ""


def message(code: str, detail_en: object = None, **facts) -> tuple[str, str]:
    """The Chinese and English message of an issue, filled with its facts (``detail_en``: the
    detail of the English message, when it differs from the Chinese one)."""
    k = KINDS[code]
    f = _Blank({k2: ("" if v is None else v) for k2, v in facts.items()})
    en = f if detail_en is None else _Blank({**f, "detail": detail_en})
    return k.zh.format_map(f), k.en.format_map(en)


def make_issue(code: str, *, file: str = "", sheet: str = "", row: int | None = None,
               column: str = "", header: str = "", value: object = "", record: str = "",
               related: str = "", detail: object = "", detail_en: object = None) -> dict:
    """One ``import_issues`` row."""
    zh, en = message(code, detail_en, value=value, header=header, sheet=sheet, related=related, detail=detail)
    return {
        "file": file, "sheet": sheet, "row": row, "column": column, "header": header,
        "value": "" if value is None else str(value), "severity": KINDS[code].severity,
        "code": code, "message_zh": zh, "message_en": en, "record": record, "related": related,
    }


def place(file: str, sheet: str, row: int | None) -> str:
    """A row's place as people write it: file › sheet › row."""
    return f"{file}!{sheet}!{row}" if row is not None else f"{file}!{sheet}"
