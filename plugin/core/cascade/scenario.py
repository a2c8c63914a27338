"""One initiating accident (单一事故连锁推演): the sources it can fail and their effect zone
(docs/domain/cascade.md §8)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import PipelineError
from ..rules import Rules
from . import graph
from .edges import escalation_edges

if TYPE_CHECKING:  # imported where it is used, not at start-up
    import shapely


@dataclass
class Spread:
    affected: gpd.GeoDataFrame  # the initiator and every source it can fail
    zone: shapely.Geometry  # shapely polygon in EPSG:4490: the union of their effect zones
    area_km2: float


def spread(hazards: gpd.GeoDataFrame, rules: Rules, start_code: str, threshold: float, trials: int, seed: int,
           check=None) -> Spread:
    """The deterministic set (every source whose most probable chain from the start has
    probability ≥ ``threshold``), a seeded Monte Carlo run giving each source's failure
    frequency, and the union of the affected sources' effect zones. ``check`` is called
    between the stages (it may raise to cancel)."""
    import shapely
    from pyproj import Transformer

    check = check or (lambda *_: None)
    codes = hazards["hazard_code"].astype(object).to_numpy()
    where = np.flatnonzero(codes == start_code)
    if not len(where):
        raise PipelineError(f"no hazard source with code {start_code!r}",
                            f"没有编码为「{start_code}」的危险源")
    start = int(where[0])
    check(10, "连锁图 Escalation graph")
    scen, dist, edges, (x, y, epsg) = escalation_edges(hazards, rules)
    n = len(hazards)
    check(40, "蒙特卡洛 Monte Carlo")
    det = graph.deterministic_set(n, edges, start, threshold)
    freq = graph.monte_carlo(n, edges, start, trials, seed)
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
    check(70, "影响范围 Effect zone")
    radius = np.nan_to_num(dist["d_max"].to_numpy(dtype=float)[affected], nan=0.0)
    discs = shapely.buffer(shapely.points(x[affected], y[affected]), np.maximum(radius, 0.0), quad_segs=32)
    zone_local = shapely.union_all(discs[radius > 0]) if (radius > 0).any() else shapely.Polygon()
    to_ll = Transformer.from_crs(epsg, 4490, always_xy=True)
    zone_ll = shapely.transform(zone_local, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))
    return Spread(aff, zone_ll, zone_local.area / 1e6)


def zone_layer(start_code: str, result: Spread, people: float, by_class: pd.Series) -> gpd.GeoDataFrame:
    """The scenario_zone layer: the zone with the people and receptors (by class) inside."""
    return gpd.GeoDataFrame({"start": [start_code], "n_sources": [len(result.affected)], "population": [people],
                             "area_km2": [result.area_km2], "n_receptors": [int(by_class.sum())],
                             "receptors_by_class": [json.dumps({str(k): int(v) for k, v in by_class.items()},
                                                               ensure_ascii=False)]},
                            geometry=[result.zone], crs="EPSG:4490")
