"""The domino (cascade) graph: measures, the upgrade rule, most probable chains, scenarios.

docs/domain/cascade.md §6 and ``resources/reference/cascade.md`` ("The graph"). The edges are computed
elsewhere (effect models and probits); here they arrive as a DataFrame with at least the
columns ``src``, ``dst`` (node indices 0..n-1, the hazard sources) and ``probability``
(0 < P ≤ 1). Other columns (``distance_m``, ``vector``, ``load`` …) are carried by the
caller and not needed here.

Cleaning (every function does the same): self-loops are dropped (a source cannot escalate
onto itself); several edges for one ordered pair (src, dst) are merged keeping the highest
probability; the rest is sorted by (src, dst) so results never depend on the row order.

Weights. Path measures use w = −ln P, so a shortest path is the most probable chain and
P_chain = Π P_edge = exp(−Σ w). Chain probabilities reported here are the products of the
edge probabilities along the chosen path (not exp of a float sum), so 0.5 × 0.5 is exactly
0.25. For betweenness and closeness a P = 1 edge (w = 0) gets w = ``W_FLOOR`` (1e-12):
zero-weight cycles make networkx's shortest-path counting ill-defined and Σ d could be 0.

Measures (:func:`graph_measures`), per node:

- ``out_degree`` / ``in_degree``: distinct targets / distinct sources after cleaning;
  ``reach_1`` is the number of distinct nodes reachable in one step, i.e. ``out_degree``.
- ``reach_2``: distinct nodes reachable within ≤ 2 steps, excluding the node itself. Computed
  for all nodes at once from the edge list: the two-step pairs (a, c) come from joining each
  edge a → b with b's out-edges (CSR arrays, ``np.repeat``), are encoded as a·n + c and made
  unique with ``np.unique``; work is done in chunks of whole sources so memory stays bounded.
- ``reach_all``: every node reachable, excluding itself. In components computed exactly it
  comes from the same Dijkstra runs as closeness (len of the distance map − 1). In larger
  components it comes from the condensation DAG (strongly connected components): each SCC's
  reachable set is a Python-int bitset over the component's nodes, OR-ed over its successors
  in reverse topological order, and freed once its last predecessor has used it. This is
  exact; time is about (SCCs + DAG edges) × size / 64 word operations and memory the widest
  topological frontier × size / 8 bytes.
- ``best_chain_p_max``: the highest probability among the node's most probable chains to the
  nodes it can reach. Any chain starts with one of the node's out-edges and every further
  edge multiplies by P ≤ 1, so this is exactly the largest out-edge probability (0 with no
  out-edges) — computed that way, vectorised.
- ``betweenness``: networkx ``betweenness_centrality(weight=w, normalized=False)`` — the raw
  sum over ordered pairs (s, t), s ≠ t ≠ v, of σ_st(v)/σ_st on the −ln P shortest paths (not
  divided by (n−1)(n−2)). Components of ≤ ``exact_max_nodes`` nodes are exact; larger
  components use networkx's sampled estimate (``k`` = ``sample_k`` pivot sources, ``seed``),
  which networkx scales by size / k to estimate the same unnormalised sum.
- ``closeness`` (in-closeness, Zeng et al., PSEP 134 (2020) 149–160): C(x) = 1 / Σ_y d(y, x)
  over the nodes y ≠ x that can reach x — high for the most vulnerable targets.
  ``out_closeness``: 1 / Σ_y d(x, y) over the nodes x can reach — high for the most hazardous
  initiators (Khakzad et al., RESS 2016). Both 0 when nothing reaches / is reached. These are
  the raw reciprocals of the paper, not networkx's ``closeness_centrality`` (which rescales
  by the reachable count). Exact components: one Dijkstra per node. Sampled components:
  the number of nodes reaching x (reached from x) is exact, from the condensation; nodes
  with at most ``SAMPLED_EXACT_FACTOR`` (16) × size / k of them get the exact sum by one
  Dijkstra from x on the reversed (forward) graph, which visits only those nodes; the others
  get count × the mean distance from (to) the k seeded pivots that reach (are reached by)
  them — at least 16 such pivots expected. On a 3 937-node test component with k = 300:
  65 % of nodes exact, the rest within 7 % (median) and 35 % (worst) of the exact value.
- ``cluster``: weakly connected component id, 1 = the largest, ordered by size descending then
  by the lowest node index; isolated nodes come last, one cluster each, in node order.
  ``cluster_size``; ``centrality_method``: ``"exact"`` or ``"sampled k=300"`` (isolated nodes:
  ``"exact"`` — their measures are exactly 0).

Isolated nodes (most of a city's hazard sources) never become Python objects: everything for
them is array arithmetic. Only nodes with edges go into networkx, one small graph per weakly
connected component (networkx's Brandes initialises its dictionaries over the whole graph for
every source, so one call over the union of all components would cost O(nodes²)).
A component is computed exactly when it has at most max(``exact_max_nodes``, ``sample_k``)
nodes (sampling k ≥ size pivots would visit every node anyway).

The upgrade (:func:`cascade_upgrade`) uses a hop-limited max-product Bellman–Ford, vectorised
over the edge list (one pass per step); the Monte Carlo (:func:`monte_carlo`) runs all trials
at once on a trials × nodes boolean state restricted to the nodes the initiator can reach.

Budgets (docs/domain/cascade.md §6.1; rules ``reach_2_max_pairs``, ``centrality_max_edges``,
``centrality_edge_budget``): a source whose exact ``reach_2`` would generate more pairs is
estimated from a seeded sample of targets (``reach_2_method`` = ``sampled q=…``); a
component with more edges gets betweenness, closeness and reach_all from k seeded pivots by
vectorised Bellman–Ford, without networkx (``centrality_method`` = ``estimated k=…``);
components come from numpy hooking and pointer jumping; chains in such a graph from growing
each start's best-chain tree (:func:`_top_chains`, exact).

No QGIS or Qt here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def sampled_betweenness_scale(n: int, k: int) -> float:
    """The factor that makes networkx's sampled, unnormalised betweenness an estimate of the
    exact one. networkx ≥ 3.5 scales by n/k itself; 3.4 (Debian forky's, under QGIS 3.44) did
    not, and its sums came out k/n of the exact ones (measured: 0.099 for k=40 of n=400)."""
    major, minor = (int(p) for p in nx.__version__.split(".")[:2])
    return 1.0 if (major, minor) >= (3, 5) else n / k


# Defaults, as in the [cascade] section of resources/rules/default.toml.
DEFAULT_EXACT_MAX_NODES = 3000
DEFAULT_SAMPLE_K = 300
DEFAULT_SEED = 20241128
# Budgets (docs/domain/cascade.md §6.1), as in the rules' [cascade] section.
DEFAULT_REACH_2_MAX_PAIRS = 1_000
DEFAULT_CENTRALITY_MAX_EDGES = 1_000_000
DEFAULT_CENTRALITY_EDGE_BUDGET = 20_000_000
#: Edge relaxations networkx's sampled betweenness may spend in all (about a second or two of
#: its Python Dijkstra); components beyond it are estimated on the edge arrays instead.
NX_SAMPLED_MAX_WORK = 2_000_000
#: Exact Brandes costs about nodes × edges of a component (about 0.25 µs each, measured on
#: the seed-scale city): a component above this is sampled or estimated like a larger one.
EXACT_MAX_WORK = 1_000_000
RANK_BITS = 32  # seeded integer ranks of the reach_2 sample: 0 ≤ r < 2³²

# w = −ln P for P = 1 is 0; betweenness and closeness use this instead (see module notes).
W_FLOOR = 1e-12
# Two-step pairs generated per chunk when counting reach_2 (int64 keys: 8 bytes each).
PAIR_CHUNK = 4_000_000
# Monte Carlo: trials × reachable nodes booleans held at once (bytes).
MC_STATE_BUDGET = 32_000_000
# Sampled components: nodes with at most this × size / k ancestors (descendants) get exact
# distance sums; the others the count × the mean pivot distance (≥ this many pivots expected).
SAMPLED_EXACT_FACTOR = 16
# Member count above which an SCC's bitset is built with numpy instead of shifts.
BITSET_NUMPY_MIN = 64

METHOD_EXACT = "exact"
MEASURE_COLUMNS = ("out_degree", "in_degree", "reach_1", "reach_2", "reach_all", "best_chain_p_max",
                   "betweenness", "closeness", "out_closeness", "cluster", "cluster_size", "centrality_method",
                   "reach_2_method")
CHAIN_COLUMNS = ("start", "rank", "chain", "length", "probability", "start_node", "target", "target_node")
ARROW = " → "


def sampled_method(k: int) -> str:
    """The ``centrality_method`` text of a component whose betweenness was sampled."""
    return f"sampled k={k}"


def estimated_method(k: int) -> str:
    """The ``centrality_method`` text of a component above the edge budget: betweenness,
    closeness and reach_all estimated from k seeded pivots (module notes)."""
    return f"estimated k={k}"


def reach_2_sampled_method(q: float) -> str:
    """The ``reach_2_method`` text of a source whose two-step reach was estimated from a
    seeded sample of a share q of the sources."""
    return f"sampled q={q:.2g}"


# --- Edges ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edges:
    """Cleaned edge list in CSR order: sorted by (src, dst), one edge per ordered pair."""

    n: int
    src: IntArray
    dst: IntArray
    p: FloatArray
    indptr: IntArray  # out-edges of v are [indptr[v], indptr[v + 1])
    n_input: int
    n_self_loops: int
    n_merged: int

    @property
    def m(self) -> int:
        return len(self.src)

    @property
    def w(self) -> FloatArray:
        """−ln P (≥ 0)."""
        return np.maximum(-np.log(self.p), 0.0)


def clean_edges(n: int, edges: pd.DataFrame | Edges) -> Edges:
    """Validate and clean an edge DataFrame (see the module notes). Raises ValueError on a
    node index outside 0..n-1 or a probability outside (0, 1]."""
    if isinstance(edges, Edges):
        if edges.n != n:
            raise ValueError(f"edges are for {edges.n} nodes, not {n}")
        return edges
    n = int(n)
    if n < 0:
        raise ValueError("n must be ≥ 0")
    m_in = 0 if edges is None else len(edges)
    if m_in == 0:
        e = np.zeros(0, dtype=np.int64)
        return Edges(n, e, e.copy(), np.zeros(0), np.zeros(n + 1, dtype=np.int64), 0, 0, 0)
    src = pd.to_numeric(edges["src"], errors="raise").to_numpy(dtype=np.int64)
    dst = pd.to_numeric(edges["dst"], errors="raise").to_numpy(dtype=np.int64)
    p = pd.to_numeric(edges["probability"], errors="coerce").to_numpy(dtype=np.float64)
    for name, a in (("src", src), ("dst", dst)):
        if ((a < 0) | (a >= n)).any():
            raise ValueError(f"edge {name} outside 0..{n - 1}")
    bad = ~(np.isfinite(p) & (p > 0) & (p <= 1))
    if bad.any():
        raise ValueError(f"{int(bad.sum())} edge probabilities outside (0, 1]")
    loop = src == dst
    src, dst, p = src[~loop], dst[~loop], p[~loop]
    # By src, dst, then the most probable first. One int64 key sorts faster; it gives the
    # same order when no ordered pair repeats (the third key is needed only then).
    key = src * max(n, 1) + dst
    order = np.argsort(key, kind="stable")
    if len(key) > 1 and (key[order[1:]] == key[order[:-1]]).any():
        order = np.lexsort((-p, dst, src))
    src, dst, p = src[order], dst[order], p[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    merged = int((~first).sum())
    src, dst, p = src[first], dst[first], p[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return Edges(n, src, dst, p, indptr, m_in, int(loop.sum()), merged)


def _out_edges(indptr: IntArray, nodes: IntArray) -> tuple[IntArray, IntArray]:
    """Indices of the out-edges of ``nodes`` (CSR) and, for each, its position in ``nodes``."""
    starts = indptr[nodes]
    counts = indptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy()
    offsets = np.cumsum(counts) - counts
    idx = np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)
    return idx, np.repeat(np.arange(len(nodes), dtype=np.int64), counts)


def _reachable(E: Edges, start: int) -> IntArray:
    """Sorted nodes reachable from ``start`` including itself (frontier BFS on the CSR)."""
    seen = np.zeros(E.n, dtype=bool)
    seen[start] = True
    frontier = np.array([start], dtype=np.int64)
    while len(frontier):
        idx, _ = _out_edges(E.indptr, frontier)
        nxt = np.unique(E.dst[idx])
        nxt = nxt[~seen[nxt]]
        seen[nxt] = True
        frontier = nxt
    return np.flatnonzero(seen)


def _reach_2_costs(E: Edges) -> IntArray:
    """Per source, the pairs its exact two-step reach generates: Σ over its out-edges a → b
    of 1 + out_degree(b) — the square of a local degree in a dense park."""
    deg = np.diff(E.indptr)
    return np.bincount(E.src, weights=1 + deg[E.dst], minlength=E.n).astype(np.int64)


def _reach_2(E: Edges, max_pairs: int | None = None, seed: int = DEFAULT_SEED
             ) -> tuple[IntArray, FloatArray]:
    """Distinct nodes within ≤ 2 steps, excluding the node itself, for every node, and the
    sampling share q of each (1 = exact). Sources whose exact count would generate more than
    ``max_pairs`` pairs are estimated (module notes): q = max_pairs / their pairs."""
    n = E.n
    out = np.zeros(n, dtype=np.int64)
    q = np.ones(n)
    if E.m == 0:
        return out, q
    cost = _reach_2_costs(E)
    big = np.zeros(n, dtype=bool) if max_pairs is None else cost > int(max_pairs)
    # Exact: chunks of whole sources so a pair's duplicates are always in the same chunk.
    per_src = np.where(big, 0, cost)
    cum = np.cumsum(per_src)
    lo = 0
    while lo < n:
        hi = int(np.searchsorted(cum, (cum[lo - 1] if lo else 0) + PAIR_CHUNK, side="right"))
        hi = max(hi, lo + 1)
        e0, e1 = E.indptr[lo], E.indptr[min(hi, n)]
        if e1 > e0:
            a, b = E.src[e0:e1], E.dst[e0:e1]
            keep = ~big[a]
            a, b = a[keep], b[keep]
            idx, grp = _out_edges(E.indptr, b)
            keys = np.concatenate([a * n + b, a[grp] * n + E.dst[idx]])
            keys = np.unique(keys)
            s, t = keys // n, keys % n
            out += np.bincount(s[s != t], minlength=n)
        lo = hi
    if big.any():
        est, q_big = _reach_2_sampled(E, np.flatnonzero(big), cost, int(max_pairs), seed)  # type: ignore[arg-type]
        out[big] = est
        q[big] = q_big
    return out, q


def _reach_2_sampled(E: Edges, nodes: IntArray, cost: IntArray, max_pairs: int, seed: int
                     ) -> tuple[IntArray, FloatArray]:
    """Two-step reach of ``nodes`` from a seeded Bernoulli sample of the targets (module
    notes): every node gets one seeded rank r; node a counts the distinct x ≠ a within two
    steps with r(x) < t_a, t_a = q_a · 2³², q_a = max_pairs / cost(a), and the count / q_a
    is its Horvitz–Thompson estimate. Out-edges are sorted by the target's rank, so the
    sampled part of each neighbour's list is a prefix: the work per node is about
    max_pairs + its out-degree. Kept within [out_degree, n − 1]."""
    n = E.n
    rank = np.random.default_rng([int(seed), 2]).integers(0, 1 << RANK_BITS, n, dtype=np.int64)
    order = np.lexsort((rank[E.dst], E.src))
    r_dst = E.dst[order]
    keys = (E.src[order] << RANK_BITS) | rank[r_dst]
    q = np.minimum(1.0, max_pairs / cost[nodes])
    thr = np.floor(q * (1 << RANK_BITS)).astype(np.int64)
    t_of = np.zeros(n, dtype=np.int64)
    t_of[nodes] = thr
    count = np.zeros(n, dtype=np.int64)
    deg = np.diff(E.indptr)
    expect = max_pairs + deg[nodes]
    cum = np.cumsum(expect)
    lo = 0
    while lo < len(nodes):
        hi = max(int(np.searchsorted(cum, (cum[lo - 1] if lo else 0) + PAIR_CHUNK, side="right")), lo + 1)
        chunk = nodes[lo:hi]
        lo = hi
        idx, grp = _out_edges(E.indptr, chunk)
        a, b = chunk[grp], E.dst[idx]
        ta = t_of[a]
        own = rank[b] < ta
        # b's sampled out-neighbours: the prefix of its rank-sorted list below t_a.
        first = E.indptr[b]
        cnt = np.searchsorted(keys, (b << RANK_BITS) | ta) - first
        total = int(cnt.sum())
        offs = np.cumsum(cnt) - cnt
        two = np.repeat(first - offs, cnt) + np.arange(total, dtype=np.int64)
        pk = np.concatenate([a[own] * n + b[own], np.repeat(a, cnt) * n + r_dst[two]])
        pk = np.unique(pk)
        s, t = pk // n, pk % n
        count += np.bincount(s[s != t], minlength=n)
    est = np.rint(count[nodes] / (thr / float(1 << RANK_BITS)))
    est = np.clip(est, deg[nodes], n - 1).astype(np.int64)
    return est, q


# --- Components -------------------------------------------------------------------------


def _weak_labels(E: Edges) -> IntArray:
    """Weakly connected component label of every node (the lowest node index in it), by
    min-label hooking and pointer jumping over the edge list (Shiloach & Vishkin 1982)."""
    lab = np.arange(E.n, dtype=np.int64)
    if E.m == 0:
        return lab
    u, v = E.src, E.dst
    while True:
        lu, lv = lab[u], lab[v]
        diff = lu != lv
        if not diff.any():
            return lab
        lo, hi = np.minimum(lu[diff], lv[diff]), np.maximum(lu[diff], lv[diff])
        np.minimum.at(lab, hi, lo)
        while True:
            nxt = lab[lab]
            if np.array_equal(nxt, lab):
                break
            lab = nxt


def _components(E: Edges) -> tuple[IntArray, IntArray, list[IntArray]]:
    """(cluster id per node, cluster size per node, the multi-node components in id order)."""
    n = E.n
    cluster = np.zeros(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    comps: list[IntArray] = []
    if E.m:
        lab = _weak_labels(E)
        linked_nodes = np.flatnonzero(np.bincount(lab, minlength=n) > 1)  # labels of multi-node comps
        counts = np.bincount(lab, minlength=n)
        # By size descending, then by the lowest node (the label itself).
        roots = linked_nodes[np.lexsort((linked_nodes, -counts[linked_nodes]))]
        rank = np.full(n, -1, dtype=np.int64)
        rank[roots] = np.arange(len(roots), dtype=np.int64)
        r = rank[lab]
        members = np.flatnonzero(r >= 0)
        members = members[np.argsort(r[members], kind="stable")]
        cuts = np.cumsum(counts[roots])[:-1]
        comps = np.split(members, cuts) if len(roots) else []
        cluster[members] = r[members] + 1
        size[members] = counts[lab[members]]
    linked = np.zeros(n, dtype=bool)
    linked[E.src] = True
    linked[E.dst] = True
    iso = np.flatnonzero(~linked)
    cluster[iso] = len(comps) + 1 + np.arange(len(iso), dtype=np.int64)
    return cluster, size, comps


def _digraph(E: Edges, select: npt.NDArray[Any] | None = None) -> nx.DiGraph:
    """networkx graph of the edges (all, or selected by a mask or an index array); edge
    attributes p, w (−ln P) and wb (floored w)."""
    src, dst, p = (E.src, E.dst, E.p) if select is None else (E.src[select], E.dst[select], E.p[select])
    w = np.maximum(-np.log(p), 0.0)
    wb = np.maximum(w, W_FLOOR)
    g = nx.DiGraph()
    g.add_edges_from((int(a), int(b), {"p": float(q), "w": float(x), "wb": float(y)})
                     for a, b, q, x, y in zip(src.tolist(), dst.tolist(), p.tolist(), w.tolist(), wb.tolist()))
    return g


def _condensation_reach(g: nx.DiGraph) -> dict[int, int]:
    """Nodes reachable from each node of ``g`` (excluding itself), via the SCC condensation
    DAG and Python-int bitsets over ``g``'s nodes (see the module notes)."""
    nodes = sorted(g.nodes)
    local = {v: i for i, v in enumerate(nodes)}
    size = len(nodes)
    c = nx.condensation(g)
    remaining = dict(c.in_degree())
    masks: dict[int, int] = {}
    result: dict[int, int] = {}
    for s in reversed(list(nx.topological_sort(c))):
        members = c.nodes[s]["members"]
        if len(members) < BITSET_NUMPY_MIN:
            m = 0
            for v in members:
                m |= 1 << local[v]
        else:
            bits = np.zeros(size, dtype=np.uint8)
            bits[[local[v] for v in members]] = 1
            m = int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")
        for t in c.successors(s):
            m |= masks[t]
            remaining[t] -= 1
            if remaining[t] == 0:
                del masks[t]
        count = m.bit_count() - 1
        for v in members:
            result[v] = count
        if remaining[s] > 0:
            masks[s] = m
    return result


def _exact_paths(g: nx.DiGraph, in_sum: FloatArray, out_sum: FloatArray, reach_all: IntArray) -> None:
    """One Dijkstra (floored weights) per node: out- and in-distance sums and reach_all."""
    tgt: list[int] = []
    val: list[float] = []
    for s in g.nodes:
        d = nx.single_source_dijkstra_path_length(g, s, weight="wb")
        reach_all[s] = len(d) - 1
        out_sum[s] = sum(d.values())
        tgt.extend(d.keys())
        val.extend(d.values())
    if tgt:
        in_sum += np.bincount(np.asarray(tgt, dtype=np.int64), weights=np.asarray(val), minlength=len(in_sum))


def _sampled_paths(g: nx.DiGraph, nodes: IntArray, k: int, seed: int, cluster_id: int,
                   in_sum: FloatArray, out_sum: FloatArray, reach_all: IntArray) -> None:
    """Distance sums of one large component, estimated (see the module notes): reach_all
    and the ancestor counts exactly from the condensation; exact sums for nodes with at most
    ``SAMPLED_EXACT_FACTOR`` · size / k ancestors (descendants); for the others the count
    times the mean distance to (from) the seeded pivots that reach (are reached by) them."""
    rng = np.random.default_rng([int(seed), int(cluster_id)])
    pivots = rng.choice(nodes, size=k, replace=False)
    rev = g.reverse(copy=False)
    n = len(in_sum)
    desc = np.zeros(n, dtype=np.int64)
    anc = np.zeros(n, dtype=np.int64)
    for graph, counts in ((g, desc), (rev, anc)):
        got = _condensation_reach(graph)
        counts[np.fromiter(got.keys(), dtype=np.int64, count=len(got))] = np.fromiter(
            got.values(), dtype=np.int64, count=len(got))
    reach_all[nodes] = desc[nodes]
    small_max = math.ceil(SAMPLED_EXACT_FACTOR * len(nodes) / k)
    # in: pivots y reach x, forward from y; out: x reaches pivots y, backward from y.
    for forward, back, acc, count in ((g, rev, in_sum, anc), (rev, g, out_sum, desc)):
        total = np.zeros(n)
        hits = np.zeros(n, dtype=np.int64)
        for y in pivots.tolist():
            d = nx.single_source_dijkstra_path_length(forward, y, weight="wb")
            d.pop(y, None)
            if d:
                keys = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
                total[keys] += np.fromiter(d.values(), dtype=np.float64, count=len(d))
                hits[keys] += 1
        c = count[nodes]
        est = (c > small_max) & (hits[nodes] > 0)
        acc[nodes[est]] = c[est] * total[nodes[est]] / hits[nodes[est]]
        for x in nodes[(~est) & (c > 0)].tolist():
            acc[x] = sum(nx.single_source_dijkstra_path_length(back, x, weight="wb").values())


def _bellman_ford(indptr: IntArray, dst: IntArray, w: FloatArray, n: int, source: int) -> FloatArray:
    """Shortest distances from ``source`` (inf where unreachable) by frontier Bellman–Ford,
    vectorised: each round relaxes the out-edges of the nodes whose distance fell."""
    dist = np.full(n, np.inf)
    dist[source] = 0.0
    frontier = np.array([source], dtype=np.int64)
    while len(frontier):
        idx, grp = _out_edges(indptr, frontier)
        if not len(idx):
            break
        cand = dist[frontier][grp] + w[idx]
        t = dst[idx]
        better = cand < dist[t]
        t, cand = t[better], cand[better]
        np.minimum.at(dist, t, cand)
        frontier = np.unique(t)
    return dist


def _tree_descendants(src: IntArray, dst: IntArray, w: FloatArray, dist: FloatArray, source: int) -> IntArray:
    """Descendants of every node in one shortest-path tree from ``source`` (each reached
    node's parent: the lowest-numbered tight predecessor). With unique shortest paths this
    is Brandes' dependency δ_s(v); ties are attributed to one path."""
    n = len(dist)
    node = np.arange(n, dtype=np.int64)
    tight = np.isfinite(dist[src]) & (dist[src] + w == dist[dst]) & (dst != source)
    parent = node.copy()
    np.minimum.at(parent, dst[tight], src[tight])
    depth = (parent != node).astype(np.int64)
    anc = parent.copy()
    while True:  # list ranking by pointer jumping (Wyllie 1979)
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            break
        depth = depth + depth[anc]
        anc = nxt
    desc = np.zeros(n, dtype=np.int64)
    reached = np.flatnonzero(depth > 0)
    by_depth = reached[np.argsort(-depth[reached], kind="stable")]
    cuts = np.flatnonzero(np.diff(depth[by_depth])) + 1
    for level in np.split(by_depth, cuts):
        np.add.at(desc, parent[level], desc[level] + 1)
    return desc


def _pivot_estimates(E: Edges, nodes: IntArray, edge_mask: npt.NDArray[np.bool_], k: int, seed: int,
                     cluster_id: int, betweenness: FloatArray, in_sum: FloatArray, out_sum: FloatArray,
                     reach_all: IntArray) -> None:
    """Betweenness, distance sums and reach_all of one component above the edge budget,
    from k seeded pivots, without networkx (module notes): one forward and one backward
    Bellman–Ford per pivot on the component's CSR arrays."""
    size = len(nodes)
    local = np.full(E.n, -1, dtype=np.int64)
    local[nodes] = np.arange(size, dtype=np.int64)
    src, dst = local[E.src[edge_mask]], local[E.dst[edge_mask]]
    w = np.maximum(np.maximum(-np.log(E.p[edge_mask]), 0.0), W_FLOOR)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=size), out=indptr[1:])
    rorder = np.lexsort((src, dst))
    rsrc, rdst, rw = dst[rorder], src[rorder], w[rorder]
    rindptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rsrc, minlength=size), out=rindptr[1:])
    rng = np.random.default_rng([int(seed), int(cluster_id)])
    pivots = np.sort(rng.choice(size, size=k, replace=False))
    bc = np.zeros(size)
    tot_in, tot_out = np.zeros(size), np.zeros(size)
    hits_out = np.zeros(size, dtype=np.int64)
    for y in pivots.tolist():
        d = _bellman_ford(indptr, dst, w, size, y)
        bc += _tree_descendants(src, dst, w, d, y)
        d[y] = np.inf
        tot_in += np.where(np.isfinite(d), d, 0.0)
        d = _bellman_ford(rindptr, rdst, rw, size, y)
        d[y] = np.inf
        ok = np.isfinite(d)
        tot_out += np.where(ok, d, 0.0)
        hits_out += ok
    others = k - np.isin(np.arange(size), pivots)  # pivots other than the node itself
    scale = np.where(others > 0, (size - 1) / np.maximum(others, 1), 0.0)
    betweenness[nodes] = bc * size / k
    in_sum[nodes] = tot_in * scale
    out_sum[nodes] = tot_out * scale
    deg = np.diff(E.indptr)[nodes]
    reach_all[nodes] = np.clip(np.rint(hits_out * scale), deg, size - 1).astype(np.int64)


