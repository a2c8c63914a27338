"""The steps on a risk database, as the Processing algorithms run them (without QGIS).

Each step reads the layers it needs, computes over whole columns, and writes the whole
database back through :func:`riskdb.write_layers` (temporary file, then rename), so a
failure or a cancel leaves the previous database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import riskdb
from .density import DensityGrid, risk_density, write_density_tif
from .districts import district_summary
from .importer import Progress
from .rules import Rules
from .scoring import HAZARD_SCORE_FIELDS, UNIT_SCORE_FIELDS, score

RISK_MAP_FIELDS = ("unit_code", "name", "sector", "sector_zh", "district", "street", "address", "level", "level_zh",
                   "colour", "major_hazard", "worst_hazard", "hazard_count", "method", "r_value", "level_reasons")


class PipelineError(ValueError):
    """A step cannot run on this database (e.g. not scored yet); bilingual message."""

    def __init__(self, en: str, zh: str):
        self.en, self.zh = en, zh
        super().__init__(f"{en} / {zh}")


def _read(db: Path, names: tuple[str, ...]) -> dict:
    """The named layers of a risk database, or a clear error when one is missing."""
    if not db.is_file():
        raise PipelineError(f"risk database not found: {db}", f"找不到风险数据库：{db}")
    present = set(riskdb.layer_names(db))
    for n in names:
        if n not in present:
            raise PipelineError(f"{db.name} has no layer '{n}'; run citysafety:import_surveys first",
                                f"{db.name} 中没有图层「{n}」，请先运行导入调查数据")
    return {n: riskdb.read_layer(db, n) for n in names}


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
    progress.step(2, "读取风险数据库 Reading the risk database")
    layers = _read(db, ("units", "hazards"))
    # Scoring starts again from the survey values: earlier proximity results (α from a raster,
    # upgrades) no longer hold, so their fields go too; run citysafety:proximity again.
    units = layers["units"].drop(columns=[c for c in UNIT_SCORE_FIELDS + ("population_500m",) if c in layers["units"]])
    hazards = layers["hazards"]
    hazards = hazards.drop(columns=[c for c in HAZARD_SCORE_FIELDS if c in hazards] + _proximity_columns(hazards))
    progress.step(20, "评价 Scoring")
    result = score(units, hazards, rules, population=population, population_source=population_source)
    units = pd.concat([units, result.units], axis=1)
    hazards = pd.concat([hazards, result.hazards], axis=1)
    layers["units"] = gpd.GeoDataFrame(units, geometry=layers["units"].geometry.name, crs=layers["units"].crs)
    layers["hazards"] = gpd.GeoDataFrame(hazards, geometry=layers["hazards"].geometry.name, crs=layers["hazards"].crs)
    layers["score_issues"] = result.issues
    progress.step(80, "写入 Writing")
    riskdb.update_layers(db, layers)
    return ScoreSummary(layers["units"], layers["hazards"], result.issues)


@dataclass
class RiskMap:
    risk_map: gpd.GeoDataFrame
    density: DensityGrid
    districts: gpd.GeoDataFrame | None


def build_risk_map(db: str | Path, rules: Rules, density_path: str | Path, districts: gpd.GeoDataFrame | None = None,
                   progress: Progress | None = None) -> RiskMap:
    """The unified risk layer ``risk_map``, the risk-density GeoTIFF and, with districts,
    the ``district_summary`` layer."""
    progress = progress or Progress()
    db = Path(db)
    progress.step(2, "读取风险数据库 Reading the risk database")
    units = _read(db, ("units",))["units"]
    layers: dict = {}
    if "level" not in units:
        raise PipelineError(f"{db.name} is not scored yet; run citysafety:score first",
                            f"{db.name} 尚未评价，请先运行风险评价")
    risk = gpd.GeoDataFrame(units[[c for c in RISK_MAP_FIELDS if c in units]], geometry=units.geometry,
                            crs=units.crs)
    level = pd.to_numeric(risk["level"], errors="coerce").to_numpy(dtype=float)
    weight_of = {k: v.density_weight for k, v in rules.levels.items()}
    weights = pd.Series(level).map(weight_of).fillna(0.0).to_numpy(dtype=float)
    progress.step(20, "风险密度 Risk density")
    grid = risk_density(risk.geometry.x.to_numpy(), risk.geometry.y.to_numpy(), weights,
                        cell_m=rules.density["cell_m"], bandwidth_m=rules.density["bandwidth_m"],
                        kernel=rules.density["kernel"])
    write_density_tif(grid, density_path)
    summary = None
    if districts is not None and len(districts):
        progress.step(60, "行政区汇总 District summary")
        summary = district_summary(risk, districts, weights={int(k): float(v) for k, v in weight_of.items()})
        layers["district_summary"] = summary
    layers["risk_map"] = risk
    progress.step(80, "写入 Writing")
    riskdb.update_layers(db, layers)
    return RiskMap(risk, grid, summary)


def level_table(units: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Units by sector × level (rows: sectors in rules order, columns: levels + unscored)."""
    lvl = pd.to_numeric(units["level"], errors="coerce")
    table = pd.crosstab(units["sector"].astype(object), lvl.fillna(0).astype(int))
    cols = {k: f"{k} {v.zh}" for k, v in rules.levels.items()} | {0: "未评级 unscored"}
    table = table.reindex(index=list(rules.sectors), columns=[1, 2, 3, 4, 0], fill_value=0)
    table.index = [f"{s.zh} {s.en}" for s in rules.sectors.values()]
    table.columns = [cols[c] for c in table.columns]
    table["合计 total"] = table.sum(axis=1)
    table.loc["合计 total"] = table.sum(axis=0)
    if not table.iloc[:, -2].any():  # no unscored units: drop the column
        table = table.drop(columns="未评级 unscored")
    return table.astype(np.int64)


