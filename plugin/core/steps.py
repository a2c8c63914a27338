"""The steps on a risk database (the workflow), as the Processing algorithms, the panel and
the one-run chain run them, without QGIS.

:data:`STEPS` is the workflow: each step's id, its Processing algorithm and the steps it
needs. Each step function reads what it needs through ``store``, calls its stage
(scoring, exposure, cascade, mapping, reporting) and writes what it owns — its own layers,
its own columns of units and hazards — in one transaction (:class:`riskdb.Write`, see
:mod:`plugin.core.store.tx`): a failure or a cancel leaves the database as it was, and a
step refuses to commit over a state another run committed after it read. The fields each step writes and clears are in
:mod:`plugin.core.fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import fields
from .errors import PipelineError
from .files import name_of
from .mapping import accountability
from .progress import Progress
from .rules import Rules
from .scoring import dynamic, levels
from .scoring.methods import HAZARD_INPUTS, UNIT_INPUTS, score
from .store import read, riskdb

# --- the workflow -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    id: str
    algorithm: str  # the Processing algorithm (citysafety:<algorithm>); also its name in analysis_runs
    needs: tuple[str, ...]  # the steps that must have run first
    changes_levels: bool = False  # a map made before it shows old levels
    writes: tuple[str, ...] = ()  # the layers only it writes (their presence: it has run)


#: The workflow, in order.
STEPS: tuple[Step, ...] = (
    Step(fields.IMPORT, "import_surveys", (), writes=("import_runs", "import_issues")),
    Step(fields.SCORE, "score", (fields.IMPORT,), changes_levels=True, writes=("score_issues",)),
    Step(fields.PROXIMITY, "proximity", (fields.SCORE,), changes_levels=True,
         writes=("hazard_receptor_links", "proximity_issues")),
    Step(fields.CASCADE, "cascade", (fields.SCORE,), changes_levels=True, writes=("cascade_edges", "cascade_chains")),
    Step(fields.MAP, "risk_map", (fields.SCORE,), writes=("risk_map", "risk_level1", "risk_grid", "district_summary")),
    Step(fields.REPORT, "export_report", (fields.MAP,)),
    Step(fields.RISK_LIST, "risk_list", (fields.SCORE,)),
    Step(fields.CARDS, "notice_cards", (fields.SCORE,)),
)
#: The steps that write files from the database and change nothing in it.
EXPORTS: tuple[str, ...] = (fields.REPORT, fields.RISK_LIST, fields.CARDS)
STEP: dict[str, Step] = {s.id: s for s in STEPS}
ORDER: tuple[str, ...] = tuple(s.id for s in STEPS)
ALGORITHMS: dict[str, str] = {s.id: s.algorithm for s in STEPS}
NEEDS: dict[str, tuple[str, ...]] = {s.id: s.needs for s in STEPS}
#: The algorithms whose runs change the levels (the map is stale after them).
LEVEL_ALGORITHMS: tuple[str, ...] = tuple(s.algorithm for s in STEPS if s.changes_levels)

RISK_MAP_FIELDS = fields.names("risk_map")


def algorithm(step: str, provider: str = "citysafety") -> str:
    """The Processing algorithm id of a step ("citysafety:score")."""
    return f"{provider}:{ALGORITHMS[step]}"


def redo_after(step: str, layers) -> tuple[str, ...]:
    """The level-changing steps after ``step`` that have run on a database with these
    ``layers``: running ``step`` again scores from the survey values, so they run again too
    (before the map)."""
    later = ORDER[ORDER.index(step) + 1:ORDER.index(fields.MAP)]
    return tuple(s for s in later if STEP[s].changes_levels and STEP[s].writes and STEP[s].writes[0] in set(layers))


def _receptor_classes(rules: Rules) -> dict[str, str]:
    return {c.id: c.zh for c in rules.receptors.classes.values()}


def _drop(frame: pd.DataFrame, layer: str, step: str, rules: Rules) -> pd.DataFrame:
    """``frame`` without the fields ``step`` clears on ``layer`` (fields.py)."""
    gone = fields.cleared(layer, step, _receptor_classes(rules), present=frame.columns)
    return frame.drop(columns=[c for c in gone if c in frame])


def _read(db: Path, layer: str, step: str, rules: Rules, geometry: bool = True, keep: tuple[str, ...] = (),
          only: tuple[str, ...] | None = None):
    """What ``step`` reads of ``layer``: every column but those it clears and writes anew
    (``keep``: cleared ones it still needs), or ``only`` these; the geometry only when it
    uses it."""
    have = read.field_names(db, layer)
    gone = set(fields.cleared(layer, step, _receptor_classes(rules), present=have)) - set(keep)
    wanted = [c for c in have if c not in gone and (only is None or c in only)]
    return read.layer(db, layer, wanted, geometry=geometry)


#: What scoring reads of each layer (proximity scores again: the same, with locations).
SCORE_INPUTS = {"units": UNIT_INPUTS, "hazards": HAZARD_INPUTS}
#: What the cascade reads (a test checks the result is what reading every column gives).
CASCADE_INPUTS = {
    "hazards": ("hazard_code", "unit_code", "sector", "equipment", "substance", "cas", "category", "quantity_t",
                "volume_m3", "level", "level_zh", "colour", "cascade_base_level"),
    "units": ("unit_code", "level", "level_zh", "colour", "worst_hazard", "level_reasons", "cascade_reason"),
}
#: The cascade's own fields it reads before it replaces them (to undo an earlier run).
CASCADE_KEEPS = ("cascade_base_level", "cascade_reason")


def _cleared(db: Path, layer: str, step: str, rules: Rules, written) -> tuple[str, ...]:
    """The columns ``step`` removes from ``layer``: those it clears and does not write."""
    have = read.field_names(db, layer)
    return tuple(c for c in fields.cleared(layer, step, _receptor_classes(rules), present=have)
                 if c in have and c not in set(written))


def _changed(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``new`` (geometry left out) that ``old`` lacks or that differ from it."""
    geometry = new.geometry.name if isinstance(new, gpd.GeoDataFrame) else None
    keep = [c for c in new.columns if c != geometry and (c not in old or not _same(new[c], old[c]))]
    return pd.DataFrame(new[keep])


