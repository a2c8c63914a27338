"""Effect models of the cascade (domino) analysis, docs/domain/cascade.md §4 and resources/reference/cascade.md.

Every function works on numpy arrays (or pandas columns) over all hazard sources or all
candidate pairs at once; there is no Python loop per hazard or per pair. All constants come
from the ``[cascade]`` section of the rules file: functions taking ``rules`` accept either
the :class:`~plugin.core.rules.Rules` object or its ``cascade`` dict. The coefficients of the
published relations themselves (the overpressure polynomial, the range 1 ≤ Z ≤ 10 it is
used on, the normal-CDF approximation) are module constants.

1. :func:`scenarios` — each hazard's accident scenario (vce | pool_fire | tnt | none) from
   its GB 18218 Table 2 category, its substance constants, mass, TNT-equivalent mass and
   pool diameter.
2. The effect models — TNT equivalence of a vapour-cloud explosion, the overpressure
   relation and its inverse, the point-source pool fire, the escalation probits.
3. :func:`escalation_distances` — the distance at which each source's load falls to each
   target equipment's threshold (the graph's candidate query uses ``d_max``).
4. :func:`edge_load_and_probability` — load and escalation probability of candidate pairs.

No qgis or PyQt here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..scoring import gb18218

EQUIPMENT = ("atmospheric", "pressurised", "elongated", "auxiliary", "building")
# A target whose equipment type is blank or unknown is taken as a building (cascade/edges.py).
DEFAULT_EQUIPMENT = "building"
SCENARIOS = ("vce", "pool_fire", "tnt", "none")
VECTOR_OF = {"vce": "overpressure", "tnt": "overpressure", "pool_fire": "heat", "none": ""}
SUBSTANCE_FIELDS = ("heat_mj_kg", "density_kg_m3", "burning_rate_kg_m2s")

# ΔP/P0 = 0.137·Z⁻³ + 0.119·Z⁻² + 0.269·Z⁻¹ − 0.019 (cascade.md, Chinese safety-assessment
# practice), used on 1 ≤ Z ≤ 10. It decreases monotonically for every Z > 0.
OVERPRESSURE_COEF = (0.137, 0.119, 0.269, -0.019)
Z_MIN, Z_MAX = 1.0, 10.0
# Below Z_MIN (the near field) :func:`overpressure_at` extrapolates the relation (it keeps
# rising) down to this floor, so that two sources at the same point get a finite, very large
# load (ΔP/P0 ≈ 150 at Z = 0.1: every probit gives P ≈ 1) instead of infinity.
Z_NEAR_FLOOR = 0.1
# A load equal to the threshold reaches it: the distances are computed from the thresholds,
# and a target at exactly that distance must not fail the test by a rounding error.
THRESHOLD_RTOL = 1e-9
_BISECTION_STEPS = 60  # the bracket [1, 10] shrinks to 9·2⁻⁶⁰ ≈ 8e-18


# --- helpers ---------------------------------------------------------------------------------

def _c(rules) -> dict:
    """The cascade dict of a Rules object, or the dict itself."""
    c = getattr(rules, "cascade", rules)
    if not isinstance(c, dict) or not c:
        raise ValueError("the rules have no [cascade] section / 规则文件缺少 [cascade] 部分")
    return c


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


def _equipment_index(equipment, n: int | None = None) -> np.ndarray:
    """Positions in :data:`EQUIPMENT` of equipment ids (blank or unknown → DEFAULT_EQUIPMENT),
    as int8. Once per distinct value (``pd.factorize``), so millions of pairs stay cheap; an
    integer array is taken as such positions already."""
    if not (isinstance(equipment, str) or equipment is None) and np.asarray(equipment).dtype.kind in "iu":
        return np.asarray(equipment).astype(np.int8).ravel()
    if isinstance(equipment, str) or equipment is None:
        values = np.full(1 if n is None else n, equipment or "", dtype=object)
    else:
        values = np.asarray(equipment, dtype=object).ravel()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    default = EQUIPMENT.index(DEFAULT_EQUIPMENT)
    per_unique = np.array([EQUIPMENT.index(str(u)) if str(u) in EQUIPMENT else default for u in uniques] + [default],
                          dtype=np.int8)
    return per_unique[np.where(codes < 0, len(uniques), codes)]


def _equipment_codes(equipment, n: int | None = None) -> np.ndarray:
    """Equipment ids as an object array; blank or unknown → DEFAULT_EQUIPMENT."""
    return np.array(EQUIPMENT, dtype=object)[_equipment_index(equipment, n)]


def _per_equipment(table: dict, equipment, key: str | None = None) -> np.ndarray:
    """table[equipment] (or table[equipment][key]) for each element, as floats."""
    scalar = isinstance(equipment, str) or equipment is None
    idx = _equipment_index(equipment)
    vals = np.full(len(EQUIPMENT), np.nan)
    for i in np.unique(idx).tolist():  # only the types present (a table may lack unused ones)
        u = EQUIPMENT[i]
        vals[i] = float(table[u] if key is None else table[u][key])
    out = vals[idx]
    return out[0] if scalar else out.reshape(np.shape(equipment))


# --- the standard normal CDF -------------------------------------------------------------------

def _erfc_nonneg(z: np.ndarray) -> np.ndarray:
    """erfc(z) for z ≥ 0: the Chebyshev fit of Numerical Recipes (Press et al., 2nd ed.,
    §6.2, ``erfcc``), fractional error below 1.2e-7 everywhere — so tiny escalation
    probabilities (1e-7 and less) keep their relative accuracy, which an absolute-error
    formula such as Abramowitz–Stegun 7.1.26 (1.5e-7 absolute) would not."""
    t = 1.0 / (1.0 + 0.5 * z)
    poly = (-1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    with np.errstate(invalid="ignore", over="ignore"):
        out = t * np.exp(-z * z + poly)
    return np.where(np.isposinf(z), 0.0, out)


def norm_cdf(x):
    """Φ(x), the standard normal CDF, vectorised without scipy: Φ(x) = ½·erfc(−x/√2) with
    :func:`_erfc_nonneg` (relative error < 1.2e-7 for x ≤ 0, absolute error < 6e-8 for
    x > 0). ±inf → 1 or 0; NaN stays NaN."""
    x = _f(x)
    z = -x / math.sqrt(2.0)
    e = _erfc_nonneg(np.abs(z))
    erfc = np.where(z >= 0, e, 2.0 - e)
    out = 0.5 * np.where(np.isnan(x), np.nan, erfc)
    return out if out.ndim else float(out)


def probability(y):
    """Escalation probability of a probit value: P = Φ(Y − 5)."""
    return norm_cdf(_f(y) - 5.0)


# --- 1. the scenario of each hazard -----------------------------------------------------------

def _hazard_column(hazards: pd.DataFrame, name: str) -> pd.Series:
    if name in hazards.columns:
        return hazards[name]
    return pd.Series([np.nan] * len(hazards), index=hazards.index, dtype=object)


def _positive(values: pd.Series) -> np.ndarray:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return np.where(v > 0, v, np.nan)


def scenarios(hazards: pd.DataFrame, rules, tables=None) -> pd.DataFrame:
    """Accident scenario and substance constants of every hazard source, aligned with
    ``hazards.index``.

    The scenario comes from the hazard's GB 18218 Table 2 category — the survey's
    ``category`` when it is a Table 2 symbol, else the default category of the Table 1 row
    the substance matches (:func:`gb18218.match_substances`; rows whose default is
    ``Table3…`` — the named toxic gases such as chlorine and ammonia — or ``none`` map to
    nothing) — through ``cascade.scenario_by_category``; unmapped → ``none``.

    Columns: ``scenario``; ``category`` (the symbol used, '' when none) and
    ``category_source`` (survey | table1_default | ''); ``t1_seq`` (Int64); ``mass_kg`` =
    quantity_t × 1000 (NaN when the quantity is missing or not positive); ``volume_m3``
    (NaN when missing or not positive); ``heat_mj_kg``, ``density_kg_m3``,
    ``burning_rate_kg_m2s`` from ``cascade.substances`` by Table 1 row, else
    ``cascade.category_defaults[scenario]``; ``w_tnt_kg`` (vce, tnt); ``pool_diameter_m``
    (pool_fire); ``defaults_used`` (a constant the scenario needs — heat of combustion for
    vce; heat, burning rate, and density when there is no volume, for pool_fire — came from
    the category defaults) and ``default_fields`` (which, ';'-separated).

    A hazard without a quantity keeps its scenario; its mass, W_TNT, diameter and therefore
    its distances are NaN. ``tables`` defaults to ``rules.gb18218``.
    """
    c = _c(rules)
    tables = tables if tables is not None else rules.gb18218
    n = len(hazards)
    matched = gb18218.match_substances(hazards, tables)
    seq = matched["t1_seq"].to_numpy(dtype=np.int64, na_value=0)

    # The survey's category, when it is a Table 2 symbol (once per distinct cell).
    symbols = set(tables.table2["symbol"].astype(str))
    codes, uniques = pd.factorize(_hazard_column(hazards, "category").astype(object), use_na_sentinel=True)
    norm_u = np.array([gb18218.normalise_category(u) for u in uniques] + [""], dtype=object)
    norm_u = np.where(np.isin(norm_u, list(symbols)), norm_u, "")
    survey_cat = norm_u[np.where(codes < 0, len(uniques), codes)]

    # The default category of each Table 1 row (index = seq).
    dc = tables.default_category
    top = max(int(dc["seq"].max()) if len(dc) else 0, int(seq.max()) if n else 0) + 1
    default_row = np.full(top, "", dtype=object)
    default_row[dc["seq"].to_numpy(dtype=np.int64)] = [str(s).strip() for s in dc["default_category"]]
    default_cat = np.where(seq > 0, default_row[np.clip(seq, 0, top - 1)], "")
    has_survey = survey_cat != ""
    category = np.where(has_survey, survey_cat, default_cat).astype(object)
    category_source = np.select([has_survey, default_cat != ""], ["survey", "table1_default"], "").astype(object)

    # Table 2 symbols are compared folded ('w5.2' = 'W5.2'); 'Table3…', 'none', J… map to none.
    by_cat = {gb18218.normalise_category(k): v for k, v in c.get("scenario_by_category", {}).items()}
    cat_codes, cat_u = pd.factorize(category)
    scen_u = np.array([by_cat.get(gb18218.normalise_category(u), "none") for u in cat_u], dtype=object)
    scenario = scen_u[cat_codes] if n else np.array([], dtype=object)

    # Substance constants: the Table 1 row's value, else the scenario's category default.
    subs = {int(k): v for k, v in c.get("substances", {}).items()}
    top = max(top, max(subs, default=0) + 1)
    seq_c = np.clip(seq, 0, top - 1)
    cat_defaults = c.get("category_defaults", {})
    s_codes, s_u = pd.factorize(scenario)
    values, from_default = {}, {}
    for field in SUBSTANCE_FIELDS:
        row = np.full(top, np.nan)
        for k, props in subs.items():
            if field in props:
                row[k] = float(props[field])
        own = np.where(seq > 0, row[seq_c], np.nan)
        dflt_u = np.array([float(cat_defaults.get(s, {}).get(field, np.nan)) for s in s_u], dtype=float)
        dflt = dflt_u[s_codes] if n else np.array([], dtype=float)
        values[field] = np.where(np.isnan(own), dflt, own)
        from_default[field] = np.isnan(own)

    mass = _positive(_hazard_column(hazards, "quantity_t")) * 1000.0
    volume = _positive(_hazard_column(hazards, "volume_m3"))
    is_vce, is_pool, is_tnt = scenario == "vce", scenario == "pool_fire", scenario == "tnt"
    needs = {
        "heat_mj_kg": is_vce | is_pool,
        "burning_rate_kg_m2s": is_pool,
        "density_kg_m3": is_pool & np.isnan(volume),
    }
    used = {f: needs[f] & from_default[f] for f in SUBSTANCE_FIELDS}
    defaults_used = used["heat_mj_kg"] | used["density_kg_m3"] | used["burning_rate_kg_m2s"]
    labels = pd.Series([""] * n, dtype=object)
    for f in SUBSTANCE_FIELDS:
        labels = labels.where(~used[f], labels + np.where(labels == "", "", ";") + f)

    w_tnt = np.full(n, np.nan)
    w_tnt[is_vce] = tnt_mass_vce(mass[is_vce], values["heat_mj_kg"][is_vce], c)
    w_tnt[is_tnt] = tnt_mass_explosive(mass[is_tnt], c)
    diameter = np.full(n, np.nan)
    ok = is_pool & ~np.isnan(mass)  # no quantity → no distances, as for the other scenarios
    diameter[ok] = pool_diameter(volume[ok], mass[ok], values["density_kg_m3"][ok])

    return pd.DataFrame({
        "scenario": scenario.astype(object),
        "category": category.astype(object),
        "category_source": category_source,
        "t1_seq": matched["t1_seq"].array,
        "mass_kg": mass,
        "volume_m3": volume,
        "heat_mj_kg": values["heat_mj_kg"],
        "density_kg_m3": values["density_kg_m3"],
        "burning_rate_kg_m2s": values["burning_rate_kg_m2s"],
        "w_tnt_kg": w_tnt,
        "pool_diameter_m": diameter,
        "defaults_used": defaults_used.astype(bool),
        "default_fields": labels.to_numpy(dtype=object),
    }, index=hazards.index)


# --- 2a. explosions: TNT equivalence and the overpressure relation --------------------------------

def tnt_mass_vce(mass_kg, heat_mj_kg, rules):
    """W_TNT = ground_reflection · vce_yield · W_f · Q_f / Q_TNT (kg), Q_f in kJ/kg
    (cascade.md, vapour cloud explosion)."""
    c = _c(rules)
    return (float(c["ground_reflection"]) * float(c["vce_yield"]) * _f(mass_kg) * _f(heat_mj_kg) * 1000.0
            / float(c["tnt_heat_kj_kg"]))


def tnt_mass_explosive(mass_kg, rules):
    """W_TNT = mass × explosive_tnt_equivalence (kg), for explosives (W1.x)."""
    return _f(mass_kg) * float(_c(rules)["explosive_tnt_equivalence"])


def overpressure_ratio(z):
    """ΔP/P0 = 0.137·Z⁻³ + 0.119·Z⁻² + 0.269·Z⁻¹ − 0.019 (cascade.md; meant for 1 ≤ Z ≤ 10)."""
    z = _f(z)
    a3, a2, a1, a0 = OVERPRESSURE_COEF
    with np.errstate(divide="ignore", invalid="ignore"):
        u = 1.0 / z
        return ((a3 * u + a2) * u + a1) * u + a0


def scaled_distance_for(dp_pa, rules, *, with_flag: bool = False):
    """Z at which the overpressure relation gives ΔP (Pa): the relation inverted by vectorised
    bisection on [Z_MIN, Z_MAX] (it is monotone there). A ΔP above the relation's value at
    Z = 1 (≈ 51.3 kPa) gives Z = 1, one below its value at Z = 10 (≈ 0.93 kPa) gives Z = 10;
    ``with_flag=True`` returns (Z, clamped) with ``clamped`` True for those. NaN stays NaN."""
    p0 = float(_c(rules)["reference_pressure_pa"])
    r = _f(dp_pa) / p0
    shape = r.shape
    r = np.atleast_1d(r)
    hi_r, lo_r = float(overpressure_ratio(Z_MIN)), float(overpressure_ratio(Z_MAX))
    lo = np.full(r.shape, Z_MIN)
    hi = np.full(r.shape, Z_MAX)
    target = np.clip(r, lo_r, hi_r)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = overpressure_ratio(mid) > target  # still too close: the root is farther out
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    z = 0.5 * (lo + hi)
    with np.errstate(invalid="ignore"):
        z = np.where(r >= hi_r, Z_MIN, np.where(r <= lo_r, Z_MAX, z))
        clamped = (r > hi_r) | (r < lo_r)
    z = np.where(np.isnan(r), np.nan, z).reshape(shape)
    clamped = clamped.reshape(shape)
    if not shape:  # a scalar ΔP gives a float Z (and a bool flag)
        return (float(z), bool(clamped)) if with_flag else float(z)
    return (z, clamped) if with_flag else z


def _length_scale(w_tnt_kg, c) -> np.ndarray:
    """(E/P0)^(1/3) in metres, E = W_TNT · Q_TNT in J."""
    e = _f(w_tnt_kg) * float(c["tnt_heat_kj_kg"]) * 1000.0
    return np.cbrt(e / float(c["reference_pressure_pa"]))


def overpressure_distance(w_tnt_kg, dp_pa, rules):
    """R (m) at which the explosion of W_TNT kg gives the overpressure ΔP (Pa):
    R = Z · (E/P0)^(1/3), E = W_TNT · Q_TNT (J)."""
    c = _c(rules)
    return scaled_distance_for(dp_pa, c) * _length_scale(w_tnt_kg, c)


def overpressure_at(w_tnt_kg, r_m, rules, *, with_flag: bool = False):
    """ΔP (Pa) at distance r (m) from the explosion of W_TNT kg. Beyond the relation's
    range (Z > 10) it is used as is, down to its zero, and never goes negative; nearer than
    Z = 1 it is extrapolated (it keeps rising) down to Z_NEAR_FLOOR. ``with_flag=True``
    returns (ΔP, outside) with ``outside`` True where Z is outside 1 ≤ Z ≤ 10."""
    c = _c(rules)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = _f(r_m) / _length_scale(w_tnt_kg, c)
    dp = float(c["reference_pressure_pa"]) * np.maximum(overpressure_ratio(np.maximum(z, Z_NEAR_FLOOR)), 0.0)
    dp = np.where(np.isnan(z), np.nan, dp)
    if not with_flag:
        return dp if dp.ndim else float(dp)
    with np.errstate(invalid="ignore"):
        outside = (z < Z_MIN) | (z > Z_MAX)
    return (dp, outside) if dp.ndim else (float(dp), bool(outside))


# --- 2b. pool fire (point source) ----------------------------------------------------------------

def pool_diameter(volume_m3, mass_kg, density):
    """Pool diameter (m): the tank's diameter from its volume with height = diameter
    (V = π·D³/4) when the volume is given (finite and positive), else the same from the
    liquid's volume mass/density."""
    v = _f(volume_m3)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(np.isfinite(v) & (v > 0), v, _f(mass_kg) / _f(density))
        return np.cbrt(4.0 * v / math.pi)


