"""make demo: the whole pipeline on the bundled sample city, through the plugin's own
Processing algorithms, then a summary table.

Steps:
1. citysafety:survey_template — a blank workbook for all sectors;
2. citysafety:run_all — import every workbook of resources/sample/ into out/demo/risk.gpkg
   (error workbooks for the surveyors in out/demo/errors/), score every hazard source and
   unit, analyse the receptors and people around each hazard (α from the population raster,
   upgrades), build the cascade (domino) graph, build the risk map (the risk_map layer,
   out/demo/risk_density.tif and the district summary), and end with the reports:
   out/demo/report.xlsx and out/demo/report.pdf (a cover page and one page per district);
3. citysafety:import_hidden_dangers and citysafety:import_accidents — the sample's
   hidden-danger ledger and accident records (resources/sample/records/, with their deliberate
   mistakes), then citysafety:dynamic_risk — each unit's 现实风险 on 2026-06-30, and
   citysafety:export_report again: the reports with the dynamic risk beside the inherent;
4. citysafety:risk_list — the 风险清单 of every risk point: out/demo/风险清单.xlsx;
5. citysafety:notice_cards — a 风险告知卡 for every level-1 and level-2 unit:
   out/demo/风险告知卡.pdf;
6. the second survey round (tools/sample_city/round2.py: units closed, new, moved, re-coded,
   a level raised): citysafety:import_surveys with ROUND = a new round, the chain again, the
   dynamic risk, and citysafety:change_report — out/demo/变化报告.xlsx and the round_changes layer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "resources" / "sample"


def start_qgis(locale: str = "zh_CN"):
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from plugin.i18n import install_translator

    install_translator(locale)  # the reports' headings in this language (English: the source)
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from plugin.plugin import CitySafetyPlugin

    plugin = CitySafetyPlugin(None)  # what qgis_process does: classFactory(None).initProcessing()
    plugin.initProcessing()
    return app, plugin


class Log:
    """Processing feedback that prints the algorithm's log."""

    def __init__(self):
        from qgis.core import QgsProcessingFeedback

        class _F(QgsProcessingFeedback):
            def pushInfo(self, info):
                print("   ", info)

            def reportError(self, error, fatalError=False):
                print("   !", error)

        self.feedback = _F()


