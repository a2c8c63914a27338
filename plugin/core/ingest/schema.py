"""Survey schema (调查表结构): the columns of the units and hazard-source sheets.

docs/domain/survey.md §2. Each column has a stable English key (the field name in the risk
database), a Chinese header (what the template writes), an English header, the aliases a
hand-made workbook may use, a value kind that decides how a cell is parsed, and help text
for the template's instructions sheet.

This module is data only; parsing lives in :mod:`values`, import in :mod:`importer`.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
REFERENCE = RESOURCES / "reference"

# Sheet names written by the template and recognised on import.
UNITS_SHEET = "单位信息"
HAZARDS_SHEET = "危险源"
INSTRUCTIONS_SHEET = "说明"
INSTRUCTION_SHEET_NAMES = {"说明", "填表说明", "instructions", "readme", "help", "代码表", "codes"}

# Excel's hard limit of rows per sheet.
EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Sector:
    """行业领域 — one of the seven survey sectors (docs/domain/survey.md §1)."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


SECTORS: tuple[Sector, ...] = (
    Sector("hazchem", "危险化学品", "hazardous chemicals", ("危化品", "危化", "危险化学品企业", "hazardous chemical")),
    Sector("gas", "燃气", "city gas", ("城镇燃气", "燃气企业", "gas supply")),
    Sector("industry", "工贸", "industry and trade", ("工贸企业", "工贸行业", "industry & trade")),
    Sector("construction", "建设施工", "construction", ("建筑施工", "建设工程", "建筑工地")),
    Sector("transport", "交通运输", "transport", ("交通", "transportation")),
    Sector("fire", "消防", "fire safety", ("消防安全", "fire")),
    Sector("special_equipment", "特种设备", "special equipment", ("特设", "special equipments")),
)


@dataclass(frozen=True)
class CoordSystem:
    """坐标系 — a coordinate system a survey may give (docs/domain/coordinates.md §1)."""

    id: str
    label: str
    aliases: tuple[str, ...]
    help_zh: str
    help_en: str


COORD_SYSTEMS: tuple[CoordSystem, ...] = (
    CoordSystem("WGS84", "WGS84", ("wgs-84", "wgs 84", "epsg:4326", "4326", "gps", "wgs84坐标"),
                "GPS 设备、奥维地图的原始坐标，与 CGCS2000 相差厘米级，直接采用",
                "raw GPS coordinates; centimetres from CGCS2000, taken as given"),
    CoordSystem("CGCS2000", "CGCS2000", ("cgcs 2000", "cgcs-2000", "epsg:4490", "4490", "国家2000", "2000坐标系",
                                         "天地图"),
                "国家大地坐标系 2000（天地图），直接采用",
                "China Geodetic Coordinate System 2000 (Tianditu), taken as given"),
    CoordSystem("GCJ02", "GCJ-02", ("gcj-02", "gcj 02", "火星坐标", "高德", "腾讯", "amap", "国测局坐标"),
                "高德、腾讯地图坐标（偏移数百米），导入时转换为 WGS84",
                "Amap/Tencent web-map coordinates (offset by hundreds of metres), converted to WGS84"),
    CoordSystem("BD09", "BD-09", ("bd-09", "bd 09", "百度", "百度坐标", "baidu"),
                "百度地图坐标（偏移数百米），导入时转换为 WGS84",
                "Baidu Maps coordinates (offset by hundreds of metres), converted to WGS84"),
)


@dataclass(frozen=True)
class Equipment:
    """设备类型 — decides the escalation threshold of a target (docs/domain/cascade.md §3)."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


EQUIPMENT: tuple[Equipment, ...] = (
    Equipment("atmospheric", "常压", "atmospheric", ("常压储罐", "常压设备", "常压容器")),
    Equipment("pressurised", "压力", "pressurised", ("压力容器", "压力储罐", "压力设备", "pressurized",
                                                      "pressure vessel")),
    Equipment("elongated", "长形", "elongated", ("塔器", "长形设备", "塔")),
    Equipment("auxiliary", "辅助", "auxiliary", ("辅助设备", "小型设备", "small equipment")),
    Equipment("building", "建筑", "building", ("建筑物", "厂房", "仓库")),
)

@dataclass(frozen=True)
class Term:
    """A coded value of a vocabulary: its id, Chinese and English names, and the aliases a
    hand-made workbook may use."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


#: 事故类别 — an accident type of GB 6441-1986 (企业职工伤亡事故分类), the vocabulary of a risk
#: point's 可能导致的事故类型 (docs/domain/controls.md §2).
AccidentType = Term
#: 管控层级 — who controls a risk point: inside the unit (公司/部门/班组/岗位) or, for the
#: supervising authority, the city, the district or the street (docs/domain/controls.md §3).
ControlLevel = Term

