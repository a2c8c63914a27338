"""The sample city's level distribution, pinned: per sector, the units at each inherent level
(what the scores give) and at each final level (after the proximity and cascade upgrades),
and the hazard sources each upgrade raised. A change of the rules or of a method that moves
them fails here, on purpose: look at what moved, then update the table with the reason in
the commit (docs/domain/receptors.md §5 says what the upgrade's scope does)."""

from __future__ import annotations

import sqlite3

import pytest

# sector: ({inherent level: units}, {final level: units}); None = not scored (no hazard source)
DISTRIBUTION = {
    "hazchem": ({None: 1, 1: 2, 2: 4, 3: 5, 4: 11}, {None: 1, 1: 4, 2: 2, 3: 5, 4: 11}),
    "gas": ({None: 2, 1: 3, 2: 2, 3: 4, 4: 10}, {None: 2, 1: 3, 2: 2, 3: 4, 4: 10}),
    "industry": ({1: 2, 2: 6, 3: 12, 4: 61}, {1: 2, 2: 6, 3: 12, 4: 61}),
    "construction": ({1: 5, 2: 2, 3: 9, 4: 12}, {1: 5, 2: 2, 3: 9, 4: 12}),
    "transport": ({2: 3, 3: 6, 4: 22}, {2: 3, 3: 6, 4: 22}),
    "fire": ({1: 2, 2: 9, 3: 40, 4: 58}, {1: 2, 2: 9, 3: 40, 4: 58}),
    "special_equipment": ({None: 1, 1: 3, 2: 6, 3: 8, 4: 18}, {None: 1, 1: 3, 2: 6, 3: 8, 4: 18}),
}
# sector: (hazard sources raised by the proximity upgrade, by the cascade upgrade)
UPGRADES = {"hazchem": (4, 0), "gas": (0, 1)}


@pytest.fixture(scope="module")
def counts(analysed_db_session):
    con = sqlite3.connect(analysed_db_session)
    try:
        inherent = con.execute("SELECT sector, inherent_level, COUNT(*) FROM units GROUP BY 1, 2").fetchall()
        final = con.execute("SELECT sector, level, COUNT(*) FROM units GROUP BY 1, 2").fetchall()
        raised = con.execute("SELECT sector, SUM(COALESCE(upgrade_reason, '') <> ''), "
                             "SUM(COALESCE(cascade_reason, '') <> '') FROM hazards GROUP BY 1").fetchall()
    finally:
        con.close()
    return inherent, final, raised


def _table(rows):
    out: dict = {}
    for sector, level, n in rows:
        out.setdefault(sector, {})[level] = n
    return out


def test_inherent_and_final_levels_per_sector(counts):
    inherent, final, _ = counts
    assert _table(inherent) == {s: d[0] for s, d in DISTRIBUTION.items()}
    assert _table(final) == {s: d[1] for s, d in DISTRIBUTION.items()}


def test_upgrades_by_reason(counts):
    _, _, raised = counts
    assert {s: (p, c) for s, p, c in raised if p or c} == UPGRADES


def test_share_of_level_1():
    units = sum(sum(d[1].values()) for d in DISTRIBUTION.values())
    level1 = sum(d[1].get(1, 0) for d in DISTRIBUTION.values())
    inherent1 = sum(d[0].get(1, 0) for d in DISTRIBUTION.values())
    assert (units, inherent1, level1) == (329, 17, 19)  # 5.2 % → 5.8 % of the sample's units at level 1
