"""Hidden-danger records (隐患记录) from workbooks: the 隐患 a unit, an inspection or a special
campaign found, with their grade, deadline and where their rectification stands
(docs/domain/dynamic_risk.md §2, docs/hidden_dangers.md §2).

The same care as the survey import (importer.py): the header is found by the schema's names
and aliases (``schema.HIDDEN_DANGER_COLUMNS``) on whatever row it sits; every data row ends
accepted, rejected with an error issue on its own row, or skipped as blank or total, and
:attr:`RecordsResult.balanced` checks that per file; the issues are bilingual and feed the
same error workbooks. Checks work a column at a time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import fields
from ..progress import Progress
from ..rules import Rules, load_rules
from . import schema
from .importer import (
    _check_nul,
    _check_required,
    _display_names,
    _duplicates,
    _issue_frame,
    _Issues,
    _records,
    _run_id,
    _texts,
    _with_source,
)
from .issues import make_issue
from .reader import FileRead, SheetTable, read_file
from .values import INVALID, parse_code, parse_date

TABLE = schema.HIDDEN_DANGERS
#: The columns of the ``hidden_dangers`` table and of ``hidden_danger_imports`` (a row per file),
#: in order (fields.py is their home).
FIELDS = fields.names("hidden_dangers")
RUN_FIELDS = fields.names("hidden_danger_imports")
_CODES = ("danger_code", "unit_code", "hazard_code")


@dataclass
class RecordsResult:
    records: pd.DataFrame
    issues: pd.DataFrame
    runs: pd.DataFrame
    files: list[FileRead] = field(default_factory=list)
    tables: list[SheetTable] = field(default_factory=list)  # the raw rows, for the error workbooks

    @property
    def balanced(self) -> bool:
        r = self.runs
        return bool((r.rows_read == r.rows_accepted + r.rows_rejected + r.rows_skipped_blank
                     + r.rows_skipped_total).all())


def import_hidden_dangers(paths: Iterable[str | Path], rules: Rules | None = None,
                          units: Iterable[str] | None = None, hazards: pd.DataFrame | None = None,
                          progress: Progress | None = None) -> RecordsResult:
    """Read and check hidden-danger files. ``units``: the unit codes of the risk database (a
    record of another unit is rejected; None: not checked); ``hazards``: its ``hazard_code``
    and ``unit_code`` (a hazard code that is not the unit's is kept with a warning)."""
    rules = rules or load_rules()
    progress = progress or Progress()
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    file_paths = [Path(p) for p in paths]
    names = _display_names(file_paths)
    files: list[FileRead] = []
    seen: dict[str, str] = {}
    for i, p in enumerate(file_paths):
        progress.step(60.0 * i / max(len(file_paths), 1), f"读取 Reading {p.name}")
        fr = read_file(p, names[i], limits=rules.import_limits, family=TABLE)
        if fr.sha256 and fr.sha256 in seen and not fr.refused:
            fr.issues = [make_issue("E_FILE_DUPLICATE", file=fr.name, related=seen[fr.sha256])]
            fr.tables, fr.refused = [], True
        elif fr.sha256:
            seen.setdefault(fr.sha256, fr.name)
        files.append(fr)
    progress.step(60, "校验 Validating")
    tables = [t for fr in files for t in fr.tables]
    table_file = [fi for fi, fr in enumerate(files) for _ in fr.tables]
    iss = _Issues(tables)
    for fr in files:
        iss.rows.extend(fr.issues)
    rec = _records(tables, TABLE)
    err = np.zeros(len(rec), dtype=bool)
    text = _texts(rec, schema.COLUMNS[TABLE], _CODES)
    _check_required(rec, text, TABLE, iss, err, "danger_code")
    _check_nul(rec, text, TABLE, iss, err, "danger_code")
    out = pd.DataFrame({k: text[k] for k in ("danger_code", "unit_code", "hazard_code", "description")})
    for key, lookup, code, terms in (
            ("grade", schema.hidden_danger_grade_lookup(), "E_HD_GRADE_UNKNOWN", schema.HIDDEN_DANGER_GRADES),
            ("status", schema.hidden_danger_status_lookup(), "E_HD_STATUS_UNKNOWN", schema.HIDDEN_DANGER_STATUSES)):
        ids, st = parse_code(rec[key], lookup, schema.normalise_header)
        bad = st == INVALID
        iss.add(code, rec, bad, TABLE, key, record_key="danger_code")
        err |= bad
        out[key] = ids
        out[f"{key}_zh"] = pd.Series(ids).map({t.id: t.zh for t in terms}).fillna("").to_numpy(dtype=object)
    for key in ("found_date", "deadline", "rectified_date"):
        iso, st = parse_date(rec[key])
        bad = st == INVALID
        if schema.column(TABLE, key).required:
            iss.add("E_HD_DATE_INVALID", rec, bad, TABLE, key, record_key="danger_code")
            err |= bad
        else:
            iss.add("W_DATE_INVALID", rec, bad, TABLE, key, record_key="danger_code")
        out[key] = iso
    found, fixed = pd.to_datetime(out["found_date"], errors="coerce"), pd.to_datetime(out["rectified_date"],
                                                                                     errors="coerce")
    iss.add("W_HD_DATES_ORDER", rec, (fixed < found).to_numpy(dtype=bool), TABLE, "rectified_date",
            detail=out["found_date"].to_numpy(dtype=object), record_key="danger_code")
    if units is not None:
        known = pd.Index(pd.unique(np.asarray(list(units), dtype=object)))
        stray = ((out["unit_code"] != "") & ~out["unit_code"].isin(known)).to_numpy()
        iss.add("E_HD_UNIT_UNKNOWN", rec, stray, TABLE, "unit_code", record_key="danger_code")
        err |= stray
    if hazards is not None and len(hazards):
        owner = pd.Series(hazards["unit_code"].astype(str).to_numpy(), index=hazards["hazard_code"].astype(str))
        owner = owner[~owner.index.duplicated()]
        belongs = out["hazard_code"].map(owner)
        odd = ((out["hazard_code"] != "") & (belongs != out["unit_code"])).to_numpy()
        iss.add("W_HD_HAZARD_UNKNOWN", rec, odd, TABLE, "hazard_code", record_key="danger_code")
    _duplicates(rec, out["danger_code"], "E_HD_CODE_DUPLICATE", TABLE, "danger_code", iss, err, "danger_code",
                eligible=~err)
    for key in ("source", "measures"):
        out[key] = text[key] if key in text else rec[key].astype(str)
    out["extra"] = rec["extra"].to_numpy(dtype=object)
    progress.step(90)
    ok = ~err
    records = _with_source(out[ok].reset_index(drop=True), rec[ok].reset_index(drop=True), tables)[list(FIELDS)]
    issues = _issue_frame(iss.rows, files)
    accepted = {tid: np.zeros(len(t.cells), dtype=bool) for tid, t in enumerate(tables)}
    for tid in np.unique(rec["_tid"]) if len(rec) else []:
        m = (rec["_tid"] == tid).to_numpy()
        accepted[int(tid)][rec.loc[m, "_pos"].to_numpy()] = ok[m]
    runs = _runs(files, tables, table_file, accepted, issues, started)
    return RecordsResult(records, issues, runs, files, tables)


def _runs(files, tables, table_file, accepted, issues, started) -> pd.DataFrame:
    """Per file: what was read and where each row went; rejected rows are counted from the
    error issues on their own rows, so the balance finds a row that went unexplained."""
    finished = time.strftime("%Y-%m-%dT%H:%M:%S")
    table_file = np.asarray(table_file, dtype=np.int64)
    errs = issues[(issues["severity"] == "error") & issues["row"].notna()] if len(issues) else issues
    err_rows = {k: set(g["row"].astype(int)) for k, g in errs.groupby(["file", "sheet"])} if len(errs) else {}
    counts = issues.groupby(["file", "severity"]).size() if len(issues) else pd.Series(dtype=int)
    run_id = _run_id(files)
    out = []
    for fi, fr in enumerate(files):
        tids = np.flatnonzero(table_file == fi) if len(tables) else np.array([], dtype=int)
        read = sum(tables[t].n_read for t in tids)
        live = [t for t in tids if not tables[t].refused]
        acc = sum(int(accepted[t].sum()) for t in live)
        rejected = sum(tables[t].n_read for t in tids if tables[t].refused)
        for t in live:
            mine = err_rows.get((tables[t].file, tables[t].sheet), set())
            rejected += int((~accepted[t] & np.isin(tables[t].rows, list(mine))).sum()) if mine else 0
        status = "refused" if fr.refused else ("imported" if rejected == 0 else "imported_with_errors")
        out.append({
            "run_id": run_id, "file": fr.name, "path": str(fr.path), "sha256": fr.sha256, "size_bytes": fr.size,
            "status": status, "sheets": ";".join(tables[t].sheet for t in tids),
            "rows_read": read, "rows_accepted": acc, "rows_rejected": rejected,
            "rows_skipped_blank": sum(tables[t].n_blank for t in live),
            "rows_skipped_total": sum(tables[t].n_total for t in live),
            "errors": int(counts.get((fr.name, "error"), 0)), "warnings": int(counts.get((fr.name, "warning"), 0)),
            "started": started, "finished": finished,
        })
    return pd.DataFrame(out, columns=list(RUN_FIELDS))
