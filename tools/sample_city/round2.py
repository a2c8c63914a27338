"""The sample city's second survey round (第二轮), derived from the committed sample: the same
files with the special-equipment survey (``07_特种设备.csv``) changed the way a city changes
between rounds — two units closed, two new, one moved about 500 m, one whose risk point's
likelihood and severity rose, one whose risk points were all made minor (its level falls), and
one re-coded (a new unit code, the same credit code).

``write_round2(sample, out_dir) -> dict`` copies the survey files of ``sample`` into
``out_dir`` with those changes and returns what it changed (the codes), so that a test or the
demo can check the change report finds exactly that. Deterministic: the first units of the
file, in its order; nothing random. The CSV keeps its encoding (GB18030) and layout.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd

CSV_NAME = "07_特种设备.csv"
ENCODING = "gb18030"
NEW_CODES = ("SE-NEW-000001", "SE-NEW-000002")
# the CSV's columns (its header row, 0-based): unit code, name, credit code, lon, risk point code,
# likelihood, severity
UNIT, NAME, CREDIT, LON, HAZARD, LIKELIHOOD, SEVERITY = 0, 1, 2, 7, 16, 20, 21


def write_round2(sample: str | Path, out_dir: str | Path) -> dict:
    """Write the second round's survey files into ``out_dir``; return the changed units."""
    src, out = Path(sample), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.iterdir()):
        if f.is_file() and f.suffix in (".xlsx", ".csv") and f.name != CSV_NAME:
            shutil.copyfile(f, out / f.name)
    table = pd.read_csv(src / CSV_NAME, encoding=ENCODING, dtype=str, keep_default_na=False, header=None)
    head, rows = table.iloc[:1], table.iloc[1:].copy()
    code = rows[UNIT]
    # units with a credit code, several risk points and a plain numeric longitude: the changes read clearly
    lon_ok = pd.to_numeric(rows[LON], errors="coerce").notna()
    candidates = [c for c in pd.unique(code) if c.startswith("SE-") and (code == c).sum() >= 2
                  and rows.loc[code == c, CREDIT].iloc[0] != "" and lon_ok[code == c].all()]
    closed, moved, raised, recoded = candidates[:2], candidates[2], candidates[3], candidates[4]
    copied = candidates[5:7]
    # the level falls where a risk point was at least moderate (L·S ≥ 9) and all are made minor
    score = pd.to_numeric(rows[LIKELIHOOD], errors="coerce") * pd.to_numeric(rows[SEVERITY], errors="coerce")
    lowered = next(c for c in candidates[7:] if (score[code == c] >= 9).any() and score[code == c].notna().all())
    rows = rows[~code.isin(closed)]
    code = rows[UNIT]
    on = code == moved
    rows.loc[on, LON] = (pd.to_numeric(rows.loc[on, LON]) + 0.005).round(6).astype(str)  # about 500 m east
    first = rows.index[code == raised][0]
    rows.loc[first, [LIKELIHOOD, SEVERITY]] = ["5", "5"]
    rows.loc[code == lowered, [LIKELIHOOD, SEVERITY]] = ["1", "1"]
    on = code == recoded
    rows.loc[on, HAZARD] = rows.loc[on, HAZARD].str.replace(recoded, recoded + "-R", regex=False)
    rows.loc[on, UNIT] = recoded + "-R"
    new = []
    for source, target in zip(copied, NEW_CODES):
        unit = rows[rows[UNIT] == source].copy()
        unit[HAZARD] = unit[HAZARD].str.replace(source, target, regex=False)
        unit[UNIT], unit[NAME], unit[CREDIT] = target, f"新开业特种设备使用单位{target[-1]}（虚构）", ""
        new.append(unit)
    rows = pd.concat([rows, *new])
    with open(out / CSV_NAME, "w", encoding=ENCODING, newline="") as fh:
        writer = csv.writer(fh)
        for r in pd.concat([head, rows]).itertuples(index=False):
            writer.writerow(list(r))
    return {"closed": list(closed), "new": list(NEW_CODES), "moved": moved, "raised": raised, "lowered": lowered,
            "recoded": {recoded + "-R": recoded}}
