"""GB 18218-2018 identification and grading (危险化学品重大危险源辨识与分级), docs/domain/gb18218.md.

Three steps, each vectorised over all hazards of a city:

1. :func:`match_substances` — each hazard's critical quantity Q and correction factor β:
   Table 1 by CAS (the table's own numbers, then ``alternative_cas``), then by name or
   alias, then Table 2 by the survey's hazard category; β from Table 3 (named toxic gases),
   else Table 4 by the survey's category, else Table 4 by the row's default category
   (``gb18218_2018_table1_default_category.csv``), else 1.
2. :func:`grade_units` — per unit S = Σ q/Q (clause 4.2.1; S ≥ 1 → major hazard source),
   α from Table 5 by the population outside, R = α · Σ β·q/Q (clause 4.3.2) and the level of
   Table 6 for major hazard sources.
3. :func:`reason_text` — "R = 30.0 (α 1.5 × Σβq/Q 20.0) → 三级 → level 3".

Python work is done once per distinct CAS, name or (CAS, name) pair, never per hazard or
per unit. No qgis or PyQt here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..rules import GB18218Tables

# Values of the ``match`` column.
MATCH_CAS, MATCH_ALT_CAS, MATCH_NAME, MATCH_CATEGORY, MATCH_NONE = "cas", "alt_cas", "name", "category", "none"
# Values of the ``beta_source`` column.
BETA_TABLE3, BETA_SURVEY, BETA_DEFAULT, BETA_ONE = "table3", "table4_survey", "table4_default", "default_1"
# Values of the ``alpha_source`` column besides a caller's population_source.
ALPHA_SURVEY, ALPHA_DEFAULT = "survey", "default"

# Table 6's own names of its four grades (一级 … 四级重大危险源).
GRADE_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

# S and R are sums of quotients: 0.1 + 0.2 + 0.7 is 0.9999999999999999 in floating point.
# S within this of 1 counts as 1, and R is rounded to this many decimals before banding.
S_TOLERANCE = 1e-9
R_DECIMALS = 9

MATCHED_COLUMNS = ("t1_seq", "match", "Q_t", "beta", "beta_source", "category_used", "ambiguous")
GRADE_COLUMNS = ("s_value", "major_hazard", "sum_beta_q_Q", "alpha", "alpha_source", "alpha_missing",
                 "population", "r_value", "level", "n_matched", "n_unmatched", "n_no_quantity", "reason")

# --- normalisation ---------------------------------------------------------------------

_OPEN = "([【〔〖"
_CLOSE = ")]】〕〗"
_BRACKET_MAP = str.maketrans({**{c: "(" for c in _OPEN}, **{c: ")" for c in _CLOSE}})
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D_]")


def normalise_name(text: object) -> str:
    """Fold a substance name for comparison: NFKC (full-width → half-width), brackets of
    any shape → ( ), whitespace removed, lower case. Blank and NaN → ''."""
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_BRACKET_MAP)
    return _SPACES.sub("", s).lower()


def normalise_cas(text: object) -> str:
    """Fold a CAS number: NFKC, whitespace removed, any dash → '-'. Blank and NaN → ''."""
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return ""
    s = _SPACES.sub("", unicodedata.normalize("NFKC", str(text)))
    return _DASHES.sub("-", s)


def normalise_category(text: object) -> str:
    """Fold a Table 2 symbol: NFKC, whitespace removed, upper case ('w5.2' → 'W5.2')."""
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def strip_brackets(text: str) -> str:
    """Remove bracketed parts, nested or not, of any bracket shape: '甲醛（含量>90%）' → '甲醛',
    '硝化纤维素［干的或含水（或乙醇）<25%］' → '硝化纤维素'."""
    s = unicodedata.normalize("NFKC", text).translate(_BRACKET_MAP)
    out, depth = [], 0
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return "".join(out).strip()


def _bracket_contents(text: str) -> list[str]:
    """The outermost bracketed parts of a name, without their brackets."""
    s = unicodedata.normalize("NFKC", text).translate(_BRACKET_MAP)
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            if depth:
                cur.append(ch)
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
            if depth:
                cur.append(ch)
            else:
                parts.append("".join(cur))
                cur = []
        elif depth:
            cur.append(ch)
    return parts


# --- lookup built once per tables object --------------------------------------------------

@dataclass(frozen=True)
class _Lookup:
    cas: dict[str, frozenset[int]]  # Table 1's own CAS numbers
    alt_cas: dict[str, frozenset[int]]  # tables.alternative_cas (not already in Table 1)
    names: dict[str, frozenset[int]]  # full names, aliases, English names
    derived: dict[str, frozenset[int]]  # bracket-stripped names and aliases
    q: dict[int, float]  # seq → critical quantity
    beta3: dict[int, float]  # seq → Table 3 β
    default_cat: dict[int, tuple[str, float]]  # seq → (symbol or Table3…, β)
    table2_q: dict[str, float]
    table4: dict[str, float]


def _add(d: dict[str, set[int]], key: str, seq: int) -> None:
    if key:
        d.setdefault(key, set()).add(seq)


def _strip_raw(text: str) -> str:
    """The name outside its brackets (either width), not NFKC-folded: a full-width comma
    stays full-width."""
    out, depth = [], 0
    for ch in text:
        if ch in "(（[［【〔〖":
            depth += 1
        elif ch in ")）]］】〕〗":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _name_keys(name_zh: str, aliases: str, name_en: str) -> tuple[list[str], list[str]]:
    """(exact keys, derived keys) of one Table 1 row, normalised.

    Exact: the name, each part of a name listing several substances with a full-width
    comma (row 49 '甲烷，天然气'; half-width commas belong to names like '1,3-丁二烯'),
    each alias, the English name (and its ';'-separated parts). Derived: the same with
    their bracketed conditions removed ('甲醛（含量>90%）' → '甲醛'), and the variants a
    bracket lists of the base name ('汽油（乙醇汽油、甲醇汽油）' → 乙醇汽油, 甲醇汽油).
    """
    exact, derived = [normalise_name(name_zh)], []
    parts = [p for p in _strip_raw(name_zh).split("，") if p.strip()]
    if len(parts) > 1:
        exact.extend(normalise_name(p) for p in parts)
    base = strip_brackets(name_zh)
    derived.append(normalise_name(base))
    for inner in _bracket_contents(name_zh):
        items = [i.strip() for i in re.split(r"[、,，]", inner)]
        if base and items and all(i.endswith(base) and i != base for i in items):
            derived.extend(normalise_name(i) for i in items)
    for a in (aliases or "").split(";"):
        if a.strip():
            exact.append(normalise_name(a))
            derived.append(normalise_name(strip_brackets(a)))
    if name_en:
        exact.append(normalise_name(name_en))
        exact.extend(normalise_name(p) for p in name_en.split(";") if ";" in name_en)
        derived.extend(normalise_name(p) for p in strip_brackets(name_en).split(";"))
    return [k for k in exact if k], [k for k in derived if k]


_LOOKUPS: dict[int, tuple[GB18218Tables, _Lookup]] = {}


def _lookup(tables: GB18218Tables) -> _Lookup:
    hit = _LOOKUPS.get(id(tables))
    if hit is not None and hit[0] is tables:
        return hit[1]
    t1 = tables.table1
    cas: dict[str, set[int]] = {}
    names: dict[str, set[int]] = {}
    derived: dict[str, set[int]] = {}
    q: dict[int, float] = {}
    for r in t1.itertuples(index=False):
        seq = int(r.seq)
        q[seq] = float(r.critical_t)
        for c in str(r.cas or "").split(";"):
            _add(cas, normalise_cas(c), seq)
        exact, der = _name_keys(str(r.name_zh), str(r.aliases_zh or ""), str(getattr(r, "name_en", "") or ""))
        for k in exact:
            _add(names, k, seq)
        for k in der:
            _add(derived, k, seq)
    alt: dict[str, set[int]] = {}
    for c, seq in tables.alternative_cas.items():
        c = normalise_cas(c)
        if c not in cas:
            _add(alt, c, int(seq))
    # Table 3: a named gas is a Table 1 row by CAS (own or alternative; carbon monoxide
    # 630-08-0 → row 13 coal gas) or by its key being the row's name or alias.
    beta3: dict[int, float] = {}
    for r in tables.beta_named.itertuples(index=False):
        c, key = normalise_cas(r.cas), normalise_name(r.key)
        seqs = cas.get(c) or alt.get(c) or names.get(key) or derived.get(key) or set()
        for seq in seqs:
            beta3[seq] = max(beta3.get(seq, 0.0), float(r.beta))
    default_cat: dict[int, tuple[str, float]] = {}
    for r in tables.default_category.itertuples(index=False):
        default_cat[int(r.seq)] = (str(r.default_category).strip(), float(r.beta))
    table2_q = dict(zip(tables.table2["symbol"].astype(str), tables.table2["critical_t"].astype(float)))

    def freeze(d):
        return {k: frozenset(v) for k, v in d.items()}

    lk = _Lookup(freeze(cas), freeze(alt), freeze(names), freeze(derived), q, beta3, default_cat,
                 table2_q, dict(tables.beta_category))
    if len(_LOOKUPS) >= 8:
        _LOOKUPS.clear()
    _LOOKUPS[id(tables)] = (tables, lk)
    return lk


def _name_candidates(lk: _Lookup, key: str) -> frozenset[int]:
    if not key:
        return frozenset()
    return lk.names.get(key) or lk.derived.get(key) or frozenset()


def _most_conservative(lk: _Lookup, seqs) -> int:
    """The row with the smallest critical quantity (then the smallest seq)."""
    return min(seqs, key=lambda s: (lk.q[s], s))


def _resolve(lk: _Lookup, cas_key: str, name_key: str) -> tuple[int, str, bool]:
    """(seq or 0, match, ambiguous) for one distinct (CAS, name) pair."""
    by_name = _name_candidates(lk, name_key)
    for cands, how in ((lk.cas.get(cas_key), MATCH_CAS), (lk.alt_cas.get(cas_key), MATCH_ALT_CAS)):
        if not cands:
            continue
        if len(cands) == 1:
            return next(iter(cands)), how, False
        both = cands & by_name  # a shared CAS: the name's condition decides the row
        if len(both) == 1:
            return next(iter(both)), how, False
        return _most_conservative(lk, both or cands), how, True
    if by_name:
        return _most_conservative(lk, by_name), MATCH_NAME, len(by_name) > 1
    return 0, MATCH_NONE, False


def _codes(values: pd.Series, fn) -> tuple[np.ndarray, list[str]]:
    """Factorise raw cells and normalise each distinct one: (codes, normalised uniques)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    norm = [fn(u) for u in uniques]
    codes = np.where(codes < 0, len(norm), codes)
    return codes, norm + [""]


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


