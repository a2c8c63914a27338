"""What a risk database holds, read quickly for the dock panel (风险一张图面板).

Four questions, each answered by reading only the columns it needs (``read_geometry=False``,
``columns=[...]``, attribute filters, ``COUNT(*)`` in the database) so that a city of a
million units answers in seconds, not minutes:

- :func:`read_status` — which workflow step has run (import, score, proximity, cascade,
  map, report), decided from the layers and fields themselves, with its key counts and,
  from the run log ``analysis_runs`` when there is one, when it ran;
- :func:`level_summary` — units per level (重大/较大/一般/低) and per sector;
- :func:`district_levels` — per district the units of each level with their share, by
  inherent level (before the upgrades) and raised by the upgrades;
- :func:`level_one_units` — the level-1 (重大风险) units;
- :func:`unit_details` — one unit with its hazard sources, nearby receptors (敏感目标) and
  cascade chains (连锁链), for the unit inspector.

No QGIS here: the database is read through ``store.read``; the workflow (steps, what each
needs) is :mod:`plugin.core.steps`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import fields, steps
from .mapping import accountability
from .reporting.data import mask_phone
from .scoring.levels import LEVELS
from .store import riskdb
from .store.read import columns as _read
from .store.read import count as _count
from .store.read import counts as _counts
from .store.read import feature_count as _feature_count
from .store.read import field_names as _fields
from .store.read import grouped_counts as _grouped_counts
from .store.read import in_list as _in_list
from .store.read import non_empty as _non_empty
from .store.read import quote_text as _quote_text

UNIT_LAYER = "units"
HAZARD_LAYER = "hazards"
#: Fields whose presence in ``hazards`` means the proximity step has run.
PROXIMITY_FIELDS = tuple(f for f in ("n_receptors", "pop_500m") if f in fields.names(HAZARD_LAYER, fields.PROXIMITY))
#: Fields whose presence in ``hazards`` means the cascade step has run.
CASCADE_FIELDS = tuple(f for f in ("out_degree",) if f in fields.names(HAZARD_LAYER, fields.CASCADE))
#: Columns of the level-1 list, in display order.
LEVEL_ONE_COLUMNS = ("unit_code", "name", "sector", "sector_zh", "district", "r_value", "method")
UNIT_DETAIL_COLUMNS = ("unit_code", "name", "sector", "sector_zh", "district", "street", "address", "level",
                       "level_zh", "colour", "method", "r_value", "s_value", "alpha", "worst_hazard",
                       "hazard_count", "major_hazard", "level_reasons", "cascade_reason", "employees",
                       "population_500m", "supervising_dept", "duty_phone", "principal_person", "technical_person",
                       "operating_person", *fields.names("units", fields.DYNAMIC))
HAZARD_DETAIL_COLUMNS = ("hazard_code", "unit_code", "name", "kind", "equipment", "substance", "quantity_t",
                         "method", "s_value", "q_over_Q", "beta", "r_value", "alpha", "L", "E", "C", "lec_d",
                         "likelihood", "severity", "ls_r", "level", "level_zh", "colour", "base_level",
                         "score_note", "upgrade_reason", "cascade_reason", "reach_m", "n_receptors", "n_high",
                         "nearest_high_name", "nearest_high_m", "pop_500m", "out_degree", "reach_1", "reach_all",
                         "best_chain_p_max", "accident_types", "risk_features", "trigger_conditions",
                         "controls_engineering", "controls_management", "controls_emergency", "control_level",
                         "responsible_person", "responsible_phone")
FINDING_DETAIL_COLUMNS = ("hazard_code", "code", "message_zh", "message_en")
RECEPTOR_COLUMNS = tuple(c for c in fields.names("hazard_receptor_links") if c != "receptor_id")
CHAIN_COLUMNS = tuple(c for c in fields.names("cascade_chains") if not c.endswith("_node"))


# --- workflow status --------------------------------------------------------------------

@dataclass
class StepStatus:
    """One workflow step on one database: has it run, what it counted, when."""

    step: str
    done: bool = False
    counts: dict[str, object] = field(default_factory=dict)
    finished: str = ""  # when it last ran (run log), "" when not known
    outputs: dict[str, str] = field(default_factory=dict)  # report: "xlsx", "pdf" paths
    stale: bool = False  # ran, but a step that changes the levels ran after it (the map)


@dataclass
class DatabaseStatus:
    """The workflow on one risk database."""

    path: str
    exists: bool = False
    layers: tuple[str, ...] = ()
    steps: dict[str, StepStatus] = field(default_factory=dict)
    error: str = ""

    def done(self, step: str) -> bool:
        s = self.steps.get(step)
        return bool(s and s.done)

    def enabled(self, step: str) -> bool:
        """A step can run when the steps it needs have run (import always can)."""
        return all(self.done(n) for n in steps.NEEDS[step])


def read_runs(db: str | Path) -> pd.DataFrame:
    """The run log (riskdb.read_runs); an empty one when it cannot be read — then only the
    "when" of each step is lost."""
    try:
        return riskdb.read_runs(db)
    except Exception:  # a log another version wrote differently
        return riskdb.read_runs("")


def _last_runs(runs: pd.DataFrame) -> dict[str, int]:
    """Step name → position of its last row in the log."""
    return {str(s): i for i, s in enumerate(runs["step"])} if len(runs) else {}


def _when(runs: pd.DataFrame, i: int | None) -> str:
    if i is None:
        return ""
    row = runs.iloc[i]
    for c in ("finished", "started"):
        v = row.get(c)
        if isinstance(v, str) and v:
            return v
    return ""


def _import_finished(db: Path, layers) -> str:
    """When the import ran, from import_runs (databases without a run log)."""
    if "import_runs" not in layers:
        return ""
    try:
        f = _read(db, "import_runs", ("finished",))["finished"].dropna().astype(str)
        return str(f.max()) if len(f) else ""
    except Exception:
        return ""


def read_status(db: str | Path) -> DatabaseStatus:
    """Which steps have run on ``db`` and their key counts.

    Done or not is read from the layers and fields (re-scoring removes the proximity and
    cascade fields, so the log alone would mislead); the run log only says when."""
    path = Path(db) if db else Path("")
    status = DatabaseStatus(str(db or ""), steps={s: StepStatus(s) for s in steps.ORDER})
    if not db or not path.is_file():
        return status
    status.exists = True
    try:
        layers = tuple(riskdb.layer_names(path))
    except Exception as exc:  # not a GeoPackage, or unreadable
        status.error = str(exc)
        return status
    status.layers = layers
    runs = read_runs(path)
    last = _last_runs(runs)
    done = status.steps
    for s in steps.ORDER:
        done[s].finished = _when(runs, last.get(steps.ALGORITHMS[s]))

    # import: units and hazards exist
    if UNIT_LAYER not in layers or HAZARD_LAYER not in layers:
        return status
    imp = done["import"]
    imp.done = True
    errors = warnings = 0
    if "import_issues" in layers and "severity" in _fields(path, "import_issues"):
        errors = _count(path, "import_issues", "severity = 'error'")
        warnings = _count(path, "import_issues", "severity = 'warning'")
    imp.counts = {"units": _feature_count(path, UNIT_LAYER), "hazards": _feature_count(path, HAZARD_LAYER),
                  "errors": errors, "warnings": warnings}
    imp.finished = imp.finished or _import_finished(path, layers)

    hazard_fields = set(_fields(path, HAZARD_LAYER))
    unit_fields = set(_fields(path, UNIT_LAYER))
    # score: hazards have a level
    if not steps.is_scored(hazard_fields):
        return status
    sc = done["score"]
    sc.done = True
    # One pass over units and one over hazards, counted in the database (a city's million rows
    # stay there).
    level_of = {f"level{k}": f'"level" = {k}' for k in LEVELS} if "level" in unit_fields else {}
    unit_counts = _counts(path, UNIT_LAYER, {
        **level_of, "all": "1", **({"major_hazards": '"major_hazard" = 1'} if "major_hazard" in unit_fields else {})})
    sc.counts = {f"level{k}": unit_counts.get(f"level{k}", 0) for k in LEVELS}
    sc.counts["unscored"] = unit_counts["all"] - sum(unit_counts.get(f"level{k}", 0) for k in LEVELS)
    sc.counts["major_hazards"] = unit_counts.get("major_hazards", 0)
    # one COUNT each: each is answered from its partial index (store.tx.INDEXES)
    hz_counts = {k: _count(path, HAZARD_LAYER, w) for k, w, f in (
        ("upgraded", _non_empty("upgrade_reason"), "upgrade_reason"), ("near_high", '"n_high" > 0', "n_high"),
        ("cascade_upgraded", _non_empty("cascade_reason"), "cascade_reason")) if f in hazard_fields}

    # proximity: receptor fields on the hazards
    if hazard_fields & set(PROXIMITY_FIELDS):
        px = done["proximity"]
        px.done = True
        px.counts = {
            "links": _feature_count(path, "hazard_receptor_links") if "hazard_receptor_links" in layers else 0,
            "upgraded": hz_counts.get("upgraded", 0),
            "near_high": hz_counts.get("near_high", 0),
        }

    # cascade: the edges layer and the graph measures on the hazards
    if "cascade_edges" in layers and hazard_fields & set(CASCADE_FIELDS):
        cs = done["cascade"]
        cs.done = True
        cs.counts = {
            "edges": _feature_count(path, "cascade_edges"),
            "chains": _feature_count(path, "cascade_chains") if "cascade_chains" in layers else 0,
            "upgraded": hz_counts.get("cascade_upgraded", 0),
        }

    # map: the unified layer, unless the run log shows a step that changes the levels after it
    # (then the map and district summary show old levels, and the report refuses them)
    if "risk_map" in layers:
        mp = done["map"]
        map_at = last.get(steps.ALGORITHMS["map"])
        after = [last[a] for a in steps.LEVEL_ALGORITHMS if a in last]
        mp.stale = map_at is not None and bool(after) and max(after) > map_at
        mp.done = not mp.stale
        mp.counts = {"units": _feature_count(path, "risk_map"),
                     "districts": _feature_count(path, "district_summary") if "district_summary" in layers else 0}
        if "control_findings" in layers and "code" in _fields(path, "control_findings"):
            # who answers for the risk: the findings of the rules' [controls], by kind
            found = _counts(path, "control_findings", {key: f"\"code\" = '{code}'"
                                                      for code, key in accountability.SUMMARY_KEYS.items()})
            mp.counts.update(found)

    # the exports (report, risk list, notice cards): a run-log row after the last row of every
    # step that changes the database
    exports = {steps.ALGORITHMS[s] for s in steps.EXPORTS}
    changed = [i for s, i in last.items() if s not in exports]
    for step in steps.EXPORTS:
        at = last.get(steps.ALGORITHMS[step])
        if at is None or (changed and at < max(changed)):
            continue
        ex = done[step]
        ex.done = True
        try:
            summary = json.loads(runs["summary"].iloc[at] or "{}")
        except (TypeError, ValueError):
            summary = {}
        summary = summary if isinstance(summary, dict) else {}
        ex.outputs = {k: str(summary[k]) for k in ("xlsx", "pdf", "folder") if summary.get(k)}
        ex.counts = {"files": len(ex.outputs), **{k: int(summary[k]) for k in ("rows", "cards")
                                                   if isinstance(summary.get(k), (int, float))}}
    return status


# --- summary ----------------------------------------------------------------------------

@dataclass
class LevelSummary:
    """Units per level (1..4, and unscored) and per sector × level."""

    levels: dict[int, int] = field(default_factory=lambda: {k: 0 for k in LEVELS})
    unscored: int = 0
    total: int = 0
    #: one row per sector: sector, sector_zh, level1..level4, unscored, total (most units first)
    by_sector: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["sector", "sector_zh", *[f"level{k}" for k in LEVELS], "unscored", "total"]))


def latest_changes(db: str | Path) -> dict | None:
    """The latest change report's summary — ``before``, ``after`` and the units per change —
    when the database holds its layer (``round_changes``); None otherwise."""
    if "round_changes" not in riskdb.layer_names(Path(db)):
        return None
    summary = riskdb.last_summary(db, "change_report")
    return summary or None


#: The units' dynamic level (scoring/dynamic.py), counted when it is there.
DYNAMIC_FIELD = "dynamic_level"


def level_summary(db: str | Path, field: str = "level") -> LevelSummary:
    """Units per level and per sector; reads three columns of ``units``. ``field``: the level
    counted — ``level`` (inherent, with the upgrades) or ``dynamic_level`` (现实风险)."""
    path = Path(db)
    out = LevelSummary()
    if not path.is_file() or UNIT_LAYER not in riskdb.layer_names(path):
        return out
    have = set(_fields(path, UNIT_LAYER))
    # (grouped in the order of the index csrm_units_panel, store.tx.INDEXES: no sort of a million rows)
    groups = _grouped_counts(path, UNIT_LAYER, tuple(c for c in (field, "sector", "sector_zh") if c in have))
    groups = groups.rename(columns={field: "level"}).reindex(columns=["sector", "sector_zh", "level", "n"])
    lv = pd.to_numeric(groups["level"], errors="coerce")
    lv = lv.where(lv.isin(LEVELS), 0).astype(int)  # 0: unscored
    n = groups["n"].fillna(0).astype(np.int64)
    out.levels = {k: int(n[lv == k].sum()) for k in LEVELS}
    out.unscored = int(n[lv == 0].sum())
    out.total = int(n.sum())
    if not out.total:
        return out
    sector = groups["sector"].astype(object).where(groups["sector"].notna(), "").astype(str)
    sector_zh = groups["sector_zh"].astype(object).where(groups["sector_zh"].notna(), sector).astype(str)
    frame = pd.DataFrame({"sector": sector, "sector_zh": sector_zh, "level": lv, "n": n})
    table = frame.pivot_table(index=["sector", "sector_zh"], columns="level", values="n", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=[*LEVELS, 0], fill_value=0)
    table.columns = [*[f"level{k}" for k in LEVELS], "unscored"]
    table["total"] = table.sum(axis=1)
    table = table.reset_index().sort_values(["total", "sector"], ascending=[False, True], kind="stable")
    out.by_sector = table.reset_index(drop=True)
    return out


# --- districts ----------------------------------------------------------------------------

DISTRICT_LAYER = "district_summary"
#: The columns of :attr:`DistrictLevels.table`: counts, the inherent counts and the units
#: raised (nullable: empty when the inherent levels are not recorded), shares in percent of
#: ``n_units``.
DISTRICT_LEVEL_COLUMNS = ("district", "n_units", *[f"level{k}" for k in LEVELS], "unscored",
                          *[f"inherent{k}" for k in LEVELS], "raised", *[f"share{k}" for k in LEVELS],
                          "share_unscored")
#: What the panel reads of the district summary (one row per district).
_SUMMARY_COLUMNS = ("district", "n_units", *[f"n_level{k}" for k in LEVELS], "n_unscored",
                    *[f"n_inherent{k}" for k in LEVELS], "n_raised", "risk_index_rank")
#: Where the districts come from: the risk map's district summary (units located in each
#: district's area) or the units' surveyed district field (no current summary).
FROM_MAP, FROM_UNITS = "map", "units"


@dataclass
class DistrictLevels:
    """Units per district and level, with each level's share, the units per inherent level
    (the level the scores give, before the proximity and cascade upgrades) and the units the
    upgrades raised (docs/domain/mapping.md §3.1)."""

    #: one row per district (:data:`DISTRICT_LEVEL_COLUMNS`), worst first
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DISTRICT_LEVEL_COLUMNS)))
    source: str = ""  # FROM_MAP, FROM_UNITS, or "" (nothing to show)
    inherent: bool = False  # whether the inherent levels are recorded (False: scored before they were kept)


def _with_shares(table: pd.DataFrame) -> pd.DataFrame:
    n = table["n_units"].astype(float)
    for key, count in [*((f"share{k}", f"level{k}") for k in LEVELS), ("share_unscored", "unscored")]:
        table[key] = (100.0 * table[count].astype(float) / n).where(n > 0)
    return table.reindex(columns=list(DISTRICT_LEVEL_COLUMNS))


def _districts_from_summary(path: Path) -> DistrictLevels:
    have = set(_fields(path, DISTRICT_LAYER))
    frame = _read(path, DISTRICT_LAYER, tuple(c for c in _SUMMARY_COLUMNS if c in have))
    frame = frame.reindex(columns=list(_SUMMARY_COLUMNS))
    if frame["risk_index_rank"].notna().any():
        frame = frame.assign(_r=pd.to_numeric(frame["risk_index_rank"], errors="coerce")).sort_values(
            "_r", kind="stable", na_position="last")
    name = frame["district"].astype(object).where(frame["district"].notna(), "").astype(str)
    table = pd.DataFrame({"district": name.to_numpy()})
    for key, col in (("n_units", "n_units"), *((f"level{k}", f"n_level{k}") for k in LEVELS),
                     ("unscored", "n_unscored")):
        table[key] = pd.to_numeric(frame[col], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    for key, col in (*((f"inherent{k}", f"n_inherent{k}") for k in LEVELS), ("raised", "n_raised")):
        table[key] = pd.array(pd.to_numeric(frame[col], errors="coerce").round(), dtype="Int64")
    inherent = bool(table["raised"].notna().any())
    return DistrictLevels(_with_shares(table), FROM_MAP, inherent)


def _level_codes(s: pd.Series) -> np.ndarray:
    """Levels 1–4, 0 for none (unscored, unknown)."""
    lv = pd.to_numeric(s, errors="coerce")
    return lv.where(lv.isin(LEVELS), 0).fillna(0).astype(np.int64).to_numpy()


def _districts_from_units(path: Path) -> DistrictLevels:
    have = set(_fields(path, UNIT_LAYER))
    if "district" not in have:
        return DistrictLevels()
    by = tuple(c for c in ("district", "level", "inherent_level") if c in have)
    groups = _grouped_counts(path, UNIT_LAYER, by).reindex(columns=["district", "level", "inherent_level", "n"])
    if not len(groups):
        return DistrictLevels()
    name = groups["district"].astype(object).where(groups["district"].notna(), "").astype(str).str.strip()
    lv, il = _level_codes(groups["level"]), _level_codes(groups["inherent_level"])
    n = groups["n"].fillna(0).astype(np.int64).to_numpy()
    inherent = "inherent_level" in have and (bool((il > 0).any()) or not bool((lv > 0).any()))
    long = pd.DataFrame({"district": name.to_numpy(), "lv": lv, "il": il, "n": n,
                         "raised": np.where((lv > 0) & (il > 0) & (lv < il), n, 0)})
    per_level = long.pivot_table(index="district", columns="lv", values="n", aggfunc="sum", fill_value=0)
    per_level = per_level.reindex(columns=[*LEVELS, 0], fill_value=0)
    per_inherent = long.pivot_table(index="district", columns="il", values="n", aggfunc="sum", fill_value=0)
    per_inherent = per_inherent.reindex(index=per_level.index, columns=list(LEVELS), fill_value=0)
    table = pd.DataFrame({"district": per_level.index.astype(str), "n_units": per_level.sum(axis=1).to_numpy()})
    for k in LEVELS:
        table[f"level{k}"] = per_level[k].to_numpy()
    table["unscored"] = per_level[0].to_numpy()
    raised = long.groupby("district")["raised"].sum().reindex(per_level.index).to_numpy()
    for k in LEVELS:
        table[f"inherent{k}"] = pd.array(per_inherent[k].to_numpy() if inherent else [pd.NA] * len(table),
                                         dtype="Int64")
    table["raised"] = pd.array(raised if inherent else [pd.NA] * len(table), dtype="Int64")
    table = table.sort_values(["level1", "level2", "n_units", "district"], ascending=[False, False, False, True],
                              kind="stable").reset_index(drop=True)
    return DistrictLevels(_with_shares(table), FROM_UNITS, inherent)


def district_levels(db: str | Path, status: DatabaseStatus | None = None) -> DistrictLevels:
    """Per district: units of each level and their share, by inherent level, raised by the
    upgrades. From the district summary while the risk map is current (the districts the map
    colours; one row per district is read), else counted in the database from the units'
    surveyed district field (``GROUP BY district, level, inherent_level``): a million units
    stay there. ``status`` (:func:`read_status`), when the caller has it, saves reading it."""
    path = Path(db)
    if not path.is_file():
        return DistrictLevels()
    status = status or read_status(path)
    if not status.done("import") or status.error or not status.done("score"):
        return DistrictLevels()
    if DISTRICT_LAYER in status.layers and status.done("map"):
        return _districts_from_summary(path)
    return _districts_from_units(path)


def level_one_units(db: str | Path) -> pd.DataFrame:
    """The level-1 (重大风险) units: code, name, sector, district, R value, and ``score`` /
    ``score_text`` by the unit's method (R 120.2, D 1800, LS 20); GB 18218 units first."""
    path = Path(db)
    if not path.is_file() or UNIT_LAYER not in riskdb.layer_names(path) or \
            not steps.is_scored(_fields(path, UNIT_LAYER)):
        return pd.DataFrame(columns=list(LEVEL_ONE_COLUMNS))
    fields = set(_fields(path, UNIT_LAYER))
    frame = _read(path, UNIT_LAYER, tuple(c for c in (*LEVEL_ONE_COLUMNS, "worst_hazard") if c in fields),
                  where='"level" = 1')
    frame["r_value"] = pd.to_numeric(frame.get("r_value"), errors="coerce")
    # Each unit's score by its own method: R (GB 18218), else its worst hazard source's D
    # (LEC) or R (LS); GB 18218 units first, each method by its score.
    hz_fields = set(_fields(path, HAZARD_LAYER))
    d = pd.Series(np.nan, index=frame.index)
    ls = pd.Series(np.nan, index=frame.index)
    if "worst_hazard" in frame and {"lec_d", "ls_r"} <= hz_fields:
        hz = _read(path, HAZARD_LAYER, ("hazard_code", "lec_d", "ls_r"), where='"level" = 1').set_index("hazard_code")
        hz = hz[~hz.index.duplicated()]
        d = pd.to_numeric(frame["worst_hazard"].map(hz["lec_d"]), errors="coerce")
        ls = pd.to_numeric(frame["worst_hazard"].map(hz["ls_r"]), errors="coerce")
    method = frame.get("method", pd.Series("", index=frame.index)).fillna("").astype(str)
    gb = frame["r_value"].notna() & (method == "gb18218")
    lec = ~gb & d.notna()
    lsm = ~gb & ~lec & ls.notna()
    frame["score"] = np.select([gb, lec, lsm], [frame["r_value"], d, ls], np.nan)
    frame["score_text"] = np.select(
        [gb, lec, lsm],
        ["R " + frame["r_value"].round(1).astype(str), "D " + d.round(0).astype("Int64").astype(str),
         "LS " + ls.round(0).astype("Int64").astype(str)], "")
    frame["_rank"] = np.select([gb, lec, lsm], [0, 1, 2], 3)
    frame = frame.sort_values(["_rank", "score", "unit_code"], ascending=[True, False, True], na_position="last",
                              kind="stable").drop(columns="_rank")
    return frame.reset_index(drop=True)


