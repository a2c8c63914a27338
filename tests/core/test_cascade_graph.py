"""The cascade (domino) graph: measures, upgrade, chains, scenarios (docs/domain/cascade.md §6, §7, §8,
resources/reference/cascade.md "The graph")."""

from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from plugin.core.cascade import graph as cg
from plugin.core.cascade.graph import (
    cascade_upgrade,
    clean_edges,
    deterministic_set,
    graph_measures,
    monte_carlo,
    most_probable_chains,
)

LN = math.log


def _edges(rows):
    return pd.DataFrame(rows, columns=["src", "dst", "probability"])


# The four-source layout: A=0, B=1, C=2, D=3.
#   A → B 0.5, B → C 0.5, A → C 0.1, C → D 0.4, D → C 0.2
# Weights w = −ln P: A→B ln 2, B→C ln 2, A→C ln 10, C→D ln 2.5, D→C ln 5.
# Shortest (most probable) paths:
#   A→B: A-B, ln 2 (P 0.5)
#   A→C: A-B-C, 2 ln 2 = ln 4 (P 0.25) beats A-C, ln 10 (P 0.1)
#   A→D: A-B-C-D, ln 4 + ln 2.5 = ln 10 (P 0.1); A-C-D is ln 25 (P 0.04)
#   B→C: ln 2; B→D: B-C-D, ln 2 + ln 2.5 = ln 5 (P 0.2)
#   C→D: ln 2.5 (P 0.4); D→C: ln 5 (P 0.2)
#   nothing reaches A; B is reached only from A.
CODES = np.array(["A", "B", "C", "D"], dtype=object)
LAYOUT = _edges([(0, 1, 0.5), (1, 2, 0.5), (0, 2, 0.1), (2, 3, 0.4), (3, 2, 0.2)])


@pytest.fixture(scope="module")
def layout():
    per, info = graph_measures(4, LAYOUT, [3, 3, 3, 1], CODES)
    return per, info


def test_layout_degrees_and_reach(layout):
    per, _ = layout
    assert list(per.columns) == list(cg.MEASURE_COLUMNS)
    # out: A → {B, C}; B → {C}; C → {D}; D → {C}.  in: C from A, B, D.
    assert per.out_degree.tolist() == [2, 1, 1, 1]
    assert per.in_degree.tolist() == [0, 1, 3, 1]
    assert per.reach_1.tolist() == [2, 1, 1, 1]
    # ≤ 2 steps: A {B, C, D (A→C→D)}; B {C, D}; C {D} (C→D→C is C itself); D {C}.
    assert per.reach_2.tolist() == [3, 2, 1, 1]
    # all: A {B, C, D}; B {C, D}; C {D}; D {C}.
    assert per.reach_all.tolist() == [3, 2, 1, 1]


def test_layout_best_chain_is_the_best_out_edge(layout):
    per, _ = layout
    # A's best chains: B 0.5, C 0.25, D 0.1 → 0.5; B: C 0.5, D 0.2 → 0.5; C: D 0.4; D: C 0.2.
    assert per.best_chain_p_max.tolist() == [0.5, 0.5, 0.4, 0.2]
    ch = most_probable_chains(4, LAYOUT, CODES, range(4), max_chains_per_start=10)
    assert ch.groupby("start_node").probability.max().tolist() == per.best_chain_p_max.tolist()


def test_layout_betweenness_exact_unnormalised(layout):
    per, info = layout
    # Ordered pairs and their (unique) shortest paths' interior nodes:
    #   A→C: B; A→D: B, C; B→D: C; every other pair is a direct edge or unreachable.
    # Unnormalised: A 0, B 2 (A→C, A→D), C 2 (A→D, B→D), D 0.
    assert per.betweenness.tolist() == pytest.approx([0.0, 2.0, 2.0, 0.0])
    assert (per.centrality_method == "exact").all() and info["methods"] == {"exact": 4}


