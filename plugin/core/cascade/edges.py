"""The escalation edges i → j over all hazard sources, and their lines on the map
(docs/domain/cascade.md §3, §5, §6)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import coords
from ..errors import PipelineError
from ..rules import Rules
from . import effects

EDGE_COLUMNS = ("src", "dst", "distance_m", "vector", "load", "probability", "target_equipment")
# Candidate pairs held at once (docs/domain/cascade.md §6.1): sources are queried in blocks
# whose expected pairs stay near this, so memory does not grow with a park's density.
CANDIDATE_CHUNK = 2_000_000


def _source_blocks(sources: np.ndarray, d_max: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Consecutive blocks of ``sources`` (so the edges keep the order of one query over all)
    whose expected candidate pairs — Σ π·d_max² times the local density of sources, taken
    from a 250 m grid — stay near :data:`CANDIDATE_CHUNK`. An estimate only sizes the
    blocks; every pair is still found."""
    cell = 250.0
    ok = np.isfinite(x) & np.isfinite(y)
    gx = np.floor(np.where(ok, x, 0.0) / cell).astype(np.int64)
    gy = np.floor(np.where(ok, y, 0.0) / cell).astype(np.int64)
    key = (gx - gx.min()) * (int(gy.max() - gy.min()) + 1) + (gy - gy.min()) if len(gx) else gx
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    density = counts[inverse] / (cell * cell)  # sources per m² around each source
    r = d_max[sources]
    expected = np.pi * r * r * density[sources] + 1.0
    cum = np.cumsum(expected)
    lo = 0
    while lo < len(sources):
        base = cum[lo - 1] if lo else 0.0
        hi = max(int(np.searchsorted(cum, base + CANDIDATE_CHUNK, side="right")), lo + 1)
        yield sources[lo:hi]
        lo = hi


def escalation_edges(hazards: gpd.GeoDataFrame, rules: Rules):
    """The escalation edges i → j over all hazard sources: candidate pairs from one
    spatial-index query within each source's largest escalation distance, kept when j lies
    within i's escalation distance for j's equipment type and the probability reaches the
    rules' minimum.

    Returns (scenarios, escalation distances, edges (:data:`EDGE_COLUMNS`, by row position),
    (x, y, EPSG of the local Gauss-Krüger zone the distances were measured in))."""
    import shapely
    from pyproj import Transformer

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
    equipment = effects._equipment_index(hazards["equipment"].astype(object).to_numpy(), len(hazards))
    reach_by_eq = np.column_stack([dist[f"d_{eq}"].to_numpy(dtype=float) for eq in effects.EQUIPMENT])
    eq_names = np.array(effects.EQUIPMENT, dtype=object)
    volume_all = pd.to_numeric(hazards["volume_m3"], errors="coerce").to_numpy(dtype=float)
    vector_all = dist["vector"].astype(object).to_numpy()
    min_p = float(rules.cascade["min_probability"])
    parts = []
    for block in _source_blocks(sources, d_max, x, y):
        qi, dst = tree.query(points[block], predicate="dwithin", distance=d_max[block])
        src = block[qi]
        keep = src != dst
        src, dst = src[keep], dst[keep]
        d = np.hypot(x[dst] - x[src], y[dst] - y[src])
        eq = equipment[dst]
        within = d <= reach_by_eq[src, eq]
        src, dst, d, eq = src[within], dst[within], d[within], eq[within]
        load, p = effects.edge_load_and_probability(src, dst, d, scen, eq, volume_all[dst], rules)
        ok = p >= min_p
        parts.append((src[ok], dst[ok], d[ok], np.asarray(load)[ok], np.asarray(p)[ok], eq[ok]))
    src, dst, d, load, p, eq = (np.concatenate([part[i] for part in parts]) for i in range(6))
    edges = pd.DataFrame({"src": src, "dst": dst, "distance_m": d, "vector": vector_all[src], "load": load,
                          "probability": p, "target_equipment": eq_names[eq]})
    return scen, dist, edges, (x, y, epsg)


def edge_lines(hazards: gpd.GeoDataFrame, edges: pd.DataFrame) -> gpd.GeoDataFrame:
    """The edges as lines from source to target (the cascade_edges layer, EPSG:4490)."""
    import shapely

    codes = hazards["hazard_code"].astype(object).to_numpy()
    hx, hy = hazards.geometry.x.to_numpy(), hazards.geometry.y.to_numpy()
    lines = shapely.linestrings(np.stack([np.column_stack([hx[edges["src"]], hy[edges["src"]]]),
                                          np.column_stack([hx[edges["dst"]], hy[edges["dst"]]])], axis=1)) \
        if len(edges) else []
    layer = gpd.GeoDataFrame({
        "source": codes[edges["src"].to_numpy()] if len(edges) else pd.Series(dtype=object),
        "target": codes[edges["dst"].to_numpy()] if len(edges) else pd.Series(dtype=object),
        "vector": edges["vector"].to_numpy(), "distance_m": edges["distance_m"].to_numpy(),
        "load": edges["load"].to_numpy(), "probability": edges["probability"].to_numpy(),
        "target_equipment": edges["target_equipment"].to_numpy() if "target_equipment" in edges else [],
    }, geometry=gpd.GeoSeries(lines, crs="EPSG:4490"))
    layer.attrs["geometry_type"] = "LineString"
    return layer
