"""Scoring (风险评价): every hazard source by its sector's method, every unit by its worst.

docs/domain/scoring.md §1. A sector's method is set in the rules: ``gb18218`` (GB 18218-2018 R value, for
units that are major hazard sources, S = Σq/Q ≥ 1), ``lec`` (D = L·E·C) or ``ls``
(R = L·S). In a gb18218 sector, a unit that is not a major hazard source — or a hazard
source of a major unit that has no quantity — is scored by the sector's fallback method;
when that method's values are missing the hazard is level 4 and the method recorded is
``none`` (docs/domain/gb18218.md §5). Everything is computed over whole columns; the only per-row
Python work is formatting the issue rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import fields
from ..rules import BandedMethod, Rules
from . import gb18218, levels

HAZARD_SCORE_FIELDS = fields.names("hazards", fields.SCORE)
UNIT_SCORE_FIELDS = fields.names("units", fields.SCORE)
SCORE_ISSUE_FIELDS = fields.names("score_issues")
GRADE_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

SCORE_ISSUES = {
    "W_SUBSTANCE_UNMATCHED": ("warning", "单位 {unit} 危险源 {hazard} 的物质「{value}」在 GB 18218 表1、表2 中"
                              "均未匹配，未计入 S 和 R",
                              "Unit {unit}, hazard {hazard}: substance '{value}' matches neither GB 18218 Table 1 "
                              "nor a Table 2 category; left out of S and R"),
    "W_CAS_AMBIGUOUS": ("warning", "单位 {unit} 危险源 {hazard}：CAS 号「{value}」对应表1 多行，"
                        "按临界量最小者计（最保守）",
                        "Unit {unit}, hazard {hazard}: CAS '{value}' fits several Table 1 rows; the smallest critical "
                        "quantity was used (most conservative)"),
    "W_BETA_DEFAULT": ("warning", "单位 {unit} 危险源 {hazard}：物质「{value}」无 β 依据（无表3 物质、无类别），"
                       "按 β = 1 计",
                       "Unit {unit}, hazard {hazard}: no basis for β for '{value}' (not in Table 3, no category); "
                       "β = 1 used"),
    "W_ALPHA_DEFAULT": ("warning", "单位 {unit}：缺少厂外 500 米内常住人口，α 按默认值 {value} 计",
                        "Unit {unit}: the population within 500 m outside the plant is missing; "
                        "default α {value} used"),
    "W_SCORE_NO_VALUES": ("warning", "单位 {unit} 危险源 {hazard}：缺少 {value} 取值，按四级（低风险）计",
                          "Unit {unit}, hazard {hazard}: no {value} values; counted as level 4 (low risk)"),
    "E_SCORE_VALUE": ("error", "单位 {unit} 危险源 {hazard}：{value} 不在规则允许的取值中，未评级",
                      "Unit {unit}, hazard {hazard}: {value} is not allowed by the rules; not graded"),
}


@dataclass
class ScoreResult:
    hazards: pd.DataFrame  # the score fields, aligned with the input hazards' index
    units: pd.DataFrame  # the score fields, aligned with the input units' index
    issues: pd.DataFrame


def _allowed(method: BandedMethod, factor: str, values: np.ndarray) -> np.ndarray:
    allowed = np.asarray(method.factors[factor] + method.tolerated.get(factor, ()), dtype=float)
    return np.isclose(values[:, None], allowed[None, :], rtol=0, atol=1e-9).any(axis=1)


def _banded_score(hz: pd.DataFrame, method: BandedMethod, factors: tuple[str, ...]):
    """Product of the factors, its level, and masks: complete / missing / not allowed."""
    vals = {f: pd.to_numeric(hz[f], errors="coerce").to_numpy(dtype=float) for f in factors}
    present = np.column_stack([~np.isnan(v) for v in vals.values()])
    complete = present.all(axis=1)
    allowed = np.column_stack([_allowed(method, f, v) | np.isnan(v) for f, v in zip(method.factors, vals.values())])
    bad = complete & ~allowed.all(axis=1)
    score = np.prod(np.column_stack(list(vals.values())), axis=1)
    score[~complete | bad] = np.nan
    return vals, score, method.level_of(score), complete, bad


def _fmt(x: np.ndarray) -> pd.Series:
    """Numbers as people read them in reasons: one decimal (30.0, 85.6)."""
    return pd.Series(np.round(np.asarray(x, dtype=float), 1)).astype(str)


def _g(x: np.ndarray) -> pd.Series:
    """Factor values without trailing zeros (3, 0.5)."""
    return pd.Series(np.asarray(x, dtype=float)).map("{:g}".format)


#: The survey columns :func:`score` reads: the store reads no others for scoring (a test
#: checks that scoring these alone gives what scoring every column gives).
UNIT_INPUTS = ("unit_code", "sector", "outside_population")
HAZARD_INPUTS = ("hazard_code", "unit_code", "sector", "category", "substance", "cas", "quantity_t", "L", "E", "C",
                 "likelihood", "severity")


def score(units: pd.DataFrame, hazards: pd.DataFrame, rules: Rules,
          population: pd.Series | None = None, population_source: str = "raster") -> ScoreResult:
    """Score hazards and units (docs/domain/scoring.md). ``population`` (unit_code → people within
    500 m) overrides the survey's ``outside_population`` for α when given."""
    hz = hazards.reset_index(drop=True)
    un = units.reset_index(drop=True)
    n = len(hz)
    if n == 0:  # nothing to score: every unit is left unscored
        return _nothing_scored(units, hazards, rules)
    sector = hz["sector"].astype(object).to_numpy()
    method_of = {s: r.method for s, r in rules.sectors.items()}
    fallback_of = {s: r.fallback for s, r in rules.sectors.items()}
    primary = pd.Series(sector).map(method_of).fillna("none").to_numpy(dtype=object)
    fallback = pd.Series(sector).map(fallback_of).fillna("none").to_numpy(dtype=object)
    issues: list[dict] = []

    # GB 18218-2018 for the units of gb18218 sectors.
    is_gb = primary == "gb18218"
    matched = gb18218.match_substances(hz[is_gb], rules.gb18218)
    units_gb = un[un["unit_code"].isin(hz.loc[is_gb, "unit_code"])]
    graded = gb18218.grade_units(hz[is_gb], matched, units_gb, rules.gb18218, population=population,
                                 population_source=population_source)
    q = pd.to_numeric(hz["quantity_t"], errors="coerce").to_numpy(dtype=float)
    Q = np.full(n, np.nan)
    beta = np.full(n, np.nan)
    beta_source = np.full(n, "", dtype=object)
    match = np.full(n, "", dtype=object)
    gb_idx = np.flatnonzero(is_gb)
    Q[gb_idx] = matched["Q_t"].to_numpy(dtype=float)
    beta[gb_idx] = matched["beta"].to_numpy(dtype=float)
    beta_source[gb_idx] = matched["beta_source"].astype(object).to_numpy()
    match[gb_idx] = matched["match"].astype(object).to_numpy()
    q_over_Q = q / Q
    unit_major = graded["major_hazard"].reindex(hz["unit_code"]).eq(True).to_numpy(dtype=bool)  # NaN: not major
    counted = is_gb & unit_major & np.isfinite(q_over_Q) & (q > 0)  # a zero quantity holds nothing
    gcols = graded.reindex(hz["unit_code"])

    # Fallback / own banded methods.
    lec_vals, lec_d, lec_level, lec_complete, lec_bad = _banded_score(hz, rules.lec, ("L", "E", "C"))
    ls_vals, ls_r, ls_level, ls_complete, ls_bad = _banded_score(hz, rules.ls, ("likelihood", "severity"))
    banded = np.where(is_gb & ~counted, fallback, np.where(is_gb, "gb18218", primary))
    level = np.zeros(n, dtype=np.int8)
    method = np.full(n, "none", dtype=object)
    note = np.full(n, "", dtype=object)
    # gb18218: the unit's Table 6 level.
    level[counted] = gcols["level"].to_numpy(dtype=float)[counted].astype(np.int8)
    method[counted] = "gb18218"
    for name, vals_level, complete, bad, label in (("lec", lec_level, lec_complete, lec_bad, "L/E/C"),
                                                   ("ls", ls_level, ls_complete, ls_bad, "L/S")):
        mine = banded == name
        ok = mine & complete & ~bad
        level[ok] = vals_level[ok]
        method[ok] = name
        missing = mine & ~complete
        level[missing] = 4
        note[missing] = f"no {label} values"
        _issues(issues, "W_SCORE_NO_VALUES", hz, missing, np.full(n, label, dtype=object))
        _issues(issues, "E_SCORE_VALUE", hz, mine & bad, np.full(n, label, dtype=object))
        note[mine & bad] = f"{label} not allowed by the rules"
    # Hazards of gb18218 sectors with nothing to score by and no fallback: level 4.
    rest = (banded == "none") & (level == 0)
    level[rest] = 4
    note[rest & (note == "")] = "no method applies"

    # Issues of the GB 18218 matching, for hazards that have something to match.
    has_substance = (hz["substance"].astype(object).fillna("") != "").to_numpy() | \
        (hz["cas"].astype(object).fillna("") != "").to_numpy()
    subst = hz["substance"].astype(object).fillna("").to_numpy()
    cas = hz["cas"].astype(object).fillna("").to_numpy()
    label = np.where(subst != "", subst, cas)
    _issues(issues, "W_SUBSTANCE_UNMATCHED", hz, is_gb & (match == "none") & (has_substance | ~np.isnan(q)), label)
    amb = np.zeros(n, dtype=bool)
    amb[gb_idx] = matched["ambiguous"].to_numpy(dtype=bool)
    _issues(issues, "W_CAS_AMBIGUOUS", hz, amb, cas)
    _issues(issues, "W_BETA_DEFAULT", hz, counted & (beta_source == "default_1"), label)

    level_zh = levels.name_of(level, rules)
    colour = levels.colour_of(level, rules)
    hz_out = pd.DataFrame({
        "method": method, "substance_match": match, "q_over_Q": np.where(is_gb, q_over_Q, np.nan),
        "beta": beta, "beta_source": beta_source,
        "s_value": np.where(is_gb, gcols["s_value"].to_numpy(dtype=float), np.nan),
        "r_value": np.where(counted, gcols["r_value"].to_numpy(dtype=float), np.nan),
        "alpha": np.where(counted, gcols["alpha"].to_numpy(dtype=float), np.nan),
        "alpha_source": np.where(counted, gcols["alpha_source"].astype(object).fillna("").to_numpy(), ""),
        "lec_d": lec_d, "ls_r": ls_r,
        "level": pd.array(np.where(level > 0, level, 0), dtype="Int64"),
        "level_zh": level_zh, "colour": colour, "score_note": note,
    })
    hz_out.loc[level == 0, "level"] = pd.NA
    hz_out.index = hazards.index

    # Units: the worst (lowest-numbered) level of their hazards.
    key = np.where(level > 0, level, 9).astype(np.int16)
    # Ties: the highest score of the method wins, so the reason names the strongest fact.
    strength = np.nan_to_num(np.where(method == "gb18218", hz_out["r_value"], np.where(method == "lec", lec_d, ls_r)),
                             nan=-1.0)
    order = np.lexsort((-strength, key, hz["unit_code"].astype(object).to_numpy()))
    first = pd.Series(order).groupby(hz["unit_code"].astype(object).to_numpy()[order]).first()
    counts = hz.groupby(hz["unit_code"].astype(object)).size()
    wi = first.reindex(un["unit_code"].astype(object)).to_numpy()
    has = ~pd.isna(wi)
    wi_int = np.where(has, wi, 0).astype(np.int64)
    u_level = np.where(has, level[wi_int], 0)
    u_level = np.where(u_level > 0, u_level, 0)
    ug = graded.reindex(un["unit_code"].astype(object))
    major = ug["major_hazard"].eq(True).to_numpy(dtype=bool)
    u_method = np.where(has, method[wi_int], "none")
    reasons = _reasons(hz, hz_out, rules, wi_int, has, u_method, lec_vals, ls_vals, lec_d, ls_r, ug, major)
    alpha_missing = major & ug["alpha_missing"].eq(True).to_numpy(dtype=bool) if len(ug) else major
    for i in np.flatnonzero(alpha_missing):
        issues.append(_issue_row("W_ALPHA_DEFAULT", un["unit_code"].iat[i], "", f"{ug['alpha'].iat[i]:g}"))
    u_out = pd.DataFrame({
        "method": u_method,
        "level": pd.array(np.where(u_level > 0, u_level, 0), dtype="Int64"),
        "level_zh": levels.name_of(u_level, rules),
        "colour": levels.colour_of(u_level, rules),
        "worst_hazard": np.where(has, hz["hazard_code"].astype(object).to_numpy()[wi_int], ""),
        "hazard_count": counts.reindex(un["unit_code"].astype(object)).fillna(0).astype(int).to_numpy(),
        "major_hazard": major,
        "s_value": ug["s_value"].to_numpy(dtype=float) if len(ug) else np.full(len(un), np.nan),
        "r_value": np.where(major, ug["r_value"].to_numpy(dtype=float), np.nan),
        "alpha": np.where(major, ug["alpha"].to_numpy(dtype=float), np.nan),
        "alpha_source": np.where(major, ug["alpha_source"].astype(object).fillna("").to_numpy(), ""),
        "level_reasons": reasons,
    })
    u_out.loc[u_level == 0, "level"] = pd.NA
    # The level the scores give, before any upgrade (proximity, cascade) raises ``level``.
    u_out["inherent_level"] = u_out["level"].copy()
    u_out.index = units.index
    issue_frame = pd.DataFrame(issues, columns=list(SCORE_ISSUE_FIELDS))
    return ScoreResult(hz_out, u_out, issue_frame)