def test_layout_in_and_out_closeness(layout):
    per, _ = layout
    # out: Σ_y d(x, y) over the nodes x reaches
    #   A: ln 2 + ln 4 + ln 10 = ln 80; B: ln 2 + ln 5 = ln 10; C: ln 2.5; D: ln 5
    assert per.out_closeness.tolist() == pytest.approx([1 / LN(80), 1 / LN(10), 1 / LN(2.5), 1 / LN(5)])
    # in (Zeng et al. 2020): Σ_y d(y, x) over the nodes reaching x
    #   A: none → 0; B: d(A,B) = ln 2; C: ln 4 + ln 2 + ln 5 = ln 40; D: ln 10 + ln 5 + ln 2.5 = ln 125
    assert per.closeness.tolist() == pytest.approx([0.0, 1 / LN(2), 1 / LN(40), 1 / LN(125)])
    # ≈ [0, 1.4427, 0.27108, 0.20711] and [0.22820, 0.43429, 1.0913, 0.62133]
    assert per.closeness[2] == pytest.approx(0.27108, abs=1e-5)
    assert per.out_closeness[0] == pytest.approx(0.22820, abs=1e-5)


def test_clusters_numbered_by_size_then_lowest_node():
    # {1, 2, 3} (3 nodes) → 1; {5, 6} and {8, 9} (2 each) → 2 and 3 by lowest node;
    # isolated 0, 4, 7, 10 → 4, 5, 6, 7 in node order.
    e = _edges([(8, 9, 0.3), (5, 6, 0.2), (2, 3, 0.5), (1, 2, 0.5)])
    per, info = graph_measures(11, e, None, None)
    assert per.cluster.tolist() == [4, 1, 1, 1, 5, 2, 2, 6, 3, 3, 7]
    assert per.cluster_size.tolist() == [1, 3, 3, 3, 1, 2, 2, 1, 2, 2, 1]
    assert info["components"] == 3 and info["isolated"] == 4 and info["largest_component"] == 3
    assert info["n_edges"] == 4 and set(info["times"]) >= {"total", "components"}
    iso = per.iloc[[0, 4, 7, 10]]
    assert (iso[["out_degree", "reach_2", "reach_all", "betweenness", "closeness", "out_closeness"]] == 0).all().all()


def test_cleaning_merges_duplicates_and_drops_self_loops():
    e = _edges([(1, 0, 0.2), (0, 1, 0.3), (0, 0, 0.9), (0, 1, 0.6), (1, 0, 0.1)])
    E = clean_edges(2, e)
    assert E.src.tolist() == [0, 1] and E.dst.tolist() == [1, 0] and E.p.tolist() == [0.6, 0.2]
    assert (E.n_input, E.n_self_loops, E.n_merged) == (5, 1, 2)
    per, info = graph_measures(2, e, None, None)
    assert per.out_degree.tolist() == [1, 1] and per.best_chain_p_max.tolist() == [0.6, 0.2]
    assert info["self_loops_dropped"] == 1 and info["duplicates_merged"] == 2
    # Row order does not matter.
    shuffled = LAYOUT.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(graph_measures(4, shuffled, None, CODES)[0],
                                  graph_measures(4, LAYOUT, None, CODES)[0])
    for bad in (0.0, 1.5, np.nan):
        with pytest.raises(ValueError):
            clean_edges(2, _edges([(0, 1, bad)]))
    with pytest.raises(ValueError):
        clean_edges(2, _edges([(0, 2, 0.5)]))