ACCIDENT_TYPES: tuple[AccidentType, ...] = (
    AccidentType("struck_by_object", "物体打击", "struck by object", ("打击",)),
    AccidentType("vehicle", "车辆伤害", "vehicle injury", ("车辆", "交通事故")),
    AccidentType("machinery", "机械伤害", "machinery injury", ("机械", "机械伤人")),
    AccidentType("lifting", "起重伤害", "lifting injury", ("起重", "吊装伤害")),
    AccidentType("electric_shock", "触电", "electric shock", ("电击", "触电伤害")),
    AccidentType("drowning", "淹溺", "drowning", ("溺水", "淹溺事故")),
    AccidentType("burns", "灼烫", "burns and scalds", ("灼伤", "烫伤", "化学灼伤")),
    AccidentType("fire", "火灾", "fire", ("着火", "火灾事故")),
    AccidentType("fall_from_height", "高处坠落", "fall from height", ("坠落", "高空坠落")),
    AccidentType("collapse", "坍塌", "collapse", ("垮塌", "倒塌")),
    AccidentType("roof_fall", "冒顶片帮", "roof fall and rib spalling", ("冒顶", "片帮")),
    AccidentType("water_inrush", "透水", "water inrush", ()),
    AccidentType("blasting", "放炮", "blasting", ("爆破",)),
    AccidentType("gunpowder_explosion", "火药爆炸", "gunpowder explosion", ("炸药爆炸",)),
    AccidentType("firedamp_explosion", "瓦斯爆炸", "firedamp explosion", ("瓦斯",)),
    AccidentType("boiler_explosion", "锅炉爆炸", "boiler explosion", ()),
    AccidentType("vessel_explosion", "容器爆炸", "pressure vessel explosion", ("压力容器爆炸",)),
    # 爆炸 on its own is GB 6441's 其他爆炸 (an explosion not of the kinds above)
    AccidentType("other_explosion", "其他爆炸", "other explosion", ("其它爆炸", "爆炸", "explosion")),
    AccidentType("poisoning_asphyxiation", "中毒和窒息", "poisoning and asphyxiation",
                 ("中毒", "窒息", "中毒窒息", "中毒、窒息", "poisoning", "asphyxiation")),
    AccidentType("other_injury", "其他伤害", "other injury", ("其它伤害",)),
)
#: Between accident types in one cell (火灾、其他爆炸).
LIST_SEPARATORS = "、,，;；/／|\n"


CONTROL_LEVELS: tuple[ControlLevel, ...] = (
    ControlLevel("company", "公司", "company", ("公司级", "厂级", "企业级", "单位级")),
    ControlLevel("department", "部门", "department", ("部门级", "车间", "车间级", "科室")),
    ControlLevel("team", "班组", "team", ("班组级",)),
    ControlLevel("post", "岗位", "post", ("岗位级",)),
    ControlLevel("city", "市", "city", ("市级",)),
    ControlLevel("district", "区", "district", ("区级", "县级")),
    ControlLevel("street", "街道", "street", ("街道级", "镇街", "镇街级", "乡镇")),
)



#: 隐患等级 — the grade of a hidden danger (事故隐患): 一般 or 重大 (docs/domain/dynamic_risk.md §2).
HiddenDangerGrade = Term
#: 整改状态 — where a hidden danger stands in its closed loop 排查 → 整改 → 验收销号.
HiddenDangerStatus = Term

HIDDEN_DANGER_GRADES: tuple[HiddenDangerGrade, ...] = (
    HiddenDangerGrade("general", "一般隐患", "general hidden danger", ("一般", "一般事故隐患", "general")),
    HiddenDangerGrade("major", "重大隐患", "major hidden danger", ("重大", "重大事故隐患", "major")),
)
HIDDEN_DANGER_STATUSES: tuple[HiddenDangerStatus, ...] = (
    HiddenDangerStatus("open", "未整改", "not rectified", ("待整改", "未完成整改", "open")),
    HiddenDangerStatus("in_progress", "整改中", "being rectified", ("正在整改", "限期整改", "in progress")),
    HiddenDangerStatus("rectified", "已整改", "rectified", ("整改完成", "已完成整改", "rectified")),
    HiddenDangerStatus("closed", "已销号", "verified and closed", ("销号", "已验收销号", "验收销号", "closed")),
)
#: The statuses of a hidden danger that is still there (not yet rectified).
HIDDEN_DANGER_OPEN = ("open", "in_progress")

