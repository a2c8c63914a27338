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
    qi, dst = tree.query(points[sources], predicate="dwithin", distance=d_max[sources])
    src = sources[qi]
    keep = src != dst
    src, dst = src[keep], dst[keep]
    d = np.hypot(x[dst] - x[src], y[dst] - y[src])
    equipment = hazards["equipment"].astype(object).fillna("").to_numpy()[dst]
    equipment = np.where(np.isin(equipment, list(rules.cascade["heat_threshold_kw_m2"])), equipment,
                         effects.DEFAULT_EQUIPMENT)
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