def _pool_power_kw(diameter, burning_rate, heat_mj_kg, c) -> np.ndarray:
    """τ · η · m″ · A · ΔH_c in kW (A = π D²/4, ΔH_c in kJ/kg)."""
    area = math.pi * _f(diameter) ** 2 / 4.0
    return (float(c["transmissivity"]) * float(c["radiative_fraction"]) * _f(burning_rate) * area
            * _f(heat_mj_kg) * 1000.0)


def heat_flux_at(r_m, diameter, burning_rate, heat_mj_kg, rules):
    """I(x) = τ·η·m″·A·ΔH_c / (4π x²) in kW/m², x (m) from the flame centre (cascade.md).
    The point-source relation is not applied inside the pool: x is at least the pool
    radius D/2 (a target within it takes the flux at the pool's edge)."""
    c = _c(rules)
    x = np.maximum(_f(r_m), _f(diameter) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _pool_power_kw(diameter, burning_rate, heat_mj_kg, c) / (4.0 * math.pi * x * x)
    return out if out.ndim else float(out)


def heat_distance(threshold_kw_m2, diameter, burning_rate, heat_mj_kg, rules):
    """x (m, from the flame centre) at which the pool fire's flux falls to the threshold."""
    c = _c(rules)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt(_pool_power_kw(diameter, burning_rate, heat_mj_kg, c) / (4.0 * math.pi * _f(threshold_kw_m2)))
    return out if out.ndim else float(out)


# --- 2c. probits -----------------------------------------------------------------------------

def probit_overpressure(dp_pa, equipment, rules):
    """Y = a + b·ln ΔP (ΔP in Pa), a and b by target equipment (blank or unknown →
    DEFAULT_EQUIPMENT). ``equipment`` is one id or an array aligned with ``dp_pa``."""
    c = _c(rules)
    dp = _f(dp_pa)
    eq = equipment if isinstance(equipment, str) or equipment is None else np.asarray(equipment)
    a = _per_equipment(c["overpressure_probit"], eq, "a")
    b = _per_equipment(c["overpressure_probit"], eq, "b")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a + b * np.log(dp)
    return out if np.ndim(out) else float(out)


def time_to_failure(i_kw_m2, volume_m3, rules):
    """ttf (s) of an atmospheric tank under heat radiation I (kW/m²), volume V (m³):
    ln ttf = c_ln_i·ln I + c_volume·V + c0 (Khakzad & Reniers 2015). A missing volume is
    taken as 0 (its term is small: −2.67e-5·V changes ttf by 2.7 % at 1000 m³)."""
    hp = _c(rules)["heat_probit_atmospheric"]
    v = _f(volume_m3)
    v = np.where(np.isnan(v), 0.0, v)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.exp(float(hp["c_ln_i"]) * np.log(_f(i_kw_m2)) + float(hp["c_volume"]) * v + float(hp["c0"]))
    return out if out.ndim else float(out)


def probit_heat_atmospheric(i_kw_m2, volume_m3, rules):
    """Y = y0 + y_ln_ttf·ln ttf with ttf from :func:`time_to_failure`."""
    hp = _c(rules)["heat_probit_atmospheric"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = float(hp["y0"]) + float(hp["y_ln_ttf"]) * np.log(time_to_failure(i_kw_m2, volume_m3, rules))
    return out if np.ndim(out) else float(out)


# --- 3. escalation distances -------------------------------------------------------------------

def escalation_distances(scen_df: pd.DataFrame, rules) -> pd.DataFrame:
    """Per hazard (aligned with ``scen_df.index``), the distance (m) at which its load falls
    to each target equipment's threshold: ``d_atmospheric`` … ``d_building``; ``vector``
    (overpressure for vce and tnt, heat for pool_fire, '' for none); ``d_max``, the largest;
    ``clamped`` (a distance was capped at ``cascade.max_distance_m``, which caps all of them,
    or an overpressure threshold lay outside the relation's 1 ≤ Z ≤ 10). NaN for scenario
    none and for hazards without a quantity."""
    c = _c(rules)
    n = len(scen_df)
    scenario = scen_df["scenario"].astype(object).to_numpy()
    vector = pd.Series(scenario).map(VECTOR_OF).fillna("").to_numpy(dtype=object)
    op, heat = vector == "overpressure", vector == "heat"
    w = scen_df["w_tnt_kg"].to_numpy(dtype=float, na_value=np.nan)
    diam = scen_df["pool_diameter_m"].to_numpy(dtype=float, na_value=np.nan)
    rate = scen_df["burning_rate_kg_m2s"].to_numpy(dtype=float, na_value=np.nan)
    hc = scen_df["heat_mj_kg"].to_numpy(dtype=float, na_value=np.nan)
    cap = float(c["max_distance_m"])
    out = {}
    clamped = np.zeros(n, dtype=bool)
    for eq in EQUIPMENT:
        d = np.full(n, np.nan)
        z, flag = scaled_distance_for(float(c["overpressure_threshold_kpa"][eq]) * 1000.0, c, with_flag=True)
        d[op] = z * _length_scale(w[op], c)
        clamped |= op & flag & ~np.isnan(d)
        d[heat] = heat_distance(float(c["heat_threshold_kw_m2"][eq]), diam[heat], rate[heat], hc[heat], c)
        with np.errstate(invalid="ignore"):
            clamped |= d > cap
        out[f"d_{eq}"] = np.minimum(d, cap)  # NaN stays NaN
    stack = np.column_stack([out[f"d_{eq}"] for eq in EQUIPMENT]) if n else np.empty((0, len(EQUIPMENT)))
    d_max = np.fmax.reduce(stack, axis=1) if n else np.array([], dtype=float)
    frame = pd.DataFrame(out, index=scen_df.index)
    frame["vector"] = vector
    frame["d_max"] = d_max
    frame["clamped"] = clamped
    return frame


# --- 4. edges ---------------------------------------------------------------------------------

def edge_load_and_probability(src_idx, dst_idx, dist_m, scen_df: pd.DataFrame, target_equipment, target_volume,
                              rules):
    """Load and escalation probability of candidate pairs src → dst (positional indices
    into ``scen_df``), vectorised over the pairs.

    ``load`` is the source's load at the target's distance: kPa for overpressure (vce,
    tnt), kW/m² for heat (pool_fire), NaN for scenario none. ``probability`` by the target's
    equipment (blank or unknown → DEFAULT_EQUIPMENT): 0 below its threshold; above it,
    Φ(Y − 5) with the overpressure probit, or the atmospheric heat probit (with the target's
    volume), or ``pressurised_fire_probability`` for heat on every other equipment type.
    ``target_equipment`` may also be positions in :data:`EQUIPMENT` (an integer array).
    """
    c = _c(rules)
    src = np.asarray(src_idx, dtype=np.intp)
    d = _f(dist_m)
    m = len(src)
    eq = _equipment_index(target_equipment, m)
    vol = np.broadcast_to(_f(target_volume), (m,)) if m else np.array([], dtype=float)
    # The vector of each source once per source (not per pair), then per pair by index.
    s_codes, s_uniques = pd.factorize(scen_df["scenario"].astype(object).to_numpy(), use_na_sentinel=True)
    vec_u = np.array([VECTOR_OF.get(u, "") for u in s_uniques] + [""], dtype=object)
    vector = vec_u[np.where(s_codes < 0, len(s_uniques), s_codes)][src]
    op, heat = vector == "overpressure", vector == "heat"
    load = np.full(m, np.nan)
    p = np.zeros(m)
    if op.any():
        w = scen_df["w_tnt_kg"].to_numpy(dtype=float, na_value=np.nan)[src[op]]
        dp = overpressure_at(w, d[op], c)
        load[op] = dp / 1000.0
        thr = _per_equipment(c["overpressure_threshold_kpa"], eq[op])
        with np.errstate(invalid="ignore"):
            reached = dp / 1000.0 >= thr * (1.0 - THRESHOLD_RTOL)
        pp = np.zeros(op.sum())
        if reached.any():
            pp[reached] = probability(probit_overpressure(dp[reached], eq[op][reached], c))
        p[op] = pp
    if heat.any():
        s = src[heat]
        i = heat_flux_at(d[heat], scen_df["pool_diameter_m"].to_numpy(dtype=float, na_value=np.nan)[s],
                         scen_df["burning_rate_kg_m2s"].to_numpy(dtype=float, na_value=np.nan)[s],
                         scen_df["heat_mj_kg"].to_numpy(dtype=float, na_value=np.nan)[s], c)
        i = np.atleast_1d(i)
        load[heat] = i
        e = eq[heat]
        thr = _per_equipment(c["heat_threshold_kw_m2"], e)
        with np.errstate(invalid="ignore"):
            reached = i >= thr * (1.0 - THRESHOLD_RTOL)
        atm = reached & (e == EQUIPMENT.index("atmospheric"))
        other = reached & ~atm
        pp = np.zeros(heat.sum())
        if atm.any():
            pp[atm] = probability(probit_heat_atmospheric(i[atm], vol[heat][atm], c))
        pp[other] = float(c["pressurised_fire_probability"])
        p[heat] = pp
    p = np.where(np.isnan(p), 0.0, p)
    return load, p