# The survey columns that carry the factors of the rules' methods, by column kind:
# kind → (method, factor) of ``rules.Rules`` — LEC (作业条件危险性评价法, D = L·E·C) and the LS
# matrix (风险矩阵, R = L·S), docs/domain/scoring.md. Their allowed values (and the values
# accepted with a warning) are the rules' [methods.lec] and [methods.ls]: the import checks
# them and the template offers them, so editing the rules file changes both.
FACTOR_KINDS: dict[str, tuple[str, str]] = {
    "lec_l": ("lec", "L"),
    "lec_e": ("lec", "E"),
    "lec_c": ("lec", "C"),
    "ls_likelihood": ("ls", "likelihood"),
    "ls_severity": ("ls", "severity"),
}


@lru_cache(maxsize=1)
def gb18218_categories() -> tuple[tuple[str, str, str], ...]:
    """GB 18218-2018 Table 2 categories as (symbol, category_zh, description_zh)."""
    with open(REFERENCE / "gb18218_2018_table2.csv", encoding="utf-8") as f:
        return tuple((r["symbol"], r["category_zh"], r["description_zh"]) for r in csv.DictReader(f))


@dataclass(frozen=True)
class Column:
    """One survey column."""

    key: str
    zh: str
    en: str
    table: str  # "units", "hazards" or a record table (schema.RECORD_TABLES)
    kind: str  # how the cell is parsed, see values.py
    required: bool = False
    aliases: tuple[str, ...] = ()
    help_zh: str = ""
    help_en: str = ""
    example: object = None
    width: int = 14

    @property
    def header(self) -> str:
        """The Chinese header the template writes (required columns marked with *)."""
        return self.zh + ("*" if self.required else "")


def _c(*args, **kw) -> Column:
    return Column(*args, **kw)


UNIT_COLUMNS: tuple[Column, ...] = (
    _c("unit_code", "单位编码", "Unit code", "units", "code", True,
       ("单位代码", "企业编码", "企业代码", "单位编号", "企业编号", "编码", "unit id", "unit no"),
       "每个单位唯一的编码，危险源表用它关联单位", "unique code of the unit; hazard rows refer to it",
       "SZ-HC-0001", 14),
    _c("name", "单位名称", "Unit name", "units", "text", True,
       ("企业名称", "单位", "企业", "场所名称", "项目名称", "unit", "enterprise", "company"),
       "单位全称", "full name of the unit", "深圳市示例化工有限公司", 30),
    _c("credit_code", "统一社会信用代码", "Unified social credit code", "units", "credit_code", False,
       ("信用代码", "社会信用代码", "uscc", "credit code"),
       "18 位，校验位按 GB 32100-2015 检查", "18 characters, check character verified (GB 32100-2015)",
       "91110108551385082Q", 22),
    _c("sector", "行业领域", "Sector", "units", "sector", True,
       ("行业", "所属行业", "行业类别", "领域", "industry sector"),
       "七个行业领域之一（下拉选择）", "one of the seven sectors (drop-down)", "危险化学品", 14),
    _c("district", "行政区", "District", "units", "text", True,
       ("所属区", "区", "辖区", "区县", "所在区"),
       "所在行政区", "administrative district", "南山区", 10),
    _c("street", "街道", "Street", "units", "text", False,
       ("所属街道", "街道办", "镇街", "sub-district"),
       "所在街道", "sub-district (jiedao)", "粤海街道", 12),
    _c("address", "详细地址", "Address", "units", "text", False,
       ("地址", "单位地址", "注册地址", "经营地址"),
       "详细地址", "street address", "南山区科技园示例路1号", 30),
    _c("lon", "经度", "Longitude", "units", "lon", True,
       ("x", "东经", "经度坐标", "lng", "long", "longitude"),
       "十进制度（113.9423）或度分秒（113°56′32.3″）", "decimal degrees (113.9423) or degrees-minutes-seconds",
       113.9423, 12),
    _c("lat", "纬度", "Latitude", "units", "lat", True,
       ("y", "北纬", "纬度坐标", "latitude"),
       "十进制度（22.5312）或度分秒（22°31′52.3″）", "decimal degrees (22.5312) or degrees-minutes-seconds",
       22.5312, 12),
    _c("crs", "坐标系", "Coordinate system", "units", "crs", False,
       ("坐标系统", "坐标类型", "coordinate system", "crs", "srs"),
       "WGS84、CGCS2000、GCJ-02（高德/腾讯）或 BD-09（百度）；空白时采用导入时选择的默认坐标系",
       "WGS84, CGCS2000, GCJ-02 (Amap/Tencent) or BD-09 (Baidu); blank: the default chosen at import",
       "CGCS2000", 12),
    _c("employees", "从业人数", "Employees", "units", "int", False,
       ("职工人数", "员工人数", "从业人员数", "人数", "staff"),
       "从业人员数（人）", "number of employees", 120, 10),
    _c("outside_population", "厂外500米内常住人口", "Population within 500 m outside", "units", "int", False,
       ("厂外人口", "周边500米人口", "周边人口", "500米内人口", "outside population", "population within 500 m"),
       "厂界外 500 米范围内常住人口数（GB 18218 α 校正系数用）",
       "residents within 500 m outside the plant boundary (for GB 18218 alpha)", 60, 12),
    _c("survey_date", "调查日期", "Survey date", "units", "date", False,
       ("填报日期", "日期", "检查日期", "date"),
       "如 2024-03-05 或 2024年3月5日", "e.g. 2024-03-05", "2024-03-05", 12),
    _c("surveyor", "调查人", "Surveyor", "units", "text", False,
       ("调查人员", "填报人", "检查人"), "调查人姓名", "name of the surveyor", "李四", 10),
    _c("contact_name", "联系人", "Contact name", "units", "text", False,
       ("负责人", "安全负责人", "联系人姓名", "contact"),
       "单位联系人（个人信息，报告中脱敏）", "contact person (personal data, masked in reports)", "张三", 10),
    _c("contact_phone", "联系电话", "Contact phone", "units", "phone", False,
       ("电话", "手机", "联系方式", "手机号", "phone", "telephone", "mobile"),
       "联系电话（个人信息，报告中脱敏）", "phone (personal data, masked in reports)", "13812345678", 14),
    # Who answers for the unit's risks (docs/domain/controls.md §4): optional, old workbooks lack them.
    _c("supervising_dept", "监管部门", "Supervising department", "units", "text", False,
       ("行业监管部门", "主管部门", "负有监管职责的部门", "监管单位", "supervising authority"),
       "负有安全监管职责的部门", "the authority that supervises the unit's safety", "南山区应急管理局", 18),
    _c("duty_phone", "值班电话", "Duty phone", "units", "phone", False,
       ("应急值班电话", "24小时值班电话", "值班室电话", "duty telephone"),
       "单位 24 小时值班电话（公开，报告中不脱敏）", "the unit's 24-hour duty phone (public, not masked)",
       "0755-26000000", 14),
    _c("principal_person", "主要负责人", "Principal in charge", "units", "text", False,
       ("包保主要负责人", "主要负责人姓名", "principal"),
       "重大危险源包保责任人：主要负责人（个人信息）", "major hazard source: the principal in charge (personal data)",
       "王五", 10),
    _c("technical_person", "技术负责人", "Technical lead", "units", "text", False,
       ("包保技术负责人", "技术负责人姓名", "technical lead"),
       "重大危险源包保责任人：技术负责人（个人信息）", "major hazard source: the technical lead (personal data)",
       "赵六", 10),
    _c("operating_person", "操作负责人", "Operations lead", "units", "text", False,
       ("包保操作负责人", "操作负责人姓名", "operations lead"),
       "重大危险源包保责任人：操作负责人（个人信息）", "major hazard source: the operations lead (personal data)",
       "钱七", 10),
)