def table(title: str, frame) -> None:
    print(f"\n{title}")
    print(frame.to_string())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "demo")
    ap.add_argument("--sample", type=Path, default=SAMPLE)
    ap.add_argument("--locale", default="zh_CN", help="language of the reports (zh_CN or en_US)")
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    app, plugin = start_qgis(args.locale)
    import pandas as pd
    import pyogrio
    from qgis import processing

    from plugin.core.ingest import schema

    log = Log()
    t0 = time.perf_counter()
    print("1. citysafety:survey_template")
    res = processing.run("citysafety:survey_template", {"SECTOR": 0, "OUTPUT": str(out / "调查表模板_全部行业.xlsx")},
                         feedback=log.feedback)
    print(f"   -> {res['OUTPUT']}")
    print(f"2. citysafety:run_all  ({args.sample})")
    db = out / "risk.gpkg"
    density = out / "risk_density.tif"
    res = processing.run("citysafety:run_all", {
        "FOLDER": str(args.sample), "OUTPUT": str(db), "DEFAULT_CRS": 1, "ERROR_WORKBOOKS": str(out / "errors"),
        "DISTRICTS": str(args.sample / "districts.gpkg"), "DENSITY": str(density), "LOAD_LAYERS": False,
        "RECEPTORS": f"{args.sample / 'receptors.gpkg'}|layername=receptors",
        "POPULATION": str(args.sample / "population.tif"),
        "REPORT_XLSX": str(out / "report.xlsx"), "REPORT_PDF": str(out / "report.pdf"),
        "TITLE": "样例城市安全风险评估报告 Sample City Safety Risk Report"},
        feedback=log.feedback)
    pages = res["PAGES"]
    from tools.sample_city.records import ACCIDENTS_NAME, AS_OF, LEDGER_NAME

    records = args.sample / "records"
    print(f"3. citysafety:import_hidden_dangers, import_accidents, dynamic_risk ({AS_OF}), export_report")
    found = processing.run("citysafety:import_hidden_dangers", {
        "INPUT": str(db), "FILES": [str(records / LEDGER_NAME)], "ERROR_WORKBOOKS": str(out / "errors")},
        feedback=log.feedback)
    accidents = processing.run("citysafety:import_accidents", {
        "INPUT": str(db), "FILES": [str(records / ACCIDENTS_NAME)], "ERROR_WORKBOOKS": str(out / "errors")},
        feedback=log.feedback)
    dynamic = processing.run("citysafety:dynamic_risk", {"INPUT": str(db), "AS_OF": AS_OF.isoformat()},
                             feedback=log.feedback)
    res = processing.run("citysafety:export_report", {
        "INPUT": str(db), "XLSX": str(out / "report.xlsx"), "PDF": str(out / "report.pdf"),
        "TITLE": "样例城市安全风险评估报告 Sample City Safety Risk Report"}, feedback=log.feedback)
    pages = res["PAGES"]
    print("4. citysafety:risk_list")
    listed = processing.run("citysafety:risk_list", {"INPUT": str(db), "OUTPUT": str(out / "风险清单.xlsx")},
                            feedback=log.feedback)
    print("5. citysafety:notice_cards")
    cards = processing.run("citysafety:notice_cards", {"INPUT": str(db), "OUTPUT": str(out / "风险告知卡.pdf")},
                           feedback=log.feedback)
    units = pyogrio.read_dataframe(db, layer="units", read_geometry=False)
    hazards = pyogrio.read_dataframe(db, layer="hazards", read_geometry=False)
    issues = pyogrio.read_dataframe(db, layer="import_issues")
    runs = pyogrio.read_dataframe(db, layer="import_runs")
    names = {s.id: f"{s.zh} {s.en}" for s in schema.SECTORS}
    by_sector = pd.DataFrame({
        "units": units.groupby("sector").size(),
        "hazards": hazards.groupby("sector").size(),
    }).reindex([s.id for s in schema.SECTORS]).fillna(0).astype(int)
    by_sector.index = [names[i] for i in by_sector.index]
    by_sector.loc["合计 total"] = by_sector.sum()
    table("Units and hazard sources by sector 各行业领域单位与危险源", by_sector)
    if len(issues):
        by_code = issues.groupby(["severity", "code"]).size().rename("issues").reset_index()
        table("Import issues by code 导入问题（按代码）", by_code.set_index(["severity", "code"]))
    from plugin.core.rules import load_rules
    from plugin.core.scoring.levels import level_table

    rules = load_rules()
    table("Units by sector and level 各行业领域单位风险等级", level_table(units, rules))
    print(f"\nMajor hazard sources 重大危险源: {int(units.major_hazard.sum())}")
    hz = pyogrio.read_dataframe(db, layer="hazards", read_geometry=False)
    upgraded = hz[hz.upgrade_reason.fillna("") != ""]
    print(f"Upgraded by a sensitive receptor within reach 因敏感目标升级: {len(upgraded)} hazard sources")
    for r in upgraded.head(3).itertuples(index=False):
        print(f"  {r.hazard_code}: {r.upgrade_reason}")
    print(f"Protection distance breaches 防护距离内有高敏感目标: {int(hz.protection_breach.fillna(False).sum())}")
    print(f"α from the population raster 人口栅格确定 α: {int((units.alpha_source == 'raster').sum())} units")
    edges = pyogrio.read_dataframe(db, layer="cascade_edges", read_geometry=False)
    chains = pyogrio.read_dataframe(db, layer="cascade_chains", read_geometry=False)
    print(f"\nCascade 多米诺连锁: {len(edges)} escalation edges 连锁关系 "
          f"({int((edges.vector == 'overpressure').sum())} overpressure 超压, "
          f"{int((edges.vector == 'heat').sum())} heat 热辐射), "
          f"largest cluster 最大连锁群 {int(hz.cluster_size.max())} sources, "
          f"{int((hz.cascade_reason.fillna('') != '').sum())} upgraded 升级")
    for r in chains.sort_values("probability", ascending=False).head(3).itertuples(index=False):
        print(f"  {r.chain}  P = {r.probability:.3g}")
    districts = pyogrio.read_dataframe(db, layer="district_summary", read_geometry=False)
    table("Districts 行政区风险（按风险指数）", districts.sort_values("risk_index_rank").set_index("district")[
        ["n_units", "n_level1", "n_level2", "n_level3", "n_level4", "worst_level", "risk_index"]].round(3))
    streets = pyogrio.read_dataframe(db, layer="street_summary", read_geometry=False)
    who = streets.groupby("district")[["n_points_level1", "n_points_level2", "n_controls_missing", "n_person_missing",
                                      "n_major", "n_major_unnamed"]].sum()
    who.loc["合计 total"] = who.sum()
    table("Who answers for the risk 管控责任（风险点；缺管控措施、缺责任人；重大危险源、缺包保责任人）", who)
    cols = ["rows_read", "rows_accepted", "rows_rejected", "rows_skipped_blank", "rows_skipped_total", "status"]
    table("Rows per file 各文件行数（读取 = 接受 + 拒绝 + 空行 + 合计行）", runs.set_index("file")[cols])
    balanced = bool((runs.rows_read == runs.rows_accepted + runs.rows_rejected + runs.rows_skipped_blank
                     + runs.rows_skipped_total).all())
    print(f"\nBalance 行数核对: {'OK 通过' if balanced else 'FAILED 未通过'}")
    print(f"\nHidden dangers 隐患: {found['RECORDS']} accepted ({found['MAJOR']} major 重大), "
          f"{found['ROWS_REJECTED']} rows rejected; accidents 事故: {accidents['RECORDS']} accepted, "
          f"{accidents['ROWS_REJECTED']} rejected")
    units = pyogrio.read_dataframe(db, layer="units", read_geometry=False)
    both = pd.DataFrame({"固有 inherent": units["level"].value_counts(),
                         "现实 dynamic": units["dynamic_level"].value_counts()}).reindex([1, 2, 3, 4]).fillna(0)
    table(f"Units by inherent and dynamic level 固有风险与现实风险（{AS_OF}）", both.astype(int))
    print(f"Raised 现实风险提升: {dynamic['RAISED']} units — "
          + ", ".join(f"{f} {int((units[f'raise_{f}'] > 0).sum())}"
                      for f in ("hidden_major", "hidden_overdue", "accident", "controls")))
    print("\n6. Round 2 第二轮: import_surveys (ROUND = new round), score, proximity, cascade, risk_map, dynamic_risk, "
          "change_report")
    from tools.sample_city.round2 import write_round2

    changed = write_round2(args.sample, out / "round2")
    second = processing.run("citysafety:import_surveys", {
        "FOLDER": str(out / "round2"), "OUTPUT": str(db), "ROUND": 1, "ROUND_NAME": "第二轮",
        "ROUND_DATE": AS_OF.isoformat(), "DEFAULT_CRS": 1, "LOAD_LAYERS": False}, feedback=log.feedback)
    receptors = f"{args.sample / 'receptors.gpkg'}|layername=receptors"
    for alg, params in (("score", {}), ("proximity", {"RECEPTORS": receptors,
                                                      "POPULATION": str(args.sample / "population.tif"),
                                                      "LOAD_LAYERS": False}),
                        ("cascade", {"LOAD_LAYERS": False}),
                        ("risk_map", {"DISTRICTS": str(args.sample / "districts.gpkg"), "DENSITY": str(density),
                                      "LOAD_LAYERS": False}),
                        ("dynamic_risk", {"AS_OF": AS_OF.isoformat()})):
        processing.run(f"citysafety:{alg}", {"INPUT": str(db), **params}, feedback=log.feedback)
    change = processing.run("citysafety:change_report", {"INPUT": str(db), "XLSX": str(out / "变化报告.xlsx"),
                                                         "LOAD_LAYERS": False}, feedback=log.feedback)
    from plugin.core.rounds import CHANGE_ZH, CHANGES

    print(f"Round {second['ROUND_ID']} 第二轮: {second['UNITS']} units; compared with round 1 比较第一轮: "
          + ", ".join(f"{CHANGE_ZH[c]} {c} {change[c.upper()]}" for c in CHANGES))
    print(f"  (the round's changes 本轮改动: closed 关闭 {', '.join(changed['closed'])}; new 新增 "
          f"{', '.join(changed['new'])}; moved 迁移 {changed['moved']}; raised 升级 {changed['raised']}; lowered 降级 "
          f"{changed['lowered']})")

    print(f"\nOutputs 输出 ({time.perf_counter() - t0:.1f} s):")
    print(f"  risk database 风险数据库: {db}")
    print(f"  risk density 风险密度:     {density}")
    print(f"  template 模板:            {out / '调查表模板_全部行业.xlsx'}")
    print(f"  error workbooks 问题清单:  {out / 'errors'} ({len(list((out / 'errors').glob('*.xlsx')))} files)")
    print(f"  Excel report Excel 报告:  {out / 'report.xlsx'}")
    print(f"  PDF report PDF 报告:      {out / 'report.pdf'} ({pages} pages 页)")
    print(f"  risk list 风险清单:        {listed['OUTPUT']} ({listed['ROWS']} risk points 风险点)")
    print(f"  notice cards 风险告知卡:   {cards['OUTPUT_PDF']} ({cards['CARDS']} cards 张)")
    print(f"  change report 变化报告:    {change['XLSX']} (layer round_changes)")
    plugin.unload()
    app.exitQgis()  # QGIS's caches go before the process's exit handlers (else a crash at exit)
    return 0 if balanced else 1


if __name__ == "__main__":
    sys.exit(main())