def _same(a: pd.Series, b: pd.Series) -> bool:
    if len(a) != len(b):
        return False
    try:
        return bool(a.reset_index(drop=True).equals(b.reset_index(drop=True)))
    except (TypeError, ValueError):
        return False


def is_scored(hazard_fields) -> bool:
    """Whether a database whose hazards have these fields has been scored."""
    return "level" in hazard_fields


def require_scored(db: Path, *field_sets, needs: tuple[str, str] = ("", "")) -> None:
    """The one check of "scored yet": a clear error when a database's hazards (or units)
    lack a level. ``needs``: what needs the levels, in English and Chinese."""
    if all(is_scored(f) for f in field_sets):
        return
    en, zh = needs
    raise PipelineError(f"{name_of(db)} is not scored yet; run citysafety:score first" + (f"; {en}" if en else ""),
                        f"{name_of(db)} 尚未评价，请先运行风险评价" + (f"，{zh}" if zh else ""))


def _read_scored(db: Path, step: str, rules: Rules, keep: tuple[str, ...] = (),
                 only: dict[str, tuple[str, ...]] | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Units and hazards of a database that has been scored (else a clear error), as
    ``step`` reads them (:func:`_read`; ``only``: layer → the columns it reads)."""
    read.require_layers(db, ("units", "hazards"))
    require_scored(db, read.field_names(db, "hazards"))
    only = only or {}
    return (_read(db, "units", step, rules, keep=keep, only=only.get("units")),
            _read(db, "hazards", step, rules, keep=keep, only=only.get("hazards")))


def _geo(frame: pd.DataFrame, like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=like.geometry.name, crs=like.crs)


# --- records beside the survey: hidden dangers (隐患记录) and accidents (事故记录) ---------------------

def import_records(db: str | Path, paths, rules: Rules, family: str, progress: Progress | None = None):
    """Read and check the files of a record ``family`` (``hidden_dangers`` or ``accidents``)
    against the risk database's units and hazard sources, and write the accepted records, the
    issues and the per-file balance into it (replacing the previous import's), in one
    transaction. Returns the :class:`~.ingest.records.RecordsResult`; nothing is written when
    it is not balanced."""
    from .ingest import records

    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    base = riskdb.state(db)
    read.require_layers(db, ("units", "hazards"))
    units = read.columns(db, "units", ["unit_code"])["unit_code"]
    hazards = read.columns(db, "hazards", ["hazard_code", "unit_code"])
    result = records.import_records(paths, family, rules, units=units.astype(str), hazards=hazards,
                                    progress=progress)
    if not result.balanced:
        raise PipelineError(f"{family}: the row balance check failed; nothing was written",
                            f"{family}：行数平衡校验未通过，未写入任何内容")
    progress.step(95, "写入 Writing")
    grades = result.records["grade"].value_counts()
    with riskdb.Write(db, f"import_{family}", base) as w:
        for name, frame in zip(records.layers(family), (result.records, result.issues, result.runs)):
            w.layer(name, frame)
        w.log(rules, {"files": len(result.files), "records": len(result.records),
                      **{str(k): int(v) for k, v in grades.items()},
                      "rows_rejected": int(result.runs["rows_rejected"].sum())}, started)
    return result


def import_hidden_dangers(db: str | Path, paths, rules: Rules, progress: Progress | None = None):
    """:func:`import_records` of hidden-danger ledgers (citysafety:import_hidden_dangers)."""
    return import_records(db, paths, rules, "hidden_dangers", progress)


def import_accidents(db: str | Path, paths, rules: Rules, progress: Progress | None = None):
    """:func:`import_records` of accident records (citysafety:import_accidents)."""
    return import_records(db, paths, rules, "accidents", progress)


# --- dynamic risk (现实风险) ------------------------------------------------------------------------

@dataclass
class DynamicSummary:
    units: pd.DataFrame  # unit_code, level and the dynamic fields, in the units' order
    as_of: str
    sources: dict  # what each factor read: layer → rows


def dynamic_risk(db: str | Path, rules: Rules, as_of, progress: Progress | None = None) -> DynamicSummary:
    """Each unit's dynamic level on ``as_of`` (a date) from its inherent level and what the
    database holds — the hidden dangers (citysafety:import_hidden_dangers), the accidents
    (when imported) and the risk map's [controls] findings — written to the units' own
    fields (scoring/dynamic.py), the inherent level untouched."""
    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    base = riskdb.state(db)
    day = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    read.require_layers(db, ("units", "hazards"))
    require_scored(db, read.field_names(db, "hazards"))
    progress.step(5, "读取风险数据库 Reading the risk database")
    # the units once: the codes and levels, and where they are for the hidden dangers' districts
    who = read.columns(db, "units", ["unit_code", "level", "name", "district", "street", "sector_zh"])
    units = who[["unit_code", "level"]]
    have = set(riskdb.layer_names(db))
    wanted = {"hidden_dangers": ["danger_code", "unit_code", "hazard_code", "description", "grade", "status",
                                 "status_zh", "found_date", "deadline", "rectified_date", "source"],
              "accidents": ["unit_code", "date"], "control_findings": ["unit_code", "code", "hazard_code"]}
    found = {name: read.columns(db, name, cols) for name, cols in wanted.items() if name in have}
    progress.step(40, "计算现实风险 Dynamic levels")
    out = dynamic.dynamic_levels(units, rules.dynamic, day, dangers=found.get("hidden_dangers"),
                         accidents=found.get("accidents"), findings=found.get("control_findings"))
    out["dynamic_as_of"] = day
    progress.step(80, "写入 Writing")
    dyn = pd.to_numeric(out["dynamic_level"], errors="coerce")
    by_code = out.set_axis(units["unit_code"].astype(str).to_numpy())
    by_code = by_code[~by_code.index.duplicated()]
    # the map's points once: their codes match the dynamic fields to them, and place them in the districts
    points = read.layer(db, "risk_map", ["unit_code", "level"], geometry=True) if "risk_map" in have else None
    on_map = {} if points is None else {"risk_map": by_code.reindex(points["unit_code"].astype(str).to_numpy())}
    level1 = _dynamic_level1(db, by_code) if "risk_level1" in have and "risk_map" in have else None
    per_district = None
    if "district_summary" in have and "risk_map" in have:  # the map's districts, counted again
        from .mapping.districts import district_summary

        areas = read.layer(db, "district_summary", ["district"], geometry=True)
        dyn_map = on_map["risk_map"].reset_index(drop=True)
        counted = district_summary(points, areas, name_field="district", weights=levels.weights(rules),
                                   sums=dynamic.district_sums(dyn_map))
        per_district = counted[list(fields.names("district_summary", fields.DYNAMIC))]
    with riskdb.Write(db, "dynamic_risk", base) as w:
        w.columns("units", out)
        for name, frame in on_map.items():
            w.columns(name, frame.reset_index(drop=True))
        if level1 is not None:
            w.layer("risk_level1", level1)
        if "hidden_dangers" in found:  # who is behind with them (docs/domain/dynamic_risk.md §6)
            for name, frame in zip(("hidden_danger_districts", "hidden_danger_supervision"),
                                   dynamic.hidden_danger_accountability(found["hidden_dangers"], who, day)):
                w.layer(name, frame)
        if per_district is not None:
            w.columns("district_summary", per_district)
        w.log(rules, {"as_of": day, "raised": int((out["dynamic_raise"] > 0).sum()),
                      **{f"dynamic_level{k}": int((dyn == k).sum()) for k in (1, 2, 3, 4)},
                      **{f"read_{k}": len(v) for k, v in found.items()}}, started)
    return DynamicSummary(pd.concat([units, out], axis=1), day, {k: len(v) for k, v in found.items()})


def _dynamic_level1(db: Path, by_code: pd.DataFrame) -> gpd.GeoDataFrame:
    """``risk_level1`` again: the risk map's units of level 1, inherent or dynamic (so that a
    unit raised to level 1 draws at every scale too), with their dynamic fields and the
    level-1 density of their cell counted by the dynamic levels (docs/domain/dynamic_risk.md §4)."""
    from .mapping.aggregate import cell_level1_density

    top = by_code.index[by_code["dynamic_level"] == 1]
    codes = ", ".join("'" + c.replace("'", "''") + "'" for c in top)
    where = '"level" = 1' + (f' OR "unit_code" IN ({codes})' if len(top) else "")
    names = [n for n in fields.names("risk_level1") if n not in by_code.columns and n != "cell_level1_per_km2"]
    rows = read.layer(db, "risk_map", names, geometry=True, where=where)
    dyn = by_code.reindex(rows["unit_code"].astype(str).to_numpy()).reset_index(drop=True)
    rows = rows.reset_index(drop=True)
    for c in dyn.columns:
        rows[c] = dyn[c].to_numpy()
    x, y = rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()
    rows["cell_level1_per_km2"] = cell_level1_density(x, y, rows["dynamic_level"].fillna(rows["level"]),
                                                      np.ones(len(rows), dtype=bool))
    return rows[[*[n for n in fields.names("risk_level1") if n in rows], rows.geometry.name]]


# --- what changed between two survey rounds ----------------------------------------------------

@dataclass
class ChangeSummary:
    changes: pd.DataFrame  # round_changes' rows
    before: str  # what was compared: round labels
    after: str
    counts: dict  # change → units


def change_report(db: str | Path, before=None, after=None, by_dynamic: bool = False, rules: Rules | None = None,
                  progress: Progress | None = None) -> ChangeSummary:
    """Compare two states of ``db`` (rounds.round_state: a round's id or name; ``before`` None:
    the round before the current one; ``after`` None: the current survey, by its dynamic level
    when ``by_dynamic``) and write what changed, unit by unit, as the point layer ``round_changes``
    (replacing an earlier comparison), in one transaction (docs/rounds.md §4)."""
    from . import rounds

    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    base = riskdb.state(db)
    read.require_layers(db, ("units", "hazards"))
    current = rounds.current_round(db)
    if before in (None, ""):
        if current < 2:
            raise PipelineError(f"{name_of(db)} holds one survey round only: import a new round to compare",
                                f"{name_of(db)} 只有一轮调查：导入新一轮调查后才能比较")
        before = current - 1
    progress.step(10, "读取两轮 Reading the rounds")
    b_units, b_hazards, b_label = rounds.round_state(db, before)
    a_units, a_hazards, a_label = rounds.round_state(db, after)
    level = "level"
    if by_dynamic:
        if after not in (None, "", "current", "当前"):
            raise PipelineError("the dynamic risk is today's: compare it with the current survey (TO blank)",
                                "现实风险是当前的：与当前调查比较时 TO 须留空")
        have = read.field_names(db, "units")
        if "dynamic_level" not in have:
            raise PipelineError("no dynamic levels: run citysafety:dynamic_risk first",
                                "尚无现实风险等级：请先运行 citysafety:dynamic_risk")
        reasons = read.columns(db, "units", [f"reason_{f}" for f in dynamic.FACTORS])  # the level is in the snapshot
        a_units = pd.concat([a_units, reasons], axis=1)
        level, a_label = "dynamic_level", a_label + " 现实风险 dynamic"
    for label, frame in ((b_label, b_units), (a_label, a_units)):
        if len(frame) and not pd.to_numeric(frame["level"], errors="coerce").notna().any():
            raise PipelineError(f"round {label} has no levels: run citysafety:score on it before comparing",
                                f"调查轮次 {label} 尚无风险等级：请先运行 citysafety:score 再比较")
    progress.step(40, "比较 Comparing")
    changes = rounds.compare((b_units, b_hazards), (a_units, a_hazards), level=level)
    points = gpd.GeoDataFrame(changes, geometry=gpd.points_from_xy(pd.to_numeric(changes["lon"], errors="coerce"),
                                                                   pd.to_numeric(changes["lat"], errors="coerce")),
                              crs="EPSG:4490")
    tally = {c: int((changes["change"] == c).sum()) for c in rounds.CHANGES}
    progress.step(80, "写入 Writing")
    with riskdb.Write(db, "change_report", base) as w:
        w.layer("round_changes", points)
        w.log(rules, {"before": b_label, "after": a_label, **tally}, started)
    return ChangeSummary(changes, b_label, a_label, tally)


# --- score ----------------------------------------------------------------------------------

@dataclass
class ScoreSummary:
    units: pd.DataFrame
    hazards: pd.DataFrame
    issues: pd.DataFrame


def score_database(db: str | Path, rules: Rules, progress: Progress | None = None,
                   population: pd.Series | None = None, population_source: str = "raster") -> ScoreSummary:
    """Add the score fields to ``hazards`` and ``units`` (replacing earlier ones) and write
    ``score_issues``; the input rows are otherwise untouched."""
    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    base = riskdb.state(db)
    progress.step(2, "读取风险数据库 Reading the risk database")
    read.require_layers(db, ("units", "hazards"))
    # Scoring starts again from the survey values: earlier proximity results (α from a raster,
    # upgrades) and the cascade no longer hold, so their fields go too (fields.py: cleared_by).
    units = _read(db, "units", fields.SCORE, rules, geometry=False, only=UNIT_INPUTS)
    hazards = _read(db, "hazards", fields.SCORE, rules, geometry=False, only=HAZARD_INPUTS)
    progress.step(20, "评价 Scoring")
    result = score(units, hazards, rules, population=population, population_source=population_source)
    units_out = pd.concat([units, result.units], axis=1)
    progress.step(80, "写入 Writing")
    with riskdb.Write(db, "score", base) as w:
        w.columns("units", result.units, clear=_cleared(db, "units", fields.SCORE, rules, result.units.columns))
        w.columns("hazards", result.hazards,
                  clear=_cleared(db, "hazards", fields.SCORE, rules, result.hazards.columns))
        w.layer("score_issues", result.issues)
        w.log(rules, {"units": len(units), "hazards": len(hazards), **levels.level_counts(units_out)}, started)
    return ScoreSummary(units_out, pd.concat([hazards, result.hazards], axis=1), result.issues)


# --- the risk map ---------------------------------------------------------------------------

@dataclass
class RiskMap:
    risk_map: gpd.GeoDataFrame
    density: object  # mapping.density.DensityGrid
    districts: gpd.GeoDataFrame | None
    findings: pd.DataFrame  # mapping.accountability.FINDING_COLUMNS


def _accountability(db: Path, rules: Rules, units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit, its hazard sources by level and what it lacks; and the findings of the rules'
    ``[controls]`` (mapping/accountability.py), on the final levels. Only counts and the
    findings' rows are read: the blank tests run in the database."""
    have_h = set(read.field_names(db, "hazards")) if "hazards" in riskdb.layer_names(db) else set()
    have_u = set(read.field_names(db, "units"))
    empty = pd.DataFrame({"unit_code": [], "level": [], "n": []})
    points = read.grouped_counts(db, "hazards", ("unit_code", "level")) if {"unit_code", "level"} <= have_h else empty
    where = accountability.hazard_filter(rules.controls, have_h) if "level" in have_h else None
    candidates = read.computed_rows(db, "hazards", ("hazard_code", "unit_code", "level"),
                                    accountability.hazard_flags(have_h), where) if where else \
        pd.DataFrame(columns=["hazard_code", "unit_code", "level", "no_controls", "no_person"])
    where = accountability.major_filter(rules.controls, have_u)
    majors = read.present_rows(db, "units", ("unit_code", *accountability.MAJOR_PEOPLE), where) if where else \
        pd.DataFrame(columns=["unit_code"])
    names = {k: (v.zh, v.en) for k, v in rules.levels.items()}
    found = accountability.findings(candidates, majors, units, rules.controls, names)
    return accountability.unit_counts(units["unit_code"], points, found), found


def build_risk_map(db: str | Path, rules: Rules, density_path: str | Path, districts: gpd.GeoDataFrame | None = None,
                   progress: Progress | None = None) -> RiskMap:
    """The unified risk layer ``risk_map``, the risk-density GeoTIFF and, with districts,
    the ``district_summary`` layer."""
    from .mapping.aggregate import aggregate, cell_level1_density, points_visible_below
    from .mapping.density import risk_density, write_density_tif
    from .mapping.districts import district_summary

    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    base = riskdb.state(db)
    progress.step(2, "读取风险数据库 Reading the risk database")
    read.require_layers(db, ("units",))
    have = read.field_names(db, "units")
    require_scored(db, have)
    units = read.layer(db, "units", [c for c in RISK_MAP_FIELDS if c in have], geometry=True)
    layers: dict = {}
    risk = gpd.GeoDataFrame(units[[c for c in RISK_MAP_FIELDS if c in units]], geometry=units.geometry,
                            crs=units.crs)
    progress.step(10, "管控责任 Who answers for the risk")
    counts, found = _accountability(db, rules, risk)
    for c in counts:
        risk[c] = counts[c].to_numpy()
    layers["control_findings"] = found
    layers["street_summary"] = accountability.street_summary(risk)
    level = pd.to_numeric(risk["level"], errors="coerce").to_numpy(dtype=float)
    weight_of = levels.weights(rules)
    weights = pd.Series(level).map(weight_of).fillna(0.0).to_numpy(dtype=float)
    progress.step(20, "风险密度 Risk density")
    try:
        grid = risk_density(risk.geometry.x.to_numpy(), risk.geometry.y.to_numpy(), weights,
                            cell_m=rules.density["cell_m"], bandwidth_m=rules.density["bandwidth_m"],
                            kernel=rules.density["kernel"])
    except ValueError as exc:  # no units, or units spread too far for one grid (check outliers)
        raise PipelineError(f"cannot build the risk density: {exc}. Check for units far outside the city "
                            f"(import with a survey area to have them warned)",
                            f"无法生成风险密度：{exc}。请检查是否有远离城市的单位坐标"
                            f"（导入时设定调查区域可给出警告）") from exc
    write_density_tif(grid, density_path)
    summary = None
    if districts is not None and len(districts):
        progress.step(60, "行政区汇总 District summary")
        sums = {t: accountability.per_unit_int(risk, c) for t, c in accountability.COUNT_SOURCES.items()}
        if "dynamic_level" in risk:  # the dynamic risk ran before: its counts too (scoring/dynamic.py)
            sums.update(dynamic.district_sums(risk))
        summary = district_summary(risk, districts, weights=weight_of, sums=sums)
        layers["district_summary"] = summary
    layers["risk_map"] = risk
    # level 1 inherent or, when the dynamic risk ran before, dynamic (_dynamic_level1)
    shown = pd.to_numeric(risk["dynamic_level"], errors="coerce").fillna(pd.Series(level, index=risk.index)) \
        .to_numpy(dtype=float) if "dynamic_level" in risk else level
    top = (level == 1) | (shown == 1)
    layers["risk_level1"] = risk[top].assign(cell_level1_per_km2=cell_level1_density(
        risk.geometry.x.to_numpy(), risk.geometry.y.to_numpy(), shown, top))
    progress.step(70, "聚合网格 Aggregation grid")
    points_below = points_visible_below(risk.geometry.x.to_numpy(), risk.geometry.y.to_numpy())
    layers["risk_grid"] = aggregate(risk.geometry.x.to_numpy(), risk.geometry.y.to_numpy(), level)
    progress.step(80, "写入 Writing")
    with riskdb.Write(db, "risk_map", base) as w:
        for name, frame in layers.items():
            w.layer(name, frame)
        w.log(rules, {"units": len(risk), "districts": 0 if summary is None else len(summary),
                      "points_below": points_below, **accountability.finding_counts(found)}, started)
    return RiskMap(risk, grid, summary, found)


# --- proximity ------------------------------------------------------------------------------

PROXIMITY_HAZARD_FIELDS = fields.names("hazards", fields.PROXIMITY)


@dataclass
class ProximitySummary:
    units: gpd.GeoDataFrame
    hazards: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    issues: pd.DataFrame
    n_upgraded: int
    n_breaches: int


def proximity_database(db: str | Path, rules: Rules, receptors: pd.DataFrame | None = None,
                       population_raster: str | Path | None = None, name_field: str | None = None,
                       class_field: str | None = None, progress: Progress | None = None,
                       receptor_source: str = "") -> ProximitySummary:
    """Receptors and people around every hazard source; α from the raster population; the
    rules' upgrades, each recorded in ``level_reasons``. Scoring is redone from the survey
    values first, so running this step again gives the same result."""
    from .exposure import population as pop
    from .exposure.receptors import prepare_receptors, receptor_proximity
    from .exposure.upgrade import proximity_upgrade

    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    base = riskdb.state(db)
    progress.step(2, "读取风险数据库 Reading the risk database")
    units, hazards = _read_scored(db, fields.PROXIMITY, rules, only=SCORE_INPUTS)
    base_units, base_hazards = units, hazards
    issues: list[pd.DataFrame] = []
    radius = rules.receptors.alpha_radius_m
    reach = base_hazards["sector"].map({k: v.reach_m for k, v in rules.sectors.items()}).astype(float).to_numpy()

    # People within 500 m of each unit (α) and around each hazard source.
    unit_pop = None
    hz_pop500 = np.full(len(base_hazards), np.nan)
    hz_pop_reach = np.full(len(base_hazards), np.nan)
    if population_raster:
        progress.step(10, "人口 Population")
        method = rules.receptors.population_method
        unit_pop, not_covered = pop.unit_population(
            base_units.geometry.x.to_numpy(), base_units.geometry.y.to_numpy(),
            base_units["unit_code"].astype(object).to_numpy(), population_raster, radius, method=method)
        if len(not_covered):
            issues.append(not_covered)
        hz_pop500, hz_pop_reach = pop.hazard_population(
            base_hazards.geometry.x.to_numpy(), base_hazards.geometry.y.to_numpy(), reach, population_raster,
            radius, method=method)
    progress.step(30, "评价（人口 α） Scoring with the population's α")
    scored = score(base_units, base_hazards, rules, population=unit_pop, population_source="raster")
    h_level = scored.hazards["level"].to_numpy(dtype="float64", na_value=np.nan)

    # Receptors within reach, nearest high-sensitivity receptor, protection distance.
    per = pd.DataFrame(index=base_hazards.index)
    links = gpd.GeoDataFrame({"hazard_code": pd.Series(dtype=object)}, geometry=gpd.GeoSeries([], crs="EPSG:4490"))
    links.attrs["geometry_type"] = "LineString"
    if receptors is not None and len(receptors):
        progress.step(50, "敏感目标 Receptors")
        rec, rec_issues = prepare_receptors(receptors, rules, name_field=name_field, class_field=class_field,
                                            source=receptor_source)
        issues.append(rec_issues)
        prox = receptor_proximity(gpd.GeoDataFrame(base_hazards[["hazard_code", "sector"]],
                                                   geometry=base_hazards.geometry, crs=base_hazards.crs), rec, rules)
        per = prox.per_hazard
        links = prox.links
        links.attrs["geometry_type"] = "LineString"
    new_level, reason = proximity_upgrade(h_level, per, reach, rules,
                                          sector=base_hazards["sector"].astype(object).to_numpy())
    hz_out = scored.hazards.copy()
    up = np.isfinite(new_level) & (new_level != h_level)
    hz_out["base_level"] = scored.hazards["level"]
    levels.set_level(hz_out, up, new_level[up], rules)
    hz_out["upgrade_reason"] = reason
    hz_out["reach_m"] = reach
    hz_out["pop_500m"] = hz_pop500
    hz_out["pop_reach"] = hz_pop_reach
    per = per.drop(columns=[c for c in ("reach_m",) if c in per])

    # Units: the worst hazard after the upgrades; the upgrade line joins the reasons.
    u_out = levels.raise_units(scored.units.copy(), base_units["unit_code"], base_hazards, new_level, reason, rules)
    u_out["population_500m"] = unit_pop.reindex(base_units["unit_code"].astype(object)).to_numpy() \
        if unit_pop is not None else np.nan

    units_new = _geo(pd.concat([base_units, u_out], axis=1), units)
    hazards_new = _geo(pd.concat([base_hazards, hz_out, per], axis=1), hazards)
    issue_frame = pd.concat(issues, ignore_index=True) if issues else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in fields.names("proximity_issues")})
    progress.step(85, "写入 Writing")
    hz_all = pd.concat([hz_out, per], axis=1)
    with riskdb.Write(db, "proximity", base) as w:
        w.columns("units", u_out, clear=_cleared(db, "units", fields.PROXIMITY, rules, u_out.columns))
        w.columns("hazards", hz_all, clear=_cleared(db, "hazards", fields.PROXIMITY, rules, hz_all.columns))
        for name, frame in (("score_issues", scored.issues), ("hazard_receptor_links", links),
                            ("proximity_issues", issue_frame)):
            w.layer(name, frame)
        w.log(rules, {"links": len(links), "upgraded": int(up.sum()), "population_raster": str(population_raster or ""),
                      "receptors": receptor_source, **levels.level_counts(u_out)}, started)
    breaches = int(per["protection_breach"].sum()) if "protection_breach" in per else 0
    return ProximitySummary(units_new, hazards_new, links, issue_frame, int(up.sum()), breaches)