HAZARD_COLUMNS: tuple[Column, ...] = (
    _c("hazard_code", "危险源编码", "Hazard code", "hazards", "code", True,
       ("危险源代码", "危险源编号", "风险点编码", "风险点编号", "风险点代码", "hazard id", "hazard no"),
       "每个危险源唯一的编码", "unique code of the hazard source", "SZ-HC-0001-01", 16),
    _c("unit_code", "单位编码", "Unit code", "hazards", "code", True,
       ("单位代码", "企业编码", "企业代码", "所属单位编码", "单位编号", "unit id"),
       "所属单位的编码（须在单位信息表中存在）", "code of the unit it belongs to (must exist)", "SZ-HC-0001", 14),
    _c("name", "危险源名称", "Hazard name", "hazards", "text", False,
       ("风险点名称", "名称", "hazard", "hazard source"),
       "危险源名称", "name of the hazard source", "1号液氨储罐", 20),
    _c("kind", "危险源类型", "Hazard kind", "hazards", "text", False,
       ("类型", "风险点类型", "危险源类别", "type"),
       "如 储罐、仓库、生产装置、深基坑", "e.g. tank, warehouse, process unit, deep excavation", "储罐", 12),
    _c("equipment", "设备类型", "Equipment type", "hazards", "equipment", False,
       ("设备类别", "装置类型", "equipment"),
       "常压、压力、长形、辅助、建筑（下拉选择；决定多米诺效应阈值）",
       "atmospheric, pressurised, elongated, auxiliary, building (drop-down; sets the domino threshold)",
       "压力", 10),
    _c("substance", "物质名称", "Substance", "hazards", "text", False,
       ("危险物质", "危险化学品名称", "化学品名称", "物质", "品名", "chemical"),
       "危险化学品名称（按 GB 18218 表1 名称或别名）", "substance name (GB 18218 Table 1 name or alias)", "液氨", 14),
    _c("cas", "CAS号", "CAS number", "hazards", "cas", False,
       ("cas", "cas no", "cas编号", "cas号码", "cas rn"),
       "CAS 登记号，校验位会被检查", "CAS registry number; its check digit is verified", "7664-41-7", 12),
    _c("category", "危险性类别", "Hazard category", "hazards", "category", False,
       ("类别", "危险类别", "gb18218类别", "category"),
       "GB 18218 表2 类别符号（如 W5.2），物质不在表1时填写",
       "GB 18218 Table 2 symbol (e.g. W5.2) when the substance is not in Table 1",
       "", 10),
    _c("quantity_t", "设计最大量", "Design maximum quantity", "hazards", "quantity", False,
       ("最大储量", "储存量", "最大存储量", "存量", "数量", "设计最大储量", "quantity", "max quantity"),
       "设计最大量，单位吨；可写 5000kg、50吨（GB 18218 4.2.2）",
       "design maximum quantity in tonnes; 5000kg or 50吨 are read",
       25, 12),
    _c("volume_m3", "容积", "Volume", "hazards", "volume", False,
       ("储罐容积", "体积", "容量", "volume"),
       "容积，单位立方米", "volume in cubic metres", 50, 10),
    # The allowed values of L, E, C, likelihood and severity come from the rules (FACTOR_KINDS).
    _c("L", "L", "L (likelihood)", "hazards", "lec_l", False,
       ("l值", "事故发生的可能性", "可能性l"),
       "LEC：事故发生的可能性 L", "LEC likelihood L", 3, 6),
    _c("E", "E", "E (exposure)", "hazards", "lec_e", False,
       ("e值", "暴露于危险环境的频繁程度", "暴露频率"),
       "LEC：暴露频繁程度 E", "LEC exposure E", 6, 6),
    _c("C", "C", "C (consequence)", "hazards", "lec_c", False,
       ("c值", "发生事故产生的后果", "后果c"),
       "LEC：后果 C", "LEC consequence C", 15, 6),
    _c("likelihood", "可能性", "Likelihood", "hazards", "ls_likelihood", False,
       ("可能性等级", "可能性l等级", "likelihood l"),
       "风险矩阵：可能性 L", "LS matrix likelihood L", 3, 8),
    _c("severity", "严重性", "Severity", "hazards", "ls_severity", False,
       ("严重性等级", "严重程度", "后果严重性", "severity s"),
       "风险矩阵：严重性 S", "LS matrix severity S", 4, 8),
    _c("lon", "经度", "Longitude", "hazards", "lon", False,
       ("危险源经度", "x", "lng", "longitude"),
       "可空，默认取所属单位位置", "optional; defaults to the unit's location", None, 12),
    _c("lat", "纬度", "Latitude", "hazards", "lat", False,
       ("危险源纬度", "y", "latitude"),
       "可空，默认取所属单位位置", "optional; defaults to the unit's location", None, 12),
    _c("crs", "坐标系", "Coordinate system", "hazards", "crs", False,
       ("坐标系统", "坐标类型", "coordinate system", "crs"),
       "危险源坐标的坐标系；空白时同单位或导入默认",
       "CRS of the hazard's coordinates; blank: as the unit or the import default",
       None, 12),
    _c("note", "备注", "Note", "hazards", "text", False,
       ("说明", "备注说明", "remark", "remarks", "note"),
       "备注", "remarks", "", 20),
    # What the risk point is, what controls it and who answers for it (风险清单, 风险告知卡;
    # docs/domain/controls.md): optional, old workbooks lack them.
    _c("accident_types", "事故类型", "Accident types", "hazards", "accident_types", False,
       ("可能导致的事故类型", "可能发生的事故类型", "事故类别", "易发事故类型", "accident type"),
       "GB 6441 事故类别，可填多个，用顿号分隔（如 火灾、其他爆炸、中毒和窒息）",
       "GB 6441 accident types, several separated by 、 (e.g. 火灾、其他爆炸)", "火灾、其他爆炸", 18),
    _c("risk_features", "风险特征", "Risk features", "hazards", "text", False,
       ("风险描述", "危险特性", "风险因素", "risk description"),
       "风险特征（危险物质、能量、部位）", "what makes it dangerous (substance, energy, location)",
       "液氨储存，压力储罐", 24),
    _c("trigger_conditions", "产生条件", "Conditions", "hazards", "text", False,
       ("事故诱因", "触发条件", "产生原因", "triggers"),
       "可能导致事故的条件", "what could set off an accident", "泄漏遇明火", 24),
    _c("controls_engineering", "工程技术措施", "Engineering controls", "hazards", "text", False,
       ("工程技术管控措施", "工程控制措施", "技术措施", "engineering controls"),
       "工程技术措施（联锁、监测报警、防爆等）", "engineering controls (interlocks, gas detection, ...)",
       "设置可燃有毒气体报警、紧急切断阀", 28),
    _c("controls_management", "管理措施", "Management controls", "hazards", "text", False,
       ("管理管控措施", "管理控制措施", "management controls"),
       "管理措施（制度、巡检、培训等）", "management controls (procedures, inspection, training)",
       "每班巡检两次，作业许可", 28),
    _c("controls_emergency", "个体防护与应急处置措施", "PPE and emergency measures", "hazards", "text", False,
       ("个体防护措施", "应急处置措施", "应急措施", "个体防护及应急处置措施", "emergency measures"),
       "个体防护与应急处置措施", "personal protection and emergency measures",
       "佩戴正压式空气呼吸器，启动应急预案", 28),
    _c("control_level", "管控层级", "Control level", "hazards", "control_level", False,
       ("管控级别", "管控层次", "control level"),
       "公司、部门、班组、岗位（单位内）；市、区、街道（监管部门）（下拉选择）",
       "company, department, team, post (inside the unit); city, district, street (authority) (drop-down)",
       "公司", 10),
    _c("responsible_person", "责任人", "Responsible person", "hazards", "text", False,
       ("管控责任人", "风险点责任人", "负责人姓名", "responsible"),
       "风险点的管控责任人（个人信息，报告中脱敏）", "who answers for the risk point (personal data, masked)",
       "孙八", 10),
    _c("responsible_phone", "责任人电话", "Responsible person's phone", "hazards", "phone", False,
       ("责任人联系电话", "管控责任人电话", "responsible phone"),
       "责任人电话（个人信息，报告中脱敏）", "the responsible person's phone (personal data, masked)",
       "13912345678", 14),
)

