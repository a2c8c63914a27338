"""Survey rounds (调查轮次): a database that keeps every round of the survey, and what changed.

A city repeats its survey: a new round replaces the survey as a whole; between rounds a
district office sends its district's part again. The risk database holds the current survey
in ``units`` and ``hazards`` as always; beside them

* ``survey_rounds`` — one row per round started and per district update (its id, name, date,
  kind, district, when, how many units and hazard sources);
* ``round_files`` — the files each round and update came from, with their SHA-256;
* ``round_units`` / ``round_hazards`` — each earlier round as it stood when the next began:
  its units and hazard sources with their levels (:data:`UNIT_SNAPSHOT`, :data:`HAZARD_SNAPSHOT`).

:func:`start_round` archives the current survey as its round and puts the new import in its
place; :func:`update_district` replaces one district's units and hazard sources of the current
round, every other row left exactly as it was. Both drop the layers the chain derives from the
survey (its levels, links, map: to be run again) and keep the records beside it (hidden
dangers, accidents) and the run log. :func:`compare` says what changed between two states —
units new, closed, moved, their level up or down, and why (docs/rounds.md).

A unit is the same unit across rounds by its code; a code that does not recur is matched by
the unified social credit code (where codes were reissued). Everything is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import fields
from .errors import PipelineError
from .progress import Progress
from .store import read, riskdb

ROUNDS, ROUND_FILES, ROUND_UNITS, ROUND_HAZARDS = "survey_rounds", "round_files", "round_units", "round_hazards"
ROUND_LAYERS = (ROUNDS, ROUND_FILES, ROUND_UNITS, ROUND_HAZARDS)
#: What a new round or a district update keeps besides the survey: the records beside it,
#: the rounds and the run log. Every other layer is derived from the survey and goes.
KEPT = ("hidden_dangers", "hidden_danger_issues", "hidden_danger_imports", "accidents", "accident_issues",
        "accident_imports", *ROUND_LAYERS, riskdb.RUNS_LAYER)
UNIT_SNAPSHOT = tuple(n for n in fields.names(ROUND_UNITS) if n != "round_id")
HAZARD_SNAPSHOT = tuple(n for n in fields.names(ROUND_HAZARDS) if n != "round_id")
#: A unit whose point moved further than this between two rounds has moved (metres): more
#: than a survey's GPS error and the offsets between map services, less than a street block.
MOVED_M = 100.0
CHANGES = ("new", "closed", "moved", "up", "down", "same")
CHANGE_ZH = {"new": "新增", "closed": "关闭", "moved": "迁移", "up": "风险升高", "down": "风险降低", "same": "无变化"}


@dataclass
class RoundInfo:
    round_id: int
    name: str
    date: str
    kind: str  # "new" or "district_update"
    district: str = ""
    units: int = 0
    hazards: int = 0
    archived: int = 0  # the units of the round archived by a new one


def rounds(db: str | Path) -> pd.DataFrame:
    """The database's ``survey_rounds`` (empty, with its columns, when it has none)."""
    if Path(db).is_file() and ROUNDS in riskdb.layer_names(db):
        return read.columns(db, ROUNDS, list(fields.names(ROUNDS)))
    return pd.DataFrame(columns=list(fields.names(ROUNDS)))


def current_round(db: str | Path) -> int:
    """The id of the round the database's survey belongs to: 1 for a database imported before
    it kept rounds, 0 for one without a survey."""
    table = rounds(db)
    if len(table):
        return int(pd.to_numeric(table["round_id"], errors="coerce").max())
    return 1 if Path(db).is_file() and "units" in riskdb.layer_names(db) else 0


def snapshot(db: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The current survey's units and hazard sources as a round keeps them (a column the
    database lacks is empty)."""
    return (read.columns(db, "units", list(UNIT_SNAPSHOT)), read.columns(db, "hazards", list(HAZARD_SNAPSHOT)))


def _files(result, round_id: int, district: str) -> pd.DataFrame:
    runs = result.runs
    return pd.DataFrame({"round_id": round_id, "file": runs["file"].astype(str), "path": runs["path"].astype(str),
                         "sha256": runs["sha256"].astype(str), "size_bytes": runs["size_bytes"],
                         "status": runs["status"].astype(str), "district": district})[list(fields.names(ROUND_FILES))]


def _append(db: Path, layer: str, rows: pd.DataFrame) -> pd.DataFrame:
    """``layer``'s rows in ``db`` (none when it is not there) and ``rows`` after them, in the
    layer's registered columns."""
    rows = rows.reindex(columns=list(fields.names(layer)))
    have = read.columns(db, layer, list(rows.columns)) if layer in riskdb.layer_names(db) else None
    return rows if have is None or not len(have) else pd.concat([have, rows], ignore_index=True)