def test_no_edges_and_certain_edges():
    per, info = graph_measures(3, _edges([]), [1, 2, 3], ["a", "b", "c"])
    assert (per.cluster.tolist(), per.reach_all.sum(), info["components"]) == ([1, 2, 3], 0, 0)
    # P = 1 edges: w = 0 for chains (probability exactly 1), floored for closeness (finite).
    e = _edges([(0, 1, 1.0), (1, 0, 1.0), (1, 2, 1.0)])
    per, _ = graph_measures(3, e, None, None)
    assert np.isfinite(per.closeness).all() and per.closeness[2] > 1e11 and per.reach_all.tolist() == [2, 2, 0]
    assert deterministic_set(3, e, 0, 1.0).probability.tolist() == [1.0, 1.0, 1.0]
    assert monte_carlo(3, e, 0, 100, 1).tolist() == [1.0, 1.0, 1.0]


# --- Chains -------------------------------------------------------------------------------


def test_most_probable_chains_from_node_a_ordered_by_probability():
    ch = most_probable_chains(4, LAYOUT, CODES, [0])
    # A → B 0.5; A → B → C 0.25 (beats A → C direct 0.1); A → B → C → D 0.5·0.5·0.4 = 0.1.
    assert ch.chain.tolist() == ["A → B", "A → B → C", "A → B → C → D"]
    assert ch["rank"].tolist() == [1, 2, 3] and ch.length.tolist() == [1, 2, 3]
    assert ch.probability.tolist() == pytest.approx([0.5, 0.25, 0.1])
    assert ch.start.tolist() == ["A"] * 3 and ch.target.tolist() == ["B", "C", "D"]
    assert list(ch.columns) == list(cg.CHAIN_COLUMNS)
    assert most_probable_chains(4, LAYOUT, CODES, [0], max_chains_per_start=2).chain.tolist() == [
        "A → B", "A → B → C"]
    # D's best chain from A has 3 edges: left out with max_steps=2.
    assert most_probable_chains(4, LAYOUT, CODES, [0], max_steps=2).target.tolist() == ["B", "C"]
    # Several starts; a start with no out-edges gives no rows.
    both = most_probable_chains(5, LAYOUT, list(CODES) + ["E"], [4, 1])
    assert both.chain.tolist() == ["B → C", "B → C → D"] and both.probability.tolist() == pytest.approx([0.5, 0.2])
    empty = most_probable_chains(4, _edges([]), CODES, [0])
    assert empty.empty and list(empty.columns) == list(cg.CHAIN_COLUMNS)


def test_probabilities_multiply_along_chains():
    # 0 → 1 → 2 → 3 → 4 with 0.9, 0.8, 0.5, 0.3: 0.9, 0.72, 0.36, 0.108.
    e = _edges([(0, 1, 0.9), (1, 2, 0.8), (2, 3, 0.5), (3, 4, 0.3)])
    ch = most_probable_chains(5, e, list("VWXYZ"), [0])
    assert ch.probability.tolist() == pytest.approx([0.9, 0.72, 0.36, 0.108])
    assert ch.chain.iloc[-1] == "V → W → X → Y → Z"
    d = deterministic_set(5, e, 0, 0.1)
    assert d.node.tolist() == [0, 1, 2, 3, 4] and d.probability.tolist() == pytest.approx([1, 0.9, 0.72, 0.36, 0.108])
    assert d.steps.tolist() == [0, 1, 2, 3, 4]


def test_deterministic_set_thresholds():
    # From A: A 1 (the initiator), B 0.5, C 0.25, D 0.1 (products, so exactly 0.1).
    assert deterministic_set(4, LAYOUT, 0, 0.3).node.tolist() == [0, 1]
    d = deterministic_set(4, LAYOUT, 0, 0.25)
    assert d.node.tolist() == [0, 1, 2] and d.probability.tolist() == [1.0, 0.5, 0.25]
    assert deterministic_set(4, LAYOUT, 0, 0.1).node.tolist() == [0, 1, 2, 3]
    assert deterministic_set(4, LAYOUT, 0, 0.1).probability.iloc[-1] == 0.5 * 0.5 * 0.4
    # From C: D 0.4; B and A are not reachable.
    assert deterministic_set(4, LAYOUT, 2, 1e-6).node.tolist() == [2, 3]