COLUMNS = {"units": UNIT_COLUMNS, "hazards": HAZARD_COLUMNS}


# --- records beside the survey: hidden dangers and accidents, imported by records.py ---------------

def _record_links(table: str, what_zh: str, unit_alias: str) -> tuple[Column, Column]:
    """The unit code (required, a unit of the risk database) and the hazard-source code a
    record of ``table`` names; ``what_zh``: the record in Chinese (隐患, 事故)."""
    return (
        _c("unit_code", "单位编码", "Unit code", table, "code", True,
           ("单位代码", "企业编码", "企业代码", "单位编号", unit_alias, "unit id"),
           f"{what_zh}所在单位的编码，须为风险数据库中的单位", "code of the unit, one of the risk database's units",
           "SZ-HC-0001", 14),
        _c("hazard_code", "危险源编码", "Hazard source code", table, "code", False,
           ("危险源编号", "风险点编码", "风险点编号", "hazard id"),
           f"{what_zh}所涉危险源（风险点）的编码，已知时填写", "the hazard source (risk point) concerned, when known",
           "SZ-HC-0001-01", 16),
    )


# hidden-danger records (隐患记录)
HIDDEN_DANGERS = "hidden_dangers"

HIDDEN_DANGER_COLUMNS: tuple[Column, ...] = (
    _c("danger_code", "隐患编号", "Hidden danger code", HIDDEN_DANGERS, "code", False,
       ("隐患编码", "隐患代码", "隐患ID", "编号", "hidden danger id", "danger id"),
       "每条隐患唯一的编号（留空时不查重）", "unique code of the record (blank: not checked for repeats)",
       "YH-2026-0001", 16),
    *_record_links(HIDDEN_DANGERS, "隐患", "所属单位编码"),
    _c("description", "隐患描述", "Description", HIDDEN_DANGERS, "text", True,
       ("隐患内容", "隐患情况", "问题描述", "存在问题", "隐患名称", "description"),
       "发现的隐患及其位置", "what was found, and where", "储罐区可燃气体报警器失效", 36),
    _c("grade", "隐患等级", "Grade", HIDDEN_DANGERS, "hd_grade", True,
       ("隐患级别", "等级", "隐患类别", "grade"),
       "一般隐患 或 重大隐患（下拉选择）", "general or major (drop-down)", "重大隐患", 12),
    _c("status", "整改状态", "Status", HIDDEN_DANGERS, "hd_status", True,
       ("状态", "隐患状态", "治理状态", "整改情况", "status"),
       "未整改、整改中、已整改 或 已销号（下拉选择）",
       "not rectified, being rectified, rectified or closed (drop-down)",
       "整改中", 10),
    _c("found_date", "发现日期", "Date found", HIDDEN_DANGERS, "date", True,
       ("排查日期", "检查日期", "发现时间", "排查时间", "date found"),
       "如 2026-03-05", "e.g. 2026-03-05", "2026-03-05", 12),
    _c("deadline", "整改期限", "Deadline", HIDDEN_DANGERS, "date", False,
       ("整改时限", "整改截止日期", "限期整改日期", "整改期限日期", "deadline"),
       "限期整改的最后一天", "the last day allowed for the rectification", "2026-04-05", 12),
    _c("rectified_date", "整改完成日期", "Date rectified", HIDDEN_DANGERS, "date", False,
       ("完成日期", "整改日期", "销号日期", "整改完成时间", "date rectified"),
       "整改完成（或验收销号）的日期", "the day the rectification was completed (or verified)", "", 12),
    _c("source", "隐患来源", "Found by", HIDDEN_DANGERS, "text", False,
       ("来源", "排查方式", "检查类型", "发现途径", "source"),
       "企业自查、执法检查、专项检查、日常监管、群众举报…", "self-inspection, enforcement, special campaign, routine "
       "supervision, public report…", "执法检查", 12),
    _c("measures", "整改措施", "Measures", HIDDEN_DANGERS, "text", False,
       ("整改方案", "治理措施", "measures"),
       "整改所采取或拟采取的措施", "what was done, or is planned, to rectify it", "更换报警器并联动切断阀", 30),
)
COLUMNS[HIDDEN_DANGERS] = HIDDEN_DANGER_COLUMNS