def _row(round_id, name, date, kind, district, units, hazards, started) -> pd.DataFrame:
    return pd.DataFrame([{"round_id": round_id, "name": name, "date": date, "kind": kind, "district": district,
                          "units": units, "hazards": hazards, "started": started, "finished": riskdb.now_iso(),
                          "plugin_version": riskdb.plugin_version()}])


def _drop_derived(w, db: Path, keep: tuple[str, ...]) -> None:
    for name in riskdb.layer_names(db):
        if name not in keep and name not in KEPT:
            w.remove(name)


def start_round(db: str | Path, result, name: str, date: str, progress: Progress | None = None,
                started: str | None = None, base=None) -> RoundInfo:
    """Archive the database's survey as its round and make ``result`` (an import's
    :class:`~.ingest.importer.ImportResult`) the survey of a new round ``name`` of ``date``, in
    one transaction. Refused when the database holds no survey (import into a new one)."""
    progress = progress or Progress()
    db = Path(db)
    started = started or riskdb.now_iso()
    base = base or riskdb.state(db)  # the state the caller read first: a commit since then refuses
    read.require_layers(db, ("units", "hazards"))
    old = current_round(db)
    table = rounds(db)
    progress.step(90, "归档上一轮 Archiving the round")
    units, hazards = snapshot(db)
    new_id = old + 1
    with riskdb.Write(db, "import_surveys", base) as w:
        if not len(table):  # a database from before rounds: its survey is round 1, its files the import's
            table = _row(old, f"第{old}轮", "", "new", "", len(units), len(hazards), "")
            if "import_runs" in riskdb.layer_names(db):
                first = read.columns(db, "import_runs", ["file", "path", "sha256", "size_bytes", "status"])
                w.layer(ROUND_FILES, pd.concat([first.assign(round_id=old, district="")
                                                .reindex(columns=list(fields.names(ROUND_FILES))),
                                                _files(result, new_id, "")], ignore_index=True))
        w.layer(ROUNDS, pd.concat([table, _row(new_id, name, date, "new", "", len(result.units),
                                               len(result.hazards), started)], ignore_index=True))
        if ROUND_FILES not in w.staged:
            w.layer(ROUND_FILES, _append(db, ROUND_FILES, _files(result, new_id, "")))
        w.layer(ROUND_UNITS, _append(db, ROUND_UNITS, units.assign(round_id=old)))
        w.layer(ROUND_HAZARDS, _append(db, ROUND_HAZARDS, hazards.assign(round_id=old)))
        for layer, frame in (("units", result.units), ("hazards", result.hazards), ("import_issues", result.issues),
                             ("import_runs", result.runs)):
            w.layer(layer, frame)
        _drop_derived(w, db, ("units", "hazards", "import_issues", "import_runs"))
        w.log(None, {"round": new_id, "name": name, "date": date, "archived_round": old,
                     "archived_units": len(units), "units": len(result.units), "hazards": len(result.hazards)},
              started)
    return RoundInfo(new_id, name, date, "new", "", len(result.units), len(result.hazards), len(units))