# --- Upgrade ------------------------------------------------------------------------------


def test_upgrade_on_the_layout():
    levels = [3, 3, 3, 1]  # D is level 1
    new, why = cascade_upgrade(4, LAYOUT, levels, CODES)
    # Within 2 steps: A → C → D (0.1 × 0.4 = 0.04; A → B → C → D is 3 steps), B → C → D (0.2),
    # C → D (0.4). All three go 3 → 2; D is level 1 already.
    assert new.tolist() == [2, 2, 2, 1]
    assert why.tolist() == [
        "可在 2 步内引发一级风险源 D（A → C → D, P = 0.04）→ level 3 → 2",
        "可在 2 步内引发一级风险源 D（B → C → D, P = 0.2）→ level 3 → 2",
        "可在 2 步内引发一级风险源 D（C → D, P = 0.4）→ level 3 → 2",
        "",
    ]
    # Within 3 steps A's most probable qualifying chain is A → B → C → D, 0.1 > 0.04.
    _, why3 = cascade_upgrade(4, LAYOUT, levels, CODES, within_steps=3)
    assert why3[0] == "可在 3 步内引发一级风险源 D（A → B → C → D, P = 0.1）→ level 3 → 2"
    # Within 1 step only C (C → D).
    assert cascade_upgrade(4, LAYOUT, levels, CODES, within_steps=1)[0].tolist() == [3, 3, 2, 1]


def test_upgrade_limits():
    # W → X → Y → Z, Z level 1: W is 3 steps away — not upgraded within 2, upgraded within 3.
    e = _edges([(0, 1, 0.5), (1, 2, 0.5), (2, 3, 0.5)])
    new, why = cascade_upgrade(4, e, [4, 3, 2, 1], list("WXYZ"))
    assert new.tolist() == [4, 2, 1, 1] and why[0] == ""
    assert why[2] == "可在 2 步内引发一级风险源 Z（Y → Z, P = 0.5）→ level 2 → 1"
    assert cascade_upgrade(4, e, [4, 3, 2, 1], list("WXYZ"), within_steps=3)[0].tolist() == [3, 2, 1, 1]
    # raise_by 2: 4 → 2, 3 → 1, 2 → 1 (never above level 1).
    assert cascade_upgrade(4, e, [4, 3, 2, 1], list("WXYZ"), within_steps=3, raise_by=2)[0].tolist() == [
        2, 1, 1, 1]
    # Unscored (0) stays 0; a level-1 source is not its own target (1 ↔ 0 cycle, no other level 1).
    cyc = _edges([(0, 1, 0.5), (1, 0, 0.5), (2, 0, 0.5)])
    new, why = cascade_upgrade(3, cyc, [1, 3, 0], list("PQR"))
    assert new.tolist() == [1, 2, 0] and why[2] == "" and why[0] == ""
    # Upgraded sources do not make others level 1 targets: only the input levels count.
    assert cascade_upgrade(4, e, [3, 3, 2, 1], list("WXYZ"), within_steps=1)[0].tolist() == [3, 3, 1, 1]
    # No level 1 anywhere or no edges: nothing changes.
    assert cascade_upgrade(4, e, [2, 2, 2, 2], list("WXYZ"))[0].tolist() == [2, 2, 2, 2]
    assert cascade_upgrade(4, _edges([]), [2, 2, 2, 1], list("WXYZ"))[1].tolist() == ["", "", "", ""]


