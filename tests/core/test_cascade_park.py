"""The cascade at a dense chemical park: bounded time and memory, estimates flagged
(docs/domain/cascade.md §6.1, issue 11 "Bounded cascade").

The park is built in memory: hazard sources uniform in a square, with a chemical park's mix
— atmospheric tanks of flammable liquids (pool fires), pressurised LPG, ethylene oxide and
vinyl chloride (vapour-cloud explosions), hydrogen in process units, toxic-only chlorine,
ammonia and sulphur dioxide (no scenario), solvent warehouses — and quantities drawn as the
project's generator draws them (tools/sample_city/generator.py: min(Q, 300 t) · e^N(−1.5, 1),
5 % large stores of 2–40 Q). The computation is what ``steps.cascade_database`` runs,
without the database: edges, measures, upgrade, most probable chains.
"""

from __future__ import annotations

import resource
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from plugin.core.cascade import graph as cg
from plugin.core.cascade.edges import escalation_edges
from plugin.core.cascade.upgrade import cascade_upgrade
from plugin.core.rules import load_rules

RULES = load_rules()

# (substance, CAS, equipment, GB 18218 critical quantity Q in t, weight, a tank with a volume)
MIX = (
    ("甲醇", "67-56-1", "atmospheric", 500, 8, True),
    ("汽油", "86290-81-5", "atmospheric", 200, 8, True),
    ("苯", "71-43-2", "atmospheric", 50, 4, True),
    ("甲苯", "108-88-3", "atmospheric", 500, 5, True),
    ("丙酮", "67-64-1", "atmospheric", 500, 3, True),
    ("乙酸乙酯", "141-78-6", "atmospheric", 500, 3, True),
    ("正己烷", "110-54-3", "atmospheric", 500, 2, True),
    ("苯乙烯", "100-42-5", "atmospheric", 500, 2, True),
    ("液化石油气", "68476-85-7", "pressurised", 50, 6, True),
    ("氢气", "1333-74-0", "elongated", 5, 3, False),
    ("环氧乙烷", "75-21-8", "pressurised", 10, 2, True),
    ("氯乙烯", "75-01-4", "pressurised", 50, 2, True),
    ("液氨", "7664-41-7", "pressurised", 10, 5, True),
    ("液氯", "7782-50-5", "pressurised", 5, 4, True),
    ("二氧化硫", "7446-09-5", "pressurised", 20, 2, True),
    ("稀释剂", None, "building", 5000, 4, False),
    ("乙醇", "64-17-5", "auxiliary", 500, 3, False),
)


def park(n: int, side_m: float = 1000.0, seed: int = 1, lon0: float = 114.40, lat0: float = 22.735
         ) -> gpd.GeoDataFrame:
    """``n`` hazard sources of a chemical park, uniform in a square of ``side_m`` metres."""
    rng = np.random.default_rng(seed)
    w = np.array([m[4] for m in MIX], dtype=float)
    k = rng.choice(len(MIX), n, p=w / w.sum())
    col = [np.array([m[i] for m in MIX], dtype=object)[k] for i in range(6)]
    q_crit = col[3].astype(float)
    q = np.minimum(q_crit, 300.0) * np.exp(rng.normal(-1.5, 1.0, n))
    big = rng.random(n) < 0.05
    q[big] = q_crit[big] * rng.uniform(2.0, 40.0, int(big.sum()))
    q = np.round(np.clip(q, 0.01, 20000.0), 3)
    volume = np.where(col[5].astype(bool), np.round(q / 0.8 / 0.85, 1), np.nan)
    x, y = rng.uniform(0, side_m, n), rng.uniform(0, side_m, n)
    lon = lon0 + x / (111_320.0 * np.cos(np.radians(lat0)))
    lat = lat0 + y / 110_574.0
    return gpd.GeoDataFrame({
        "hazard_code": [f"P{i:05d}" for i in range(n)], "unit_code": [f"U{i // 3:05d}" for i in range(n)],
        "substance": col[0], "cas": col[1], "category": np.where(col[0] == "稀释剂", "W5.3", None),
        "equipment": col[2], "quantity_t": q, "volume_m3": volume, "level": rng.integers(1, 5, n),
    }, geometry=gpd.points_from_xy(lon, lat), crs=4490)


