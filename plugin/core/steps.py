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

from .store import riskdb
from .mapping.density import DensityGrid, risk_density, write_density_tif
from .mapping.districts import district_summary
from .errors import PipelineError
from .progress import Progress
from .rules import Rules
from .scoring.methods import HAZARD_SCORE_FIELDS, UNIT_SCORE_FIELDS, score

RISK_MAP_FIELDS = ("unit_code", "name", "sector", "sector_zh", "district", "street", "address", "level", "level_zh",
                   "colour", "major_hazard", "worst_hazard", "hazard_count", "method", "r_value", "level_reasons")


def _read_scored(db: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Units and hazards of a database that has been scored (else a clear error)."""
    layers = _read(db, ("units", "hazards"))
    if "level" not in layers["hazards"]:
        raise PipelineError(f"{db.name} is not scored yet; run citysafety:score first",
                            f"{db.name} 尚未评价，请先运行风险评价")
    return layers["units"], layers["hazards"]


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
    started = riskdb.now_iso()
    progress.step(2, "读取风险数据库 Reading the risk database")
    layers = _read(db, ("units", "hazards"))
    # Scoring starts again from the survey values: earlier proximity results (α from a raster,
    # upgrades) no longer hold, so their fields go too; run citysafety:proximity again.
    units = layers["units"].drop(columns=[c for c in UNIT_SCORE_FIELDS + ("population_500m",) if c in layers["units"]])
    hazards = layers["hazards"]
    hazards = hazards.drop(columns=[c for c in HAZARD_SCORE_FIELDS + CASCADE_HAZARD_FIELDS if c in hazards]
                           + _proximity_columns(hazards))
    progress.step(20, "评价 Scoring")
    result = score(units, hazards, rules, population=population, population_source=population_source)
    units = pd.concat([units, result.units], axis=1)
    hazards = pd.concat([hazards, result.hazards], axis=1)
    layers["units"] = gpd.GeoDataFrame(units, geometry=layers["units"].geometry.name, crs=layers["units"].crs)
    layers["hazards"] = gpd.GeoDataFrame(hazards, geometry=layers["hazards"].geometry.name, crs=layers["hazards"].crs)
    layers["score_issues"] = result.issues
    layers[riskdb.RUNS_LAYER] = riskdb.run_log(db, "score", rules, {
        "units": len(units), "hazards": len(hazards), **_level_counts(units)}, started)
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
    started = riskdb.now_iso()
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
    try:
        grid = risk_density(risk.geometry.x.to_numpy(), risk.geometry.y.to_numpy(), weights,
                            cell_m=rules.density["cell_m"], bandwidth_m=rules.density["bandwidth_m"],
                            kernel=rules.density["kernel"])
    except ValueError as exc:  # no units, or units spread too far for one grid (check outliers)
        raise PipelineError(f"cannot build the risk density: {exc}. Check for units far outside the city "
                            f"(import with a survey area to have them warned)",
                            f"无法生成风险密度：{exc}。请检查是否有远离城市的单位坐标（导入时设定调查区域可给出警告）") from exc
    write_density_tif(grid, density_path)
    summary = None
    if districts is not None and len(districts):
        progress.step(60, "行政区汇总 District summary")
        summary = district_summary(risk, districts, weights={int(k): float(v) for k, v in weight_of.items()})
        layers["district_summary"] = summary
    layers["risk_map"] = risk
    layers[riskdb.RUNS_LAYER] = riskdb.run_log(db, "risk_map", rules, {
        "units": len(risk), "districts": 0 if summary is None else len(summary)}, started)
    progress.step(80, "写入 Writing")
    riskdb.update_layers(db, layers)
    return RiskMap(risk, grid, summary)


def _level_counts(units: pd.DataFrame) -> dict:
    level = pd.to_numeric(units["level"], errors="coerce") if "level" in units else pd.Series(dtype=float)
    return {f"level{k}": int((level == k).sum()) for k in (1, 2, 3, 4)}


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
    if not len(hazards):
        return u_out
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


# --- proximity (docs/domain/receptors.md) ------------------------------------------------

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


def _raster_covers(raster: str | Path, lon: np.ndarray, lat: np.ndarray, radius_m: float) -> np.ndarray:
    """Whether each point's circle lies inside the raster's extent (in the raster's CRS)."""
    import rasterio
    from pyproj import Transformer

    with rasterio.open(raster) as ds:
        crs, (x0, y0, x1, y1) = ds.crs, ds.bounds
    x, y = Transformer.from_crs(4490, crs.to_wkt(), always_xy=True).transform(lon, lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rx = ry = np.full(len(x), float(radius_m))
    if crs.is_geographic:  # metres to degrees at each point's latitude
        ry = np.full(len(x), radius_m / 111_320.0)
        rx = radius_m / (111_320.0 * np.cos(np.radians(np.clip(lat, -89, 89))))
    return (x - rx >= x0) & (x + rx <= x1) & (y - ry >= y0) & (y + ry <= y1)


def proximity_database(db: str | Path, rules: Rules, receptors: pd.DataFrame | None = None,
                       population_raster: str | Path | None = None, name_field: str | None = None,
                       class_field: str | None = None, progress: Progress | None = None,
                       receptor_source: str = "") -> ProximitySummary:
    """Receptors and people around every hazard source; α from the raster population; the
    rules' upgrades, each recorded in ``level_reasons``. Scoring is redone from the survey
    values first, so running this step again gives the same result."""
    from .exposure import population as pop
    from .exposure.receptors import prepare_receptors, receptor_proximity

    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    progress.step(2, "读取风险数据库 Reading the risk database")
    units, hazards = _read_scored(db)
    base_units = units.drop(columns=[c for c in UNIT_SCORE_FIELDS + ("population_500m",) if c in units])
    base_hazards = hazards.drop(columns=[c for c in HAZARD_SCORE_FIELDS + CASCADE_HAZARD_FIELDS if c in hazards]
                                + _proximity_columns(hazards))
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
        covered = _raster_covers(population_raster, base_units.geometry.x.to_numpy(),
                                 base_units.geometry.y.to_numpy(), radius)
        up = np.where(covered, up, np.nan)  # beyond the raster: unknown, not 0 people (α falls back)
        unit_pop = pd.Series(up, index=base_units["unit_code"].astype(object).to_numpy())
        if (~covered).any():
            names = base_units["unit_code"].astype(object).to_numpy()[~covered]
            issues.append(pd.DataFrame({
                "code": "W_POPULATION_NOT_COVERED", "severity": "warning", "source": str(population_raster),
                "row": None, "name": names, "value": "", "count": 1,
                "message_zh": [f"单位 {n} 的 {radius:.0f} 米范围超出人口栅格，α 按调查数据计" for n in names],
                "message_en": [f"Unit {n}: the {radius:.0f} m circle reaches beyond the population raster; "
                               f"α from the survey" for n in names]}))
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
    out[riskdb.RUNS_LAYER] = riskdb.run_log(db, "proximity", rules, {
        "links": len(links), "upgraded": int(up.sum()), "population_raster": str(population_raster or ""),
        "receptors": receptor_source, **_level_counts(u_out)}, started)
    progress.step(85, "写入 Writing")
    riskdb.update_layers(db, out)
    breaches = int(per["protection_breach"].sum()) if "protection_breach" in per else 0
    return ProximitySummary(units_new, hazards_new, links, issue_frame, int(up.sum()), breaches)


# --- cascade (docs/domain/cascade.md) ----------------------------------------------------

CASCADE_HAZARD_FIELDS = ("scenario", "vector", "d_max", "out_degree", "in_degree", "reach_1", "reach_2", "reach_all",
                         "best_chain_p_max", "betweenness", "closeness", "out_closeness", "cluster", "cluster_size",
                         "centrality_method", "cascade_base_level", "cascade_reason")
CASCADE_MARK = "（连锁 cascade）"
DEFAULT_TARGET_EQUIPMENT = "building"  # a hazard source without an equipment type is a target like a building


@dataclass
class CascadeSummary:
    hazards: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    chains: pd.DataFrame
    info: dict
    n_upgraded: int


def cascade_edges(hazards: gpd.GeoDataFrame, rules: Rules):
    """The escalation edges i → j over all hazard sources: candidate pairs from one
    spatial-index query within each source's largest escalation distance, kept when j lies
    within i's escalation distance for j's equipment type."""
    import shapely
    from pyproj import Transformer

    from . import coords
    from .cascade import effects

    scen = effects.scenarios(hazards, rules)
    dist = effects.escalation_distances(scen, rules)
    lon = hazards.geometry.x.to_numpy(dtype=float)
    lat = hazards.geometry.y.to_numpy(dtype=float)
    if not np.isfinite(lon).any():
        raise PipelineError("no hazard source with a location; nothing to analyse",
                            "没有带坐标的危险源，无法分析")
    epsg = coords.gauss_kruger_epsg(float(np.nanmedian(lon)))
    x, y = Transformer.from_crs(4490, epsg, always_xy=True).transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    points = shapely.points(x, y)
    d_max = dist["d_max"].to_numpy(dtype=float)
    sources = np.flatnonzero(np.isfinite(d_max) & (d_max > 0))
    empty = pd.DataFrame({"src": pd.Series(dtype=np.int64), "dst": pd.Series(dtype=np.int64),
                          "distance_m": pd.Series(dtype=float), "vector": pd.Series(dtype=object),
                          "load": pd.Series(dtype=float), "probability": pd.Series(dtype=float)})
    if not len(sources):
        return scen, dist, empty, (x, y, epsg)
    tree = shapely.STRtree(points)
    qi, dst = tree.query(points[sources], predicate="dwithin", distance=d_max[sources])
    src = sources[qi]
    keep = src != dst
    src, dst = src[keep], dst[keep]
    d = np.hypot(x[dst] - x[src], y[dst] - y[src])
    equipment = hazards["equipment"].astype(object).fillna("").to_numpy()[dst]
    equipment = np.where(np.isin(equipment, list(rules.cascade["heat_threshold_kw_m2"])), equipment,
                         DEFAULT_TARGET_EQUIPMENT)
    reach = np.full(len(src), np.nan)
    for eq in np.unique(equipment):
        m = equipment == eq
        reach[m] = dist[f"d_{eq}"].to_numpy(dtype=float)[src[m]]
    within = d <= reach
    src, dst, d, equipment = src[within], dst[within], d[within], equipment[within]
    volume = pd.to_numeric(hazards["volume_m3"], errors="coerce").to_numpy(dtype=float)[dst]
    load, p = effects.edge_load_and_probability(src, dst, d, scen, equipment, volume, rules)
    ok = p >= float(rules.cascade["min_probability"])
    edges = pd.DataFrame({"src": src[ok], "dst": dst[ok], "distance_m": d[ok],
                          "vector": dist["vector"].astype(object).to_numpy()[src[ok]], "load": np.asarray(load)[ok],
                          "probability": np.asarray(p)[ok], "target_equipment": equipment[ok]})
    return scen, dist, edges, (x, y, epsg)


def cascade_database(db: str | Path, rules: Rules, progress: Progress | None = None) -> CascadeSummary:
    """The domino graph over all hazard sources, its measures, the upgrade rule, the most
    probable chains; writes cascade_edges, cascade_chains and the new hazard fields."""
    import shapely

    from .cascade import graph as cg

    progress = progress or Progress()
    db = Path(db)
    started = riskdb.now_iso()
    progress.step(2, "读取风险数据库 Reading the risk database")
    units, hazards = _read_scored(db)
    # Start from the levels before any earlier cascade run, so running again gives the same.
    if "cascade_base_level" in hazards:
        hazards = hazards.assign(level=hazards["cascade_base_level"])
        units = _undo_cascade_units(units, hazards, rules)
    hazards = hazards.drop(columns=[c for c in CASCADE_HAZARD_FIELDS if c in hazards])
    progress.step(10, "效应模型与候选对 Effect models and candidate pairs")
    scen, dist, edges, (x, y, _) = cascade_edges(hazards, rules)
    n = len(hazards)
    codes = hazards["hazard_code"].astype(object).to_numpy()
    levels = pd.to_numeric(hazards["level"], errors="coerce").fillna(0).astype(int).to_numpy()
    progress.step(40, "图的度量 Graph measures")
    c = rules.cascade
    per, info = cg.graph_measures(n, edges, levels, codes, exact_max_nodes=int(c["exact_centrality_max_nodes"]),
                                  sample_k=int(c["centrality_sample_k"]), seed=int(c["seed"]))
    new_level = levels.astype(float)
    reason = np.full(n, "", dtype=object)
    up = rules.upgrades.get("cascade", {})
    if up.get("enabled", True) and len(edges):
        nl, rs = cg.cascade_upgrade(n, edges, levels, codes, within_steps=int(up.get("within_steps", 2)),
                                    raise_by=int(up.get("raise_by", 1)))
        changed = (np.asarray(nl) != levels) & (levels > 0)
        new_level[changed] = np.asarray(nl)[changed]
        reason[changed] = np.asarray(rs, dtype=object)[changed] + CASCADE_MARK
    new_level[levels == 0] = np.nan
    progress.step(70, "最可能的连锁链 Most probable chains")
    starts = np.flatnonzero((levels == 1) | (levels == 2))
    chains = cg.most_probable_chains(n, edges, codes, starts) if len(edges) else pd.DataFrame(
        {k: pd.Series(dtype=t) for k, t in (("start", object), ("rank", int), ("chain", object), ("length", int),
                                             ("probability", float))})
    zh = {k: v.zh for k, v in rules.levels.items()}
    col = {k: v.colour for k, v in rules.levels.items()}
    changed = np.isfinite(new_level) & (new_level != levels)
    hz = hazards.copy()
    hz["cascade_base_level"] = hazards["level"]
    hz.loc[changed, "level"] = new_level[changed].astype(int)
    hz.loc[changed, "level_zh"] = pd.Series(new_level[changed]).map(zh).to_numpy()
    hz.loc[changed, "colour"] = pd.Series(new_level[changed]).map(col).to_numpy()
    hz["cascade_reason"] = reason
    hz["scenario"] = scen["scenario"].to_numpy()
    hz["vector"] = dist["vector"].to_numpy()
    hz["d_max"] = dist["d_max"].to_numpy()
    for column in per.columns:
        hz[column] = per[column].to_numpy()
    u_out = raise_units(units.copy(), units["unit_code"], hz, np.where(np.isfinite(new_level), new_level, np.nan),
                        reason, rules)
    lines = shapely.linestrings(np.stack([np.column_stack([hazards.geometry.x.to_numpy()[edges["src"]],
                                                           hazards.geometry.y.to_numpy()[edges["src"]]]),
                                          np.column_stack([hazards.geometry.x.to_numpy()[edges["dst"]],
                                                           hazards.geometry.y.to_numpy()[edges["dst"]]])], axis=1)) \
        if len(edges) else []
    edge_layer = gpd.GeoDataFrame({
        "source": codes[edges["src"].to_numpy()] if len(edges) else pd.Series(dtype=object),
        "target": codes[edges["dst"].to_numpy()] if len(edges) else pd.Series(dtype=object),
        "vector": edges["vector"].to_numpy(), "distance_m": edges["distance_m"].to_numpy(),
        "load": edges["load"].to_numpy(), "probability": edges["probability"].to_numpy(),
        "target_equipment": edges["target_equipment"].to_numpy() if "target_equipment" in edges else [],
    }, geometry=gpd.GeoSeries(lines, crs="EPSG:4490"))
    edge_layer.attrs["geometry_type"] = "LineString"
    progress.step(85, "写入 Writing")
    hz = gpd.GeoDataFrame(hz, geometry=hazards.geometry.name, crs=hazards.crs)
    u_out = gpd.GeoDataFrame(u_out, geometry=units.geometry.name, crs=units.crs)
    runs = riskdb.run_log(db, "cascade", rules, {"edges": len(edge_layer), "chains": len(chains),
                                                 "upgraded": int(changed.sum()), **_level_counts(u_out)}, started)
    riskdb.update_layers(db, {"hazards": hz, "units": u_out, "cascade_edges": edge_layer, "cascade_chains": chains,
                              riskdb.RUNS_LAYER: runs})
    return CascadeSummary(hz, u_out, edge_layer, chains, info, int(changed.sum()))


def _undo_cascade_units(units: pd.DataFrame, hazards: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Units as before an earlier cascade run: its reason lines removed, the level from the
    hazards' pre-cascade levels."""
    u = units.copy()
    import re

    mark = re.escape(CASCADE_MARK)
    u["level_reasons"] = u["level_reasons"].astype(object).fillna("").str.replace(
        rf"\n[^\n]*{mark}[^\n]*", "", regex=True)
    level = pd.to_numeric(hazards["level"], errors="coerce").to_numpy(dtype=float)
    codes = hazards["unit_code"].astype(object).to_numpy()
    order = np.lexsort((np.nan_to_num(level, nan=9), codes))  # each unit's worst hazard first
    first = pd.Series(order).groupby(codes[order]).first()
    wi = first.reindex(u["unit_code"].astype(object)).to_numpy()
    has = ~pd.isna(wi)
    wi_int = np.where(has, wi, 0).astype(np.int64)
    base = np.where(has, level[wi_int], np.nan)
    had = np.isfinite(base)
    u.loc[had, "worst_hazard"] = hazards["hazard_code"].astype(object).to_numpy()[wi_int[had]]
    zh = {k: v.zh for k, v in rules.levels.items()}
    col = {k: v.colour for k, v in rules.levels.items()}
    u.loc[had, "level"] = base[had].astype(int)
    u.loc[had, "level_zh"] = pd.Series(base[had]).map(zh).to_numpy()
    u.loc[had, "colour"] = pd.Series(base[had]).map(col).to_numpy()
    return u


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
    from pyproj import Transformer

    from .cascade import graph as cg

    progress = progress or Progress()
    db = Path(db)
    hazards = _read(db, ("hazards",))["hazards"]
    codes = hazards["hazard_code"].astype(object).to_numpy()
    where = np.flatnonzero(codes == start_code)
    if not len(where):
        raise PipelineError(f"no hazard source with code {start_code!r} in {db.name}",
                            f"{db.name} 中没有编码为「{start_code}」的危险源")
    start = int(where[0])
    progress.step(10, "连锁图 Escalation graph")
    scen, dist, edges, (x, y, epsg) = cascade_edges(hazards, rules)
    n = len(hazards)
    seed = int(rules.cascade.get("seed", 0)) if seed is None else int(seed)
    progress.step(40, "蒙特卡洛 Monte Carlo")
    det = cg.deterministic_set(n, edges, start, threshold)
    freq = cg.monte_carlo(n, edges, start, trials, seed)
    det_p = np.zeros(n)
    if isinstance(det, pd.DataFrame):
        det_p[det["node"].to_numpy(dtype=int)] = det["probability"].to_numpy(dtype=float)
    else:
        for node, prob in dict(det).items():
            det_p[int(node)] = float(prob)
    det_p[start] = 1.0
    affected = np.flatnonzero((det_p >= threshold) | (freq > 0))
    aff = hazards.iloc[affected][[c for c in ("hazard_code", "unit_code", "sector", "name", "level")
                                  if c in hazards]].copy()
    aff["chain_probability"] = det_p[affected]
    aff["mc_frequency"] = np.asarray(freq)[affected]
    aff["in_deterministic_set"] = det_p[affected] >= threshold
    aff["scenario"] = scen["scenario"].to_numpy()[affected]
    aff["effect_radius_m"] = dist["d_max"].to_numpy(dtype=float)[affected]
    aff = gpd.GeoDataFrame(aff, geometry=hazards.geometry.iloc[affected].to_numpy(), crs=hazards.crs)
    progress.step(70, "影响范围 Effect zone")
    radius = np.nan_to_num(dist["d_max"].to_numpy(dtype=float)[affected], nan=0.0)
    discs = shapely.buffer(shapely.points(x[affected], y[affected]), np.maximum(radius, 0.0), quad_segs=32)
    zone_local = shapely.union_all(discs[radius > 0]) if (radius > 0).any() else shapely.Polygon()
    to_ll = Transformer.from_crs(epsg, 4490, always_xy=True)
    zone_ll = shapely.transform(zone_local, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))
    by_class = pd.Series(dtype=int)
    if receptors is not None and len(receptors) and not zone_ll.is_empty:
        from .exposure.receptors import prepare_receptors

        rec, _ = prepare_receptors(receptors, rules)
        inside = shapely.intersects(rec.geometry.to_numpy(), zone_ll)
        by_class = rec.loc[inside, "class_zh"].value_counts()
    people = float("nan")
    if population_raster and not zone_ll.is_empty:
        import rasterio
        from rasterio.features import geometry_mask
        from rasterio.warp import transform_geom

        with rasterio.open(population_raster) as ds:
            geom = transform_geom("EPSG:4490", ds.crs, shapely.geometry.mapping(zone_ll))
            # Rows and columns of every cell the zone touches (floor of the start, ceil of the end).
            inv = ~ds.transform
            x0, y0, x1, y1 = shapely.geometry.shape(geom).bounds
            cols, rows = zip(*(inv * (x, y) for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0))))
            c0, c1 = max(int(np.floor(min(cols))), 0), min(int(np.ceil(max(cols))), ds.width)
            r0, r1 = max(int(np.floor(min(rows))), 0), min(int(np.ceil(max(rows))), ds.height)
            people = 0.0
            if c1 > c0 and r1 > r0:  # a zone beside the raster holds no one from it
                window = rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0)
                values = ds.read(1, window=window, masked=True).astype(float).filled(0.0)
                inside = ~geometry_mask([geom], out_shape=values.shape, transform=ds.window_transform(window))
                people = float(np.clip(values, 0, None)[inside].sum())  # cells whose centre lies in the zone
    import json

    zone = gpd.GeoDataFrame({"start": [start_code], "n_sources": [len(affected)], "population": [people],
                             "area_km2": [zone_local.area / 1e6], "n_receptors": [int(by_class.sum())],
                             "receptors_by_class": [json.dumps({str(k): int(v) for k, v in by_class.items()},
                                                               ensure_ascii=False)]},
                            geometry=[zone_ll], crs="EPSG:4490")
    riskdb.update_layers(db, {"scenario_affected": aff, "scenario_zone": zone})
    return ScenarioResult(aff, zone, by_class, people, start_code)