def test_upgrade_matches_brute_force_on_a_random_graph():
    rng = np.random.default_rng(11)
    n = 60
    e = _edges([(int(a), int(b), float(p)) for a, b, p in
                zip(rng.integers(0, n, 200), rng.integers(0, n, 200), rng.uniform(0.01, 1, 200)) if a != b])
    levels = rng.integers(1, 5, n)
    codes = [f"H{i}" for i in range(n)]
    new, why = cascade_upgrade(n, e, levels, codes, within_steps=3)
    E = clean_edges(n, e)
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(E.src.tolist(), E.dst.tolist(), E.p.tolist()), weight="p")
    for u in range(n):
        best = 0.0
        if u in g and levels[u] > 1:
            for t in np.flatnonzero(levels == 1):
                if t != u and t in g:
                    for path in nx.all_simple_paths(g, u, int(t), cutoff=3):
                        best = max(best, math.prod(g[a][b]["p"] for a, b in zip(path, path[1:])))
        assert (new[u] == levels[u] - 1) == (best > 0), u
        if best > 0:
            assert f"P = {best:.2g}）" in why[u]
            chain = why[u].split("（")[1].split(",")[0].split(" → ")
            assert chain[0] == codes[u] and levels[int(chain[-1][1:])] == 1 and len(chain) <= 4


# --- Monte Carlo --------------------------------------------------------------------------


def _se(p, trials):
    return math.sqrt(p * (1 - p) / trials)


def test_monte_carlo_same_seed_same_answer():
    a = monte_carlo(4, LAYOUT, 0, 5000, 42)
    assert np.array_equal(a, monte_carlo(4, LAYOUT, 0, 5000, 42))
    assert not np.array_equal(a, monte_carlo(4, LAYOUT, 0, 5000, 43))
    assert np.array_equal(a, monte_carlo(4, LAYOUT.iloc[::-1], 0, 5000, 42))  # row order is irrelevant


def test_monte_carlo_series_converges_to_the_product():
    p1, p2, trials = 0.6, 0.3, 20_000
    f = monte_carlo(4, _edges([(0, 1, p1), (1, 2, p2)]), 0, trials, 7)
    assert f[0] == 1.0 and f[3] == 0.0
    assert abs(f[1] - p1) < 3 * _se(p1, trials)  # B: p1 = 0.6, SE 0.0035
    assert abs(f[2] - p1 * p2) < 3 * _se(p1 * p2, trials)  # C: p1·p2 = 0.18, SE 0.0027


def test_monte_carlo_parallel_routes():
    # A → B p, B → C q, A → C r: C fails unless both routes fail: 1 − (1 − pq)(1 − r).
    p, q, r, trials = 0.5, 0.4, 0.3, 20_000
    exact = 1 - (1 - p * q) * (1 - r)  # 1 − 0.8 × 0.7 = 0.44
    assert exact == pytest.approx(0.44)
    f = monte_carlo(3, _edges([(0, 1, p), (1, 2, q), (0, 2, r)]), 0, trials, 2024)
    assert abs(f[2] - exact) < 3 * _se(exact, trials)
    # The layout from A: B 0.5; C 1 − (1 − 0.1)(1 − 0.25) = 0.325; D 0.325 × 0.4 = 0.13.
    f = monte_carlo(4, LAYOUT, 0, trials, 5)
    for node, expected in ((1, 0.5), (2, 0.325), (3, 0.13)):
        assert abs(f[node] - expected) < 3 * _se(expected, trials), node


def test_monte_carlo_is_fast_and_blocked(monkeypatch):
    rng = np.random.default_rng(1)
    n = 400
    e = _edges([(int(a), int(b), float(p)) for a, b, p in
                zip(rng.integers(0, n, 1000), rng.integers(0, n, 1000), rng.uniform(0.2, 0.8, 1000))])
    start = int(e.src.iloc[0])
    t = time.perf_counter()
    f = monte_carlo(n, e, start, 10_000, 3)
    elapsed = time.perf_counter() - t
    print(f"\nmonte_carlo: 10,000 trials, 1,000 edges: {elapsed:.2f} s, {int((f > 0).sum())} nodes ever fail, "
          f"mean {f.sum():.1f} per trial")
    assert elapsed < 10 and f[start] == 1.0 and f.max() <= 1.0 and (f > 0).sum() > 100
    # Running the trials in small blocks only changes how many run at once, not the estimate.
    monkeypatch.setattr(cg, "MC_STATE_BUDGET", 700)
    g = monte_carlo(n, e, start, 10_000, 3)
    assert np.abs(f - g).max() < 0.05