# accident records (事故记录)
ACCIDENTS = "accidents"

ACCIDENT_COLUMNS: tuple[Column, ...] = (
    _c("accident_code", "事故编号", "Accident code", ACCIDENTS, "code", False,
       ("事故编码", "事故代码", "编号", "accident id"),
       "每起事故唯一的编号（留空时不查重）", "unique code of the record (blank: not checked for repeats)",
       "SG-2026-0001", 16),
    *_record_links(ACCIDENTS, "事故", "事故单位编码"),
    _c("date", "事故日期", "Date", ACCIDENTS, "date", True,
       ("发生日期", "事故发生日期", "发生时间", "事故时间", "事故发生时间", "accident date"),
       "如 2026-03-05", "e.g. 2026-03-05", "2026-03-05", 12),
    _c("accident_type", "事故类型", "Accident type", ACCIDENTS, "accident_types", False,
       ("事故类别", "事故种类", "accident types"),
       "按 GB 6441 的事故类别，如 火灾、中毒和窒息（下拉选择，可填多个）",
       "GB 6441 accident type, e.g. fire (drop-down; several allowed)", "火灾", 14),
    _c("deaths", "死亡人数", "Deaths", ACCIDENTS, "int", False,
       ("死亡", "遇难人数", "死亡（人）", "deaths"), "人", "persons", 0, 10),
    _c("serious_injuries", "重伤人数", "Serious injuries", ACCIDENTS, "int", False,
       ("重伤", "重伤（人）", "serious injuries"), "人（含急性工业中毒）", "persons (acute industrial poisoning "
       "included)", 1, 10),
    _c("minor_injuries", "轻伤人数", "Minor injuries", ACCIDENTS, "int", False,
       ("轻伤", "轻伤（人）", "minor injuries"), "人", "persons", 2, 10),
    _c("direct_loss", "直接经济损失（万元）", "Direct economic loss (10k yuan)", ACCIDENTS, "number", False,
       ("直接经济损失", "经济损失", "直接损失", "direct loss"), "万元", "10,000 yuan", 35.5, 14),
    _c("description", "事故简况", "Summary", ACCIDENTS, "text", False,
       ("事故经过", "事故概况", "简要经过", "事故情况", "description"),
       "事故经过、原因的简要说明", "what happened, and why, in brief", "储罐区动火作业引发火灾", 36),
    _c("source", "信息来源", "Reported by", ACCIDENTS, "text", False,
       ("来源", "报告来源", "source"), "事故快报、调查报告…", "first report, investigation report…", "事故快报", 12),
)
COLUMNS[ACCIDENTS] = ACCIDENT_COLUMNS
#: The record tables (one family each; read_file's ``family``), beside the survey's units and hazards.
RECORD_TABLES = (HIDDEN_DANGERS, ACCIDENTS)