# --- one unit ---------------------------------------------------------------------------

@dataclass
class UnitDetails:
    """One unit for the inspector: its row, hazards, receptors around them, chains from them."""

    unit: dict
    hazards: pd.DataFrame
    receptors: pd.DataFrame  # nearest first
    chains: pd.DataFrame  # most probable first
    #: what the rules' [controls] found missing (the risk map's control_findings); empty before
    findings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(FINDING_DETAIL_COLUMNS)))


def unit_details(db: str | Path, unit_code: str, max_receptors: int = 50, max_chains: int = 30) -> UnitDetails | None:
    """Everything the inspector shows for ``unit_code``; None when the unit is not there."""
    path = Path(db)
    if not unit_code or not path.is_file():
        return None
    layers = riskdb.layer_names(path)
    if UNIT_LAYER not in layers:
        return None
    units = _read(path, UNIT_LAYER, UNIT_DETAIL_COLUMNS, where=f'"unit_code" = {_quote_text(unit_code)}')
    if not len(units):
        return None
    unit = {k: _plain(v) for k, v in units.iloc[0].items()}
    hazards = pd.DataFrame(columns=list(HAZARD_DETAIL_COLUMNS))
    if HAZARD_LAYER in layers:
        hazards = _read(path, HAZARD_LAYER, HAZARD_DETAIL_COLUMNS, where=f'"unit_code" = {_quote_text(unit_code)}')
        lv = pd.to_numeric(hazards["level"], errors="coerce").fillna(9)
        hazards = hazards.assign(_lv=lv).sort_values(["_lv", "hazard_code"], kind="stable").drop(columns="_lv")
        hazards = hazards.reset_index(drop=True)
        # a person's phone is personal data: the inspector shows it masked (138****5678), as
        # the reports do unless asked
        masked = mask_phone(hazards["responsible_phone"]).astype(object)
        hazards["responsible_phone"] = masked.where(masked.notna(), None)
    codes = [str(c) for c in hazards["hazard_code"].dropna()]
    receptors = pd.DataFrame(columns=list(RECEPTOR_COLUMNS))
    chains = pd.DataFrame(columns=list(CHAIN_COLUMNS))
    # Links and chains describe the levels of their run: after a re-score (which removes the
    # proximity and cascade fields from the hazards) they are not shown.
    hz_fields = set(_fields(path, HAZARD_LAYER)) if HAZARD_LAYER in layers else set()
    if codes and "hazard_receptor_links" in layers and hz_fields & set(PROXIMITY_FIELDS):
        receptors = _read(path, "hazard_receptor_links", RECEPTOR_COLUMNS, where=f'"hazard_code" IN {_in_list(codes)}')
        receptors["distance_m"] = pd.to_numeric(receptors["distance_m"], errors="coerce")
        receptors = receptors.sort_values(["distance_m", "receptor_name"], kind="stable").head(max_receptors)
        receptors = receptors.reset_index(drop=True)
    if codes and "cascade_chains" in layers and hz_fields & set(CASCADE_FIELDS):
        chains = _read(path, "cascade_chains", CHAIN_COLUMNS, where=f'"start" IN {_in_list(codes)}')
        chains["probability"] = pd.to_numeric(chains["probability"], errors="coerce")
        chains = chains.sort_values(["probability", "start", "rank"], ascending=[False, True, True],
                                    kind="stable").head(max_chains).reset_index(drop=True)
    findings = pd.DataFrame(columns=list(FINDING_DETAIL_COLUMNS))
    if "control_findings" in layers:
        findings = _read(path, "control_findings", FINDING_DETAIL_COLUMNS,
                         where=f'"unit_code" = {_quote_text(unit_code)}').reset_index(drop=True)
    return UnitDetails(unit, hazards, receptors, chains, findings)