# --- 1. identification of each hazard ---------------------------------------------------

def match_substances(hazards: pd.DataFrame, tables: GB18218Tables) -> pd.DataFrame:
    """Critical quantity Q and β of each hazard (GB 18218-2018 Tables 1–4).

    Returns a DataFrame aligned with ``hazards.index``: ``t1_seq`` (Int64, Table 1 row or
    <NA>), ``match`` (cas | alt_cas | name | category | none), ``Q_t`` (t, NaN when none),
    ``beta``, ``beta_source`` (table3 | table4_survey | table4_default | default_1),
    ``category_used`` (Table 2 symbol or ''), ``ambiguous`` (a shared CAS or name the
    survey's name did not decide; the smallest-Q row was taken).
    """
    lk = _lookup(tables)
    n = len(hazards)
    cas_codes, cas_norm = _codes(_column(hazards, "cas"), normalise_cas)
    name_codes, name_norm = _codes(_column(hazards, "substance"), normalise_name)
    cat_codes, cat_norm = _codes(_column(hazards, "category"), normalise_category)

    # Table 1: once per distinct (CAS, name) pair.
    pair = cas_codes.astype(np.int64) * (len(name_norm) + 1) + name_codes
    pair_codes, pair_uniques = pd.factorize(pair)
    seq_u = np.zeros(len(pair_uniques), dtype=np.int64)
    match_u = np.empty(len(pair_uniques), dtype=object)
    amb_u = np.zeros(len(pair_uniques), dtype=bool)
    for i, p in enumerate(pair_uniques.tolist()):
        c, m = divmod(p, len(name_norm) + 1)
        seq_u[i], match_u[i], amb_u[i] = _resolve(lk, cas_norm[c], name_norm[m])
    seq = seq_u[pair_codes]
    match = match_u[pair_codes]
    ambiguous = amb_u[pair_codes]
    in_t1 = seq > 0

    # The survey's category, when it is a Table 2 symbol.
    cat_valid_u = np.array([c in lk.table2_q for c in cat_norm], dtype=bool)
    cat_sym_u = np.array([c if v else "" for c, v in zip(cat_norm, cat_valid_u)], dtype=object)
    cat_q_u = np.array([lk.table2_q.get(c, np.nan) for c in cat_norm], dtype=float)
    cat_b_u = np.array([lk.table4.get(c, np.nan) for c in cat_norm], dtype=float)
    has_cat = cat_valid_u[cat_codes]
    survey_sym = cat_sym_u[cat_codes]

    # Per Table 1 row (index = seq): Q, Table 3 β, default category and its β.
    top = max(lk.q) + 1
    q_row = np.full(top, np.nan)
    b3_row = np.full(top, np.nan)
    dflt_sym = np.full(top, "", dtype=object)
    dflt_b = np.full(top, np.nan)
    for s, v in lk.q.items():
        q_row[s] = v
    for s, v in lk.beta3.items():
        b3_row[s] = v
    for s, (sym, b) in lk.default_cat.items():
        if 0 < s < top:
            if sym in lk.table4:
                dflt_sym[s], dflt_b[s] = sym, lk.table4[sym]
            elif sym.lower().startswith("table3"):
                dflt_sym[s], dflt_b[s] = sym, b

    Q = np.where(in_t1, q_row[seq], np.nan)
    by_cat = ~in_t1 & has_cat
    Q = np.where(by_cat, cat_q_u[cat_codes], Q)
    match = np.where(by_cat, MATCH_CATEGORY, match)

    b3 = np.where(in_t1, b3_row[seq], np.nan)
    use3 = ~np.isnan(b3)
    use_survey = ~use3 & has_cat
    db = np.where(in_t1, dflt_b[seq], np.nan)
    use_default = ~use3 & ~use_survey & ~np.isnan(db)
    beta = np.select([use3, use_survey, use_default], [b3, cat_b_u[cat_codes], db], 1.0)
    beta_source = np.select([use3, use_survey, use_default], [BETA_TABLE3, BETA_SURVEY, BETA_DEFAULT],
                            BETA_ONE).astype(object)
    category_used = np.where(use_survey, survey_sym, np.where(use_default, dflt_sym[seq], "")).astype(object)

    out = pd.DataFrame({
        "t1_seq": pd.arrays.IntegerArray(np.where(in_t1, seq, 0).astype(np.int64), ~in_t1),
        "match": pd.Series(match, dtype=object).to_numpy(),
        "Q_t": Q.astype(float),
        "beta": beta.astype(float),
        "beta_source": beta_source,
        "category_used": category_used,
        "ambiguous": ambiguous.astype(bool),
    }, index=hazards.index)
    assert len(out) == n
    return out