def _nothing_scored(units: pd.DataFrame, hazards: pd.DataFrame, rules: Rules) -> ScoreResult:
    m = len(units)
    u = pd.DataFrame({
        "method": ["none"] * m, "level": pd.array([pd.NA] * m, dtype="Int64"), "level_zh": [levels.UNSCORED_ZH] * m,
        "colour": [""] * m, "worst_hazard": [""] * m, "hazard_count": np.zeros(m, dtype=int),
        "major_hazard": np.zeros(m, dtype=bool), "s_value": np.full(m, np.nan), "r_value": np.full(m, np.nan),
        "alpha": np.full(m, np.nan), "alpha_source": [""] * m,
        "level_reasons": ["no hazard sources → not graded 无危险源，未评级"] * m,
        "inherent_level": pd.array([pd.NA] * m, dtype="Int64")}, index=units.index)
    h = pd.DataFrame({c: pd.Series(dtype=float if c in ("q_over_Q", "beta", "s_value", "r_value", "alpha", "lec_d",
                                                        "ls_r") else object)
                      for c in HAZARD_SCORE_FIELDS}, index=hazards.index)
    h["level"] = pd.array([], dtype="Int64")
    return ScoreResult(h, u, pd.DataFrame(columns=list(SCORE_ISSUE_FIELDS)))