def _reach_2_labels(q: FloatArray) -> npt.NDArray[np.object_]:
    """``reach_2_method`` per node (each distinct share formatted once)."""
    out = np.full(len(q), METHOD_EXACT, dtype=object)
    est = q < 1
    if est.any():
        uq, inv = np.unique(q[est], return_inverse=True)
        out[est] = np.array([reach_2_sampled_method(v) for v in uq.tolist()], dtype=object)[inv]
    return out


def graph_measures(n: int, edges: pd.DataFrame, levels: Iterable[int] | None = None,
                   codes: Iterable[Any] | None = None, *, exact_max_nodes: int = DEFAULT_EXACT_MAX_NODES,
                   sample_k: int = DEFAULT_SAMPLE_K, seed: int = DEFAULT_SEED,
                   reach_2_max_pairs: int | None = DEFAULT_REACH_2_MAX_PAIRS,
                   centrality_max_edges: int | None = DEFAULT_CENTRALITY_MAX_EDGES,
                   centrality_edge_budget: int = DEFAULT_CENTRALITY_EDGE_BUDGET,
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-node graph measures (one row per node 0..n-1, columns ``MEASURE_COLUMNS``) and an
    info dict (edge and component counts, methods used, times in seconds). See the module
    notes for each measure. ``levels`` and ``codes`` are only checked for length and used to
    name the top hubs in the info; the measures do not depend on them. The budgets
    (``reach_2_max_pairs``, ``centrality_max_edges``, ``centrality_edge_budget``; None = no
    limit) decide where a measure is estimated; ``reach_2_method`` and ``centrality_method``
    say so per node."""
    t0 = time.perf_counter()
    times: dict[str, float] = {}
    E = clean_edges(n, edges)
    n = E.n
    codes_a = np.arange(n).astype(object) if codes is None else np.asarray(list(codes), dtype=object)
    if len(codes_a) != n:
        raise ValueError(f"{len(codes_a)} codes for {n} nodes")
    if levels is not None and len(np.asarray(levels)) != n:
        raise ValueError(f"{len(np.asarray(levels))} levels for {n} nodes")
    exact_max_nodes, sample_k = int(exact_max_nodes), int(sample_k)
    if sample_k < 1:
        raise ValueError("sample_k must be ≥ 1")
    times["clean"] = time.perf_counter() - t0

    t = time.perf_counter()
    out_degree = np.diff(E.indptr)
    in_degree = np.bincount(E.dst, minlength=n).astype(np.int64)
    best = np.zeros(n)
    np.maximum.at(best, E.src, E.p)
    reach_2, r2_q = _reach_2(E, reach_2_max_pairs, int(seed))
    times["degree_reach_2"] = time.perf_counter() - t

    t = time.perf_counter()
    cluster, size, comps = _components(E)
    times["components"] = time.perf_counter() - t

    betweenness = np.zeros(n)
    in_sum = np.zeros(n)
    out_sum = np.zeros(n)
    reach_all = np.zeros(n, dtype=np.int64)
    method = np.full(n, METHOD_EXACT, dtype=object)
    methods: dict[str, int] = {}

    # Exact when small enough, or when sampling k pivots would visit every node anyway.
    comp_of_edge = cluster[E.src]
    comp_edges = np.bincount(comp_of_edge, minlength=len(comps) + 1)
    edge_cap = np.inf if centrality_max_edges is None else int(centrality_max_edges)
    huge = [c for c in comps if comp_edges[cluster[c[0]]] > edge_cap]
    rest = [c for c in comps if comp_edges[cluster[c[0]]] <= edge_cap]
    exact = [len(c) <= max(exact_max_nodes, sample_k) and len(c) * int(comp_edges[cluster[c[0]]]) <= EXACT_MAX_WORK
             for c in rest]
    small = [c for c, e in zip(rest, exact) if e]
    large = [c for c, e in zip(rest, exact) if not e]
    # networkx's sampled Brandes runs a Python Dijkstra per pivot: it keeps the components
    # whose k pivots fit NX_SAMPLED_MAX_WORK edge relaxations in all (smallest first); the
    # others are estimated from pivots on the edge arrays, like the huge ones.
    cost = [sample_k * int(comp_edges[cluster[c[0]]]) for c in large]
    fits: set[int] = set()
    spent = 0
    for i in sorted(range(len(large)), key=lambda i: (cost[i], i)):
        if spent + cost[i] > NX_SAMPLED_MAX_WORK:
            break
        spent += cost[i]
        fits.add(i)
    huge += [c for i, c in enumerate(large) if i not in fits]
    large = [c for i, c in enumerate(large) if i in fits]
    # The pivot budget is shared by the components estimated that way.
    share = int(centrality_edge_budget) // max(1, len(huge))
    if small:
        # One graph per component: networkx's Brandes initialises its dictionaries over the
        # whole graph for every source, so one call over the union would be O(nodes²).
        t = time.perf_counter()
        order = np.argsort(comp_of_edge, kind="stable")
        cuts = np.searchsorted(comp_of_edge[order], np.arange(1, len(comps) + 2))
        for c in small:
            cid = int(cluster[c[0]])
            g = _digraph(E, order[cuts[cid - 1]:cuts[cid]])
            bc = nx.betweenness_centrality(g, weight="wb", normalized=False)
            betweenness[np.fromiter(bc.keys(), dtype=np.int64, count=len(bc))] = np.fromiter(
                bc.values(), dtype=np.float64, count=len(bc))
            _exact_paths(g, in_sum, out_sum, reach_all)
        times["betweenness_closeness_reach_all_exact"] = time.perf_counter() - t
        methods[METHOD_EXACT] = int(sum(len(c) for c in small))
    for c in large:
        cid = int(cluster[c[0]])
        g = _digraph(E, comp_of_edge == cid)
        label = sampled_method(sample_k)
        t = time.perf_counter()
        bc = nx.betweenness_centrality(g, k=sample_k, weight="wb", normalized=False, seed=int(seed))
        betweenness[np.fromiter(bc.keys(), dtype=np.int64, count=len(bc))] = np.fromiter(
            bc.values(), dtype=np.float64, count=len(bc)) * sampled_betweenness_scale(len(g), sample_k)
        times["betweenness_sampled"] = times.get("betweenness_sampled", 0.0) + time.perf_counter() - t
        t = time.perf_counter()
        _sampled_paths(g, c, sample_k, int(seed), cid, in_sum, out_sum, reach_all)
        times["closeness_reach_all_sampled"] = (times.get("closeness_reach_all_sampled", 0.0)
                                                + time.perf_counter() - t)
        method[c] = label
        methods[label] = methods.get(label, 0) + len(c)
    for c in huge:
        cid = int(cluster[c[0]])
        k = int(min(sample_k, len(c), max(2, share // int(comp_edges[cid]))))
        label = estimated_method(k)
        t = time.perf_counter()
        _pivot_estimates(E, c, comp_of_edge == cid, k, int(seed), cid, betweenness, in_sum, out_sum, reach_all)
        times["pivot_estimates"] = times.get("pivot_estimates", 0.0) + time.perf_counter() - t
        method[c] = label
        methods[label] = methods.get(label, 0) + len(c)
    with np.errstate(divide="ignore"):
        closeness = np.where(in_sum > 0, 1.0 / np.where(in_sum > 0, in_sum, 1.0), 0.0)
        out_closeness = np.where(out_sum > 0, 1.0 / np.where(out_sum > 0, out_sum, 1.0), 0.0)

    per = pd.DataFrame({
        "out_degree": out_degree, "in_degree": in_degree, "reach_1": out_degree.copy(), "reach_2": reach_2,
        "reach_all": reach_all, "best_chain_p_max": best, "betweenness": betweenness, "closeness": closeness,
        "out_closeness": out_closeness, "cluster": cluster, "cluster_size": size, "centrality_method": method,
        "reach_2_method": _reach_2_labels(r2_q),
    })
    n_iso = int((size == 1).sum())
    top = np.argsort(-betweenness, kind="stable")[:5]
    info: dict[str, Any] = {
        "n_nodes": n,
        "n_edges": E.m,
        "n_edges_input": E.n_input,
        "self_loops_dropped": E.n_self_loops,
        "duplicates_merged": E.n_merged,
        "components": len(comps),  # weakly connected, with ≥ 2 nodes
        "isolated": n_iso,
        "largest_component": int(len(comps[0])) if comps else min(n, 1),
        "methods": methods,
        "reach_2_sampled": int((r2_q < 1).sum()),
        "reach_2_max_pairs": reach_2_max_pairs,
        "centrality_max_edges": centrality_max_edges,
        "centrality_edge_budget": int(centrality_edge_budget),
        "exact_max_nodes": exact_max_nodes,
        "sample_k": sample_k,
        "seed": int(seed),
        "weight": "w = -ln P",
        "betweenness": "networkx betweenness_centrality(weight=w, normalized=False)",
        "closeness": "in: 1/Σ_y d(y,x) over y reaching x (Zeng et al. 2020); out: 1/Σ_y d(x,y)",
        "top_betweenness": [(codes_a[i], float(betweenness[i])) for i in top if betweenness[i] > 0],
        "times": times,
    }
    times["total"] = time.perf_counter() - t0
    return per, info


# --- Hop-limited most probable chains (vectorised Bellman–Ford) -------------------------


def _best_to_targets(E: Edges, target: npt.NDArray[np.bool_], steps: int
                     ) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """For every node that is not a target: the probability of its most probable chain of at
    most ``steps`` edges ending at a target (0 if none), and that chain as a row of node
    indices padded with −1 (width steps + 1).

    f_0 = 1 at targets; f_r(u) = max over u → v of P·f_{r−1}(v), kept from round r − 1 unless
    strictly better — so among equally probable chains the one found first (fewest edges) is
    kept, which makes every chain simple (a cycle never makes a chain strictly more probable).
    Ties between out-edges go to the lowest target index.
    """
    n = E.n
    f = target.astype(np.float64)
    nxt = np.full(n, -1, dtype=np.int64)
    set_round = np.zeros(n, dtype=np.int64)
    hist_nxt = [nxt]
    hist_round = [set_round]
    for r in range(1, steps + 1):
        cand = E.p * f[E.dst]
        best = np.zeros(n)
        np.maximum.at(best, E.src, cand)
        hit = np.flatnonzero((cand > 0) & (cand == best[E.src]))
        arg = np.full(n, -1, dtype=np.int64)
        us, first = np.unique(E.src[hit], return_index=True)
        arg[us] = E.dst[hit[first]]
        better = (~target) & (best > f)
        f = np.where(better, best, f)
        nxt = np.where(better, arg, nxt)
        set_round = np.where(better, r, set_round)
        hist_nxt.append(nxt)
        hist_round.append(set_round)
    paths = np.full((n, steps + 1), -1, dtype=np.int64)
    has = (~target) & (f > 0)
    rows = np.flatnonzero(has)
    paths[rows, 0] = rows
    cur, budget = rows.copy(), np.full(len(rows), steps, dtype=np.int64)
    active = np.ones(len(rows), dtype=bool)
    nxt_a, round_a = np.stack(hist_nxt), np.stack(hist_round)
    for j in range(1, steps + 1):
        if not active.any():
            break
        a = np.flatnonzero(active)
        step_to = nxt_a[budget[a], cur[a]]
        budget[a] = round_a[budget[a], cur[a]] - 1
        cur[a] = step_to
        paths[rows[a], j] = step_to
        active[a] = ~target[step_to]
    f = np.where(has, f, 0.0)
    return f, paths


def _fmt_p(p: float) -> str:
    return f"{p:.2g}"


def cascade_upgrade(n: int, edges: pd.DataFrame, levels: Iterable[int], codes: Iterable[Any],
                    within_steps: int = 2, raise_by: int = 1) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """The cascade upgrade rule (docs/domain/cascade.md §7): a scored source (level 2–4) that can reach a
    level-1 source other than itself within ``within_steps`` edges goes up ``raise_by`` levels,
    never above level 1. Level-1 sources are those of the input ``levels`` (upgrades do not
    chain into further upgrades); unscored sources (level 0) are left alone.

    Returns (new levels, one reason per node — "" where unchanged). The reason names the most
    probable qualifying chain of at most ``within_steps`` edges and its probability, e.g.
    "可在 2 步内引发一级风险源 H7（H3 → H5 → H7, P = 0.012）→ level 3 → 2"."""
    levels_a = pd.to_numeric(pd.Series(np.asarray(levels)), errors="coerce").fillna(0).to_numpy().astype(np.int64)
    codes_a = np.asarray(list(codes), dtype=object)
    E = clean_edges(n, edges)
    n = E.n
    if len(levels_a) != n or len(codes_a) != n:
        raise ValueError(f"{len(levels_a)} levels and {len(codes_a)} codes for {n} nodes")
    within_steps, raise_by = int(within_steps), int(raise_by)
    if within_steps < 1 or raise_by < 0:
        raise ValueError("within_steps must be ≥ 1 and raise_by ≥ 0")
    new = levels_a.copy()
    reasons = np.full(n, "", dtype=object)
    target = levels_a == 1
    if E.m == 0 or raise_by == 0 or not target.any():
        return new, reasons
    prob, paths = _best_to_targets(E, target, within_steps)
    up = np.flatnonzero((levels_a > 1) & (prob > 0))
    new[up] = np.maximum(1, levels_a[up] - raise_by)
    for u in up.tolist():
        chain = [int(v) for v in paths[u] if v >= 0]
        reasons[u] = (f"可在 {within_steps} 步内引发一级风险源 {codes_a[chain[-1]]}"
                      f"（{ARROW.join(str(codes_a[v]) for v in chain)}, P = {_fmt_p(float(prob[u]))}）"
                      f"→ level {levels_a[u]} → {new[u]}")
    return new, reasons


# --- Chains from chosen starts ----------------------------------------------------------


def _path_probability(g: nx.DiGraph, path: list[int]) -> float:
    p = 1.0
    for a, b in zip(path[:-1], path[1:]):
        p *= g[a][b]["p"]
    return p


def _top_chains(E: Edges, by_p: IntArray, s: int, k: int, max_steps: int) -> list[tuple[Any, ...]]:
    """The k most probable chains from ``s`` (rank order −P, edges, target), found by
    growing the tree of the best chains one node at a time (module notes): every prefix of
    a best chain is itself a best chain of a node ranked earlier, so the next node is the
    best unsettled out-neighbour of a settled one. ``by_p`` orders each source's out-edges
    by −P then target. Work about k² steps, whatever the degrees."""
    prob = {s: 1.0}
    steps = {s: 0}
    parent: dict[int, int] = {}
    ptr = {s: int(E.indptr[s])}
    found: list[tuple[float, int, int]] = []
    while len(found) < k:
        best: tuple[float, int, int, int] | None = None
        for u, i in ptr.items():
            if steps[u] >= max_steps:
                continue
            end = int(E.indptr[u + 1])
            while i < end and int(E.dst[by_p[i]]) in prob:
                i += 1
            ptr[u] = i
            if i < end:
                e = int(by_p[i])
                cand = (-(prob[u] * float(E.p[e])), steps[u] + 1, int(E.dst[e]), u)
                if best is None or cand < best:
                    best = cand
        if best is None:
            break
        neg_p, length, t, u = best
        prob[t], steps[t], parent[t], ptr[t] = -neg_p, length, u, int(E.indptr[t])
        found.append((neg_p, length, t))
    rows = []
    for neg_p, length, t in found:
        path = [t]
        while path[-1] != s:
            path.append(parent[path[-1]])
        rows.append((-neg_p, length, t, path[::-1]))
    return rows


def most_probable_chains(n: int, edges: pd.DataFrame, codes: Iterable[Any], starts: Iterable[int], *,
                         max_chains_per_start: int = 5, max_steps: int = 6,
                         max_graph_edges: int | None = DEFAULT_CENTRALITY_MAX_EDGES) -> pd.DataFrame:
    """The most probable chain from each start to each node it can reach (Dijkstra on
    w = −ln P), keeping per start the ``max_chains_per_start`` most probable, ranked 1, 2, …
    by probability (ties: fewer edges, then lower target index).

    A target whose most probable chain has more than ``max_steps`` edges is left out (its best
    chain is that long; a shorter, less probable one is not searched for).

    Columns: start (hazard code), rank, chain (codes joined by " → "), length (edges),
    probability (product of the edge probabilities), start_node, target (code), target_node."""
    codes_a = np.asarray(list(codes), dtype=object)
    E = clean_edges(n, edges)
    if len(codes_a) != E.n:
        raise ValueError(f"{len(codes_a)} codes for {E.n} nodes")
    rows: list[tuple[Any, ...]] = []
    starts_l = [int(s) for s in np.asarray(list(starts), dtype=np.int64).tolist()]
    if any(s < 0 or s >= E.n for s in starts_l):
        raise ValueError(f"start outside 0..{E.n - 1}")
    has_out = np.diff(E.indptr) > 0
    if max_graph_edges is not None and E.m > int(max_graph_edges) and max_chains_per_start <= max_steps:
        # Too many edges for one networkx graph: each start grows its best-chain tree.
        by_p = np.lexsort((E.dst, -E.p, E.src))
        for s in starts_l:
            if has_out[s]:
                for rank, (p, length, t, path) in enumerate(_top_chains(E, by_p, s, max_chains_per_start,
                                                                        max_steps), start=1):
                    rows.append((codes_a[s], rank, ARROW.join(str(codes_a[v]) for v in path), length, p, s,
                                 codes_a[t], t))
        starts_l = []
    g = _digraph(E) if E.m and starts_l else nx.DiGraph()
    for s in starts_l:
        if not has_out[s]:
            continue
        _, paths = nx.single_source_dijkstra(g, s, weight="w")
        found = []
        for t, path in paths.items():
            if t == s or len(path) - 1 > max_steps:
                continue
            found.append((-_path_probability(g, path), len(path) - 1, t, path))
        found.sort(key=lambda x: x[:3])
        for rank, (neg_p, length, t, path) in enumerate(found[:max_chains_per_start], start=1):
            rows.append((codes_a[s], rank, ARROW.join(str(codes_a[v]) for v in path), length, -neg_p, s,
                         codes_a[t], t))
    out = pd.DataFrame(rows, columns=list(CHAIN_COLUMNS))
    return out.astype({"start": object, "rank": np.int64, "chain": object, "length": np.int64,
                       "probability": np.float64, "start_node": np.int64, "target": object,
                       "target_node": np.int64})


# --- Scenario: one initiating accident --------------------------------------------------


def deterministic_set(n: int, edges: pd.DataFrame, start: int, threshold: float) -> pd.DataFrame:
    """The nodes whose most probable chain from ``start`` has probability ≥ ``threshold``,
    with that probability: DataFrame (node, probability, steps), most probable first (ties:
    fewer steps, then lower node). The start itself is included with probability 1, steps 0.
    Dijkstra on w = −ln P, cut off at −ln threshold (plus 1e-9 for rounding); the probability
    is the product of the edge probabilities on the chain."""
    E = clean_edges(n, edges)
    start = int(start)
    if not 0 <= start < E.n:
        raise ValueError(f"start outside 0..{E.n - 1}")
    threshold = float(threshold)
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    rows = [(start, 1.0, 0)]
    if np.diff(E.indptr)[start] > 0:
        reach = _reachable(E, start)
        inside = np.zeros(E.n, dtype=bool)
        inside[reach] = True
        g = _digraph(E, inside[E.src])
        _, paths = nx.single_source_dijkstra(g, start, cutoff=-math.log(threshold) + 1e-9, weight="w")
        for t, path in paths.items():
            if t != start:
                p = _path_probability(g, path)
                if p >= threshold:
                    rows.append((int(t), p, len(path) - 1))
    out = pd.DataFrame(rows, columns=["node", "probability", "steps"])
    out = out.sort_values(["probability", "steps", "node"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True).astype({"node": np.int64, "probability": np.float64, "steps": np.int64})


def monte_carlo(n: int, edges: pd.DataFrame, start: int, trials: int, seed: int) -> FloatArray:
    """Failure frequency of every node over ``trials`` seeded runs of one initiating accident.

    Each trial fails ``start``; each round every source that failed in the previous round
    loads each of its out-neighbours not yet failed, which fails with the edge probability
    (independent draws — a node loaded by several sources in one round fails if any succeeds);
    it stops when a round adds none. All trials run together: a trials × nodes boolean state
    over the nodes the start can reach (others are 0), and per round one uniform draw per
    (trial, loaded edge) pair — work follows the failures, not trials × edges. Trials are run
    in blocks so the state stays under ``MC_STATE_BUDGET`` bytes; the same seed gives the same
    answer (draws are consumed in a fixed order: block, round, trial, source, target)."""
    E = clean_edges(n, edges)
    start, trials = int(start), int(trials)
    if not 0 <= start < E.n:
        raise ValueError(f"start outside 0..{E.n - 1}")
    if trials < 1:
        raise ValueError("trials must be ≥ 1")
    freq = np.zeros(E.n)
    reach = _reachable(E, start)
    size = len(reach)
    local = np.full(E.n, -1, dtype=np.int64)
    local[reach] = np.arange(size, dtype=np.int64)
    keep = local[E.src] >= 0  # reach is sorted, so the local CSR stays sorted by src
    lsrc, ldst, lp = local[E.src[keep]], local[E.dst[keep]], E.p[keep]
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(lsrc, minlength=size), out=indptr[1:])
    s0 = int(local[start])
    rng = np.random.default_rng(int(seed))
    counts = np.zeros(size, dtype=np.int64)
    block = max(1, min(trials, MC_STATE_BUDGET // max(size, 1)))
    for b0 in range(0, trials, block):
        nt = min(block, trials - b0)
        failed = np.zeros((nt, size), dtype=bool)
        failed[:, s0] = True
        new_t = np.arange(nt, dtype=np.int64)
        new_v = np.full(nt, s0, dtype=np.int64)
        while len(new_t):
            idx, grp = _out_edges(indptr, new_v)
            if not len(idx):
                break
            tt, vv = new_t[grp], ldst[idx]
            live = ~failed[tt, vv]
            tt, vv, pp = tt[live], vv[live], lp[idx[live]]
            ok = rng.random(len(pp)) < pp
            keys = np.unique(tt[ok] * size + vv[ok])
            new_t, new_v = keys // size, keys % size
            failed[new_t, new_v] = True
        counts += failed.sum(axis=0)
    freq[reach] = counts / trials
    return freq
