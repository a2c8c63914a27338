"""The sample city's records beside the survey: a hidden-danger ledger (隐患台账) and accident
records (事故记录), seeded and fictional, for the demo's dynamic risk (docs/hidden_dangers.md).

``write_records(units, out_dir, seed) -> dict`` writes ``隐患台账.xlsx`` and ``事故记录.xlsx``
into ``out_dir`` (the sample's ``records/`` folder: the survey import reads the top folder
only) and returns a manifest of what their import should find. ``units`` are the units the
survey import accepts (``unit_code``, ``level`` when scored): the ledger names them, except
for the deliberate mistakes, which are listed in the manifest with their rows and codes.

The dates are set against :data:`AS_OF`, the day the demo assesses the dynamic risk on, so
that every status, an overdue general hidden danger, an open major one, a danger rectified
the day before and accidents inside and outside the twelve months appear whatever today is.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 6, 30)  # the demo's assessment day (scripts/demo.py)
RECORD_SEED = 20261206
LEDGER_NAME, ACCIDENTS_NAME, MANIFEST_NAME = "隐患台账.xlsx", "事故记录.xlsx", "manifest.json"
LEDGER_HEAD = ["隐患编号", "单位编码", "危险源编码", "隐患描述", "隐患等级", "整改状态", "发现日期", "整改期限",
               "整改完成日期", "隐患来源", "整改措施"]
ACCIDENT_HEAD = ["事故编号", "单位编码", "事故日期", "事故类型", "死亡人数", "重伤人数", "轻伤人数",
                 "直接经济损失（万元）", "事故简况", "信息来源"]
DESCRIPTIONS = ("可燃气体报警器失效", "安全出口堵塞", "消防设施未定期检测", "特种设备超期未检", "危化品超量储存",
                "动火作业未审批", "应急预案未演练", "电气线路私拉乱接", "防雷接地检测过期", "储罐区围堰破损")
SOURCES = ("企业自查", "执法检查", "专项检查", "日常监管", "群众举报")
MEASURES = ("更换设备并联动切断阀", "清理通道并设置标识", "委托检测机构检测", "停用并报检", "转移至合规仓库")
FIRST_DATA_ROW = 3  # a title on row 1, the header on row 2


def _day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=int(offset))).isoformat()


def _ledger(rng: np.random.Generator, codes: list[str]) -> tuple[list[list], list[dict]]:
    """The ledger's rows and the mistakes (row, code) its import must report."""
    rows: list[list] = []
    picks = rng.choice(len(codes), size=min(36, len(codes)), replace=False)
    # (grade, status, found, deadline, rectified) relative to AS_OF: every status, every edge
    plans = [("重大隐患", "未整改", -40, 20, None), ("重大隐患", "整改中", -90, -10, None),
             ("重大隐患", "已整改", -60, -20, -1), ("重大隐患", "已销号", -200, -150, -160),
             ("一般隐患", "未整改", -120, -31, None), ("一般隐患", "整改中", -100, -60, None),
             ("一般隐患", "未整改", -50, -30, None), ("一般隐患", "已整改", -80, -40, -45),
             ("一般隐患", "已销号", -300, -270, -280)]
    for i, p in enumerate(picks):
        grade, status, found, deadline, fixed = plans[i % len(plans)]
        rows.append([f"YH-2026-{i + 1:04d}", codes[p], None, DESCRIPTIONS[i % len(DESCRIPTIONS)], grade, status,
                     _day(found), _day(deadline), _day(fixed) if fixed is not None else None,
                     SOURCES[i % len(SOURCES)], MEASURES[i % len(MEASURES)]])
    good = len(rows)
    rows += [
        ["YH-2026-0901", "NO-SUCH-UNIT-01", None, "单位编码不在数据库中", "一般隐患", "未整改", _day(-10), None, None,
         "执法检查", None],
        ["YH-2026-0902", codes[picks[0]], None, "隐患等级写错", "特大隐患", "未整改", _day(-10), None, None, "专项检查",
         None],
        ["YH-2026-0903", codes[picks[1]], None, "发现日期无法识别", "一般隐患", "整改中", "三月上旬", None, None,
         "企业自查", None],
        ["YH-2026-0001", codes[picks[2]], None, "编号重复", "一般隐患", "未整改", _day(-5), None, None, "企业自查",
         None],
    ]
    mistakes = [{"row": FIRST_DATA_ROW + good + i, "code": c} for i, c in enumerate(
        ("E_REC_UNIT_UNKNOWN", "E_HD_GRADE_UNKNOWN", "E_REC_DATE_INVALID", "E_REC_CODE_DUPLICATE"))]
    return rows, mistakes


def _accidents(rng: np.random.Generator, codes: list[str]) -> tuple[list[list], list[dict]]:
    picks = rng.choice(len(codes), size=min(6, len(codes)), replace=False)
    plans = [(-30, "火灾", 0, 1, 2, 35.5), (-200, "中毒和窒息", 1, 2, 0, 120.0), (-364, "高处坠落", 1, 0, 0, 80.0),
             (-365, "物体打击", 0, 0, 1, 3.0), (-500, "其他爆炸", 3, 5, 8, 1500.0), (-90, "触电", 0, 1, 0, 12.0)]
    rows = [[f"SG-2026-{i + 1:04d}", codes[p], _day(when), kind, deaths, serious, minor, loss,
             f"{kind}事故（虚构）", "事故快报"]
            for i, (p, (when, kind, deaths, serious, minor, loss)) in enumerate(zip(picks, plans))]
    good = len(rows)
    rows.append(["SG-2026-0901", codes[picks[0]], _day(-20), "火灾", "两人", 0, 0, 0, "死亡人数写成文字", "事故快报"])
    return rows, [{"row": FIRST_DATA_ROW + good, "code": "E_NUMBER_INVALID"}]


def _write(path: Path, title: str, sheet: str, head: list[str], rows: list[list]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)


def write_records(units: pd.DataFrame, out_dir: str | Path, seed: int = RECORD_SEED) -> dict:
    """Write the ledger and the accident records for ``units`` (the accepted units, sorted by
    code for a stable draw) and return their manifest (also written as ``manifest.json``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    codes = sorted(units["unit_code"].astype(str))
    rng = np.random.default_rng(seed)
    ledger, hd_mistakes = _ledger(rng, codes)
    accidents, acc_mistakes = _accidents(rng, codes)
    _write(out / LEDGER_NAME, "示例城市 2026 年隐患排查治理台账（虚构）", "隐患台账", LEDGER_HEAD, ledger)
    _write(out / ACCIDENTS_NAME, "示例城市生产安全事故记录（虚构）", "事故记录", ACCIDENT_HEAD, accidents)
    manifest = {
        "generator": "tools.sample_city.records", "seed": seed, "fictional": True, "as_of": AS_OF.isoformat(),
        "files": {
            LEDGER_NAME: {"rows": len(ledger), "accepted": len(ledger) - len(hd_mistakes), "mistakes": hd_mistakes},
            ACCIDENTS_NAME: {"rows": len(accidents), "accepted": len(accidents) - len(acc_mistakes),
                             "mistakes": acc_mistakes},
        },
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest
