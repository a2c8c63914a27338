"""The proximity upgrade (rules: ``upgrades.proximity``): a hazard source with a
high-sensitivity receptor close by goes up a level (2 → 1, 3 → 2), with the reason
(docs/domain/receptors.md §5).

Its scope is the rules' choice, every option kept:

- ``within``: which distance the nearest high-sensitivity receptor must lie within —
  ``"protection"`` (the sector's protection distance, 防护距离; the default) or ``"reach"``
  (the sector's reach radius, the wider one);
- ``sectors``: the sectors whose hazard sources may be upgraded (default: hazardous
  chemicals and city gas, the sectors whose external safety distances national standards
  govern); an empty list means every sector.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import Rules

WITHIN_PROTECTION = "protection"
WITHIN_REACH = "reach"
WITHIN_CHOICES = (WITHIN_PROTECTION, WITHIN_REACH)
# What a rules file without ``within`` or ``sectors`` gets (docs/domain/receptors.md §5).
DEFAULT_WITHIN = WITHIN_PROTECTION
DEFAULT_SECTORS = ("hazchem", "gas")
_DISTANCE_WORDS = {WITHIN_PROTECTION: "within protection distance", WITHIN_REACH: "within reach"}


def scope(rules: Rules) -> tuple[str, tuple[str, ...]]:
    """(within, sectors) of the rules' proximity upgrade; sectors () = every sector."""
    up = rules.upgrades.get("proximity", {})
    return str(up.get("within", DEFAULT_WITHIN)), tuple(up.get("sectors", DEFAULT_SECTORS))


def proximity_upgrade(level: np.ndarray, per_hazard: pd.DataFrame, reach_m: np.ndarray,
                      rules: Rules, sector: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each hazard source's level after the rules' proximity upgrades, and the reason of
    each upgrade ("" where none): "幼儿园 阳光幼儿园 at 180 m within protection distance
    300 m → level 2 → 1".

    ``level``: the scored levels (float, NaN for none); ``per_hazard``: the receptors around
    each hazard (exposure.receptors), ``reach_m`` its reach, ``sector`` its sector id
    (needed when the rules limit the sectors)."""
    new_level = np.array(level, dtype=float, copy=True)
    reason = np.full(len(new_level), "", dtype=object)
    up = rules.upgrades.get("proximity", {})
    within_kind, sectors = scope(rules)
    column = "protection_breach" if within_kind == WITHIN_PROTECTION else "nearest_high_within_reach"
    if not up.get("enabled", True) or column not in per_hazard:
        return new_level, reason
    within = per_hazard[column].fillna(False).to_numpy(dtype=bool, copy=True)
    if sectors:
        if sector is None:
            raise ValueError("the proximity upgrade is limited to sectors: pass each hazard source's sector")
        within &= np.isin(np.asarray(sector, dtype=object), np.array(sectors, dtype=object))
    if within_kind == WITHIN_PROTECTION:
        limit = per_hazard["protection_m"].to_numpy(dtype=float)
    else:
        limit = np.asarray(reach_m, dtype=float)
    for step in up.get("steps", []):
        hit = within & (level == step["from"])
        new_level[hit] = step["to"]
        if hit.any():
            metres = pd.Series(np.round(per_hazard["nearest_high_m"].to_numpy(dtype=float)[hit])).astype(int)
            bound = pd.Series(limit[hit]).round().astype(int)
            reason[hit] = (per_hazard["nearest_high_class"].astype(object).to_numpy()[hit] + " "
                           + per_hazard["nearest_high_name"].astype(object).to_numpy()[hit] + " at "
                           + metres.astype(str).to_numpy() + f" m {_DISTANCE_WORDS[within_kind]} "
                           + bound.astype(str).to_numpy() + f" m → level {step['from']} → {step['to']}")
    return new_level, reason
