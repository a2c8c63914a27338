"""Who answers for the risk (风险管控责任): the hazard sources of the graded levels that name no
control measure or no responsible person, the major hazard sources without their three
包保责任人, and the counts per unit, district and street (docs/domain/controls.md §5).

The rule is data: ``[controls]`` of the rules file (:class:`Controls`). It is evaluated on the
final levels, after the proximity and cascade upgrades, by the risk-map step, which writes the
findings (``control_findings``), the per-unit counts (on ``risk_map``), the per-district counts
(``district_summary``) and the per-street table (``street_summary``).

Everything here works on small frames: the hazard sources' text is tested blank in the
database (:func:`blank_sql`), so only the findings' rows come back, and the points per level
come back counted per unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import fields
from ..ingest import schema

LEVELS = (1, 2, 3, 4)
#: The three kinds of control (docs/domain/controls.md §3): a point with none of them filled
#: names no control measure.
CONTROL_FIELDS = ("controls_engineering", "controls_management", "controls_emergency")
PERSON_FIELD = "responsible_person"
#: The three 包保责任人 of a major hazard source (应急厅〔2021〕12号), in that order.
MAJOR_PEOPLE = ("principal_person", "technical_person", "operating_person")

#: The findings' codes: (severity, Chinese, English); {unit}, {hazard}, {level}, {value}.
CODES = {
    "W_CONTROLS_MISSING": ("warning", "单位 {unit} 危险源 {hazard}（{level}）未填写任何管控措施"
                                      "（工程技术、管理、个体防护与应急处置）",
                           "Unit {unit}, hazard source {hazard} ({level}): no control measure recorded "
                           "(engineering, management, PPE and emergency)"),
    "W_RESPONSIBLE_MISSING": ("warning", "单位 {unit} 危险源 {hazard}（{level}）未填写管控责任人",
                              "Unit {unit}, hazard source {hazard} ({level}): no responsible person recorded"),
    "W_MAJOR_PEOPLE_MISSING": ("warning", "单位 {unit} 是重大危险源，缺少包保责任人：{value}",
                               "Unit {unit} is a major hazard source without its designated responsible people: "
                               "{value}"),
}
FINDING_COLUMNS = fields.names("control_findings")
#: Per unit, on ``risk_map``: its hazard sources by level, those of the graded levels without
#: controls or without a responsible person, and whether it is a major hazard source without
#: all three 包保责任人.
UNIT_COLUMNS = fields.MAP_COUNTS
STREET_COLUMNS = fields.names("street_summary")
NO_DISTRICT = "（无行政区）"
NO_STREET = "（无街道）"
_PEOPLE_ZH = {c.key: c.zh for c in schema.UNIT_COLUMNS if c.key in MAJOR_PEOPLE}
_PEOPLE_EN = {c.key: c.en for c in schema.UNIT_COLUMNS if c.key in MAJOR_PEOPLE}


@dataclass(frozen=True)
class Controls:
    """``[controls]`` of the rules file: which hazard sources must name their controls and a
    responsible person, and whether a major hazard source must name its 包保责任人."""

    levels: tuple[int, ...] = (1, 2)
    require_controls: bool = True
    require_person: bool = True
    require_major_people: bool = True

    @staticmethod
    def keys() -> tuple[str, ...]:
        return ("levels", "require_controls", "require_person", "require_major_people")


def blank_sql(column: str, present: bool, table: str = "") -> str:
    """SQL: the text column (of ``table``, an alias, when given) is NULL or blank; a column
    the layer lacks is blank throughout. Spaces and the ideographic space U+3000 are blank."""
    if not present:
        return "1"
    c = (f"{table}." if table else "") + '"' + column.replace('"', '""') + '"'
    return f"({c} IS NULL OR TRIM({c}, ' 　') = '')"


def hazard_flags(have: set[str], table: str = "") -> dict[str, str]:
    """SQL per flag for a hazards layer with the columns ``have``: ``no_controls`` (none of
    the three kinds filled) and ``no_person``."""
    return {"no_controls": " AND ".join(blank_sql(c, c in have, table) for c in CONTROL_FIELDS),
            "no_person": blank_sql(PERSON_FIELD, PERSON_FIELD in have, table)}


def people_flag(have: set[str], table: str = "") -> str:
    """SQL: a unit with the columns ``have`` lacks one of its three 包保责任人."""
    return "(" + " OR ".join(blank_sql(c, c in have, table) for c in MAJOR_PEOPLE) + ")"


def hazard_filter(rules_controls: Controls, have: set[str]) -> str | None:
    """SQL: the hazard sources that may be findings (None: the rule asks for nothing)."""
    flags = hazard_flags(have)
    wanted = [flags["no_controls"]] * rules_controls.require_controls + [flags["no_person"]] * \
        rules_controls.require_person
    if not wanted or not rules_controls.levels:
        return None
    levels = ", ".join(str(int(k)) for k in rules_controls.levels)
    return f'"level" IN ({levels}) AND ({" OR ".join(wanted)})'


def major_filter(rules_controls: Controls, have: set[str]) -> str | None:
    """SQL: the major-hazard units that may lack a 包保责任人 (None: not asked for)."""
    if not rules_controls.require_major_people or "major_hazard" not in have:
        return None
    return '"major_hazard" = 1 AND ' + people_flag(have)


def _blank(s: pd.Series) -> np.ndarray:
    return s.isna().to_numpy() | (s.astype("string").str.strip() == "").fillna(True).to_numpy(dtype=bool)


def findings(hazards: pd.DataFrame, majors: pd.DataFrame, units: pd.DataFrame, rules_controls: Controls,
             level_names: dict[int, tuple[str, str]]) -> pd.DataFrame:
    """The findings (:data:`FINDING_COLUMNS`), one row per hazard source and code, then one
    per major-hazard unit. ``hazards``: the candidates of :func:`hazard_filter` (hazard_code,
    unit_code, level, no_controls, no_person); ``majors``: the units of
    :func:`major_filter` (unit_code and the :data:`MAJOR_PEOPLE` columns it has); ``units``:
    unit_code, district, street, sector (for every unit a finding names); ``level_names``:
    level → (Chinese, English) name, for the messages."""
    rows = []
    h = hazards.reset_index(drop=True)
    for code, flag, wanted in (("W_CONTROLS_MISSING", "no_controls", rules_controls.require_controls),
                               ("W_RESPONSIBLE_MISSING", "no_person", rules_controls.require_person)):
        if not wanted or not len(h):
            continue
        pick = h[pd.to_numeric(h[flag], errors="coerce").fillna(0).to_numpy() != 0]
        if len(pick):
            rows.append(pd.DataFrame({"unit_code": pick["unit_code"].to_numpy(dtype=object),
                                      "hazard_code": pick["hazard_code"].to_numpy(dtype=object),
                                      "level": pd.to_numeric(pick["level"], errors="coerce").to_numpy(),
                                      "code": code, "value": ""}))
    if len(majors):
        lacking = np.column_stack([_blank(majors[c]) if c in majors else np.ones(len(majors), bool)
                                   for c in MAJOR_PEOPLE])
        keep = lacking.any(axis=1)
        zh = np.array(["、".join(_PEOPLE_ZH[c] for c, x in zip(MAJOR_PEOPLE, r) if x) for r in lacking[keep]],
                      dtype=object)
        rows.append(pd.DataFrame({"unit_code": majors["unit_code"].to_numpy(dtype=object)[keep], "hazard_code": "",
                                  "level": np.nan, "code": "W_MAJOR_PEOPLE_MISSING", "value": zh}))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "level" else object) for c in FINDING_COLUMNS})
    out = pd.concat(rows, ignore_index=True)
    where = units.drop_duplicates("unit_code").set_index("unit_code")
    for c in ("district", "street", "sector"):
        out[c] = where[c].reindex(out["unit_code"]).to_numpy(dtype=object) if c in where else None
    out["severity"] = out["code"].map({k: v[0] for k, v in CODES.items()})
    for lang, i in (("message_zh", 1), ("message_en", 2)):
        level_txt = out["level"].map(lambda k, i=i: level_names.get(int(k), (str(int(k)),) * 2)[i - 1]
                                     if pd.notna(k) else "")
        value = out["value"] if i == 1 else out["value"].map(_english_people)
        out[lang] = [CODES[c][i].format(unit=u, hazard=hz, level=lv, value=v) for c, u, hz, lv, v in
                     zip(out["code"], out["unit_code"], out["hazard_code"], level_txt, value)]
    return out.sort_values(["code", "unit_code", "hazard_code"], kind="stable").reset_index(drop=True)[
        list(FINDING_COLUMNS)]


#: The run log's counts of the findings (analysis_runs' summary; the panel shows them).
SUMMARY_KEYS = {"W_CONTROLS_MISSING": "controls_missing", "W_RESPONSIBLE_MISSING": "person_missing",
                "W_MAJOR_PEOPLE_MISSING": "major_unnamed"}


def finding_counts(found: pd.DataFrame) -> dict[str, int]:
    """Findings per kind, by their run-log keys (:data:`SUMMARY_KEYS`)."""
    n = found["code"].value_counts()
    return {key: int(n.get(code, 0)) for code, key in SUMMARY_KEYS.items()}


def _english_people(zh: str) -> str:
    names = {v: _PEOPLE_EN[k] for k, v in _PEOPLE_ZH.items()}
    return ", ".join(names.get(p, p) for p in zh.split("、")) if zh else zh


def unit_counts(unit_codes: pd.Series, points: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """:data:`UNIT_COLUMNS` aligned with ``unit_codes``. ``points``: hazard sources counted
    per unit and level (unit_code, level, n); ``found``: :func:`findings`."""
    codes = unit_codes.to_numpy(dtype=object)
    out = pd.DataFrame(index=unit_codes.index)
    lv = pd.to_numeric(points["level"], errors="coerce")
    n = pd.to_numeric(points["n"], errors="coerce").fillna(0).astype(np.int64)
    for k in LEVELS:
        per = n[lv == k].groupby(points["unit_code"][lv == k].to_numpy()).sum()
        out[f"points_level{k}"] = per.reindex(codes).fillna(0).to_numpy(dtype=np.int64)
    for col, code in (("controls_missing", "W_CONTROLS_MISSING"), ("person_missing", "W_RESPONSIBLE_MISSING")):
        per = found.loc[found["code"] == code, "unit_code"].value_counts()
        out[col] = per.reindex(codes).fillna(0).to_numpy(dtype=np.int64)
    unnamed = set(found.loc[found["code"] == "W_MAJOR_PEOPLE_MISSING", "unit_code"])
    out["major_unnamed"] = pd.Series(codes).isin(unnamed).to_numpy()
    return out


#: Each count per district and street is the sum of this per-unit column (``n_major``: the
#: units that are major hazard sources).
COUNT_SOURCES = {**{f"n_points_level{k}": f"points_level{k}" for k in LEVELS}, "n_controls_missing": "controls_missing",
                 "n_person_missing": "person_missing", "n_major": "major_hazard", "n_major_unnamed": "major_unnamed"}


def per_unit_int(units: pd.DataFrame, source: str) -> np.ndarray:
    """A per-unit count (or flag, as 0/1) of :data:`COUNT_SOURCES`; 0 where missing."""
    if source not in units:
        return np.zeros(len(units), dtype=np.int64)
    col = units[source]
    if source in ("major_hazard", "major_unnamed"):
        return col.astype("boolean").fillna(False).to_numpy(dtype=np.int64)
    return pd.to_numeric(col, errors="coerce").fillna(0).to_numpy(dtype=np.int64)


def street_summary(units: pd.DataFrame) -> pd.DataFrame:
    """:data:`STREET_COLUMNS`, one row per (district, street) of the units' surveyed fields,
    ordered by district then street. ``units``: district, street, level, major_hazard and
    :data:`UNIT_COLUMNS`."""
    district = units["district"].astype("string").str.strip().fillna("").replace("", NO_DISTRICT)
    street = units["street"].astype("string").str.strip().fillna("").replace("", NO_STREET)
    level = pd.to_numeric(units["level"], errors="coerce")
    frame = pd.DataFrame({"district": district.to_numpy(dtype=object), "street": street.to_numpy(dtype=object),
                          "n_units": 1})
    for k in LEVELS:
        frame[f"n_level{k}"] = (level == k).to_numpy(dtype=np.int64)
    for target, source in COUNT_SOURCES.items():
        frame[target] = per_unit_int(units, source)
    out = frame.groupby(["district", "street"], sort=True, as_index=False).sum()
    return out[list(STREET_COLUMNS)].reset_index(drop=True)
