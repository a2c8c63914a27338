"""The proximity upgrade (rules: ``upgrades.proximity``): a hazard source with a
high-sensitivity receptor within its reach goes up a level (2 → 1, 3 → 2), with the reason
(docs/domain/receptors.md §5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import Rules


def proximity_upgrade(level: np.ndarray, per_hazard: pd.DataFrame, reach_m: np.ndarray,
                      rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Each hazard source's level after the rules' proximity upgrades, and the reason of
    each upgrade ("" where none): "幼儿园 阳光幼儿园 at 180 m within reach 200 m → level 2 → 1".

    ``level``: the scored levels (float, NaN for none); ``per_hazard``: the receptors around
    each hazard (exposure.receptors), ``reach_m`` its reach."""
    new_level = np.array(level, dtype=float, copy=True)
    reason = np.full(len(new_level), "", dtype=object)
    up = rules.upgrades.get("proximity", {})
    if not up.get("enabled", True) or "nearest_high_within_reach" not in per_hazard:
        return new_level, reason
    within = per_hazard["nearest_high_within_reach"].fillna(False).to_numpy(dtype=bool)
    for step in up.get("steps", []):
        hit = within & (level == step["from"])
        new_level[hit] = step["to"]
        if hit.any():
            metres = pd.Series(np.round(per_hazard["nearest_high_m"].to_numpy(dtype=float)[hit])).astype(int)
            reach = pd.Series(np.asarray(reach_m, dtype=float)[hit]).round().astype(int)
            reason[hit] = (per_hazard["nearest_high_class"].astype(object).to_numpy()[hit] + " "
                           + per_hazard["nearest_high_name"].astype(object).to_numpy()[hit] + " at "
                           + metres.astype(str).to_numpy() + " m within reach " + reach.astype(str).to_numpy()
                           + f" m → level {step['from']} → {step['to']}")
    return new_level, reason