def raise_units(u_out: pd.DataFrame, unit_codes: pd.Series, hazards: pd.DataFrame, new_level: np.ndarray,
                reason: np.ndarray, rules: Rules) -> pd.DataFrame:
    """Units whose worst hazard source was raised take its new level; the hazard's reason
    line joins the unit's ``level_reasons`` (one line per fact that raised the level)."""
    zh = {k: v.zh for k, v in rules.levels.items()}
    col = {k: v.colour for k, v in rules.levels.items()}
    codes = hazards["unit_code"].astype(object).to_numpy()
    hcodes = hazards["hazard_code"].astype(object).to_numpy()
    key = np.where(np.isfinite(new_level), new_level, 9)
    order = np.lexsort((key, codes))
    first = pd.Series(order).groupby(codes[order]).first()
    wi = first.reindex(unit_codes.astype(object)).to_numpy()
    has = ~pd.isna(wi)
    wi_int = np.where(has, wi, 0).astype(np.int64)
    u_new = np.where(has, key[wi_int], 9)
    u_old = u_out["level"].to_numpy(dtype="float64", na_value=np.nan)
    raised = has & (u_new < 9) & (np.nan_to_num(u_old, nan=9) > u_new) & (reason[wi_int] != "")
    u_out.loc[raised, "level"] = u_new[raised].astype(int)
    u_out.loc[raised, "level_zh"] = pd.Series(u_new[raised]).map(zh).to_numpy()
    u_out.loc[raised, "colour"] = pd.Series(u_new[raised]).map(col).to_numpy()
    u_out.loc[raised, "worst_hazard"] = hcodes[wi_int[raised]]
    u_out.loc[raised, "level_reasons"] = (u_out.loc[raised, "level_reasons"].astype(object).to_numpy() + "\n"
                                          + reason[wi_int[raised]] + "（危险源 hazard " + hcodes[wi_int[raised]] + "）")
    return u_out


# --- proximity (DOMAIN.md §4) -------------------------------------------------------------

PROXIMITY_HAZARD_FIELDS = ("reach_m", "n_receptors", "n_high", "nearest_high_name", "nearest_high_class",
                           "nearest_high_m", "nearest_high_within_reach", "protection_m", "protection_breach",
                           "protection_receptor", "pop_500m", "pop_reach", "base_level", "upgrade_reason")


@dataclass
class ProximitySummary:
    units: gpd.GeoDataFrame
    hazards: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    issues: pd.DataFrame
    n_upgraded: int
    n_breaches: int


def _proximity_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in PROXIMITY_HAZARD_FIELDS or (c.startswith("n_") and c not in ("n_level",))]


