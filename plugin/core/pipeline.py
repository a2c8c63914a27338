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
    units = layers["units"].drop(columns=[c for c in UNIT_SCORE_FIELDS if c in layers["units"]])
    hazards = layers["hazards"].drop(columns=[c for c in HAZARD_SCORE_FIELDS if c in layers["hazards"]])
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
