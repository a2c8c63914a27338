"""The cascade upgrade (rules: ``upgrades.cascade``): a source that can set off a level-1
source within a few steps goes up a level, with the reason (docs/domain/cascade.md §7)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import Rules
from . import graph

#: Ends each cascade reason, so that a reader tells it from the other reasons.
CASCADE_MARK = "（连锁 cascade）"


def cascade_upgrade(levels: np.ndarray, edges: pd.DataFrame, codes: np.ndarray,
                    rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Each hazard source's level after the rules' cascade upgrade (NaN for unscored ones,
    ``levels`` 0) and the reason of each upgrade ("" where none)."""
    n = len(levels)
    new_level = levels.astype(float)
    reason = np.full(n, "", dtype=object)
    up = rules.upgrades.get("cascade", {})
    if up.get("enabled", True) and len(edges):
        nl, rs = graph.cascade_upgrade(n, edges, levels, codes, within_steps=int(up.get("within_steps", 2)),
                                       raise_by=int(up.get("raise_by", 1)))
        changed = (np.asarray(nl) != levels) & (levels > 0)
        new_level[changed] = np.asarray(nl)[changed]
        reason[changed] = np.asarray(rs, dtype=object)[changed] + CASCADE_MARK
    new_level[levels == 0] = np.nan
    return new_level, reason