def cascade_compute(hazards: gpd.GeoDataFrame):
    """What steps.cascade_database computes, minus reading and writing the database."""
    c = RULES.cascade
    _, _, edges, _ = escalation_edges(hazards, RULES)
    n = len(hazards)
    codes = hazards["hazard_code"].astype(object).to_numpy()
    level = hazards["level"].to_numpy()
    per, info = cg.graph_measures(n, edges, level, codes, exact_max_nodes=int(c["exact_centrality_max_nodes"]),
                                  sample_k=int(c["centrality_sample_k"]), seed=int(c["seed"]),
                                  reach_2_max_pairs=int(c["reach_2_max_pairs"]),
                                  centrality_max_edges=int(c["centrality_max_edges"]),
                                  centrality_edge_budget=int(c["centrality_edge_budget"]))
    new_level, _ = cascade_upgrade(level, edges, codes, RULES)
    starts = np.flatnonzero((level == 1) | (level == 2))
    chains = cg.most_probable_chains(n, edges, codes, starts, max_graph_edges=int(c["centrality_max_edges"]))
    return edges, per, info, new_level, chains


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def test_a_park_of_30000_sources_in_one_square_kilometre():
    # Measured on the 2-core machine (docs/domain/cascade.md §6.1): about 9.6 M edges;
    # 35–60 s depending on the load; peak RSS about 2.0 GB, of which the edge table is
    # 0.6 GB. The bound of 3.5 GB growth leaves room for the allocator, not for pairs that
    # grow with the square of a degree (the exact two-step reach alone would be 3.6 G pairs).
    before = _peak_rss_bytes()
    t = time.perf_counter()
    edges, per, info, _, chains = cascade_compute(park(30_000))
    elapsed = time.perf_counter() - t
    grown = _peak_rss_bytes() - before
    print(f"\npark of 30,000: {len(edges):,} edges, {elapsed:.1f} s, peak RSS +{grown / 1e9:.2f} GB, "
          f"{info['methods']}, reach_2 sampled for {info['reach_2_sampled']:,}; {info['times']}")
    assert len(edges) > 5_000_000  # dense enough to matter
    assert grown < 3.5e9
    assert len(per) == 30_000 and len(chains) > 0
    # What exceeded a budget is estimated, and says so.
    sampled = per["reach_2_method"] != "exact"
    assert sampled.any() and per.loc[sampled, "reach_2_method"].str.startswith("sampled q=").all()
    big = per["cluster_size"] == info["largest_component"]
    assert per.loc[big, "centrality_method"].str.startswith("estimated k=").all()
    assert (per["reach_2"] >= per["out_degree"]).all() and (per["reach_all"] <= per["cluster_size"] - 1).all()


@pytest.fixture(scope="module")
def small_park():
    # 500 sources in 130 m × 130 m: about the same density, exact measures still affordable.
    h = park(500, side_m=130.0, seed=3)
    _, _, edges, _ = escalation_edges(h, RULES)
    return h, edges


def test_sampled_two_step_reach_is_close_to_the_exact_one(small_park):
    h, edges = small_park
    n = len(h)
    est, _ = cg.graph_measures(n, edges, None, None, reach_2_max_pairs=300, centrality_max_edges=None)
    exact, _ = cg.graph_measures(n, edges, None, None, reach_2_max_pairs=None, centrality_max_edges=None)
    sampled = est["reach_2_method"] != "exact"
    assert sampled.sum() > 20 and (exact["reach_2_method"] == "exact").all()
    assert (est.loc[~sampled, "reach_2"] == exact.loc[~sampled, "reach_2"]).all()
    rel = (est.loc[sampled, "reach_2"] - exact.loc[sampled, "reach_2"]).abs() / exact.loc[sampled, "reach_2"]
    print(f"\nreach_2 sampled for {int(sampled.sum())}: relative error median {rel.median():.3f}, "
          f"90 % {rel.quantile(0.9):.3f}, max {rel.max():.3f}")
    assert rel.median() < 0.15 and rel.quantile(0.9) < 0.4


def _rank_corr(a, b) -> float:
    """Spearman's rank correlation (pandas' own needs scipy)."""
    return float(np.corrcoef(pd.Series(np.asarray(a, dtype=float)).rank(),
                             pd.Series(np.asarray(b, dtype=float)).rank())[0, 1])


def test_pivot_estimates_rank_like_the_exact_measures_and_repeat(small_park):
    h, edges = small_park
    n = len(h)
    kw = dict(reach_2_max_pairs=None, seed=5)
    est, info = cg.graph_measures(n, edges, None, None, centrality_max_edges=1_000, centrality_edge_budget=10**6,
                                  **kw)
    again, _ = cg.graph_measures(n, edges, None, None, centrality_max_edges=1_000, centrality_edge_budget=10**6,
                                 **kw)
    pd.testing.assert_frame_equal(est, again)  # same seed, same answer
    assert any(m.startswith("estimated k=") for m in info["methods"])
    exact, _ = cg.graph_measures(n, edges, None, None, exact_max_nodes=n, sample_k=n, centrality_max_edges=None,
                                 **kw)
    big = est["centrality_method"].str.startswith("estimated").to_numpy()
    for col in ("closeness", "out_closeness", "reach_all"):
        a, b = est.loc[big, col].to_numpy(dtype=float), exact.loc[big, col].to_numpy(dtype=float)
        rel = np.abs(a - b) / np.where(b > 0, b, 1.0)
        print(f"\n{col}: relative error median {np.median(rel):.3f}")
        assert np.median(rel) < 0.5, col  # k pivots only: the magnitude, not the fine ranking
    assert _rank_corr(est.loc[big, "betweenness"], exact.loc[big, "betweenness"]) > 0.3


def test_chains_without_networkx_match_dijkstra():
    rng = np.random.default_rng(11)
    n, m = 200, 600
    e = pd.DataFrame({"src": rng.integers(0, n, m), "dst": rng.integers(0, n, m),
                      "probability": np.exp(rng.uniform(np.log(1e-5), 0, m))})
    codes = np.array([f"H{i}" for i in range(n)], dtype=object)
    a = cg.most_probable_chains(n, e, codes, range(n))
    b = cg.most_probable_chains(n, e, codes, range(n), max_graph_edges=0)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