# --- Against brute force, at scale, and sampled -------------------------------------------


def _brute(n, edges):
    """Reference values from plain networkx over the whole cleaned graph."""
    E = clean_edges(n, edges)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for a, b, p in zip(E.src.tolist(), E.dst.tolist(), E.p.tolist()):
        g.add_edge(a, b, w=max(-math.log(p), cg.W_FLOOR))
    reach_2, reach_all, cin, cout = [], [], np.zeros(n), np.zeros(n)
    for v in range(n):
        reach_2.append(len(nx.single_source_shortest_path_length(g, v, cutoff=2)) - 1)
        reach_all.append(len(nx.descendants(g, v)))
        d = nx.single_source_dijkstra_path_length(g, v, weight="w")
        cout[v] = sum(d.values())
        for t, x in d.items():
            cin[t] += x

    def inv(s):
        return np.where(s > 0, 1 / np.where(s > 0, s, 1), 0.0)

    bc = nx.betweenness_centrality(g, weight="w", normalized=False)
    return np.array(reach_2), np.array(reach_all), inv(cin), inv(cout), np.array([bc[v] for v in range(n)])


def _random_edges(n, m, seed):
    rng = np.random.default_rng(seed)
    return _edges(list(zip(rng.integers(0, n, m).tolist(), rng.integers(0, n, m).tolist(),
                           np.exp(rng.uniform(math.log(1e-5), 0, m)).tolist())))


@pytest.mark.parametrize("seed", [1, 2])
def test_measures_match_brute_force(seed, monkeypatch):
    n = 150
    e = _random_edges(n, 260, seed)
    monkeypatch.setattr(cg, "PAIR_CHUNK", 7)  # many reach_2 chunks
    per, _ = graph_measures(n, e, None, None)
    r2, ra, cin, cout, bc = _brute(n, e)
    assert per.reach_2.tolist() == r2.tolist() and per.reach_all.tolist() == ra.tolist()
    assert per.closeness.to_numpy() == pytest.approx(cin) and per.out_closeness.to_numpy() == pytest.approx(cout)
    assert per.betweenness.to_numpy() == pytest.approx(bc)