def _plain(v):
    """numpy scalars and NaN → plain Python values and None."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v.item() if hasattr(v, "item") else v


# --- everything the panel shows at once --------------------------------------------------

@dataclass
class Snapshot:
    """What the dock shows for one database, read in one go (e.g. in a background task)."""

    status: DatabaseStatus
    summary: LevelSummary
    level_one: pd.DataFrame
    districts: DistrictLevels = field(default_factory=DistrictLevels)
    #: the units per dynamic level (现实风险), and its assessment day; None and "" when the
    #: dynamic risk has not been computed since the last scoring
    dynamic: LevelSummary | None = None
    dynamic_as_of: str = ""
    #: the latest change report (citysafety:change_report): what it compared, and its units per
    #: change (rounds.CHANGES); None before one was made
    changes: dict | None = None


def snapshot(db: str | Path) -> Snapshot:
    status = read_status(db)
    if status.done("import") and not status.error:
        dynamic, as_of = None, ""
        if DYNAMIC_FIELD in _fields(Path(db), UNIT_LAYER):
            dynamic = level_summary(db, DYNAMIC_FIELD)
            as_of = str(riskdb.last_summary(db, "dynamic_risk").get("as_of", ""))  # the run log says the day
        return Snapshot(status, level_summary(db), level_one_units(db), district_levels(db, status), dynamic, as_of,
                        latest_changes(db))
    return Snapshot(status, LevelSummary(), pd.DataFrame(columns=list(LEVEL_ONE_COLUMNS)))


__all__ = [
    "CHAIN_COLUMNS",
    "LEVELS",
    "RECEPTOR_COLUMNS",
    "DatabaseStatus",
    "DistrictLevels",
    "LevelSummary",
    "Snapshot",
    "StepStatus",
    "UnitDetails",
    "district_levels",
    "level_one_units",
    "level_summary",
    "read_runs",
    "read_status",
    "snapshot",
    "unit_details",
]
