"""Every field the steps write to the risk database, in one place.

Each :class:`Field` says its name, its type (``text``, ``int``, ``real``, ``bool``), its
Chinese alias (stored in the GeoPackage, shown by QGIS), the layer(s) it is on, the step
that writes it and the steps that clear it before they write (scoring starts again from
the survey values, so it clears what proximity and cascade wrote; proximity scores again,
so it clears its own fields and the cascade's; the cascade clears its own). The lists the
steps and the store use (aliases, what each step clears, the score, proximity, cascade and
risk-map fields, the run log) are derived from here; the column lists a stage builds its
tables with (the importer's, the receptors', the graph's, the districts') are checked against
it, name and type, by tests/core/test_fields.py on the analysed sample city.

The survey columns of ``units`` and ``hazards`` (written by the import) are described by
``ingest.schema``; a field here whose alias is empty takes the survey column's.

One family has names that depend on the rules: ``n_<class id>`` on ``hazards``, the
receptors of each class of the rules within reach (:data:`RECEPTOR_COUNTS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

TEXT, INT, REAL, BOOL = "text", "int", "real", "bool"

# The steps (their ids in plugin.core.steps), and the clearing each one does.
IMPORT, SCORE, PROXIMITY, CASCADE, MAP, REPORT = "import", "score", "proximity", "cascade", "map", "report"
RISK_LIST, CARDS = "risk_list", "cards"  # exports, like the report: they write files, no field
SCENARIO = "cascade_scenario"  # not a workflow step: a what-if on demand
HIDDEN_DANGERS = "import_hidden_dangers"  # records beside the survey: not a step of the chain
ACCIDENTS = "import_accidents"  # likewise
DYNAMIC = "dynamic_risk"  # 现实风险 on a day: after the chain, whenever the hidden dangers change
ROUND = "survey_round"  # a new round or a district update (rounds.py), written by the import
CHANGES = "change_report"  # what changed between two rounds (rounds.compare)
EVERY_STEP = "*"  # the run log: every step adds its row

_BY_SCORE = (SCORE, PROXIMITY)  # scoring again (alone, or inside proximity) replaces them
_BY_PROXIMITY = (SCORE, PROXIMITY)
_BY_CASCADE = (SCORE, PROXIMITY, CASCADE)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # TEXT, INT (whole numbers; may be empty, then read as real), REAL, BOOL
    zh: str  # Chinese alias; "" = the survey column's (ingest.schema)
    layers: tuple[str, ...]
    step: str  # the step that writes it
    cleared_by: tuple[str, ...] = ()  # the steps that remove it before they write


@dataclass(frozen=True)
class Family:
    """Fields named ``<prefix><id>`` for ids that come from the rules."""

    prefix: str
    type: str
    zh_format: str  # "{}数": the id's Chinese name → the alias
    layers: tuple[str, ...]
    step: str
    cleared_by: tuple[str, ...] = ()

    def owns(self, name: str) -> bool:
        """Whether a column named ``name`` belongs to the family (whatever rules named its id)."""
        return name.startswith(self.prefix) and len(name) > len(self.prefix)

    def fields(self, names_zh: dict[str, str]) -> tuple[Field, ...]:
        """The family's fields for ids → Chinese names (e.g. the rules' receptor classes)."""
        return tuple(Field(f"{self.prefix}{i}", self.type, self.zh_format.format(zh), self.layers, self.step,
                           self.cleared_by) for i, zh in names_zh.items())


def _f(name, type_, zh, layers, step, cleared_by=()) -> Field:
    return Field(name, type_, zh, tuple(layers), step, tuple(cleared_by))


_UH = ("units", "hazards")
_H = ("hazards",)
_U = ("units",)
# risk_level1: the level-1 rows of risk_map, a small layer of its own so that the map draws
# them at every scale without scanning the city (docs/domain/mapping.md §4).
_MAP_LAYERS = ("risk_map", "risk_level1")

# --- import: the fields every row gets besides its survey columns ---------------------------
_IMPORT = (
    _f("extra", TEXT, "扩展属性", _UH, IMPORT), _f("source_file", TEXT, "来源文件", _UH, IMPORT),
    _f("source_sheet", TEXT, "来源工作表", _UH, IMPORT), _f("source_row", INT, "来源行号", _UH, IMPORT),
    _f("lon", REAL, "经度", _UH, IMPORT), _f("lat", REAL, "纬度", _UH, IMPORT),
    _f("lon_src", TEXT, "原始经度", _UH, IMPORT), _f("lat_src", TEXT, "原始纬度", _UH, IMPORT),
    _f("crs_src", TEXT, "原始坐标系", _UH, IMPORT), _f("sector", TEXT, "行业领域", _UH, IMPORT),
    _f("sector_zh", TEXT, "行业领域名称", _U, IMPORT),
    _f("location_from_unit", BOOL, "位置取自单位", _H, IMPORT),
    _f("L", REAL, "可能性L", _H, IMPORT), _f("E", REAL, "暴露频率E", _H, IMPORT), _f("C", REAL, "后果C", _H, IMPORT),
)

# --- score: hazards and units --------------------------------------------------------------
_SCORE = (
    _f("method", TEXT, "评价方法", _UH, SCORE, _BY_SCORE),
    _f("substance_match", TEXT, "物质匹配方式", _H, SCORE, _BY_SCORE),
    _f("q_over_Q", REAL, "q/Q", _H, SCORE, _BY_SCORE),
    _f("beta", REAL, "校正系数β", _H, SCORE, _BY_SCORE),
    _f("beta_source", TEXT, "β来源", _H, SCORE, _BY_SCORE),
    _f("s_value", REAL, "S值（Σq/Q）", _UH, SCORE, _BY_SCORE),
    _f("r_value", REAL, "R值", _UH, SCORE, _BY_SCORE),
    _f("alpha", REAL, "校正系数α", _UH, SCORE, _BY_SCORE),
    _f("alpha_source", TEXT, "α来源", _UH, SCORE, _BY_SCORE),
    _f("lec_d", REAL, "LEC D值", _H, SCORE, _BY_SCORE),
    _f("ls_r", REAL, "LS R值", _H, SCORE, _BY_SCORE),
    _f("level", INT, "风险等级", _UH, SCORE, _BY_SCORE),
    _f("level_zh", TEXT, "风险等级名称", _UH, SCORE, _BY_SCORE),
    _f("colour", TEXT, "颜色", _UH, SCORE, _BY_SCORE),
    _f("score_note", TEXT, "评价说明", _H, SCORE, _BY_SCORE),
    _f("worst_hazard", TEXT, "最严重危险源", _U, SCORE, _BY_SCORE),
    _f("hazard_count", INT, "危险源数", _U, SCORE, _BY_SCORE),
    _f("major_hazard", BOOL, "重大危险源", _U, SCORE, _BY_SCORE),
    _f("level_reasons", TEXT, "定级依据", _U, SCORE, _BY_SCORE),
    _f("inherent_level", INT, "固有风险等级", _U, SCORE, _BY_SCORE),
)
_SCORE_ISSUES = tuple(_f(n, t, zh, ("score_issues",), SCORE) for n, t, zh in (
    ("unit_code", TEXT, "单位编码"), ("hazard_code", TEXT, "危险源编码"), ("severity", TEXT, "严重程度"),
    ("code", TEXT, "问题代码"), ("message_zh", TEXT, "问题说明"), ("message_en", TEXT, "Message"),
    ("value", TEXT, "值")))

# --- proximity -------------------------------------------------------------------------------
_PROXIMITY = (
    _f("reach_m", REAL, "影响半径（米）", _H, PROXIMITY, _BY_PROXIMITY),
    _f("n_receptors", INT, "半径内敏感目标数", _H, PROXIMITY, _BY_PROXIMITY),
    _f("n_high", INT, "半径内高敏感目标数", _H, PROXIMITY, _BY_PROXIMITY),
    _f("nearest_high_name", TEXT, "最近高敏感目标", _H, PROXIMITY, _BY_PROXIMITY),
    _f("nearest_high_class", TEXT, "最近高敏感目标类别", _H, PROXIMITY, _BY_PROXIMITY),
    _f("nearest_high_m", REAL, "最近高敏感目标距离（米）", _H, PROXIMITY, _BY_PROXIMITY),
    _f("nearest_high_within_reach", BOOL, "高敏感目标在半径内", _H, PROXIMITY, _BY_PROXIMITY),
    _f("protection_m", REAL, "防护距离（米）", _H, PROXIMITY, _BY_PROXIMITY),
    _f("protection_breach", BOOL, "防护距离内有高敏感目标", _H, PROXIMITY, _BY_PROXIMITY),
    _f("protection_receptor", TEXT, "防护距离内的高敏感目标", _H, PROXIMITY, _BY_PROXIMITY),
    _f("pop_500m", REAL, "500米内人口", _H, PROXIMITY, _BY_PROXIMITY),
    _f("pop_reach", REAL, "半径内人口", _H, PROXIMITY, _BY_PROXIMITY),
    _f("base_level", INT, "升级前等级", _H, PROXIMITY, _BY_PROXIMITY),
    _f("upgrade_reason", TEXT, "升级依据", _H, PROXIMITY, _BY_PROXIMITY),
    _f("n_unknown", INT, "未知类别敏感目标数", _H, PROXIMITY, _BY_PROXIMITY),
    _f("population_500m", REAL, "500米内人口", _U, PROXIMITY, _BY_PROXIMITY),
)
#: ``n_<class id>``: receptors of each class of the rules within reach (hazards, proximity).
RECEPTOR_COUNTS = Family("n_", INT, "{}数", _H, PROXIMITY, _BY_PROXIMITY)
_PROXIMITY_ISSUES = tuple(_f(n, t, zh, ("proximity_issues",), PROXIMITY) for n, t, zh in (
    ("code", TEXT, "问题代码"), ("severity", TEXT, "严重程度"), ("source", TEXT, "来源"), ("row", INT, "行号"),
    ("name", TEXT, "名称"), ("value", TEXT, "值"), ("count", INT, "数量"), ("message_zh", TEXT, "问题说明"),
    ("message_en", TEXT, "Message")))
_LINKS = tuple(_f(n, t, zh, ("hazard_receptor_links",), PROXIMITY) for n, t, zh in (
    ("hazard_code", TEXT, "危险源编码"), ("receptor_id", INT, "敏感目标序号"), ("receptor_name", TEXT, "敏感目标名称"),
    ("class_id", TEXT, "敏感目标类别"), ("class_zh", TEXT, "类别名称"), ("sensitivity", TEXT, "敏感程度"),
    ("distance_m", REAL, "距离（米）")))

# --- cascade ---------------------------------------------------------------------------------
_CASCADE = (
    _f("scenario", TEXT, "事故情景", _H, CASCADE, _BY_CASCADE),
    _f("vector", TEXT, "连锁效应类型", _H, CASCADE, _BY_CASCADE),
    _f("d_max", REAL, "最大连锁距离（米）", _H, CASCADE, _BY_CASCADE),
    _f("out_degree", INT, "出度", _H, CASCADE, _BY_CASCADE),
    _f("in_degree", INT, "入度", _H, CASCADE, _BY_CASCADE),
    _f("reach_1", INT, "一步可波及危险源数", _H, CASCADE, _BY_CASCADE),
    _f("reach_2", INT, "两步内可波及危险源数", _H, CASCADE, _BY_CASCADE),
    _f("reach_all", INT, "可波及危险源数", _H, CASCADE, _BY_CASCADE),
    _f("best_chain_p_max", REAL, "最可能连锁链概率", _H, CASCADE, _BY_CASCADE),
    _f("betweenness", REAL, "介数中心性", _H, CASCADE, _BY_CASCADE),
    _f("closeness", REAL, "接近中心性", _H, CASCADE, _BY_CASCADE),
    _f("out_closeness", REAL, "出向接近中心性", _H, CASCADE, _BY_CASCADE),
    _f("cluster", INT, "连锁群", _H, CASCADE, _BY_CASCADE),
    _f("cluster_size", INT, "连锁群规模", _H, CASCADE, _BY_CASCADE),
    _f("centrality_method", TEXT, "中心性计算方法", _H, CASCADE, _BY_CASCADE),
    _f("reach_2_method", TEXT, "两步可达计算方法", _H, CASCADE, _BY_CASCADE),
    _f("cascade_base_level", INT, "连锁升级前等级", _H, CASCADE, _BY_CASCADE),
    _f("cascade_reason", TEXT, "连锁升级依据", _UH, CASCADE, _BY_CASCADE),
)
_EDGES = tuple(_f(n, t, zh, ("cascade_edges",), CASCADE) for n, t, zh in (
    ("source", TEXT, "起始危险源"), ("target", TEXT, "目标危险源"), ("vector", TEXT, "连锁效应类型"),
    ("distance_m", REAL, "距离（米）"), ("load", REAL, "目标处载荷"), ("probability", REAL, "连锁概率"),
    ("target_equipment", TEXT, "目标设备类型")))
_CHAINS = tuple(_f(n, t, zh, ("cascade_chains",), CASCADE) for n, t, zh in (
    ("start", TEXT, "起始危险源"), ("rank", INT, "排名"), ("chain", TEXT, "连锁链"), ("length", INT, "步数"),
    ("probability", REAL, "连锁概率"), ("start_node", INT, "起始节点"), ("target", TEXT, "终点危险源"),
    ("target_node", INT, "终点节点")))
_SCENARIO = tuple(_f(n, t, zh, ("scenario_affected",), SCENARIO) for n, t, zh in (
    ("hazard_code", TEXT, "危险源编码"), ("unit_code", TEXT, "单位编码"), ("sector", TEXT, "行业领域"),
    ("name", TEXT, "名称"), ("level", INT, "风险等级"), ("chain_probability", REAL, "连锁概率"),
    ("mc_frequency", REAL, "蒙特卡洛失效频率"), ("in_deterministic_set", BOOL, "在确定性集合内"),
    ("scenario", TEXT, "事故情景"), ("effect_radius_m", REAL, "影响半径（米）"))) + tuple(
    _f(n, t, zh, ("scenario_zone",), SCENARIO) for n, t, zh in (
        ("start", TEXT, "起始危险源"), ("n_sources", INT, "受影响危险源数"), ("population", REAL, "影响范围内人口"),
        ("area_km2", REAL, "面积（平方千米）"), ("n_receptors", INT, "影响范围内敏感目标数"),
        ("receptors_by_class", TEXT, "各类敏感目标数")))

# --- the risk map -----------------------------------------------------------------------------
# risk_map: the units' fields the map shows, in this order (survey columns first).
_MAP_SURVEY = ("unit_code", "name", "sector", "sector_zh", "district", "street", "address")
_MAP_COPIED = ("level", "inherent_level", "level_zh", "colour", "major_hazard", "worst_hazard", "hazard_count",
               "method", "r_value", "level_reasons", "cascade_reason")
_DISTRICTS = tuple(_f(n, t, zh, ("district_summary",), MAP) for n, t, zh in (
    ("district", TEXT, "行政区"), ("n_units", INT, "单位数"), ("n_level1", INT, "重大风险单位数"),
    ("n_level2", INT, "较大风险单位数"), ("n_level3", INT, "一般风险单位数"), ("n_level4", INT, "低风险单位数"),
    ("n_unscored", INT, "未评级单位数"), ("worst_level", INT, "最高风险等级"), ("area_km2", REAL, "面积（平方千米）"),
    ("risk_index", REAL, "风险指数"), ("risk_index_rank", INT, "风险指数排名"),
    # shares of the district's units (percent), and the levels before the upgrades
    # (inherent_level): empty when the units do not record them (docs/domain/mapping.md §3)
    ("share_level1", REAL, "重大风险占比（%）"), ("share_level2", REAL, "较大风险占比（%）"),
    ("share_level3", REAL, "一般风险占比（%）"), ("share_level4", REAL, "低风险占比（%）"),
    ("share_unscored", REAL, "未评级占比（%）"), ("n_inherent1", INT, "固有重大风险单位数"),
    ("n_inherent2", INT, "固有较大风险单位数"), ("n_inherent3", INT, "固有一般风险单位数"),
    ("n_inherent4", INT, "固有低风险单位数"), ("n_raised", INT, "升级单位数"),
    ("risk_index_inherent", REAL, "固有风险指数"),
    # who answers for the risk (mapping/accountability.py, docs/domain/controls.md §5)
    ("n_points_level1", INT, "重大风险点数"), ("n_points_level2", INT, "较大风险点数"),
    ("n_points_level3", INT, "一般风险点数"), ("n_points_level4", INT, "低风险点数"),
    ("n_controls_missing", INT, "缺管控措施风险点数"), ("n_person_missing", INT, "缺责任人风险点数"),
    ("n_major", INT, "重大危险源单位数"), ("n_major_unnamed", INT, "缺包保责任人重大危险源数")))

# street_summary: the same counts per district and street of the units' surveyed fields (no
# geometry: the survey has no street polygons).
_STREETS = tuple(_f(n, t, zh, ("street_summary",), MAP) for n, t, zh in (
    ("district", TEXT, "行政区"), ("street", TEXT, "街道"), ("n_units", INT, "单位数"),
    ("n_level1", INT, "重大风险单位数"), ("n_level2", INT, "较大风险单位数"), ("n_level3", INT, "一般风险单位数"),
    ("n_level4", INT, "低风险单位数"), ("n_points_level1", INT, "重大风险点数"),
    ("n_points_level2", INT, "较大风险点数"),
    ("n_points_level3", INT, "一般风险点数"), ("n_points_level4", INT, "低风险点数"),
    ("n_controls_missing", INT, "缺管控措施风险点数"), ("n_person_missing", INT, "缺责任人风险点数"),
    ("n_major", INT, "重大危险源单位数"), ("n_major_unnamed", INT, "缺包保责任人重大危险源数")))
# control_findings: the hazard sources and units the rules' [controls] finds lacking.
_FINDINGS = tuple(_f(n, t, zh, ("control_findings",), MAP) for n, t, zh in (
    ("unit_code", TEXT, "单位编码"), ("hazard_code", TEXT, "危险源编码"), ("district", TEXT, "行政区"),
    ("street", TEXT, "街道"), ("sector", TEXT, "行业领域"), ("level", INT, "风险等级"), ("severity", TEXT, "严重程度"),
    ("code", TEXT, "问题代码"), ("message_zh", TEXT, "问题说明"), ("message_en", TEXT, "Message"),
    ("value", TEXT, "值")))

# risk_grid: the units aggregated into hexagonal cells, one cell size per band of scales
# (mapping/aggregate.py, docs/domain/mapping.md §4).
_GRID = tuple(_f(n, t, zh, ("risk_grid",), MAP) for n, t, zh in (
    ("cell_m", INT, "网格尺寸（米）"), ("cell_id", TEXT, "网格编号"), ("n_units", INT, "单位数"),
    ("n_level1", INT, "重大风险单位数"), ("n_level2", INT, "较大风险单位数"), ("n_level3", INT, "一般风险单位数"),
    ("n_level4", INT, "低风险单位数"), ("n_unscored", INT, "未评级单位数"), ("worst_level", INT, "最高风险等级"),
    ("level1_per_km2", REAL, "重大风险单位密度（个/平方千米）")))

# risk_level1 has one field of its own: how dense the level-1 units around it are.
_LEVEL1 = (_f("cell_level1_per_km2", REAL, "所在1千米网格重大风险单位密度（个/平方千米）", ("risk_level1",), MAP),)

# --- the import's own tables and the run log ---------------------------------------------------
_IMPORT_TABLES = tuple(_f(n, t, zh, ("import_issues",), IMPORT) for n, t, zh in (
    ("file", TEXT, "文件"), ("sheet", TEXT, "工作表"), ("row", INT, "行号"), ("column", TEXT, "列"),
    ("header", TEXT, "表头"), ("value", TEXT, "原值"), ("severity", TEXT, "严重程度"), ("code", TEXT, "问题代码"),
    ("message_zh", TEXT, "问题说明"), ("message_en", TEXT, "Message"), ("record", TEXT, "记录编码"),
    ("related", TEXT, "相关行"))) + tuple(_f(n, t, zh, ("import_runs",), IMPORT) for n, t, zh in (
        ("run_id", TEXT, "导入批次"), ("file", TEXT, "文件"), ("path", TEXT, "路径"), ("sha256", TEXT, "SHA-256"),
        ("size_bytes", INT, "文件大小（字节）"), ("status", TEXT, "状态"), ("sheets", TEXT, "工作表"),
        ("rows_read", INT, "读取行数"), ("rows_accepted", INT, "接受行数"), ("rows_rejected", INT, "拒绝行数"),
        ("rows_skipped_blank", INT, "跳过空行"), ("rows_skipped_total", INT, "跳过合计行"),
        ("units_accepted", INT, "导入单位数"), ("hazards_accepted", INT, "导入危险源数"), ("errors", INT, "错误数"),
        ("warnings", INT, "警告数"), ("default_crs", TEXT, "默认坐标系"), ("started", TEXT, "开始时间"),
        ("finished", TEXT, "结束时间"), ("plugin_version", TEXT, "插件版本")))
# --- dynamic risk (scoring/dynamic.py): the inherent level raised by what stands on a day; scoring
# again changes the inherent level, so it clears them. On the units and, copied, on the risk map
# (the step writes both; the map step copies them from the units when it runs after it) ----------
_DYNAMIC = tuple(_f(n, t, zh, ("units", *_MAP_LAYERS), DYNAMIC, _BY_CASCADE) for n, t, zh in (
    ("dynamic_level", INT, "现实风险等级"), ("dynamic_raise", INT, "现实风险提升级数"),
    ("raise_hidden_major", INT, "重大隐患未整改提升级数"), ("raise_hidden_overdue", INT, "一般隐患逾期提升级数"),
    ("raise_accident", INT, "近期事故提升级数"), ("raise_controls", INT, "管控缺失提升级数"),
    ("reason_hidden_major", TEXT, "重大隐患未整改"), ("reason_hidden_overdue", TEXT, "一般隐患逾期未整改"),
    ("reason_accident", TEXT, "近期事故"), ("reason_controls", TEXT, "管控措施或责任人缺失"),
    ("dynamic_as_of", TEXT, "现实风险评估日期"))) \
    + tuple(_f(n, INT, zh, ("district_summary",), DYNAMIC) for n, zh in (
        ("n_dynamic1", "现实重大风险单位数"), ("n_dynamic2", "现实较大风险单位数"),
        ("n_dynamic3", "现实一般风险单位数"), ("n_dynamic4", "现实低风险单位数"),
        ("n_dynamic_raised", "现实风险提升单位数")))

# hidden-danger accountability on the assessment day (scoring/dynamic.py hidden_danger_accountability):
# per surveyed district, and the 督办 list of the open major hidden dangers past their deadline
_DYNAMIC += tuple(_f(n, t, zh, ("hidden_danger_districts",), DYNAMIC) for n, t, zh in (
    ("district", TEXT, "行政区"), ("n_hidden", INT, "隐患数"), ("n_open", INT, "未整改隐患数"),
    ("n_open_major", INT, "未整改重大隐患数"), ("n_overdue", INT, "逾期未整改隐患数"),
    ("n_overdue_major", INT, "逾期未整改重大隐患数"), ("n_rectified", INT, "已整改隐患数"),
    ("avg_days_to_rectify", REAL, "平均整改天数"), ("as_of", TEXT, "评估日期"))) \
    + tuple(_f(n, t, zh, ("hidden_danger_supervision",), DYNAMIC) for n, t, zh in (
        ("danger_code", TEXT, "隐患编号"), ("unit_code", TEXT, "单位编码"), ("unit_name", TEXT, "单位名称"),
        ("district", TEXT, "行政区"), ("street", TEXT, "街道"), ("sector_zh", TEXT, "行业领域"),
        ("hazard_code", TEXT, "危险源编码"), ("description", TEXT, "隐患描述"), ("status_zh", TEXT, "整改状态"),
        ("found_date", TEXT, "发现日期"), ("deadline", TEXT, "整改期限"), ("days_overdue", INT, "逾期天数"),
        ("source", TEXT, "隐患来源"), ("as_of", TEXT, "评估日期")))

# --- hidden-danger records (ingest/records.py) and their import's issues and balance ---------------
_HIDDEN = tuple(_f(n, t, zh, ("hidden_dangers",), HIDDEN_DANGERS) for n, t, zh in (
    ("danger_code", TEXT, "隐患编号"), ("unit_code", TEXT, "单位编码"), ("hazard_code", TEXT, "危险源编码"),
    ("description", TEXT, "隐患描述"), ("grade", TEXT, "隐患等级代码"), ("grade_zh", TEXT, "隐患等级"),
    ("status", TEXT, "整改状态代码"), ("status_zh", TEXT, "整改状态"), ("found_date", TEXT, "发现日期"),
    ("deadline", TEXT, "整改期限"), ("rectified_date", TEXT, "整改完成日期"), ("source", TEXT, "隐患来源"),
    ("measures", TEXT, "整改措施"), ("extra", TEXT, "其他列"), ("source_file", TEXT, "来源文件"),
    ("source_sheet", TEXT, "来源工作表"), ("source_row", INT, "来源行号"))) \
    + tuple(replace(f, layers=("hidden_danger_issues",), step=HIDDEN_DANGERS) for f in _IMPORT_TABLES
            if f.layers == ("import_issues",)) \
    + tuple(_f(n, t, zh, ("hidden_danger_imports",), HIDDEN_DANGERS) for n, t, zh in (
        ("run_id", TEXT, "导入批次"), ("file", TEXT, "文件"), ("path", TEXT, "路径"), ("sha256", TEXT, "SHA-256"),
        ("size_bytes", INT, "文件大小（字节）"), ("status", TEXT, "状态"), ("sheets", TEXT, "工作表"),
        ("rows_read", INT, "读取行数"), ("rows_accepted", INT, "接受行数"), ("rows_rejected", INT, "拒绝行数"),
        ("rows_skipped_blank", INT, "跳过空行"), ("rows_skipped_total", INT, "跳过合计行"), ("errors", INT, "错误数"),
        ("warnings", INT, "警告数"), ("started", TEXT, "开始时间"), ("finished", TEXT, "结束时间")))
# --- accident records (ingest/records.py), their issues and balance as the hidden dangers' --------
_ACCIDENTS = tuple(_f(n, t, zh, ("accidents",), ACCIDENTS) for n, t, zh in (
    ("accident_code", TEXT, "事故编号"), ("unit_code", TEXT, "单位编码"), ("hazard_code", TEXT, "危险源编码"),
    ("date", TEXT, "事故日期"), ("accident_type", TEXT, "事故类型"), ("deaths", INT, "死亡人数"),
    ("serious_injuries", INT, "重伤人数"), ("minor_injuries", INT, "轻伤人数"),
    ("direct_loss", REAL, "直接经济损失（万元）"), ("grade", TEXT, "事故等级代码"), ("grade_zh", TEXT, "事故等级"),
    ("description", TEXT, "事故简况"), ("source", TEXT, "信息来源"), ("extra", TEXT, "其他列"),
    ("source_file", TEXT, "来源文件"), ("source_sheet", TEXT, "来源工作表"), ("source_row", INT, "来源行号"))) \
    + tuple(replace(f, layers=("accident_issues",), step=ACCIDENTS) for f in _HIDDEN
            if f.layers == ("hidden_danger_issues",)) \
    + tuple(replace(f, layers=("accident_imports",), step=ACCIDENTS) for f in _HIDDEN
            if f.layers == ("hidden_danger_imports",))
# --- survey rounds (rounds.py): the rounds, their files, each earlier round's units and hazard
# sources as they stood, and what changed between two of them --------------------------------------
_ROUNDS = tuple(_f(n, t, zh, ("survey_rounds",), ROUND) for n, t, zh in (
    ("round_id", INT, "轮次"), ("name", TEXT, "轮次名称"), ("date", TEXT, "调查日期"), ("kind", TEXT, "类型"),
    ("district", TEXT, "更新的行政区"), ("units", INT, "单位数"), ("hazards", INT, "危险源数"),
    ("started", TEXT, "开始时间"), ("finished", TEXT, "结束时间"), ("plugin_version", TEXT, "插件版本"))) \
    + tuple(_f(n, t, zh, ("round_files",), ROUND) for n, t, zh in (
        ("round_id", INT, "轮次"), ("file", TEXT, "文件"), ("path", TEXT, "路径"), ("sha256", TEXT, "SHA-256"),
        ("size_bytes", INT, "文件大小（字节）"), ("status", TEXT, "状态"), ("district", TEXT, "行政区"))) \
    + tuple(_f(n, t, zh, ("round_units",), ROUND) for n, t, zh in (
        ("round_id", INT, "轮次"), ("unit_code", TEXT, "单位编码"), ("credit_code", TEXT, "统一社会信用代码"),
        ("name", TEXT, "单位名称"), ("sector", TEXT, "行业领域代码"), ("sector_zh", TEXT, "行业领域"),
        ("district", TEXT, "行政区"), ("street", TEXT, "街道"), ("lon", REAL, "经度"), ("lat", REAL, "纬度"),
        ("level", INT, "风险等级"), ("inherent_level", INT, "固有风险等级"), ("dynamic_level", INT, "现实风险等级"),
        ("hazard_count", INT, "危险源数"), ("level_reasons", TEXT, "定级理由"))) \
    + tuple(_f(n, t, zh, ("round_hazards",), ROUND) for n, t, zh in (
        ("round_id", INT, "轮次"), ("hazard_code", TEXT, "危险源编码"), ("unit_code", TEXT, "单位编码"),
        ("name", TEXT, "危险源名称"), ("substance", TEXT, "危险物质"), ("quantity_t", REAL, "数量（吨）"),
        ("level", INT, "风险等级"), ("n_receptors", INT, "影响范围内敏感目标数"), ("upgrade_reason", TEXT, "升级理由"),
        ("cascade_reason", TEXT, "连锁升级理由"))) \
    + tuple(_f(n, t, zh, ("round_changes",), CHANGES) for n, t, zh in (
        ("unit_code", TEXT, "单位编码"), ("previous_code", TEXT, "上一轮单位编码"), ("name", TEXT, "单位名称"),
        ("district", TEXT, "行政区"), ("street", TEXT, "街道"), ("sector", TEXT, "行业领域代码"),
        ("sector_zh", TEXT, "行业领域"), ("change", TEXT, "变化代码"), ("change_zh", TEXT, "变化"),
        ("level_from", INT, "原风险等级"), ("level_to", INT, "现风险等级"), ("moved_m", REAL, "位置变化（米）"),
        ("reason_zh", TEXT, "变化原因"), ("reason_en", TEXT, "Reason"), ("lon", REAL, "经度"), ("lat", REAL, "纬度")))
RUNS_LAYER = "analysis_runs"
_RUNS = tuple(_f(n, t, zh, (RUNS_LAYER,), EVERY_STEP) for n, t, zh in (
    ("step", TEXT, "步骤"), ("started", TEXT, "开始时间"), ("finished", TEXT, "结束时间"),
    ("rules_path", TEXT, "规则文件路径"), ("rules_name", TEXT, "规则名称"), ("rules_sha256", TEXT, "规则文件SHA-256"),
    ("plugin_version", TEXT, "插件版本"), ("summary", TEXT, "结果摘要（JSON）")))




# the risk map's own per-unit counts (mapping/accountability.py UNIT_COLUMNS)
_MAP_OWN = tuple(_f(n, t, zh, _MAP_LAYERS, MAP) for n, t, zh in (
    ("points_level1", INT, "重大风险点数"), ("points_level2", INT, "较大风险点数"),
    ("points_level3", INT, "一般风险点数"),
    ("points_level4", INT, "低风险点数"), ("controls_missing", INT, "缺管控措施风险点数"),
    ("person_missing", INT, "缺责任人风险点数"), ("major_unnamed", BOOL, "重大危险源缺包保责任人")))

#: The risk map's per-unit counts of who answers for the risk, by name.
MAP_COUNTS = tuple(f.name for f in _MAP_OWN)


def _map_fields() -> tuple[Field, ...]:
    by_name = {f.name: f for f in (*_IMPORT, *_SCORE, *_CASCADE) if "units" in f.layers}
    survey = tuple(Field(n, TEXT, by_name[n].zh if n in by_name else "", _MAP_LAYERS, MAP) for n in _MAP_SURVEY)
    return survey + tuple(replace(by_name[n], layers=_MAP_LAYERS, step=MAP, cleared_by=()) for n in _MAP_COPIED) \
        + _MAP_OWN


#: Every registered field, each layer's in the order the step writes them.
FIELDS: tuple[Field, ...] = (*_IMPORT, *_SCORE, *_SCORE_ISSUES, *_PROXIMITY, *_PROXIMITY_ISSUES, *_LINKS,
                             *_CASCADE, *_EDGES, *_CHAINS, *_SCENARIO, *_map_fields(), *_LEVEL1, *_DISTRICTS, *_STREETS,
                             *_FINDINGS, *_GRID,
                             *_IMPORT_TABLES, *_HIDDEN, *_ACCIDENTS, *_DYNAMIC, *_ROUNDS, *_RUNS)


def on(layer: str, step: str | None = None, fields: Iterable[Field] = FIELDS) -> tuple[Field, ...]:
    """The fields of ``layer`` (that ``step`` writes, when given), in order."""
    return tuple(f for f in fields if layer in f.layers and (step is None or f.step == step))


def names(layer: str, step: str | None = None) -> tuple[str, ...]:
    """The names of :func:`on`."""
    return tuple(f.name for f in on(layer, step))


def cleared(layer: str, step: str, receptor_classes: dict[str, str] | None = None,
            present: Iterable[str] = ()) -> tuple[str, ...]:
    """The fields of ``layer`` that ``step`` removes before it writes; with the rules'
    receptor classes (id → Chinese name), the ``n_<class id>`` family too, and of the
    ``present`` columns every other member of the family (a class an earlier rules file had,
    which the current one dropped) — but no registered field of another step."""
    out = [f.name for f in on(layer) if step in f.cleared_by]
    family = RECEPTOR_COUNTS
    if layer in family.layers and step in family.cleared_by:
        out += [f.name for f in family.fields(receptor_classes or {}) if f.name not in out]
        registered = set(names(layer))
        out += [c for c in present if family.owns(c) and c not in registered and c not in out]
    return tuple(out)


def aliases(layer: str, receptor_classes: dict[str, str] | None = None) -> dict[str, str]:
    """Field → Chinese alias for ``layer`` (fields without one of their own left out); with
    the rules' receptor classes, the ``n_<class id>`` family too."""
    fields = on(layer)
    if receptor_classes and layer in RECEPTOR_COUNTS.layers:
        fields = RECEPTOR_COUNTS.fields(receptor_classes) + fields
    return {f.name: f.zh for f in fields if f.zh}


def layers() -> tuple[str, ...]:
    """Every layer with registered fields, in order."""
    return tuple(dict.fromkeys(layer for f in FIELDS for layer in f.layers))
