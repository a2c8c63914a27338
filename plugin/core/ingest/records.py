"""Records beside the survey, from workbooks: hidden dangers (隐患记录) — the 隐患 a unit, an
inspection or a special campaign found, with their grade, deadline and where their
rectification stands — and accidents (事故记录) with their date, type and toll
(docs/domain/dynamic_risk.md §2 and §5, docs/hidden_dangers.md §2).

The same care as the survey import (importer.py): the header is found by the schema's names
and aliases (``schema.COLUMNS[family]``) on whatever row it sits; every data row ends
accepted, rejected with an error issue on its own row, or skipped as blank or total, and
:attr:`RecordsResult.balanced` checks that per file; the issues are bilingual and feed the
same error workbooks. What both families share (the unit and hazard codes, the record's own
code, the dates) is checked here once; each family adds its own values. Checks work a
column at a time.
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
    _numbers,
    _records,
    _run_id,
    _texts,
    _with_source,
)
from .issues import make_issue
from .reader import FileRead, SheetTable, read_file
from .values import INVALID, parse_code, parse_code_list, parse_date

#: The record families: table → the column of a record's own code; and each family's dates.
FAMILIES = {schema.HIDDEN_DANGERS: "danger_code", schema.ACCIDENTS: "accident_code"}
_DATES = {schema.HIDDEN_DANGERS: ("found_date", "deadline", "rectified_date"), schema.ACCIDENTS: ("date",)}
_FUTURE_ALLOWED = ("deadline",)  # a deadline may lie ahead; what was found, fixed or happened may not


def layers(family: str) -> tuple[str, str, str]:
    """The family's tables in the risk database: its records, their issues, the per-file balance
    (``hidden_dangers``, ``hidden_danger_issues``, ``hidden_danger_imports``; likewise ``accident…``)."""
    stem = family[:-1] if family.endswith("s") else family
    return family, f"{stem}_issues", f"{stem}_imports"


@dataclass
class RecordsResult:
    family: str
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


def import_hidden_dangers(paths: Iterable[str | Path], rules: Rules | None = None, **kw) -> RecordsResult:
    """:func:`import_records` of hidden-danger files."""
    return import_records(paths, schema.HIDDEN_DANGERS, rules, **kw)


def import_accidents(paths: Iterable[str | Path], rules: Rules | None = None, **kw) -> RecordsResult:
    """:func:`import_records` of accident files."""
    return import_records(paths, schema.ACCIDENTS, rules, **kw)


def import_records(paths: Iterable[str | Path], family: str, rules: Rules | None = None,
                   units: Iterable[str] | None = None, hazards: pd.DataFrame | None = None,
                   progress: Progress | None = None, today=None) -> RecordsResult:
    """Read and check the files of a record ``family`` (:data:`FAMILIES`). ``units``: the unit
    codes of the risk database (a record of another unit is rejected; None: not checked);
    ``hazards``: its ``hazard_code`` and ``unit_code`` (a hazard code that is not the unit's is
    kept with a warning); ``today``: the day a date after which is flagged (default: today)."""
    rules = rules or load_rules()
    progress = progress or Progress()
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    code_key = FAMILIES[family]
    file_paths = [Path(p) for p in paths]
    names = _display_names(file_paths)
    files: list[FileRead] = []
    seen: dict[str, str] = {}
    for i, p in enumerate(file_paths):
        progress.step(60.0 * i / max(len(file_paths), 1), f"读取 Reading {p.name}")
        fr = read_file(p, names[i], limits=rules.import_limits, family=family)
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
    rec = _records(tables, family)
    err = np.zeros(len(rec), dtype=bool)
    text = _texts(rec, schema.COLUMNS[family], (code_key, "unit_code", "hazard_code"))
    _check_required(rec, text, family, iss, err, code_key)
    _check_nul(rec, text, family, iss, err, code_key)
    out = pd.DataFrame({k: text[k] for k in (code_key, "unit_code", "hazard_code")})
    day = pd.Timestamp(today or time.strftime("%Y-%m-%d")).normalize()
    for key in _DATES[family]:
        iso, st = parse_date(rec[key])
        bad = st == INVALID
        if schema.column(family, key).required:
            iss.add("E_REC_DATE_INVALID", rec, bad, family, key, record_key=code_key)
            err |= bad
        else:
            iss.add("W_DATE_INVALID", rec, bad, family, key, record_key=code_key)
        out[key] = iso
        if key in _FUTURE_ALLOWED:
            continue
        late = (pd.to_datetime(out[key], errors="coerce") > day).to_numpy(dtype=bool)
        iss.add("W_REC_DATE_FUTURE", rec, late & ~bad, family, key, detail=day.strftime("%Y-%m-%d"),
                record_key=code_key)
    own = _hidden_danger_values if family == schema.HIDDEN_DANGERS else _accident_values
    own(rec, text, out, iss, err, code_key)
    if units is not None:
        known = pd.Index(pd.unique(np.asarray(list(units), dtype=object)))
        stray = ((out["unit_code"] != "") & ~out["unit_code"].isin(known)).to_numpy()
        iss.add("E_REC_UNIT_UNKNOWN", rec, stray, family, "unit_code", record_key=code_key)
        err |= stray
    if hazards is not None and len(hazards):
        owner = pd.Series(hazards["unit_code"].astype(str).to_numpy(), index=hazards["hazard_code"].astype(str))
        owner = owner[~owner.index.duplicated()]
        belongs = out["hazard_code"].map(owner)
        odd = ((out["hazard_code"] != "") & (belongs != out["unit_code"])).to_numpy()
        iss.add("W_REC_HAZARD_UNKNOWN", rec, odd, family, "hazard_code", record_key=code_key)
    _duplicates(rec, out[code_key], "E_REC_CODE_DUPLICATE", family, code_key, iss, err, code_key, eligible=~err)
    out["extra"] = rec["extra"].to_numpy(dtype=object)
    progress.step(90)
    ok = ~err
    records = _with_source(out[ok].reset_index(drop=True), rec[ok].reset_index(drop=True),
                           tables)[list(fields.names(family))]
    issues = _issue_frame(iss.rows, files)
    accepted = {tid: np.zeros(len(t.cells), dtype=bool) for tid, t in enumerate(tables)}
    for tid in np.unique(rec["_tid"]) if len(rec) else []:
        m = (rec["_tid"] == tid).to_numpy()
        accepted[int(tid)][rec.loc[m, "_pos"].to_numpy()] = ok[m]
    runs = _runs(files, tables, table_file, accepted, issues, started, layers(family)[2])
    return RecordsResult(family, records, issues, runs, files, tables)


def _texts_of(rec, text, keys):
    return {k: (text[k] if k in text else rec[k].astype(str)) for k in keys}


def _hidden_danger_values(rec, text, out, iss, err, code_key) -> None:
    """A hidden danger's grade and status (coded, required), its texts, and the order of its dates."""
    family = schema.HIDDEN_DANGERS
    out["description"] = text["description"]
    for key, lookup, code, terms in (
            ("grade", schema.hidden_danger_grade_lookup(), "E_HD_GRADE_UNKNOWN", schema.HIDDEN_DANGER_GRADES),
            ("status", schema.hidden_danger_status_lookup(), "E_HD_STATUS_UNKNOWN", schema.HIDDEN_DANGER_STATUSES)):
        ids, st = parse_code(rec[key], lookup, schema.normalise_header)
        bad = st == INVALID
        iss.add(code, rec, bad, family, key, record_key=code_key)
        err |= bad
        out[key] = ids
        out[f"{key}_zh"] = pd.Series(ids).map({t.id: t.zh for t in terms}).fillna("").to_numpy(dtype=object)
    found, fixed = (pd.to_datetime(out[k], errors="coerce") for k in ("found_date", "rectified_date"))
    iss.add("W_HD_DATES_ORDER", rec, (fixed < found).to_numpy(dtype=bool), family, "rectified_date",
            detail=out["found_date"].to_numpy(dtype=object), record_key=code_key)
    for key, value in _texts_of(rec, text, ("source", "measures")).items():
        out[key] = value