def proximity_database(db: str | Path, rules: Rules, receptors: pd.DataFrame | None = None,
                       population_raster: str | Path | None = None, name_field: str | None = None,
                       class_field: str | None = None, progress: Progress | None = None,
                       receptor_source: str = "") -> ProximitySummary:
    """Receptors and people around every hazard source; α from the raster population; the
    rules' upgrades, each recorded in ``level_reasons``. Scoring is redone from the survey
    values first, so running this step again gives the same result."""
    from . import population as pop
    from .receptors import prepare_receptors, receptor_proximity

    progress = progress or Progress()
    db = Path(db)
    progress.step(2, "读取风险数据库 Reading the risk database")
    layers = _read(db, ("units", "hazards"))
    units, hazards = layers["units"], layers["hazards"]
    if "level" not in hazards:
        raise PipelineError(f"{db.name} is not scored yet; run citysafety:score first",
                            f"{db.name} 尚未评价，请先运行风险评价")
    base_units = units.drop(columns=[c for c in UNIT_SCORE_FIELDS + ("population_500m",) if c in units])
    base_hazards = hazards.drop(columns=[c for c in HAZARD_SCORE_FIELDS if c in hazards] + _proximity_columns(hazards))
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
        up = pop.population_within(base_units.geometry.x.to_numpy(), base_units.geometry.y.to_numpy(),
                                   population_raster, [radius], method=method)[radius]
        unit_pop = pd.Series(up, index=base_units["unit_code"].astype(object).to_numpy())
        radii = sorted({radius, *np.unique(reach[np.isfinite(reach)]).tolist()})
        hp = pop.population_within(base_hazards.geometry.x.to_numpy(), base_hazards.geometry.y.to_numpy(),
                                   population_raster, radii, method=method)
        hz_pop500 = hp[radius]
        for r in radii:
            hz_pop_reach[reach == r] = hp[r][reach == r]
    progress.step(30, "评价（人口 α） Scoring with the population's α")
    scored = score(base_units, base_hazards, rules, population=unit_pop, population_source="raster")
    h_level = scored.hazards["level"].to_numpy(dtype="float64", na_value=np.nan)

    # Receptors within reach, nearest high-sensitivity receptor, protection distance.
    n = len(base_hazards)
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
    # Upgrades (rules: upgrades.proximity): a hazard with a high-sensitivity receptor within reach.
    new_level = h_level.copy()
    reason = np.full(n, "", dtype=object)
    steps = rules.upgrades.get("proximity", {})
    if steps.get("enabled", True) and "nearest_high_within_reach" in per:
        within = per["nearest_high_within_reach"].fillna(False).to_numpy(dtype=bool)
        for step in steps.get("steps", []):
            hit = within & (h_level == step["from"])
            new_level[hit] = step["to"]
            if hit.any():
                reason[hit] = (per["nearest_high_class"].astype(object).to_numpy()[hit] + " "
                               + per["nearest_high_name"].astype(object).to_numpy()[hit] + " at "
                               + pd.Series(np.round(per["nearest_high_m"].to_numpy(dtype=float)[hit])).astype(int).astype(str).to_numpy()
                               + " m within reach " + pd.Series(reach[hit]).round().astype(int).astype(str).to_numpy()
                               + f" m → level {step['from']} → {step['to']}")
    hz_out = scored.hazards.copy()
    zh = {k: v.zh for k, v in rules.levels.items()}
    col = {k: v.colour for k, v in rules.levels.items()}
    up = np.isfinite(new_level) & (new_level != h_level)
    hz_out["base_level"] = scored.hazards["level"]
    hz_out.loc[up, "level"] = new_level[up].astype(int)
    hz_out.loc[up, "level_zh"] = pd.Series(new_level[up]).map(zh).to_numpy()
    hz_out.loc[up, "colour"] = pd.Series(new_level[up]).map(col).to_numpy()
    hz_out["upgrade_reason"] = reason
    hz_out["reach_m"] = reach
    hz_out["pop_500m"] = hz_pop500
    hz_out["pop_reach"] = hz_pop_reach
    per = per.drop(columns=[c for c in ("reach_m",) if c in per])

    # Units: the worst hazard after the upgrades; the upgrade line joins the reasons.
    u_out = raise_units(scored.units.copy(), base_units["unit_code"], base_hazards, new_level, reason, rules)
    u_out["population_500m"] = unit_pop.reindex(base_units["unit_code"].astype(object)).to_numpy() \
        if unit_pop is not None else np.nan

    units_new = gpd.GeoDataFrame(pd.concat([base_units, u_out], axis=1), geometry=units.geometry.name, crs=units.crs)
    hazards_new = gpd.GeoDataFrame(pd.concat([base_hazards, hz_out, per], axis=1), geometry=hazards.geometry.name,
                                   crs=hazards.crs)
    issue_frame = pd.concat(issues, ignore_index=True) if issues else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in ("code", "severity", "source", "row", "name", "value", "count",
                                              "message_zh", "message_en")})
    out = {"units": units_new, "hazards": hazards_new, "score_issues": scored.issues,
           "hazard_receptor_links": links, "proximity_issues": issue_frame}
    progress.step(85, "写入 Writing")
    riskdb.update_layers(db, out)
    breaches = int(per["protection_breach"].sum()) if "protection_breach" in per else 0
    return ProximitySummary(units_new, hazards_new, links, issue_frame, int(up.sum()), breaches)
