"""The change report's workbook (变化报告): what changed between two survey rounds
(``rounds.compare``; docs/rounds.md §4) — the counts by change, by district, street and sector,
and every unit that changed with its reasons. Text is stored as text, never a formula; the
workbook is built beside its target and moved into place when complete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..files import explained_write_errors, publish, sweep, temp_path
from ..rounds import CHANGE_ZH, CHANGES
from .data import MAX_LIST_ROWS, N_, identity

SUMMARY_SHEET, LIST_SHEET = "变化概览", "变化清单"
#: The list's columns: (key of ``round_changes``, heading).
LIST_COLUMNS = (("change_zh", N_("Change")), ("district", N_("District")), ("street", N_("Street")),
                ("sector_zh", N_("Sector")), ("unit_code", N_("Unit code")), ("previous_code", N_("Previous code")),
                ("name", N_("Unit name")), ("level_from", N_("Level before")), ("level_to", N_("Level after")),
                ("moved_m", N_("Moved (m)")), ("reason_zh", N_("Reason (Chinese)")),
                ("reason_en", N_("Reason (English)")))


def counts(changes: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Units per change (columns in :data:`CHANGES` order), per ``by`` (district, street,
    sector_zh) or in all; a total row last."""
    if by is None:
        table = changes["change"].value_counts().reindex(list(CHANGES), fill_value=0).to_frame().T
        table.index = ["合计 total"]
        return table.astype(int)
    key = changes[by].fillna("").astype(str)
    if by == "street":
        key = changes["district"].fillna("").astype(str) + " " + key
    table = pd.crosstab(key, changes["change"]).reindex(columns=list(CHANGES), fill_value=0)
    table.loc["合计 total"] = table.sum()
    return table.astype(int)


def write_changes_xlsx(changes: pd.DataFrame, path: str | Path, before: str, after: str,
                       tr: Callable[[str], str] = identity) -> Path:
    """Write the change report to ``path``: 变化概览 (what was compared, the counts by change, by
    district, by street and by sector) and 变化清单 (every unit whose change is not ``same``,
    by change, district and code)."""
    import xlsxwriter  # type: ignore[import-untyped]

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    tmp = temp_path(target, ".xlsx")
    heads = [f"{CHANGE_ZH[c]} {c}" for c in CHANGES]
    try:
        with explained_write_errors(target):
            wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                                "strings_to_numbers": False})
            bold = wb.add_format({"bold": True})
            title = wb.add_format({"bold": True, "font_size": 14})
            head = wb.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True})
            ws = wb.add_worksheet(SUMMARY_SHEET)
            ws.set_column(0, 0, 28)
            ws.set_column(1, len(CHANGES), 12)
            ws.write_string(0, 0, tr(N_("What changed between two survey rounds")), title)
            ws.write_string(1, 0, tr(N_("Before")), bold)
            ws.write_string(1, 1, before)
            ws.write_string(2, 0, tr(N_("After")), bold)
            ws.write_string(2, 1, after)
            row = 4
            for label, by in ((N_("All units"), None), (N_("By district"), "district"), (N_("By street"), "street"),
                              (N_("By sector"), "sector_zh")):
                table = counts(changes, by)
                ws.write_string(row, 0, tr(label), bold)
                row += 1
                ws.write_string(row, 0, "", head)
                for j, h in enumerate(heads, start=1):
                    ws.write_string(row, j, h, head)
                for name, values in table.iterrows():
                    row += 1
                    ws.write_string(row, 0, str(name), bold if str(name).startswith("合计") else None)
                    for j, v in enumerate(values, start=1):
                        ws.write_number(row, j, int(v))
                row += 2
            listed = changes[changes["change"] != "same"].copy()
            listed["_o"] = listed["change"].map({c: i for i, c in enumerate(CHANGES)})
            listed = listed.sort_values(["_o", "district", "unit_code"], kind="stable")
            if len(listed) > MAX_LIST_ROWS:  # more than an analyst reads: the layer holds them all
                ws.write_string(row, 0, tr(N_("The list shows the first {n} of {total} changed units; the layer "
                                              "round_changes of the database holds them all.")).format(
                    n=f"{MAX_LIST_ROWS:,}", total=f"{len(listed):,}"))
                listed = listed.iloc[:MAX_LIST_ROWS]
            ls = wb.add_worksheet(LIST_SHEET)
            for j, (key, label) in enumerate(LIST_COLUMNS):
                ls.write_string(0, j, tr(label), head)
                ls.set_column(j, j, 40 if key.startswith("reason") else 14)
            for i, rec in enumerate(listed[[k for k, _ in LIST_COLUMNS]].itertuples(index=False), start=1):
                for j, v in enumerate(rec):
                    if v is None or (isinstance(v, float) and v != v):
                        continue
                    if isinstance(v, (int, float)):
                        ls.write_number(i, j, float(v))
                    else:
                        ls.write_string(i, j, str(v))
            ls.freeze_panes(1, 0)
            ls.autofilter(0, 0, max(1, len(listed)), len(LIST_COLUMNS) - 1)
            wb.close()
            publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