def accident_grade(deaths, serious_injuries, direct_loss) -> tuple[np.ndarray, np.ndarray]:
    """(grade id, Chinese name) of each accident by its toll: the highest grade of
    ``schema.ACCIDENT_GRADE_THRESHOLDS`` any of the three reaches (a blank counts as 0), else
    一般事故 (《生产安全事故报告和调查处理条例》第三条, docs/domain/dynamic_risk.md §5)."""
    d, s, loss = (np.nan_to_num(np.asarray(v, dtype=float)) for v in (deaths, serious_injuries, direct_loss))
    gid = np.full(len(d), schema.ACCIDENT_GRADE_GENERAL[0], dtype=object)
    gzh = np.full(len(d), schema.ACCIDENT_GRADE_GENERAL[1], dtype=object)
    for grade, zh, _en, min_d, min_s, min_loss in reversed(schema.ACCIDENT_GRADE_THRESHOLDS):
        hit = (d >= min_d) | (s >= min_s) | (loss >= min_loss)
        gid[hit], gzh[hit] = grade, zh
    return gid, gzh


def _accident_values(rec, text, out, iss, err, code_key) -> None:
    """An accident's types (GB 6441, several allowed; one not recognised is a note), its toll
    (counts and loss: a bad number rejects the record, as in the survey) and its grade."""
    family = schema.ACCIDENTS
    types, unknown = parse_code_list(rec["accident_type"], schema.accident_type_lookup(), schema.normalise_header,
                                     {a.id: a.zh for a in schema.ACCIDENT_TYPES}, schema.LIST_SEPARATORS)
    iss.add("W_ACCIDENT_TYPE_UNKNOWN", rec, unknown != "", family, "accident_type", detail=unknown,
            record_key=code_key)
    out["accident_type"] = types
    for key in ("deaths", "serious_injuries", "minor_injuries"):
        out[key] = _numbers(rec, family, key, iss, err, code_key, integer=True)
    out["direct_loss"] = _numbers(rec, family, "direct_loss", iss, err, code_key, suffixes=("万元", "万"))
    out["grade"], out["grade_zh"] = accident_grade(out["deaths"], out["serious_injuries"], out["direct_loss"])
    for key, value in _texts_of(rec, text, ("description", "source")).items():
        out[key] = value


def _runs(files, tables, table_file, accepted, issues, started, layer) -> pd.DataFrame:
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
    return pd.DataFrame(out, columns=list(fields.names(layer)))