#: 事故等级 — the grade of a production-safety accident by its toll, 《生产安全事故报告和调查处理条例》
#: (国务院令第 493 号) 第三条 (docs/domain/dynamic_risk.md §5): the highest grade any of its three
#: measures reaches. Each row: (grade, Chinese name, English name, deaths ≥, serious injuries ≥,
#: direct loss ≥ in 10,000 yuan), from the highest grade down; an accident below every row is 一般事故.
ACCIDENT_GRADE_THRESHOLDS: tuple[tuple[str, str, str, int, int, float], ...] = (
    ("especially_serious", "特别重大事故", "especially serious", 30, 100, 10000.0),
    ("serious", "重大事故", "serious", 10, 50, 5000.0),
    ("major", "较大事故", "major", 3, 10, 1000.0),
)
ACCIDENT_GRADE_GENERAL = ("general", "一般事故", "general")

# In a flat sheet (one row per hazard, unit columns repeated) these hazard columns are
# told apart from the unit's by a specific header only; the generic header is the unit's.
FLAT_HAZARD_ONLY_SPECIFIC = {"name", "lon", "lat", "crs"}

# Words that mark a total row (合计行) in the first cells of a row.
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "total", "sum", "subtotal")


# --- header normalisation -----------------------------------------------------------

_BRACKETS = re.compile(r"[\(\[（【〔][^\)\]）】〕]*[\)\]）】〕]")
_DROP = re.compile(r"[\s\*＊:：_\-—·．.、/]+")


