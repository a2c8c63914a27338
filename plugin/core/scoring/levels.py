"""Risk levels (风险等级) and what goes with them: the name and colour of a level from the
rules, raising units to a hazard source's new level, and the units by sector × level table
(docs/domain/scoring.md §4, §5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import Rules

UNSCORED_ZH = "未评级"
#: The unscored units' column and label in tables and legends.
UNSCORED_LABEL = f"{UNSCORED_ZH} unscored"
LEVELS = (1, 2, 3, 4)


def names(rules: Rules) -> dict[int, str]:
    """Level → its Chinese name (重大风险 …), from the rules."""
    return {k: v.zh for k, v in rules.levels.items()}


def weights(rules: Rules) -> dict[int, float]:
    """Level → its weight in the risk density and the district risk index (the rules'
    ``density_weight``, docs/domain/mapping.md §1)."""
    return {int(k): float(v.density_weight) for k, v in rules.levels.items()}


def name_of(level, rules: Rules, unscored: str = UNSCORED_ZH) -> np.ndarray:
    """The Chinese name of each level (``unscored`` for none)."""
    return pd.Series(np.asarray(level)).map(names(rules)).fillna(unscored).to_numpy(dtype=object)


def colour_of(level, rules: Rules) -> np.ndarray:
    """The colour ('#E60012') of each level ("" for none)."""
    colours = {k: v.colour for k, v in rules.levels.items()}
    return pd.Series(np.asarray(level)).map(colours).fillna("").to_numpy(dtype=object)


def set_level(frame: pd.DataFrame, rows: np.ndarray, level: np.ndarray, rules: Rules) -> None:
    """``level``, ``level_zh`` and ``colour`` of the selected rows (a boolean mask) of
    ``frame``, in place; ``level`` holds one value per selected row."""
    level = np.asarray(level)
    frame.loc[rows, "level"] = level.astype(int)
    frame.loc[rows, "level_zh"] = name_of(level, rules)
    frame.loc[rows, "colour"] = colour_of(level, rules)


def level_counts(units: pd.DataFrame) -> dict[str, int]:
    """Units per level: {"level1": n, …, "level4": n} (for the run log)."""
    level = pd.to_numeric(units["level"], errors="coerce") if "level" in units else pd.Series(dtype=float)
    return {f"level{k}": int((level == k).sum()) for k in LEVELS}


def _worst(unit_codes: pd.Series, hazards: pd.DataFrame, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's hazard with the lowest ``key`` (the worst level; first in row order on a
    tie): (has one, its row in ``hazards``)."""
    codes = hazards["unit_code"].astype(object).to_numpy()
    order = np.lexsort((key, codes))
    first = pd.Series(order).groupby(codes[order]).first()
    wi = first.reindex(unit_codes.astype(object)).to_numpy()
    has = ~pd.isna(wi)
    return has, np.where(has, wi, 0).astype(np.int64)


def raise_units(u_out: pd.DataFrame, unit_codes: pd.Series, hazards: pd.DataFrame, new_level: np.ndarray,
                reason: np.ndarray, rules: Rules, reason_field: str = "level_reasons") -> pd.DataFrame:
    """Units whose worst hazard source was raised take its new level; the hazard's reason
    line (with the hazard's code) joins the unit's ``reason_field``, one line per fact."""
    if not len(hazards):
        return u_out
    hcodes = hazards["hazard_code"].astype(object).to_numpy()
    key = np.where(np.isfinite(new_level), new_level, 9)
    has, wi_int = _worst(unit_codes, hazards, key)
    u_new = np.where(has, key[wi_int], 9)
    u_old = u_out["level"].to_numpy(dtype="float64", na_value=np.nan)
    raised = has & (u_new < 9) & (np.nan_to_num(u_old, nan=9) > u_new) & (reason[wi_int] != "")
    set_level(u_out, raised, u_new[raised], rules)
    u_out.loc[raised, "worst_hazard"] = hcodes[wi_int[raised]]
    line = reason[wi_int[raised]] + "（危险源 hazard " + hcodes[wi_int[raised]] + "）"
    before = u_out.loc[raised, reason_field].astype(object).fillna("").to_numpy()
    u_out.loc[raised, reason_field] = np.where(before != "", before + "\n" + line, line)
    return u_out


def units_from_hazards(units: pd.DataFrame, hazards: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Units with the level of their worst hazard source (and that source as
    ``worst_hazard``), e.g. from the hazards' levels before an upgrade."""
    u = units.copy()
    level = pd.to_numeric(hazards["level"], errors="coerce").to_numpy(dtype=float)
    has, wi_int = _worst(u["unit_code"], hazards, np.nan_to_num(level, nan=9))
    base = np.where(has, level[wi_int], np.nan)
    had = np.isfinite(base)
    u.loc[had, "worst_hazard"] = hazards["hazard_code"].astype(object).to_numpy()[wi_int[had]]
    set_level(u, had, base[had], rules)
    return u


def all_reasons(level_reasons, cascade_reason) -> str:
    """A unit's reasons as shown to people: its level reasons, then its cascade upgrade."""
    parts = [str(x) for x in (level_reasons, cascade_reason) if isinstance(x, str) and x.strip()]
    return "\n".join(parts)


def level_table(units: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Units by sector × level (rows: sectors in rules order, columns: levels + unscored)."""
    lvl = pd.to_numeric(units["level"], errors="coerce")
    table = pd.crosstab(units["sector"].astype(object), lvl.fillna(0).astype(int))
    cols = {k: f"{k} {v}" for k, v in names(rules).items()} | {0: UNSCORED_LABEL}
    table = table.reindex(index=list(rules.sectors), columns=[1, 2, 3, 4, 0], fill_value=0)
    table.index = [f"{s.zh} {s.en}" for s in rules.sectors.values()]
    table.columns = [cols[c] for c in table.columns]
    table["合计 total"] = table.sum(axis=1)
    table.loc["合计 total"] = table.sum(axis=0)
    if not table.iloc[:, -2].any():  # no unscored units: drop the column
        table = table.drop(columns=UNSCORED_LABEL)
    return table.astype(np.int64)