# --- cascade --------------------------------------------------------------------------------

CASCADE_HAZARD_FIELDS = fields.names("hazards", fields.CASCADE)


@dataclass
class CascadeSummary:
    hazards: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    chains: pd.DataFrame
    info: dict
    n_upgraded: int


def _before_cascade(units: pd.DataFrame, hazards: pd.DataFrame, rules: Rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units and hazards as before an earlier cascade run (from its fields: the hazards'
    ``cascade_base_level``; the units' levels from their worst hazard), without its fields."""
    if "cascade_base_level" in hazards:
        hazards = hazards.assign(level=hazards["cascade_base_level"])
        base = pd.to_numeric(hazards["level"], errors="coerce").to_numpy(dtype=float)
        levels.set_level(hazards, np.isfinite(base), base[np.isfinite(base)], rules)
        units = levels.units_from_hazards(units, hazards, rules)
        if "cascade_reason" not in units:
            units = _without_legacy_cascade_lines(units)
    return _drop(units, "units", fields.CASCADE, rules), _drop(hazards, "hazards", fields.CASCADE, rules)


def _without_legacy_cascade_lines(units: pd.DataFrame) -> pd.DataFrame:
    """A database cascaded by version 0.5 kept a unit's cascade upgrade as a line of its
    ``level_reasons`` ending in the cascade mark (now the ``cascade_reason`` field): remove
    those lines once, so the new run does not show the upgrade twice."""
    import re

    from .cascade.upgrade import CASCADE_MARK

    line = rf"\n[^\n]*{re.escape(CASCADE_MARK)}[^\n]*"
    reasons = units["level_reasons"].astype(object).fillna("").str.replace(line, "", regex=True)
    return units.assign(level_reasons=reasons)


def _cascade(units_read: pd.DataFrame, hazards_read: pd.DataFrame, rules: Rules, progress: Progress):
    """The cascade's computation on the units and hazards as read: the new hazards and units
    (with their cascade fields and raised levels), the edge lines, the chains, the graph's
    info and which hazard sources it raised."""
    from .cascade import graph as cg
    from .cascade.edges import edge_lines, escalation_edges
    from .cascade.upgrade import cascade_upgrade

    # Start from the levels before any earlier cascade run, so running again gives the same.
    units, hazards = _before_cascade(units_read, hazards_read, rules)
    progress.step(10, "效应模型与候选对 Effect models and candidate pairs")
    scen, dist, edges, _ = escalation_edges(hazards, rules)
    n = len(hazards)
    codes = hazards["hazard_code"].astype(object).to_numpy()
    level_now = pd.to_numeric(hazards["level"], errors="coerce").fillna(0).astype(int).to_numpy()
    progress.step(40, "图的度量 Graph measures")
    c = rules.cascade
    max_edges = int(c.get("centrality_max_edges", cg.DEFAULT_CENTRALITY_MAX_EDGES))
    per, info = cg.graph_measures(
        n, edges, level_now, codes, exact_max_nodes=int(c["exact_centrality_max_nodes"]),
        sample_k=int(c["centrality_sample_k"]), seed=int(c["seed"]),
        reach_2_max_pairs=int(c.get("reach_2_max_pairs", cg.DEFAULT_REACH_2_MAX_PAIRS)),
        centrality_max_edges=max_edges,
        centrality_edge_budget=int(c.get("centrality_edge_budget", cg.DEFAULT_CENTRALITY_EDGE_BUDGET)))
    new_level, reason = cascade_upgrade(level_now, edges, codes, rules)
    progress.step(70, "最可能的连锁链 Most probable chains")
    starts = np.flatnonzero((level_now == 1) | (level_now == 2))
    no_chains = pd.DataFrame({k: pd.Series(dtype=t) for k, t in (
        ("start", object), ("rank", int), ("chain", object), ("length", int), ("probability", float))})
    chains = cg.most_probable_chains(n, edges, codes, starts, max_graph_edges=max_edges) if len(edges) else no_chains
    changed = np.isfinite(new_level) & (new_level != level_now)
    hz = hazards.copy()
    hz["cascade_base_level"] = hazards["level"]
    levels.set_level(hz, changed, new_level[changed], rules)
    hz["cascade_reason"] = reason
    hz["scenario"] = scen["scenario"].to_numpy()
    hz["vector"] = dist["vector"].to_numpy()
    hz["d_max"] = dist["d_max"].to_numpy()
    for column in per.columns:
        hz[column] = per[column].to_numpy()
    u_out = units.copy()
    u_out["cascade_reason"] = ""
    u_out = levels.raise_units(u_out, units["unit_code"], hz, new_level, reason, rules, reason_field="cascade_reason")
    edge_layer = edge_lines(hazards, edges)
    return hz, u_out, edge_layer, chains, info, changed


def cascade_database(db: str | Path, rules: Rules, progress: Progress | None = None) -> CascadeSummary:
    """The domino graph over all hazard sources, its measures, the upgrade rule, the most
    probable chains; writes cascade_edges, cascade_chains and the new hazard and unit
    fields (a unit's cascade upgrade in its own ``cascade_reason``)."""
    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    base = riskdb.state(db)
    progress.step(2, "读取风险数据库 Reading the risk database")
    units_read, hazards_read = _read_scored(db, fields.CASCADE, rules, keep=CASCADE_KEEPS, only=CASCADE_INPUTS)
    hazards = hazards_read
    hz, u_out, edge_layer, chains, info, changed = _cascade(units_read, hazards_read, rules, progress)
    progress.step(85, "写入 Writing")
    hz = _geo(hz, hazards)
    u_out = _geo(u_out, units_read)
    with riskdb.Write(db, "cascade", base) as w:
        # Only the columns this run changed (the levels it raised, its own fields).
        for layer, new, old in (("hazards", hz, hazards_read), ("units", u_out, units_read)):
            w.columns(layer, _changed(new, old), clear=_cleared(db, layer, fields.CASCADE, rules, new.columns))
        w.layer("cascade_edges", edge_layer)
        w.layer("cascade_chains", chains)
        w.log(rules, {"edges": len(edge_layer), "chains": len(chains), "upgraded": int(changed.sum()),
                      **levels.level_counts(u_out)}, started)
    return CascadeSummary(hz, u_out, edge_layer, chains, info, int(changed.sum()))


@dataclass
class ScenarioResult:
    affected: gpd.GeoDataFrame  # the initiator and every source it can fail
    zone: gpd.GeoDataFrame  # the union of their effect zones
    receptors_by_class: pd.Series
    population: float
    start: str


def cascade_scenario(db: str | Path, rules: Rules, start_code: str, threshold: float = 1e-3, trials: int = 2000,
                     seed: int | None = None, receptors: pd.DataFrame | None = None,
                     population_raster: str | Path | None = None, progress: Progress | None = None) -> ScenarioResult:
    """One initiating accident at ``start_code``: the deterministic set (every source whose
    most probable chain from the start has probability ≥ ``threshold``), a seeded Monte Carlo
    run giving each source's failure frequency, the union of the affected sources' effect
    zones, and the receptors and people inside it. The same seed gives the same answer."""
    import shapely

    from .cascade import scenario
    from .exposure.population import population_in_zone

    progress = progress or Progress()
    db = Path(db)
    base = riskdb.state(db)
    hazards = read.read_layers(db, ("hazards",))["hazards"]
    if not (hazards["hazard_code"].astype(object).to_numpy() == start_code).any():
        raise PipelineError(f"no hazard source with code {start_code!r} in {name_of(db)}",
                            f"{name_of(db)} 中没有编码为「{start_code}」的危险源")
    seed = int(rules.cascade.get("seed", 0)) if seed is None else int(seed)
    spread = scenario.spread(hazards, rules, start_code, threshold, trials, seed, check=progress.step)
    by_class = pd.Series(dtype=int)
    if receptors is not None and len(receptors) and not spread.zone.is_empty:
        from .exposure.receptors import prepare_receptors

        rec, _ = prepare_receptors(receptors, rules)
        inside = shapely.intersects(rec.geometry.to_numpy(), spread.zone)
        by_class = rec.loc[inside, "class_zh"].value_counts()
    people = float("nan")
    if population_raster and not spread.zone.is_empty:
        people = population_in_zone(spread.zone, population_raster)
    zone = scenario.zone_layer(start_code, spread, people, by_class)
    riskdb.update_layers(db, {"scenario_affected": spread.affected, "scenario_zone": zone}, step="cascade_scenario",
                         base=base)
    return ScenarioResult(spread.affected, zone, by_class, people, start_code)


# --- the report -----------------------------------------------------------------------------

def check_risk_map_current(db: str | Path, units: pd.DataFrame | None = None) -> None:
    """Refuse a database whose risk map (risk_map, district_summary) shows other levels than
    its units — a step changed the levels after citysafety:risk_map — so that no report
    mixes the two. A database without a risk map passes (the Excel report counts districts
    from the units then; the PDF needs the map and says so). ``units`` (unit_code, level),
    when the caller has read them already, saves reading them again."""
    from .reporting.data import changed_levels

    db = Path(db)
    if "risk_map" not in riskdb.layer_names(db):
        return
    cols = ("unit_code", "level")
    changed = changed_levels(read.columns(db, "units", cols) if units is None else units,
                             read.columns(db, "risk_map", cols))
    if changed:
        raise PipelineError(
            f"{name_of(db)}: the risk map is older than the levels ({changed} units differ; a step ran after "
            f"citysafety:risk_map); run citysafety:risk_map again before the report",
            f"{name_of(db)}：风险一张图早于当前风险等级（{changed} 个单位不一致，生成风险一张图后又运行了其他步骤），"
            f"请先重新运行风险一张图，再导出报告")


def report_data(db: str | Path, rules: Rules, unmask: bool = False, tr: Callable[[str], str] | None = None,
                top_chains: int | None = None):
    """Read a scored risk database and assemble the report's tables
    (:func:`reporting.data.assemble_report`).

    Raises :class:`PipelineError` (bilingual) when the database is missing, lacks the units
    or hazards layer, has not been scored, or its risk map is older than its levels."""
    from .reporting import data as rd

    db = Path(db)
    present = read.require_layers(db, ("units", "hazards"))
    unit_fields, hazard_fields = read.field_names(db, "units"), read.field_names(db, "hazards")
    require_scored(db, unit_fields, hazard_fields, needs=("the report needs levels", "报告需要风险等级"))
    check_risk_map_current(db)
    # The counts of the whole city in the database; the rows only of what the lists can show:
    # the level-1 and level-2 units and their hazard sources, the level-1 and level-2 sources
    # with their receptors, the sources and units of the most probable chains.
    by = tuple(c for c in rd.UNIT_COUNT_FIELDS if c in unit_fields)
    unit_counts = read.grouped_counts(db, "units", by)
    hazard_counts = read.grouped_counts(db, "hazards", ("level",))
    small = tuple(n for n in rd.TABLES if n != "hazard_receptor_links")
    tables = {n: read.present_columns(db, n) if n in present else None for n in small}
    listed = '"unit_code" IN (SELECT "unit_code" FROM "units" WHERE "level" IN (1, 2))'
    hazard_where = f'"level" IN (1, 2) OR {listed}'
    ends = rd.top_chain_ends(tables["cascade_chains"], rd.TOP_CHAINS if top_chains is None else top_chains)
    if ends:
        hazard_where += f' OR "hazard_code" IN {read.in_list(ends)}'
    hazards = read.present_rows(db, "hazards", rd.HAZARD_FIELDS, hazard_where)
    unit_where = f'"level" IN (1, 2) OR "unit_code" IN (SELECT "unit_code" FROM "hazards" WHERE {hazard_where})'
    if "control_findings" in present:  # the units the findings name, for their names
        unit_where += ' OR "unit_code" IN (SELECT "unit_code" FROM "control_findings")'
    units = read.present_rows(db, "units", rd.UNIT_FIELDS, unit_where)
    if "hazard_receptor_links" in present:
        tables["hazard_receptor_links"] = read.present_rows(
            db, "hazard_receptor_links", None,
            '"hazard_code" IN (SELECT "hazard_code" FROM "hazards" WHERE "level" IN (1, 2)) OR '
            f'("sensitivity" = \'high\' AND "hazard_code" IN (SELECT "hazard_code" FROM "hazards" WHERE {listed}))')
    else:
        tables["hazard_receptor_links"] = None
    tables = {n: tables[n] for n in rd.TABLES}
    source = rd.ReportSource(db=db, layers=frozenset(present), units=units, hazards=hazards, tables=tables,
                             plugin_version=riskdb.plugin_version(), unit_counts=unit_counts,
                             hazard_counts=hazard_counts)
    return rd.assemble_report(source, rules, unmask=unmask, tr=rd.identity if tr is None else tr,
                              top_chains=rd.TOP_CHAINS if top_chains is None else top_chains)


# --- the risk list --------------------------------------------------------------------------

def _risk_list_sql(db: Path, filters) -> tuple[str, tuple[str, ...]]:
    """The risk list's SELECT (every hazard source matching ``filters`` with its unit's
    columns and the [controls] rule's blank tests, in the list's order) and the columns the
    database lacks (read as empty)."""
    from .reporting.risk_list import COLUMNS

    have = {"h": set(read.field_names(db, "hazards")), "u": set(read.field_names(db, "units"))}
    picks, absent = [], []
    for c in COLUMNS:
        if not c.table:
            continue
        if c.source in have[c.table]:
            picks.append(f"{c.table}.{read.quote_ident(c.source)} AS {read.quote_ident(c.key)}")
        else:
            picks.append(f"NULL AS {read.quote_ident(c.key)}")
            absent.append(c.key)
    flags = accountability.hazard_flags(have["h"], "h")
    picks += [f"({flags['no_controls']}) AS _no_controls", f"({flags['no_person']}) AS _no_person",
              f"({accountability.people_flag(have['u'], 'u')}) AS _no_people"]
    where = []
    if filters.districts:
        where.append(f'TRIM(u."district") IN {read.in_list(filters.districts)}')
    if filters.streets:
        where.append(f'TRIM(u."street") IN {read.in_list(filters.streets)}')
    if filters.sectors:
        where.append(f'h."sector" IN {read.in_list(filters.sectors)}')
    if filters.levels:
        where.append(f'h."level" IN ({", ".join(str(int(k)) for k in filters.levels)})')
    # level 1 first (unscored last), then by place and code
    order = 'h."level" IS NULL, h."level", u."district", u."street", h."unit_code", h."hazard_code"'
    sql = (f'SELECT {", ".join(picks)} FROM "hazards" h LEFT JOIN "units" u ON u."unit_code" = h."unit_code" '
           f'WHERE {" AND ".join(where) or "1"} ORDER BY {order}')
    return sql, tuple(absent)


def export_risk_list(db: str | Path, path: str | Path, rules: Rules, filters=None, unmask: bool = False,
                     tr: Callable[[str], str] | None = None, progress: Progress | None = None):
    """The risk list (风险清单, reporting/risk_list.py) of a scored database, read in chunks
    and written to ``path``. Raises :class:`PipelineError` for a database without units and
    hazards or without levels."""
    from .reporting import risk_list

    db = Path(db)
    read.require_layers(db, ("units", "hazards"))
    require_scored(db, read.field_names(db, "units"), read.field_names(db, "hazards"),
                   needs=("the risk list needs levels", "风险清单需要风险等级"))
    filters = filters or risk_list.Filters()
    progress = progress or Progress()
    progress.step(2, "读取风险点 Reading the risk points")
    sql, absent = _risk_list_sql(db, filters)
    return risk_list.write_risk_list(read.query_chunks(db, sql, risk_list.CHUNK_ROWS), path, db, rules, filters,
                                     absent, unmask=unmask, tr=tr or (lambda t: t), progress=progress)


# --- the notice cards -----------------------------------------------------------------------

#: What a notice card reads of its units and their hazard sources (those the database has).
CARD_UNIT_FIELDS = ("unit_code", "name", "address", "district", "street", "sector_zh", "level", "major_hazard",
                    "supervising_dept", "duty_phone", "principal_person", "technical_person", "operating_person",
                    "lon", "lat")
CARD_HAZARD_FIELDS = ("hazard_code", "unit_code", "name", "level", "accident_types", "controls_engineering",
                      "controls_management", "controls_emergency", "responsible_person", "responsible_phone")


def notice_card_units(db: str | Path, codes: tuple[str, ...] = (), districts: tuple[str, ...] = (),
                      levels: tuple[int, ...] = (1, 2)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units the notice cards are for — the ``codes`` given, else those of ``levels`` (and
    ``districts``, the units' surveyed names) — by level, district, street and code, and their
    hazard sources. Raises :class:`PipelineError` for a database without levels."""
    db = Path(db)
    read.require_layers(db, ("units", "hazards"))
    require_scored(db, read.field_names(db, "units"), read.field_names(db, "hazards"),
                   needs=("the notice cards need levels", "风险告知卡需要风险等级"))
    where = []
    if codes:
        where.append(f'"unit_code" IN {read.in_list(codes)}')
    else:
        if levels:
            where.append(f'"level" IN ({", ".join(str(int(k)) for k in levels)})')
        if districts:
            where.append(f'TRIM("district") IN {read.in_list(districts)}')
    condition = " AND ".join(where) or "1"
    units = read.present_rows(db, "units", CARD_UNIT_FIELDS, condition)
    for c in CARD_UNIT_FIELDS:
        if c not in units:
            units[c] = None
    units["_level"] = pd.to_numeric(units["level"], errors="coerce")
    units = units.sort_values(["_level", "district", "street", "unit_code"], na_position="last", kind="stable")
    hazards = read.present_rows(db, "hazards", CARD_HAZARD_FIELDS,
                                f'"unit_code" IN (SELECT "unit_code" FROM "units" WHERE {condition})')
    return units.drop(columns="_level").reset_index(drop=True), hazards