def normalise_header(text: object) -> str:
    """Fold a header cell for matching: NFKC (full-width → half-width), lower case,
    bracketed units and required marks removed, spaces and punctuation dropped."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = _BRACKETS.sub("", s)
    return _DROP.sub("", s)


def header_unit(text: object) -> str:
    """The unit written in a header's brackets, e.g. '设计最大量（kg）' → 'kg'."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    m = re.search(r"[\(\[（【]\s*([^\)\]）】]+?)\s*[\)\]）】]", s)
    return m.group(1).strip().lower() if m else ""


def column_names(col: Column) -> tuple[str, ...]:
    """Every normalised name a column is known by."""
    names = {normalise_header(col.key), normalise_header(col.zh), normalise_header(col.en)}
    names.update(normalise_header(a) for a in col.aliases)
    names.discard("")
    return tuple(sorted(names))


@dataclass
class AliasIndex:
    """Normalised header → column key, for one table."""

    table: str
    names: dict[str, str] = field(default_factory=dict)

    def match(self, header: object) -> str | None:
        return self.names.get(normalise_header(header))


@cache
def alias_index(table: str) -> AliasIndex:
    idx = AliasIndex(table)
    cols = COLUMNS[table]
    # Exact keys and Chinese headers win over aliases of another column.
    for col in cols:
        for n in column_names(col):
            idx.names.setdefault(n, col.key)
    for col in cols:
        for n in (normalise_header(col.key), normalise_header(col.zh)):
            idx.names[n] = col.key
    return idx


def required_keys(table: str) -> tuple[str, ...]:
    return tuple(c.key for c in COLUMNS[table] if c.required)


def column(table: str, key: str) -> Column:
    for c in COLUMNS[table]:
        if c.key == key:
            return c
    raise KeyError(f"{table}.{key}")


def _lookup(terms) -> dict[str, str]:
    """Normalised id, name or alias → id, for a vocabulary of id/zh/en/aliases terms."""
    out: dict[str, str] = {}
    for t in terms:
        for n in (t.id, t.zh, t.en, *t.aliases):
            out[normalise_header(n)] = t.id
    return out


def sector_lookup() -> dict[str, str]:
    """Normalised sector name, alias or id → sector id (docs/domain/survey.md §1)."""
    return _lookup(SECTORS)


def crs_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in COORD_SYSTEMS:
        for n in (c.id, c.label, *c.aliases):
            out[normalise_header(n)] = c.id
    return out


def equipment_lookup() -> dict[str, str]:
    return _lookup(EQUIPMENT)


def accident_type_lookup() -> dict[str, str]:
    """Normalised accident type name, alias or id → id (GB 6441-1986)."""
    return _lookup(ACCIDENT_TYPES)


def control_level_lookup() -> dict[str, str]:
    """Normalised control level name, alias or id → id."""
    return _lookup(CONTROL_LEVELS)



def hidden_danger_grade_lookup() -> dict[str, str]:
    """Normalised grade name, alias or id → id (general, major)."""
    return _lookup(HIDDEN_DANGER_GRADES)


def hidden_danger_status_lookup() -> dict[str, str]:
    """Normalised status name, alias or id → id (open, in_progress, rectified, closed)."""
    return _lookup(HIDDEN_DANGER_STATUSES)

def normalise_symbol(text: object) -> str:
    """Fold a category symbol: NFKC, upper case, spaces dropped — the dot is kept, so
    'W12' is not mistaken for 'W1.2'."""
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).upper()


def category_lookup() -> dict[str, str]:
    """GB 18218 Table 2 symbol (folded) → canonical symbol, e.g. 'w5.2' → 'W5.2'."""
    return {normalise_symbol(sym): sym for sym, _, _ in gb18218_categories()}