# --- 2. identification and grading of each unit ------------------------------------------

def alpha_of(population, tables: GB18218Tables) -> np.ndarray:
    """α of Table 5 for each population (people within 500 m outside the boundary).

    A fractional population (a raster estimate such as 29.5) is floored before the bands
    (which are whole numbers, both ends inclusive) are applied. Missing or negative → NaN.
    """
    p = np.floor(np.asarray(population, dtype=float))
    out = np.full(p.shape, np.nan)
    a = tables.alpha
    with np.errstate(invalid="ignore"):
        for lo, hi, val in zip(a["population_min"].astype(float), a["population_max"].astype(float),
                               a["alpha"].astype(float)):
            hit = (p >= lo) & ((p <= hi) if not math.isnan(hi) else True) & np.isnan(out)
            out[hit] = val
    return out


def level_of_r(r_value, tables: GB18218Tables) -> np.ndarray:
    """Level (1–4) of Table 6 for each R (min inclusive, max exclusive); 0 for NaN."""
    r = np.round(np.asarray(r_value, dtype=float), R_DECIMALS)
    out = np.zeros(r.shape, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        for b in tables.levels:
            out[(r >= b.min) & (r < b.max)] = b.level
    return out


def grade_units(hazards: pd.DataFrame, matched: pd.DataFrame, units: pd.DataFrame, tables: GB18218Tables,
                population: pd.Series | None = None, population_source: str = "raster") -> pd.DataFrame:
    """S, major-hazard flag, α, R and level of every unit (clauses 4.2.1 and 4.3.2).

    ``matched`` is :func:`match_substances` of ``hazards``. ``population`` (unit_code →
    people within 500 m), when given, replaces the survey's ``outside_population`` for the
    units where it is not NaN; ``alpha_source`` is then ``population_source``.

    Returns a DataFrame indexed by unit_code (every unit of ``units``, in its order):
    ``s_value`` = Σ q/Q over hazards with both q and Q; ``major_hazard`` (S ≥ 1);
    ``sum_beta_q_Q`` = Σ β·q/Q; ``alpha``; ``alpha_source`` (survey | population_source |
    default); ``alpha_missing`` (no population: ``tables.missing_population_alpha`` used);
    ``population`` (the one used, NaN when missing); ``r_value`` = α · Σ β·q/Q for units
    with S > 0 (NaN otherwise; meaningful for major hazard sources only); ``level`` (Int64,
    Table 6, major hazard sources only, else <NA>); ``n_matched`` / ``n_unmatched`` hazards
    (match != / == 'none'); ``n_no_quantity`` matched hazards without a quantity;
    ``reason`` (:func:`reason_text` for major hazard sources, '' otherwise).
    """
    if not matched.index.equals(hazards.index):
        matched = matched.reindex(hazards.index)
    codes = pd.Index(units["unit_code"].astype(object)).drop_duplicates()
    nu = len(codes)
    idx = codes.get_indexer(hazards["unit_code"].astype(object)) if len(hazards) else np.array([], dtype=np.intp)
    known = idx >= 0
    q = pd.to_numeric(_column(hazards, "quantity_t"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    Q = matched["Q_t"].to_numpy(dtype=float, na_value=np.nan)
    beta = matched["beta"].to_numpy(dtype=float, na_value=np.nan)
    is_matched = (matched["match"].to_numpy(dtype=object) != MATCH_NONE)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = q / Q
    usable = known & np.isfinite(ratio)
    ii = idx[usable]
    s = np.bincount(ii, weights=ratio[usable], minlength=nu)
    sb = np.bincount(ii, weights=(beta * ratio)[usable], minlength=nu)
    n_m = np.bincount(idx[known & is_matched], minlength=nu)
    n_u = np.bincount(idx[known & ~is_matched], minlength=nu)
    n_nq = np.bincount(idx[known & is_matched & np.isnan(q)], minlength=nu)

    first = units.drop_duplicates("unit_code")  # same order as ``codes``
    if "outside_population" in units.columns:
        pop = pd.to_numeric(first["outside_population"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        pop = np.full(nu, np.nan)
    src = np.where(np.isnan(pop), ALPHA_DEFAULT, ALPHA_SURVEY).astype(object)
    if population is not None:
        over = (pd.to_numeric(pd.Series(population), errors="coerce").reindex(codes)
                .to_numpy(dtype=float, na_value=np.nan))
        use = ~np.isnan(over)
        pop = np.where(use, over, pop)
        src = np.where(use, population_source, src).astype(object)
    with np.errstate(invalid="ignore"):
        pop = np.where(pop < 0, np.nan, pop)  # a negative count is no count
    alpha = alpha_of(pop, tables)
    missing = np.isnan(alpha)
    alpha = np.where(missing, float(tables.missing_population_alpha), alpha)
    src = np.where(missing, ALPHA_DEFAULT, src).astype(object)

    major = s >= 1.0 - S_TOLERANCE
    r = np.where(s > 0, alpha * sb, np.nan)
    lv = level_of_r(r, tables)
    level = pd.array(np.where(major, lv, 0), dtype="Int64")
    level[~major] = pd.NA
    reason = np.full(nu, "", dtype=object)
    if major.any():
        reason[major] = reason_text(r[major], alpha[major], sb[major], lv[major]).to_numpy(dtype=object)

    out = pd.DataFrame({
        "s_value": s,
        "major_hazard": major,
        "sum_beta_q_Q": sb,
        "alpha": alpha,
        "alpha_source": src,
        "alpha_missing": missing,
        "population": pop,
        "r_value": r,
        "level": level,
        "n_matched": n_m.astype(np.int64),
        "n_unmatched": n_u.astype(np.int64),
        "n_no_quantity": n_nq.astype(np.int64),
        "reason": reason,
    }, index=pd.Index(codes, name="unit_code"))
    return out


# --- 3. the reason text ------------------------------------------------------------------

def _fmt(x: np.ndarray) -> np.ndarray:
    """Numbers as short text: at most two decimals, at least one ('30.0', '85.6', '0.04');
    two significant digits below 0.01. Cut, not rounded, to two decimals, so that an R of
    99.999 (level 2) is not shown as 100.0."""
    x = np.asarray(x, dtype=float)
    if not x.size:
        return np.array([], dtype=object)
    with np.errstate(invalid="ignore"):
        cut = np.trunc(np.round(x * 100, 6)) / 100
    fixed = pd.Series(np.char.mod("%.2f", cut)).str.rstrip("0").str.replace(r"\.$", ".0", regex=True)
    small = pd.Series(np.char.mod("%.2g", x))
    tiny = (np.abs(x) < 0.01) & (x != 0)
    out = np.where(tiny, small.to_numpy(dtype=object), fixed.to_numpy(dtype=object))
    return np.where(np.isfinite(x), out, "—").astype(object)


def reason_text(r_value, alpha, sum_beta_q_Q, level, level_zh=None):
    """Why a unit has its level: 'R = 30.0 (α 1.5 × Σβq/Q 20.0) → 三级 → level 3'.

    ``level_zh`` defaults to Table 6's grade names (一级 … 四级). Scalars give a str;
    arrays (or Series) give a Series of str, computed without a Python loop per unit.
    """
    scalar = np.ndim(r_value) == 0
    r = np.atleast_1d(np.asarray(r_value, dtype=float))
    a = np.broadcast_to(np.asarray(alpha, dtype=float), r.shape)
    sb = np.broadcast_to(np.asarray(sum_beta_q_Q, dtype=float), r.shape)
    lv_in = pd.Series(np.atleast_1d(np.asarray(level, dtype=object)), dtype=object)
    lv = np.broadcast_to(pd.to_numeric(lv_in, errors="coerce").to_numpy(dtype=float, na_value=np.nan), r.shape)
    if level_zh is None:
        names = np.array(["", *(GRADE_ZH[i] for i in (1, 2, 3, 4))], dtype=object)
        lvi = np.where(np.isfinite(lv), lv, 0).astype(int)
        zh = names[np.clip(lvi, 0, 4)]
    else:
        zh = np.broadcast_to(np.asarray(level_zh, dtype=object), r.shape)
    lv_txt = np.where(np.isfinite(lv), pd.Series(lv).fillna(0).astype(int).astype(str).to_numpy(dtype=object), "—")
    parts = pd.DataFrame({"r": _fmt(r), "a": _fmt(a), "s": _fmt(sb), "zh": zh, "lv": lv_txt})
    text = ("R = " + parts.r + " (α " + parts.a + " × Σβq/Q " + parts.s + ") → " + parts.zh.astype(str)
            + " → level " + parts.lv)
    if scalar:
        return str(text.iat[0])
    if isinstance(r_value, pd.Series):
        text.index = r_value.index
    return text