def _nullable(frame: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """``frame``'s columns in the types the database declares (``types``: field → numpy dtype
    name, pyogrio's), integers and booleans nullable, so that a row keeps its exact values
    (no 3 → 3.0) beside rows that lack them."""
    out = frame.copy()
    for c, kind in types.items():
        if c not in out.columns:
            continue
        if kind.startswith(("int", "uint")):
            out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
        elif kind == "bool":
            out[c] = out[c].astype("boolean")
    return out


def _combine(db: Path, layer: str, kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The rows kept and the new ones in one layer, in the database's column types."""
    import geopandas as gpd
    import pyogrio

    info = pyogrio.read_info(db, layer=layer)
    types = {str(f): str(t) for f, t in zip(info["fields"], info["dtypes"])}
    columns = list(kept.columns) + [c for c in new.columns if c not in kept.columns]
    geom = kept.geometry.name
    new = new.rename_geometry(geom) if new.geometry.name != geom else new
    kept_n, new_n = _nullable(kept, types), _nullable(new.reindex(columns=columns), types)
    out = pd.concat([kept_n, new_n], ignore_index=True)[columns]
    return gpd.GeoDataFrame(out, geometry=geom, crs=kept.crs)


def update_district(db: str | Path, result, district: str, name: str, date: str,
                    progress: Progress | None = None, started: str | None = None, base=None) -> RoundInfo:
    """Replace the units of ``district`` (their ``district`` field) and their hazard sources in
    the current round by ``result``'s, in one transaction; every other unit and hazard row is
    written back exactly as it was. Refused when the import holds units of another district."""
    progress = progress or Progress()
    db = Path(db)
    district = str(district).strip()
    started = started or riskdb.now_iso()
    base = base or riskdb.state(db)  # the state the caller read first: a commit since then refuses
    read.require_layers(db, ("units", "hazards"))
    if not district:
        raise PipelineError("a district update names its district", "更新一个行政区时须指定行政区")
    stray = result.units.loc[result.units["district"].astype(str).str.strip() != district, "unit_code"]
    if len(stray):
        raise PipelineError(
            f"the files hold {len(stray)} units of other districts than {district} (e.g. {', '.join(stray[:3])}): "
            "a district update takes that district's files only; nothing was written",
            f"文件中有 {len(stray)} 个单位不属于{district}（如 {', '.join(stray[:3])}）："
            "更新一个行政区时只能导入该区的文件；未写入任何内容")
    progress.step(90, "替换行政区 Replacing the district")
    units = read.layer(db, "units", read.field_names(db, "units"), geometry=True)
    hazards = read.layer(db, "hazards", read.field_names(db, "hazards"), geometry=True)
    theirs = units["district"].astype(str).str.strip() == district
    if not theirs.any():
        raise PipelineError(f"the current round has no unit in district {district}: check its name",
                            f"当前轮次没有属于「{district}」的单位：请检查行政区名称")
    gone = set(units.loc[theirs, "unit_code"].astype(str))
    kept_hazards = hazards[~hazards["unit_code"].astype(str).isin(gone)]
    round_id = current_round(db)
    table = rounds(db)
    if not len(table):
        table = _row(round_id, f"第{round_id}轮", "", "new", "", int((~theirs).sum()) + int(theirs.sum()),
                     len(hazards), "")
    with riskdb.Write(db, "import_surveys", base) as w:
        w.layer("units", _combine(db, "units", units[~theirs.to_numpy()], result.units))
        w.layer("hazards", _combine(db, "hazards", kept_hazards, result.hazards))
        w.layer("import_issues", _append(db, "import_issues", result.issues))
        w.layer("import_runs", _append(db, "import_runs", result.runs))
        w.layer(ROUNDS, pd.concat([table, _row(round_id, name, date, "district_update", district,
                                               len(result.units), len(result.hazards), started)],
                                  ignore_index=True))
        w.layer(ROUND_FILES, _append(db, ROUND_FILES, _files(result, round_id, district)))
        _drop_derived(w, db, ("units", "hazards", "import_issues", "import_runs"))
        w.log(None, {"round": round_id, "district": district, "replaced_units": int(theirs.sum()),
                     "units": len(result.units), "hazards": len(result.hazards)}, started)
    return RoundInfo(round_id, name, date, "district_update", district, len(result.units), len(result.hazards))


# --- what changed ---------------------------------------------------------------------------

def round_state(db: str | Path, which: str | int | None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(units, hazards, label) of a round of ``db``: an archived round by id or name, or the
    current survey for None / "current" (its dynamic level as ``dynamic_level``)."""
    if which in (None, "", "current", "当前"):
        units, hazards = snapshot(db)
        return units, hazards, f"当前 current (round {current_round(db)})"
    table = rounds(db)
    ids = pd.to_numeric(table["round_id"], errors="coerce")
    text = str(which).strip()
    hit = table[(ids.astype("Int64").astype(str) == text) | (table["name"].astype(str) == text)]
    if not len(hit):
        raise PipelineError(f"no survey round {text!r} in {Path(db).name} (rounds: "
                            f"{', '.join(f'{r.round_id} {r.name}' for r in table.itertuples()) or 'none'})",
                            f"{Path(db).name} 中没有调查轮次「{text}」")
    rid = int(pd.to_numeric(hit["round_id"]).iloc[0])
    if rid == current_round(db):
        return round_state(db, None)
    where = f'"round_id" = {rid}'
    units = read.columns(db, ROUND_UNITS, list(UNIT_SNAPSHOT), where=where)
    hazards = read.columns(db, ROUND_HAZARDS, list(HAZARD_SNAPSHOT), where=where)
    if not len(units):
        raise PipelineError(f"round {rid} is not archived yet", f"第 {rid} 轮尚未归档")
    return units, hazards, f"{rid} {hit['name'].iloc[0]}"


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance (m), haversine on the CGCS2000 sphere radius."""
    r = 6_371_008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _match(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """For each unit of ``after``, the unit code it had ``before`` ('' for none): its own code,
    else a unit of ``before`` with the same unified social credit code whose code does not recur."""
    b_codes = before["unit_code"].astype(str)
    a_codes = after["unit_code"].astype(str)
    same = a_codes.where(a_codes.isin(set(b_codes)), "")
    free_before = before[~b_codes.isin(set(a_codes))]
    credit = free_before.assign(_c=free_before["credit_code"].fillna("").astype(str).str.upper()) \
        .query("_c != ''").drop_duplicates("_c").set_index("_c")["unit_code"].astype(str)
    by_credit = after["credit_code"].fillna("").astype(str).str.upper().map(credit).fillna("")
    return same.where(same != "", by_credit)


def compare(before: tuple[pd.DataFrame, pd.DataFrame], after: tuple[pd.DataFrame, pd.DataFrame],
            level: str = "level") -> pd.DataFrame:
    """Unit by unit, what changed from ``before`` to ``after`` (each: units, hazards as
    :func:`round_state` gives them): one row per unit of either (fields.py ``round_changes``),
    its change (:data:`CHANGES`: new, closed, moved, up = more severe, down, same), the levels,
    the distance moved and the reasons in Chinese and English. ``level``: the field of
    ``after`` compared (``dynamic_level`` for the dynamic risk of today)."""
    bu, bh = before
    au, ah = after
    bu = bu.assign(unit_code=bu["unit_code"].astype(str))
    au = au.assign(unit_code=au["unit_code"].astype(str))
    was = _match(bu, au)
    b = bu.set_index("unit_code")
    lv_to = pd.to_numeric(au[level] if level in au else au["level"], errors="coerce")
    if level != "level" and level in au:
        lv_to = lv_to.fillna(pd.to_numeric(au["level"], errors="coerce"))
    matched = was != ""
    lv_from = pd.to_numeric(was.map(b["level"]), errors="coerce").where(matched)
    dist = pd.Series(_metres(pd.to_numeric(was.map(b["lon"]), errors="coerce").to_numpy(dtype=float),
                             pd.to_numeric(was.map(b["lat"]), errors="coerce").to_numpy(dtype=float),
                             pd.to_numeric(au["lon"], errors="coerce").to_numpy(dtype=float),
                             pd.to_numeric(au["lat"], errors="coerce").to_numpy(dtype=float)), index=au.index)
    change = np.select([~matched, lv_to < lv_from, lv_to > lv_from, dist > MOVED_M],
                       ["new", "up", "down", "moved"], "same")
    reasons_zh, reasons_en = _reasons(bh, ah, au["unit_code"], was, au, level)
    out = pd.DataFrame({
        "unit_code": au["unit_code"], "previous_code": was.where(was != au["unit_code"], ""),
        **{c: au[c] for c in ("name", "district", "street", "sector", "sector_zh")},
        "change": change, "change_zh": pd.Series(change).map(CHANGE_ZH).to_numpy(),
        "level_from": lv_from, "level_to": lv_to, "moved_m": dist.where(matched).round(1),
        "reason_zh": reasons_zh, "reason_en": reasons_en, "lon": au["lon"], "lat": au["lat"]})
    closed = bu[~bu["unit_code"].isin(set(was[matched]))]
    gone = pd.DataFrame({
        "unit_code": closed["unit_code"], "previous_code": "",
        **{c: closed[c] for c in ("name", "district", "street", "sector", "sector_zh")},
        "change": "closed", "change_zh": CHANGE_ZH["closed"], "level_from": pd.to_numeric(closed["level"],
                                                                                          errors="coerce"),
        "level_to": np.nan, "moved_m": np.nan, "reason_zh": "本轮调查中已无此单位",
        "reason_en": "not in the later survey", "lon": closed["lon"], "lat": closed["lat"]})
    frames = [f for f in (out, gone) if len(f)]
    both = pd.concat(frames, ignore_index=True) if frames else out
    return both[[c for c in fields.names("round_changes")]]


def _reasons(bh: pd.DataFrame, ah: pd.DataFrame, codes: pd.Series, was: pd.Series, au: pd.DataFrame,
             level: str) -> tuple[np.ndarray, np.ndarray]:
    """Why a matched unit's level may have changed, per unit of ``codes`` (in order): hazard
    sources added or gone, quantities changed, receptors within reach changed and, for the
    dynamic risk, its raises — each a fragment, joined per unit (grouped, no loop over units)."""
    matched = codes[was != ""]
    prev_of = pd.Series(matched.to_numpy(), index=was[was != ""].to_numpy())
    prev_of = prev_of[~prev_of.index.duplicated()]
    bh = bh.assign(unit_code=bh["unit_code"].astype(str).map(prev_of), hazard_code=bh["hazard_code"].astype(str))
    bh = bh[bh["unit_code"].notna()]
    ah = ah.assign(unit_code=ah["unit_code"].astype(str), hazard_code=ah["hazard_code"].astype(str))
    ah = ah[ah["unit_code"].isin(set(matched))]
    parts = []
    keys = ["unit_code", "hazard_code"]
    both = ah[keys].merge(bh[keys], on=keys, how="outer", indicator=True)
    added, gone = both[both["_merge"] == "left_only"], both[both["_merge"] == "right_only"]
    parts.append(pd.DataFrame({"unit_code": added["unit_code"], "zh": "新增危险源 " + added["hazard_code"],
                               "en": "new hazard source " + added["hazard_code"]}))
    parts.append(pd.DataFrame({"unit_code": gone["unit_code"], "zh": "危险源 " + gone["hazard_code"] + " 已不在",
                               "en": "hazard source " + gone["hazard_code"] + " gone"}))
    for col, z, e, tol in (("quantity_t", "危险物质数量", "quantity", 5e-4),
                           ("n_receptors", "影响范围内敏感目标", "receptors within reach", 0.5)):
        qb = pd.to_numeric(bh[col], errors="coerce").groupby(bh["unit_code"]).sum(min_count=1).rename("b")
        qa = pd.to_numeric(ah[col], errors="coerce").groupby(ah["unit_code"]).sum(min_count=1).rename("a")
        q = pd.concat([qb, qa], axis=1).dropna()
        q = q[(q["a"] - q["b"]).abs() > tol]
        if len(q):
            arrow = q["b"].map("{:g}".format).astype(str) + " → " + q["a"].map("{:g}".format).astype(str)
            parts.append(pd.DataFrame({"unit_code": q.index, "zh": (f"{z} " + arrow).to_numpy(),
                                       "en": (f"{e} " + arrow).to_numpy()}))
    if level == "dynamic_level":
        for f in ("hidden_major", "hidden_overdue", "accident", "controls"):
            col = f"reason_{f}"
            if col in au:
                text = au[col].fillna("").astype(str)
                on = text != ""
                parts.append(pd.DataFrame({"unit_code": au.loc[on, "unit_code"].astype(str),
                                           "zh": text[on].str.split(" / ").str[0],
                                           "en": text[on].str.split(" / ").str[-1]}))
    frags = pd.concat(parts, ignore_index=True)
    joined = frags.groupby("unit_code", sort=False).agg({"zh": "；".join, "en": "; ".join})
    return (codes.map(joined["zh"]).fillna("").to_numpy(dtype=object),
            codes.map(joined["en"]).fillna("").to_numpy(dtype=object))
