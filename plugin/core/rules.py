"""Rules as data (规则): sectors, methods, bands, levels, colours, GB 18218 tables, upgrades.

``resources/rules/default.toml`` is the default; an analyst copies and edits it. A rules
file is checked completely before any work: overlapping or gapped bands, an unknown
method or sector, a level without a colour, a value of the wrong type — each refusal
names the key and says what is wrong, in Chinese and English (:class:`RulesError`).

Where a value comes from is data too: each ``[[provenance]]`` entry names a section and keys
and says "verified", "literature default" or "project default", with a note and a source
(:class:`Provenance`); the report's method sheet reads it from :attr:`Rules.provenance`.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib  # novermin: tomli below on Python < 3.11
except ImportError:  # Python < 3.11 (QGIS 3.22–3.28 on Windows ship 3.9): the same parser from PyPI
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]

import pandas as pd

from .ingest import schema
from .ingest.guard import Limits as ImportLimits
from .mapping.accountability import Controls
from .scoring.dynamic import Dynamic

DEFAULT_RULES = schema.RESOURCES / "rules" / "default.toml"
LEVELS = (1, 2, 3, 4)
METHODS = ("gb18218", "lec", "ls")
FALLBACKS = ("lec", "ls", "none")
KERNELS = ("quartic", "uniform")
SENSITIVITIES = ("high", "medium", "low")
POPULATION_METHODS = ("area_share", "cell_centres")
# Marker shapes QGIS 3.22 knows (QgsSimpleMarkerSymbolLayerBase::decodeShape).
# What a [[provenance]] entry may say of a value: read in a published text, widely cited but
# not read in the primary source here, or chosen by this project (to be set by the bureau).
PROVENANCE_STATUSES = ("verified", "literature default", "project default")
PROVENANCE_KEYS = ("section", "keys", "status", "note", "source")
MARKER_SHAPES = ("square", "diamond", "pentagon", "hexagon", "octagon", "square_with_corners", "triangle",
                 "equilateral_triangle", "star", "arrow", "circle", "cross", "cross_fill", "cross2", "line",
                 "arrowhead", "filled_arrowhead", "semi_circle", "third_circle", "quarter_circle", "quarter_square",
                 "half_square", "diagonal_half_square", "right_half_triangle", "left_half_triangle", "asterisk_fill")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class RulesError(ValueError):
    """A rules file that cannot be used; ``key`` names where."""

    def __init__(self, key: str, en: str, zh: str, path: str | Path | None = None):
        self.key, self.en, self.zh, self.path = key, en, zh, str(path or "")
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{key}: {en} / {zh}")


@dataclass(frozen=True)
class Level:
    level: int
    zh: str
    en: str
    colour: str
    density_weight: float
    colour_zh: str = ""  # the colour's name (红色 …) as a risk list and a notice card say it

    @property
    def rgb(self) -> tuple[int, int, int]:
        c = self.colour.lstrip("#")
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


@dataclass(frozen=True)
class SectorRule:
    id: str
    zh: str
    en: str
    method: str
    fallback: str
    reach_m: float
    symbol: str
    protection_m: float = 0.0


@dataclass(frozen=True)
class ReceptorClass:
    """敏感目标类别: a receptor class, its sensitivity and the names it goes by."""

    id: str
    zh: str
    en: str
    sensitivity: str  # high, medium or low
    aliases: tuple[str, ...]


@dataclass
class ReceptorRules:
    classes: dict[str, ReceptorClass]
    alpha_radius_m: float
    population_method: str

    def lookup(self) -> dict[str, str]:
        """Folded class name, alias or id → class id."""
        out: dict[str, str] = {}
        for c in self.classes.values():
            for n in (c.id, c.zh, c.en, *c.aliases):
                out[fold_name(n)] = c.id
        return out


def fold_name(text: object) -> str:
    """Fold a class name for matching: NFKC, lower case, spaces removed."""
    import unicodedata

    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


@dataclass(frozen=True)
class Provenance:
    """Where the value of one rules key comes from (a ``[[provenance]]`` entry of the file)."""

    status: str  # one of PROVENANCE_STATUSES; "" when the entry only explains the value
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class Band:
    level: int
    min: float  # inclusive; -inf when open
    max: float  # exclusive; +inf when open

    def text(self) -> str:
        lo = "" if math.isinf(self.min) else f"{self.min:g} ≤ "
        hi = "" if math.isinf(self.max) else f" < {self.max:g}"
        return f"{lo}x{hi}"


@dataclass(frozen=True)
class BandedMethod:
    """A method whose score is a product of factors from allowed sets, mapped by bands."""

    name: str
    factors: dict[str, tuple[float, ...]]
    tolerated: dict[str, tuple[float, ...]]
    bands: tuple[Band, ...]

    def level_of(self, values):
        """Level of each score (numpy array in, int8 array out; NaN → 0)."""
        import numpy as np

        v = np.asarray(values, dtype=float)
        out = np.zeros(v.shape, dtype=np.int8)
        for b in self.bands:
            out[(v >= b.min) & (v < b.max)] = b.level
        return out

    def band_of(self, value: float) -> Band | None:
        return next((b for b in self.bands if b.min <= value < b.max), None)


@dataclass
class GB18218Tables:
    """The tables of GB 18218-2018 as loaded (see resources/reference/SOURCES.md)."""

    table1: pd.DataFrame  # seq, name_zh, aliases_zh, cas, critical_t, note, name_en
    table2: pd.DataFrame  # symbol, category_zh, description_zh, critical_t
    beta_named: pd.DataFrame  # key, cas, beta (Table 3)
    beta_category: dict[str, float]  # Table 4
    alpha: pd.DataFrame  # population_min, population_max, alpha (Table 5)
    levels: tuple[Band, ...]  # Table 6, by R
    default_category: pd.DataFrame  # seq, default_category, beta, confidence
    alternative_cas: dict[str, int]  # CAS → Table 1 seq
    missing_population_alpha: float
    files: dict[str, Path] = field(default_factory=dict)


@dataclass
class Rules:
    path: Path
    sha256: str
    name: str
    levels: dict[int, Level]
    sectors: dict[str, SectorRule]
    lec: BandedMethod
    ls: BandedMethod
    gb18218: GB18218Tables
    density: dict
    upgrades: dict
    receptors: ReceptorRules
    cascade: dict = field(default_factory=dict)
    # (section, key) → where the value comes from, in the order of the file's [[provenance]].
    provenance: dict[tuple[str, str], Provenance] = field(default_factory=dict)
    import_limits: ImportLimits = field(default_factory=lambda: ImportLimits())
    controls: Controls = field(default_factory=lambda: Controls())
    dynamic: Dynamic = field(default_factory=lambda: Dynamic())
    raw: dict = field(default_factory=dict, repr=False, compare=False)  # the file as parsed

    def level_names(self) -> dict[int, str]:
        return {k: v.zh for k, v in self.levels.items()}


# --- checking helpers -------------------------------------------------------------------

def _err(key, en, zh, path):
    return RulesError(key, en, zh, path)


def _get(d: dict, key: str, full: str, kind, path, required=True, default=None):
    if key not in d:
        if required:
            raise _err(full, "missing", "缺少该项", path)
        return default
    v = d[key]
    ok = {
        "str": isinstance(v, str),
        "num": isinstance(v, (int, float)) and not isinstance(v, bool),
        "int": isinstance(v, int) and not isinstance(v, bool),
        "bool": isinstance(v, bool),
        "table": isinstance(v, dict),
        "list": isinstance(v, list),
    }[kind]
    if ok and kind == "num" and not math.isfinite(v):
        raise _err(full, f"expected a finite number, got {v!r}", f"应为有限的数字，实际为 {v!r}", path)
    if not ok:
        names = {"str": "text", "num": "a number", "int": "a whole number", "bool": "true or false",
                 "table": "a table", "list": "a list"}
        names_zh = {"str": "文本", "num": "数字", "int": "整数", "bool": "true 或 false", "table": "表", "list": "列表"}
        raise _err(full, f"expected {names[kind]}, got {type(v).__name__} {v!r}",
                   f"应为{names_zh[kind]}，实际为 {v!r}", path)
    return v


def _known(d: dict, keys, full: str, path) -> None:
    """Refuse a key the rules do not know (a typo would otherwise be ignored silently)."""
    unknown = sorted(set(d) - set(keys))
    if unknown:
        raise _err(f"{full}.{unknown[0]}" if full else unknown[0], f"unknown key (known: {', '.join(keys)})",
                   f"未知的键（应为 {', '.join(keys)}）", path)


def _numbers(v, full, path) -> tuple[float, ...]:
    if not isinstance(v, list) or not v or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        raise _err(full, f"expected a non-empty list of numbers, got {v!r}", f"应为非空数字列表，实际为 {v!r}", path)
    if not all(math.isfinite(x) and x >= 0 for x in v):
        raise _err(full, f"expected finite numbers, none negative, got {v!r}",
                   f"应为有限的非负数字，实际为 {v!r}", path)
    return tuple(float(x) for x in v)


def _bands(raw, full, lo: float, hi: float, levels, path) -> tuple[Band, ...]:
    """Bands must be ordered, contiguous and cover [lo, hi] (the scores that can occur)."""
    if not isinstance(raw, list) or not raw:
        raise _err(full, "expected a non-empty list of bands", "应为非空的分级区间列表", path)
    bands = []
    for i, b in enumerate(raw):
        k = f"{full}[{i}]"
        if not isinstance(b, dict):
            raise _err(k, "expected a table {level, min, max}", "应为 {level, min, max} 表", path)
        unknown = set(b) - {"level", "min", "max"}
        if unknown:
            raise _err(f"{k}.{sorted(unknown)[0]}", "unknown key", "未知的键", path)
        level = _get(b, "level", f"{k}.level", "int", path)
        if level not in levels:
            raise _err(f"{k}.level", f"level {level} is not defined under [levels]",
                       f"等级 {level} 未在 [levels] 中定义", path)
        mn = float(_get(b, "min", f"{k}.min", "num", path, required=False, default=-math.inf))
        mx = float(_get(b, "max", f"{k}.max", "num", path, required=False, default=math.inf))
        if not mn < mx:
            raise _err(k, f"min {mn:g} is not below max {mx:g}", f"下限 {mn:g} 不小于上限 {mx:g}", path)
        bands.append(Band(level, mn, mx))
    order = sorted(range(len(bands)), key=lambda i: bands[i].min)
    sb = [bands[i] for i in order]
    for a_i, b_i in zip(order, order[1:]):
        a, b = bands[a_i], bands[b_i]
        if a.max > b.min:
            raise _err(f"{full}[{b_i}].min", f"overlaps band {a_i} ({a.text()})",
                       f"与第 {a_i} 个区间（{a.text()}）重叠", path)
        if a.max < b.min:
            raise _err(f"{full}[{a_i}].max", f"gap between {a.max:g} and {b.min:g} (band {b_i})",
                       f"与第 {b_i} 个区间之间有空档（{a.max:g} 至 {b.min:g}）", path)
    if sb[0].min > lo:
        raise _err(f"{full}[{order[0]}].min", f"scores from {lo:g} to {sb[0].min:g} fall in no band",
                   f"{lo:g} 至 {sb[0].min:g} 的分值不属于任何区间", path)
    if sb[-1].max <= hi:
        raise _err(f"{full}[{order[-1]}].max", f"scores from {sb[-1].max:g} to {hi:g} fall in no band",
                   f"{sb[-1].max:g} 至 {hi:g} 的分值不属于任何区间", path)
    return tuple(sb)


def _resolve(rel: str, full: str, base: Path, path) -> Path:
    for root in (base, schema.RESOURCES):
        p = (root / rel).resolve()
        if p.is_file():
            return p
    raise _err(full, f"file not found: {rel}", f"找不到文件：{rel}", path)


def _read_csv(p: Path, full: str, columns: tuple[str, ...], path) -> pd.DataFrame:
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except Exception as exc:  # a broken CSV is a broken rules file
        raise _err(full, f"cannot read {p.name}: {exc}", f"无法读取 {p.name}：{exc}", path) from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise _err(full, f"{p.name} lacks the column {missing[0]}", f"{p.name} 缺少列 {missing[0]}", path)
    return df


def _num_col(df: pd.DataFrame, col: str, full: str, p: Path, path, allow_blank=False) -> pd.Series:
    """A column of numbers, finite and not negative (critical quantities, β, α, R bounds)."""
    v = pd.to_numeric(df[col].replace("", None), errors="coerce")
    v = v.where(~v.isin([math.inf, -math.inf]) & ~(v < 0))  # infinite or negative: not a value here
    bad = v.isna() & ~(df[col] == "") if allow_blank else v.isna()
    if bad.any():
        row = int(bad.idxmax()) + 2
        raise _err(full, f"{p.name} row {row}: {col} is not a finite number of 0 or more ({df[col].iat[row - 2]!r})",
                   f"{p.name} 第 {row} 行：{col} 不是有限的非负数字（{df[col].iat[row - 2]!r}）", path)
    return v


def _gb18218(raw: dict, base: Path, path) -> GB18218Tables:
    k = "methods.gb18218"
    _known(raw, ("table1", "table2", "beta", "alpha", "levels", "default_category", "missing_population_alpha",
                 "alternative_cas"), k, path)
    files = {n: _resolve(_get(raw, n, f"{k}.{n}", "str", path), f"{k}.{n}", base, path)
             for n in ("table1", "table2", "beta", "alpha", "levels", "default_category")}
    t1 = _read_csv(files["table1"], f"{k}.table1", ("seq", "name_zh", "aliases_zh", "cas", "critical_t"), path)
    t1["seq"] = _num_col(t1, "seq", f"{k}.table1", files["table1"], path).astype(int)
    t1["critical_t"] = _num_col(t1, "critical_t", f"{k}.table1", files["table1"], path)
    t2 = _read_csv(files["table2"], f"{k}.table2", ("symbol", "category_zh", "critical_t"), path)
    t2["critical_t"] = _num_col(t2, "critical_t", f"{k}.table2", files["table2"], path)
    beta = _read_csv(files["beta"], f"{k}.beta", ("kind", "key", "cas", "beta"), path)
    beta["beta"] = _num_col(beta, "beta", f"{k}.beta", files["beta"], path)
    named = beta[beta.kind == "named"][["key", "cas", "beta"]].reset_index(drop=True)
    by_cat = dict(zip(beta.loc[beta.kind == "category", "key"],
                      beta.loc[beta.kind == "category", "beta"].astype(float)))
    unknown = sorted(set(t2.symbol) - set(by_cat))
    if unknown:
        raise _err(f"{k}.beta", f"no Table 4 β for category {unknown[0]}", f"表4 缺少类别 {unknown[0]} 的 β", path)
    alpha = _read_csv(files["alpha"], f"{k}.alpha", ("population_min", "population_max", "alpha"), path)
    for c in ("population_min", "alpha"):
        alpha[c] = _num_col(alpha, c, f"{k}.alpha", files["alpha"], path)
    alpha["population_max"] = _num_col(alpha, "population_max", f"{k}.alpha", files["alpha"], path, allow_blank=True)
    lv = _read_csv(files["levels"], f"{k}.levels", ("level", "r_min", "r_max"), path)
    raw_bands = [{"level": int(r.level), **({"min": float(r.r_min)} if r.r_min != "" else {}),
                  **({"max": float(r.r_max)} if r.r_max != "" else {})} for r in lv.itertuples(index=False)]
    levels = _bands(raw_bands, f"{k}.levels", 0.0, 1e12, LEVELS, path)
    dc = _read_csv(files["default_category"], f"{k}.default_category", ("seq", "default_category", "beta"), path)
    dc["seq"] = _num_col(dc, "seq", f"{k}.default_category", files["default_category"], path).astype(int)
    dc["beta"] = _num_col(dc, "beta", f"{k}.default_category", files["default_category"], path)
    alt_raw = _get(raw, "alternative_cas", f"{k}.alternative_cas", "table", path, required=False, default={})
    seqs = set(t1.seq)
    alt = {}
    for cas, seq in alt_raw.items():
        if not isinstance(seq, int) or seq not in seqs:
            raise _err(f"{k}.alternative_cas.{cas}", f"{seq!r} is not a Table 1 row number",
                       f"{seq!r} 不是表1 的序号", path)
        alt[cas] = seq
    missing_alpha = float(_get(raw, "missing_population_alpha", f"{k}.missing_population_alpha", "num", path))
    if missing_alpha < 0:
        raise _err(f"{k}.missing_population_alpha", "must not be negative", "不能为负数", path)
    return GB18218Tables(t1, t2, named, by_cat, alpha, levels, dc, alt, missing_alpha, files)


def _banded(raw: dict, name: str, factor_keys: tuple[str, ...], levels, path) -> BandedMethod:
    k = f"methods.{name}"
    factors = {f: _numbers(_get(raw, f, f"{k}.{f}", "list", path), f"{k}.{f}", path) for f in factor_keys}
    tolerated = {}
    for f in factor_keys:
        t = raw.get(f"{f}_tolerated")
        if t is not None:
            tolerated[f] = _numbers(t, f"{k}.{f}_tolerated", path)
    unknown = set(raw) - set(factor_keys) - {f"{f}_tolerated" for f in factor_keys} - {"bands"}
    if unknown:
        u = sorted(unknown)[0]
        raise _err(f"{k}.{u}", "unknown key", "未知的键", path)
    lo = math.prod(min(v) for v in factors.values())
    hi = math.prod(max(factors[f] + tolerated.get(f, ())) for f in factor_keys)
    bands = _bands(_get(raw, "bands", f"{k}.bands", "list", path), f"{k}.bands", lo, hi, levels, path)
    return BandedMethod(name, factors, tolerated, bands)


def load_rules(path: str | Path | None = None) -> Rules:
    """Read and check a rules file (the default when ``path`` is None or empty)."""
    p = Path(path) if path else DEFAULT_RULES
    if not p.is_file():
        raise _err("(file)", f"rules file not found: {p}", f"找不到规则文件：{p}", p)
    data = p.read_bytes()
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _err("(file)", f"not valid TOML: {exc}", f"不是有效的 TOML：{exc}", p) from exc
    known_top = {"meta", "levels", "sectors", "methods", "density", "upgrades", "receptors", "cascade",
                 "import_limits", "controls", "dynamic", "provenance"}
    unknown = sorted(set(raw) - known_top)
    if unknown:
        raise _err(unknown[0], "unknown section", "未知的节", p)
    meta = _get(raw, "meta", "meta", "table", p, required=False, default={})
    _known(meta, ("name", "version"), "meta", p)

    lv_raw = _get(raw, "levels", "levels", "table", p)
    levels: dict[int, Level] = {}
    for key in lv_raw:
        if key not in {str(i) for i in LEVELS}:
            raise _err(f"levels.{key}", "levels are 1, 2, 3 and 4", "等级只能为 1、2、3、4", p)
    for i in LEVELS:
        k = f"levels.{i}"
        d = _get(lv_raw, str(i), k, "table", p)
        _known(d, ("zh", "en", "colour", "colour_zh", "density_weight"), k, p)
        colour = _get(d, "colour", f"{k}.colour", "str", p)
        if not _COLOUR.match(colour):
            raise _err(f"{k}.colour", f"{colour!r} is not a colour like #E60012",
                       f"{colour!r} 不是 #E60012 这样的颜色", p)
        weight = float(_get(d, "density_weight", f"{k}.density_weight", "num", p))
        if weight < 0:
            raise _err(f"{k}.density_weight", "must not be negative", "不能为负数", p)
        levels[i] = Level(i, _get(d, "zh", f"{k}.zh", "str", p), _get(d, "en", f"{k}.en", "str", p), colour.upper(),
                          weight, _get(d, "colour_zh", f"{k}.colour_zh", "str", p, required=False, default=""))

    sec_raw = _get(raw, "sectors", "sectors", "table", p)
    known = {s.id for s in schema.SECTORS}
    for sid in sec_raw:
        if sid not in known:
            raise _err(f"sectors.{sid}", f"unknown sector (known: {', '.join(sorted(known))})",
                       f"未知的行业领域（应为 {', '.join(sorted(known))}）", p)
    sectors: dict[str, SectorRule] = {}
    for s in schema.SECTORS:
        k = f"sectors.{s.id}"
        d = _get(sec_raw, s.id, k, "table", p)
        _known(d, ("zh", "en", "method", "fallback", "reach_m", "symbol", "protection_m"), k, p)
        method = _get(d, "method", f"{k}.method", "str", p)
        if method not in METHODS:
            raise _err(f"{k}.method", f"unknown method {method!r} (gb18218, lec or ls)",
                       f"未知的评价方法 {method!r}（应为 gb18218、lec 或 ls）", p)
        fallback = _get(d, "fallback", f"{k}.fallback", "str", p, required=False, default="none")
        if fallback not in FALLBACKS:
            raise _err(f"{k}.fallback", f"unknown fallback {fallback!r} (lec, ls or none)",
                       f"未知的备用方法 {fallback!r}（应为 lec、ls 或 none）", p)
        reach = float(_get(d, "reach_m", f"{k}.reach_m", "num", p))
        if reach <= 0:
            raise _err(f"{k}.reach_m", "must be positive", "应为正数", p)
        symbol = _get(d, "symbol", f"{k}.symbol", "str", p)
        if symbol not in MARKER_SHAPES:
            raise _err(f"{k}.symbol", f"unknown marker shape {symbol!r} (e.g. {', '.join(MARKER_SHAPES[:7])})",
                       f"未知的符号形状 {symbol!r}（如 {', '.join(MARKER_SHAPES[:7])}）", p)
        protection = float(_get(d, "protection_m", f"{k}.protection_m", "num", p, required=False, default=0.0))
        if protection < 0:
            raise _err(f"{k}.protection_m", "must not be negative", "不能为负数", p)
        sectors[s.id] = SectorRule(s.id, _get(d, "zh", f"{k}.zh", "str", p), _get(d, "en", f"{k}.en", "str", p),
                                   method, fallback, reach, symbol, protection)

    methods = _get(raw, "methods", "methods", "table", p)
    for m in methods:
        if m not in METHODS:
            raise _err(f"methods.{m}", "unknown method", "未知的评价方法", p)
    lec = _banded(_get(methods, "lec", "methods.lec", "table", p), "lec", ("L", "E", "C"), levels, p)
    ls = _banded(_get(methods, "ls", "methods.ls", "table", p), "ls", ("likelihood", "severity"), levels, p)
    gb = _gb18218(_get(methods, "gb18218", "methods.gb18218", "table", p), p.parent, p)

    dens = _get(raw, "density", "density", "table", p)
    _known(dens, ("cell_m", "bandwidth_m", "kernel"), "density", p)
    density = {
        "cell_m": float(_get(dens, "cell_m", "density.cell_m", "num", p)),
        "bandwidth_m": float(_get(dens, "bandwidth_m", "density.bandwidth_m", "num", p)),
        "kernel": _get(dens, "kernel", "density.kernel", "str", p),
    }
    if density["kernel"] not in KERNELS:
        raise _err("density.kernel", f"unknown kernel {density['kernel']!r} (quartic or uniform)",
                   f"未知的核函数 {density['kernel']!r}（应为 quartic 或 uniform）", p)
    for key in ("cell_m", "bandwidth_m"):
        if density[key] <= 0:
            raise _err(f"density.{key}", "must be positive", "应为正数", p)

    upgrades = _get(raw, "upgrades", "upgrades", "table", p, required=False, default={})
    _known(upgrades, ("proximity", "cascade"), "upgrades", p)
    prox = _get(upgrades, "proximity", "upgrades.proximity", "table", p, required=False, default={})
    _known(prox, ("enabled", "steps", "within", "sectors"), "upgrades.proximity", p)
    _get(prox, "enabled", "upgrades.proximity.enabled", "bool", p, required=False)
    within = _get(prox, "within", "upgrades.proximity.within", "str", p, required=False, default="protection")
    if within not in ("protection", "reach"):
        raise _err("upgrades.proximity.within", f"unknown distance {within!r} (protection or reach)",
                   f"未知的距离 {within!r}（应为 protection 或 reach）", p)
    for i, sid in enumerate(_get(prox, "sectors", "upgrades.proximity.sectors", "list", p, required=False,
                                 default=[])):
        if sid not in sectors:
            raise _err(f"upgrades.proximity.sectors[{i}]", f"sector {sid!r} is not defined",
                       f"行业领域 {sid!r} 未定义", p)
    _get(prox, "steps", "upgrades.proximity.steps", "list", p, required=False)
    casc_up = _get(upgrades, "cascade", "upgrades.cascade", "table", p, required=False, default={})
    _known(casc_up, ("enabled", "within_steps", "raise_by"), "upgrades.cascade", p)
    _get(casc_up, "enabled", "upgrades.cascade.enabled", "bool", p, required=False)
    for key in ("within_steps", "raise_by"):
        if _get(casc_up, key, f"upgrades.cascade.{key}", "int", p, required=False, default=1) < 1:
            raise _err(f"upgrades.cascade.{key}", "must be 1 or more", "应不小于 1", p)
    for i, step in enumerate(prox.get("steps", [])):
        for key in ("from", "to"):
            v = _get(step, key, f"upgrades.proximity.steps[{i}].{key}", "int", p)
            if v not in levels:
                raise _err(f"upgrades.proximity.steps[{i}].{key}", f"level {v} is not defined", f"等级 {v} 未定义", p)
    receptors = _receptors(_get(raw, "receptors", "receptors", "table", p), p)
    cascade = _cascade(_get(raw, "cascade", "cascade", "table", p, required=False, default={}), p)
    limits = _import_limits(_get(raw, "import_limits", "import_limits", "table", p, required=False, default={}), p)
    controls = _controls(_get(raw, "controls", "controls", "table", p, required=False, default={}), levels, p)
    dynamic = _dynamic(_get(raw, "dynamic", "dynamic", "table", p, required=False, default={}), p)
    provenance = _provenance(raw, p)
    return Rules(path=p.resolve(), sha256=hashlib.sha256(data).hexdigest(),
                 name=str(meta.get("name", p.stem)), levels=levels, sectors=sectors, lec=lec, ls=ls,
                 gb18218=gb, density=density, upgrades=upgrades, receptors=receptors, cascade=cascade,
                 provenance=provenance, import_limits=limits, controls=controls, dynamic=dynamic, raw=raw)


def _import_limits(raw: dict, path) -> ImportLimits:
    """``[import_limits]``: what an import reads at most (ingest/guard.py); each key optional."""
    keys = ImportLimits.keys()
    _known(raw, keys, "import_limits", path)
    values = {}
    for key in keys:
        default = getattr(ImportLimits(), key)
        kind = "int" if isinstance(default, int) else "num"
        v = _get(raw, key, f"import_limits.{key}", kind, path, required=False, default=default)
        if v <= 0:
            raise _err(f"import_limits.{key}", "must be positive", "应为正数", path)
        values[key] = v
    return ImportLimits(**values)


def _controls(raw: dict, levels: dict, path) -> Controls:
    """``[controls]``: the levels whose hazard sources must name their controls and a
    responsible person, and what is required (mapping/accountability.py); each key optional."""
    _known(raw, Controls.keys(), "controls", path)
    default = Controls()
    chosen = _get(raw, "levels", "controls.levels", "list", path, required=False, default=list(default.levels))
    for i, v in enumerate(chosen):
        if isinstance(v, bool) or not isinstance(v, int) or v not in levels:
            raise _err(f"controls.levels[{i}]", f"{v!r} is not a level (1, 2, 3 or 4)",
                       f"{v!r} 不是风险等级（应为 1、2、3、4）", path)
    flags = {k: _get(raw, k, f"controls.{k}", "bool", path, required=False, default=getattr(default, k))
             for k in ("require_controls", "require_person", "require_major_people")}
    return Controls(levels=tuple(sorted(set(chosen))), **flags)



#: ``[dynamic]``: the allowed range of each key (levels raised; days; months).
DYNAMIC_RANGES = {"open_major_hidden_danger": (0, 3), "overdue_general_hidden_danger": (0, 3), "accident": (0, 3),
                  "controls_missing": (0, 3), "overdue_days": (0, 3650), "accident_months": (1, 120)}


def _dynamic(raw: dict, path) -> Dynamic:
    """``[dynamic]``: how far each factor raises a unit's dynamic level (scoring/dynamic.py);
    each key optional, a whole number in its range."""
    names = Dynamic.keys()
    _known(raw, names, "dynamic", path)
    default = Dynamic()
    values = {}
    for key in names:
        v = _get(raw, key, f"dynamic.{key}", "int", path, required=False, default=getattr(default, key))
        lo, hi = DYNAMIC_RANGES[key]
        if not lo <= v <= hi:
            raise _err(f"dynamic.{key}", f"{v} is outside {lo}–{hi}", f"{v} 超出范围 {lo}–{hi}", path)
        values[key] = v
    return Dynamic(**values)

def _provenance(raw: dict, path) -> dict[tuple[str, str], Provenance]:
    """The ``[[provenance]]`` entries: each names a section (dotted, e.g. ``cascade.substances``)
    and keys of it, with a status (PROVENANCE_STATUSES; may be left out when the entry only
    explains), a note and a source. Every section and key named must exist in the file."""
    entries = _get(raw, "provenance", "provenance", "list", path, required=False, default=[])
    out: dict[tuple[str, str], Provenance] = {}
    for i, e in enumerate(entries):
        k = f"provenance[{i}]"
        if not isinstance(e, dict):
            raise _err(k, "expected a table {section, keys, status, note, source}",
                       "应为 {section, keys, status, note, source} 表", path)
        unknown = sorted(set(e) - set(PROVENANCE_KEYS))
        if unknown:
            raise _err(f"{k}.{unknown[0]}", f"unknown key (known: {', '.join(PROVENANCE_KEYS)})",
                       f"未知的键（应为 {', '.join(PROVENANCE_KEYS)}）", path)
        section = _get(e, "section", f"{k}.section", "str", path)
        table: object = raw  # a dict while the dotted path leads through tables, else None
        for part in section.split("."):
            table = table.get(part) if isinstance(table, dict) else None
        if not isinstance(table, dict) or section == "provenance":
            raise _err(f"{k}.section", f"no section [{section}] in this rules file",
                       f"规则文件中没有 [{section}] 节", path)
        status = _get(e, "status", f"{k}.status", "str", path, required=False, default="")
        if status not in PROVENANCE_STATUSES and "status" in e:
            raise _err(f"{k}.status", f"unknown status {status!r} ({', '.join(PROVENANCE_STATUSES)})",
                       f"未知的来源状态 {status!r}（应为 {'、'.join(PROVENANCE_STATUSES)}）", path)
        note = _get(e, "note", f"{k}.note", "str", path, required=False, default="")
        source = _get(e, "source", f"{k}.source", "str", path, required=False, default="")
        keys = _get(e, "keys", f"{k}.keys", "list", path)
        if not keys:
            raise _err(f"{k}.keys", "names no key", "未列出任何键", path)
        for j, key in enumerate(keys):
            kk = f"{k}.keys[{j}]"
            if not isinstance(key, str):
                raise _err(kk, f"expected the name of a key, got {key!r}", f"应为键名，实际为 {key!r}", path)
            if key not in table:
                raise _err(kk, f"no key {key!r} under [{section}]", f"[{section}] 下没有键 {key!r}", path)
            if (section, key) in out:
                raise _err(kk, f"{section}.{key} is stated twice", f"{section}.{key} 的来源重复声明", path)
            out[(section, key)] = Provenance(status, note, source)
    return out


EQUIPMENT_IDS = ("atmospheric", "pressurised", "elongated", "auxiliary", "building")
SCENARIOS = ("vce", "pool_fire", "tnt", "none")
CASCADE_KEYS = ("reference_pressure_pa", "tnt_heat_kj_kg", "vce_yield", "ground_reflection",
                "explosive_tnt_equivalence", "radiative_fraction", "transmissivity", "pressurised_fire_probability",
                "max_distance_m", "min_probability", "exact_centrality_max_nodes", "centrality_sample_k", "seed",
                "reach_2_max_pairs", "centrality_max_edges", "centrality_edge_budget",
                "heat_threshold_kw_m2", "overpressure_threshold_kpa", "overpressure_probit",
                "heat_probit_atmospheric", "scenario_by_category", "substances", "category_defaults")


def _cascade(raw: dict, path) -> dict:
    """The cascade section, checked for the types and names the models rely on."""
    if not raw:
        return {}
    k = "cascade"
    _known(raw, CASCADE_KEYS, k, path)
    fractions = ("vce_yield", "radiative_fraction", "transmissivity", "pressurised_fire_probability",
                 "min_probability")  # shares and probabilities: in [0, 1]
    for key in ("reference_pressure_pa", "tnt_heat_kj_kg", "vce_yield", "ground_reflection",
                "explosive_tnt_equivalence", "radiative_fraction", "transmissivity",
                "pressurised_fire_probability", "max_distance_m", "min_probability"):
        v = float(_get(raw, key, f"{k}.{key}", "num", path))
        if v < 0:
            raise _err(f"{k}.{key}", "must not be negative", "不能为负数", path)
        if key in fractions and v > 1:
            raise _err(f"{k}.{key}", f"must be between 0 and 1, got {v:g}", f"应在 0 与 1 之间，实际为 {v:g}", path)
        if key in ("reference_pressure_pa", "tnt_heat_kj_kg", "max_distance_m") and v == 0:
            raise _err(f"{k}.{key}", "must be positive", "应为正数", path)
    for key, least in (("exact_centrality_max_nodes", 0), ("centrality_sample_k", 1), ("seed", 0)):
        if _get(raw, key, f"{k}.{key}", "int", path) < least:
            raise _err(f"{k}.{key}", f"must be {least} or more", f"应不小于 {least}", path)
    for key in ("reach_2_max_pairs", "centrality_max_edges", "centrality_edge_budget"):  # budgets, optional
        if _get(raw, key, f"{k}.{key}", "int", path, required=False, default=1) < 1:
            raise _err(f"{k}.{key}", "must be 1 or more", "应不小于 1", path)
    for table in ("heat_threshold_kw_m2", "overpressure_threshold_kpa", "overpressure_probit"):
        t = _get(raw, table, f"{k}.{table}", "table", path)
        for eq in EQUIPMENT_IDS:
            v = _get(t, eq, f"{k}.{table}.{eq}", "table" if table == "overpressure_probit" else "num", path)
            if table != "overpressure_probit" and v <= 0:
                raise _err(f"{k}.{table}.{eq}", "must be positive", "应为正数", path)
            if table == "overpressure_probit":
                for coef in ("a", "b"):
                    _get(v, coef, f"{k}.{table}.{eq}.{coef}", "num", path)
    hp = _get(raw, "heat_probit_atmospheric", f"{k}.heat_probit_atmospheric", "table", path)
    for coef in ("c_ln_i", "c_volume", "c0", "y0", "y_ln_ttf"):
        _get(hp, coef, f"{k}.heat_probit_atmospheric.{coef}", "num", path)
    for cat, sc in _get(raw, "scenario_by_category", f"{k}.scenario_by_category", "table", path).items():
        if sc not in SCENARIOS:
            raise _err(f"{k}.scenario_by_category.{cat}", f"unknown scenario {sc!r} ({', '.join(SCENARIOS)})",
                       f"未知的事故情景 {sc!r}（应为 {', '.join(SCENARIOS)}）", path)
    for seq, props in _get(raw, "substances", f"{k}.substances", "table", path).items():
        if not str(seq).isdigit():
            raise _err(f"{k}.substances.{seq}", "keys are GB 18218 Table 1 row numbers", "键应为表1 序号", path)
        if _get(props, "heat_mj_kg", f"{k}.substances.{seq}.heat_mj_kg", "num", path) <= 0:
            raise _err(f"{k}.substances.{seq}.heat_mj_kg", "must be positive", "应为正数", path)
    return raw


def _receptors(raw: dict, path) -> ReceptorRules:
    k = "receptors"
    _known(raw, ("alpha_radius_m", "population_method", "classes"), k, path)
    radius = float(_get(raw, "alpha_radius_m", f"{k}.alpha_radius_m", "num", path))
    if radius <= 0:
        raise _err(f"{k}.alpha_radius_m", "must be positive", "应为正数", path)
    method = _get(raw, "population_method", f"{k}.population_method", "str", path)
    if method not in POPULATION_METHODS:
        raise _err(f"{k}.population_method", f"unknown method {method!r} (area_share or cell_centres)",
                   f"未知的人口统计方法 {method!r}（应为 area_share 或 cell_centres）", path)
    classes_raw = _get(raw, "classes", f"{k}.classes", "table", path)
    classes: dict[str, ReceptorClass] = {}
    seen: dict[str, str] = {}
    for cid, d in classes_raw.items():
        ck = f"{k}.classes.{cid}"
        if not isinstance(d, dict):
            raise _err(ck, "expected a table", "应为表", path)
        _known(d, ("zh", "en", "sensitivity", "aliases"), ck, path)
        sens = _get(d, "sensitivity", f"{ck}.sensitivity", "str", path)
        if sens not in SENSITIVITIES:
            raise _err(f"{ck}.sensitivity", f"unknown sensitivity {sens!r} (high, medium or low)",
                       f"未知的敏感程度 {sens!r}（应为 high、medium 或 low）", path)
        aliases = _get(d, "aliases", f"{ck}.aliases", "list", path, required=False, default=[])
        if not all(isinstance(a, str) for a in aliases):
            raise _err(f"{ck}.aliases", "expected a list of names", "应为名称列表", path)
        c = ReceptorClass(cid, _get(d, "zh", f"{ck}.zh", "str", path), _get(d, "en", f"{ck}.en", "str", path),
                          sens, tuple(aliases))
        for n in (c.id, c.zh, c.en, *c.aliases):
            f = fold_name(n)
            if f in seen and seen[f] != cid:
                raise _err(f"{ck}.aliases", f"{n!r} is also a name of class {seen[f]}",
                           f"{n!r} 同时是类别 {seen[f]} 的名称", path)
            seen[f] = cid
        classes[cid] = c
    if not any(c.sensitivity == "high" for c in classes.values()):
        raise _err(f"{k}.classes", "no class has high sensitivity", "没有高敏感类别", path)
    return ReceptorRules(classes, radius, method)