def _issue_row(code: str, unit: str, hazard: str, value: str) -> dict:
    sev, zh, en = SCORE_ISSUES[code]
    return {"unit_code": unit, "hazard_code": hazard, "severity": sev, "code": code,
            "message_zh": zh.format(unit=unit, hazard=hazard, value=value),
            "message_en": en.format(unit=unit, hazard=hazard, value=value), "value": value}


def _issues(out: list, code: str, hz: pd.DataFrame, mask: np.ndarray, values: np.ndarray) -> None:
    for i in np.flatnonzero(mask):
        out.append(_issue_row(code, str(hz["unit_code"].iat[i]), str(hz["hazard_code"].iat[i]), str(values[i])))


def _reasons(hz, hz_out, rules, wi, has, u_method, lec_vals, ls_vals, lec_d, ls_r, ug, major) -> np.ndarray:
    """One line per fact that set the unit's level, readable by a person. Each kind of
    line is formatted only for the units it applies to."""
    m = len(wi)
    out = np.full(m, "no hazard sources → not graded 无危险源，未评级", dtype=object)
    lv = hz_out["level"].to_numpy(dtype="float64", na_value=np.nan)
    level_zh = levels.names(rules)
    codes = hz["hazard_code"].astype(object).to_numpy()
    notes = hz_out["score_note"].to_numpy(dtype=object)

    def tail(idx):
        h = wi[idx]
        lvl = pd.Series(np.nan_to_num(lv[h], nan=0).astype(int))
        return (" → " + lvl.map(level_zh).fillna(levels.UNSCORED_ZH) + " → level " + lvl.astype(str)
                + "（危险源 hazard " + pd.Series(codes[h]) + "）")

    method = np.asarray(u_method, dtype=object)
    idx = np.flatnonzero(has & (method == "lec"))
    if len(idx):
        h = wi[idx]
        out[idx] = ("D = L·E·C = " + _g(lec_vals["L"][h]) + " × " + _g(lec_vals["E"][h]) + " × "
                    + _g(lec_vals["C"][h]) + " = " + _g(lec_d[h]) + tail(idx)).to_numpy()
    idx = np.flatnonzero(has & (method == "ls"))
    if len(idx):
        h = wi[idx]
        out[idx] = ("R = L·S = " + _g(ls_vals["likelihood"][h]) + " × " + _g(ls_vals["severity"][h]) + " = "
                    + _g(ls_r[h]) + tail(idx)).to_numpy()
    idx = np.flatnonzero(has & (method != "lec") & (method != "ls") & (method != "gb18218"))
    if len(idx):
        out[idx] = ("no scoring values" + tail(idx) + "：" + pd.Series(notes[wi[idx]])).to_numpy()
    idx = np.flatnonzero(major)
    if len(idx):
        s = ug["s_value"].to_numpy(dtype=float)[idx]
        gb_level = pd.Series(ug["level"].to_numpy(dtype="float64", na_value=np.nan)[idx]).fillna(0).astype(int)
        gb_line = ("S = Σq/Q = " + pd.Series(np.round(s, 2)).astype(str) + " ≥ 1 → 重大危险源 major hazard source\n"
                   + gb18218.reason_text(ug["r_value"].to_numpy(dtype=float)[idx],
                                         ug["alpha"].to_numpy(dtype=float)[idx],
                                         ug["sum_beta_q_Q"].to_numpy(dtype=float)[idx], gb_level.to_numpy(), None)
                   ).to_numpy(dtype=object)
        from_gb = method[idx] == "gb18218"
        # The R line; a major hazard source whose level came from another hazard states it first.
        out[idx] = np.where(from_gb, gb_line, gb_line + "\n" + out[idx])
    return out