def _clustered(n=100_000, m_target=50_000, seed=7):
    """Mostly isolated nodes; clusters of 2–20 with random short edges inside."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    srcs, dsts, pos, m = [], [], 0, 0
    while m < m_target:
        s = int(rng.integers(2, 21))
        nodes = perm[pos:pos + s]
        pos += s
        k = int(rng.integers(s - 1, 2 * s))
        srcs.append(nodes[rng.integers(0, s, k)])
        dsts.append(nodes[rng.integers(0, s, k)])
        m += k
    src, dst = np.concatenate(srcs), np.concatenate(dsts)
    return pd.DataFrame({"src": src, "dst": dst, "probability": np.exp(rng.uniform(math.log(1e-6), 0, len(src))),
                         "distance_m": rng.uniform(10, 300, len(src)), "vector": "heat", "load": 20.0})


def test_a_city_of_100000_sources():
    n = 100_000
    e = _clustered(n)
    codes = np.array([f"H{i}" for i in range(n)], dtype=object)
    levels = np.random.default_rng(1).integers(0, 5, n)
    t = time.perf_counter()
    per, info = graph_measures(n, e, levels, codes)
    elapsed = time.perf_counter() - t
    t = time.perf_counter()
    new, why = cascade_upgrade(n, e, levels, codes)
    t_up = time.perf_counter() - t
    print(f"\ngraph_measures: {n:,} nodes, {len(e):,} edges ({info['n_edges']:,} after cleaning), "
          f"{info['components']:,} clusters, {info['isolated']:,} isolated: {elapsed:.2f} s {info['times']}; "
          f"cascade_upgrade {t_up:.2f} s, {int((new != levels).sum()):,} upgraded")
    assert elapsed < 60
    assert info["methods"] == {"exact": n - info["isolated"]} and (per.centrality_method == "exact").all()
    assert info["largest_component"] <= 20 and info["isolated"] > n / 2
    assert (per.reach_all <= per.cluster_size - 1).all() and (per.reach_2 <= per.reach_all).all()
    assert (per.reach_1 <= per.reach_2).all()
    # Spot-check whole clusters against brute force.
    for cid in (1, 2, 100, info["components"]):
        nodes = np.flatnonzero(per.cluster.to_numpy() == cid)
        local = {v: i for i, v in enumerate(nodes)}
        sub = e[e.src.isin(nodes)]
        sub = sub.assign(src=sub.src.map(local), dst=sub.dst.map(local))
        r2, ra, cin, cout, bc = _brute(len(nodes), sub)
        got = per.iloc[nodes]
        assert got.reach_2.tolist() == r2.tolist() and got.reach_all.tolist() == ra.tolist()
        assert got.closeness.to_numpy() == pytest.approx(cin) and got.betweenness.to_numpy() == pytest.approx(bc)
        assert got.out_closeness.to_numpy() == pytest.approx(cout)
    up = new != levels
    assert (levels[up] > 1).all() and (new[up] == levels[up] - 1).all()
    assert all(w.startswith("可在 2 步内引发一级风险源 H") for w in why[up])


def _one_big_component(n=400, seed=5):
    """A ring both ways (so one weak component) with random chords between near nodes."""
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    a = np.concatenate([i, (i + 1) % n, rng.integers(0, n, n)])
    b = np.concatenate([(i + 1) % n, i, rng.integers(0, n, n)])
    b[2 * n:] = (a[2 * n:] + rng.integers(2, 12, n)) % n
    keep = rng.random(len(a)) < 0.8
    keep[:n] = True  # the forward ring always
    return _edges(list(zip(a[keep].tolist(), b[keep].tolist(), rng.uniform(0.05, 0.9, int(keep.sum())).tolist())))


def test_a_component_above_exact_max_nodes_is_sampled_and_recorded():
    n = 400
    e = _one_big_component(n)
    t = time.perf_counter()
    per, info = graph_measures(n, e, None, None, exact_max_nodes=100, sample_k=40, seed=9)
    elapsed = time.perf_counter() - t
    print(f"\nsampled component of {n}: {elapsed:.2f} s {info['times']}")
    assert (per.centrality_method == "sampled k=40").all() and info["methods"] == {"sampled k=40": n}
    assert info["components"] == 1 and info["largest_component"] == n
    assert "betweenness_sampled" in info["times"]
    # Same seed, same answer.
    pd.testing.assert_frame_equal(per, graph_measures(n, e, None, None, exact_max_nodes=100, sample_k=40, seed=9)[0])
    ex, ex_info = graph_measures(n, e, None, None, exact_max_nodes=1000)
    assert ex_info["methods"] == {"exact": n}
    # Reach is exact either way (condensation); degrees and reach_2 do not depend on the method.
    for col in ("reach_all", "reach_2", "out_degree", "in_degree", "best_chain_p_max", "cluster"):
        assert per[col].tolist() == ex[col].tolist(), col
    # Estimates: unbiased, so close on the whole, and they rank nodes alike.
    assert np.corrcoef(per.betweenness, ex.betweenness)[0, 1] > 0.9
    assert per.betweenness.sum() == pytest.approx(ex.betweenness.sum(), rel=0.1)
    for col in ("closeness", "out_closeness"):
        rel = np.abs(per[col] - ex[col]) / ex[col]
        assert rel.median() < 0.1 and rel.max() < 0.5, col
