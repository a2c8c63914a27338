"""The generator's "city" profile (what make bench uses): a real city's shape — sector
shares, dense chemical parks, hazard sources with their own points inside their site, a
risk pyramid of inherent levels — while the default profile stays the committed sample's
(tests/core/test_sample_city.py)."""

import numpy as np
import pandas as pd
import pytest

from plugin.core.rules import load_rules
from plugin.core.scoring.methods import score
from tools.sample_city.generator import (
    _CHEM_PARKS,
    _M_PER_DEG_LAT,
    _M_PER_DEG_LON_EQ,
    CITY_HAZARD_OFFSET_M,
    CITY_HAZARDS_PER_UNIT,
    CITY_LEVEL_SHARES,
    CITY_RECEPTORS,
    CITY_SECTOR_SHARE,
    DENSE_PARK_RADIUS_M,
    DENSE_PARK_SHARE,
    DENSE_PARKS,
    generate_city,
    hazard_level_shares,
    sector_counts,
    write_city,
)

N = 30_000


@pytest.fixture(scope="module")
def city():
    return generate_city(N, seed=5, profile="city")


def _metres(lon0, lat0, lon1, lat1):
    dx = (lon1 - lon0) * _M_PER_DEG_LON_EQ * np.cos(np.radians(lat0))
    dy = (lat1 - lat0) * _M_PER_DEG_LAT
    return np.hypot(dx, dy)


def test_reproducible_and_unique(city):
    again = generate_city(N, seed=5, profile="city")
    assert city.units.equals(again.units) and city.hazards.equals(again.hazards)
    assert city.units["unit_code"].is_unique and city.units["credit_code"].is_unique
    assert city.hazards["hazard_code"].is_unique
    assert city.profile == "city"


def test_sector_shares(city):
    counts = city.units["sector"].value_counts().to_dict()
    assert counts == sector_counts(N, "city")
    for s, share in CITY_SECTOR_SHARE.items():
        assert abs(counts[s] / N - share) < 0.01 + 25 / N, s
    assert counts["fire"] > counts["industry"] > counts["special_equipment"] > counts["hazchem"]


def test_hazards_per_unit_by_sector(city):
    per_unit = city.hazards.groupby("unit_code").size()
    sector = city.units.set_index("unit_code")["sector"]
    assert len(per_unit) == N
    for s, (lo, hi) in CITY_HAZARDS_PER_UNIT.items():
        k = per_unit[sector[sector == s].index]
        assert k.between(lo, hi).all(), s
    # About the synthetic city (1,892,311 hazard sources for 1,116,200 units), not fewer.
    assert 1.6 <= len(city.hazards) / N <= 1.9


def test_a_third_of_hazchem_units_in_three_dense_parks(city):
    u = city.units[city.units["sector"] == "hazchem"]
    inside = np.zeros(len(u), bool)
    for name, lon, lat, _, _ in _CHEM_PARKS:
        if name in DENSE_PARKS:
            inside |= _metres(lon, lat, u["wgs84_lon"].to_numpy(), u["wgs84_lat"].to_numpy()) <= DENSE_PARK_RADIUS_M + 1
    assert len(DENSE_PARKS) == 3
    assert inside.mean() >= DENSE_PARK_SHARE - 0.02  # (the others' mixture adds a few more)
    assert inside.mean() <= DENSE_PARK_SHARE + 0.15


def test_hazard_sources_have_their_own_point_inside_the_site(city):
    h = city.hazards
    units = city.units.set_index("unit_code")
    sector = units.loc[h["unit_code"], "sector"].to_numpy()
    own = h["wgs84_lon"].notna().to_numpy()
    assert (own == np.isin(sector, tuple(CITY_HAZARD_OFFSET_M))).all()
    d = _metres(units.loc[h["unit_code"], "wgs84_lon"].to_numpy(), units.loc[h["unit_code"], "wgs84_lat"].to_numpy(),
                h["wgs84_lon"].to_numpy(), h["wgs84_lat"].to_numpy())
    for s, (lo, hi) in CITY_HAZARD_OFFSET_M.items():
        ds = d[sector == s]
        assert ds.min() >= lo - 1 and ds.max() <= hi + 1, s
    hc = d[sector == "hazchem"]
    assert np.median(hc) > 100  # tens to a few hundred metres, not on the unit's point
    # the written coordinates (the unit's system) are there for every hazard with its own point
    assert h.loc[own, "lon"].notna().all() and h.loc[own, "crs"].notna().all()


def test_dense_parks_are_dense():
    """At seed scale thousands of hazard sources per km² (here 1/10 of the city: hundreds)."""
    c = generate_city(111_620, seed=2, profile="city")
    h = c.hazards[c.hazards["wgs84_lon"].notna()]
    best = 0
    for name, lon, lat, _, _ in _CHEM_PARKS:
        if name in DENSE_PARKS:
            d = _metres(lon, lat, h["wgs84_lon"].to_numpy(), h["wgs84_lat"].to_numpy())
            best = max(best, int((d <= 564.2).sum()))  # a disc of 1 km²
    assert best >= 300  # × 10 at seed scale


def test_hazard_level_shares_give_the_units_shares():
    assert np.allclose(hazard_level_shares((0.1, 0.2, 0.3, 0.4), 1, 1), (0.1, 0.2, 0.3, 0.4))
    for lo, hi in ((1, 3), (3, 15)):
        p = hazard_level_shares((0.02, 0.07, 0.25, 0.66), lo, hi)
        assert p.sum() == pytest.approx(1) and (p > 0).all()
        worst = [1 - np.mean([(1 - p[:k].sum()) ** m for m in range(lo, hi + 1)]) for k in (1, 2, 3)]
        assert np.allclose(worst, (0.02, 0.09, 0.34))


def test_inherent_levels_are_a_pyramid(city):
    """Scored by the plugin's own scoring, the units' inherent levels (their worst hazard
    source's) follow CITY_LEVEL_SHARES: few level 1, most level 4, the chemical sectors worse."""
    units, hazards = city.units, city.hazards
    hz = hazards.assign(sector=hazards["unit_code"].map(units.set_index("unit_code")["sector"]))
    scored = score(units, hz, load_rules()).units
    level = scored["inherent_level"].to_numpy(dtype=float, na_value=np.nan)
    assert not np.isnan(level).any()
    shares = pd.crosstab(units["sector"].to_numpy(), level, normalize="index")
    overall = pd.Series(level).value_counts(normalize=True).sort_index()
    assert 0.01 <= overall[1] <= 0.02 and 0.05 <= overall[2] <= 0.08 and 0.20 <= overall[3] <= 0.30
    assert overall[1] < overall[2] < overall[3] < overall[4]
    counts = units["sector"].value_counts()
    for s in ("fire", "industry", "special_equipment", "transport", "construction"):  # LEC / LS only
        for k, want in enumerate(CITY_LEVEL_SHARES[s], start=1):
            tol = 4 * np.sqrt(want * (1 - want) / counts[s]) + 0.005
            assert abs(shares.loc[s, float(k)] - want) <= tol, (s, k)
    severe = shares[1.0] + shares[2.0]
    assert min(severe["hazchem"], severe["gas"]) > max(severe["fire"], severe["special_equipment"])


def test_receptors_and_raster(city):
    assert len(city.receptors) >= CITY_RECEPTORS
    assert city.population_transform.a == 100.0


def test_tidy_files_are_written_one_at_a_time(city, tmp_path):
    small = generate_city(2_000, seed=5, profile="city")
    m = write_city(small, tmp_path, messy=False)
    assert m["profile"] == "city" and m["n_units"] == 2_000
    assert sum(f["expected"]["units_accepted"] for f in m["files"]) == 2_000
    assert sum(f["expected"]["hazards_accepted"] for f in m["files"]) == len(small.hazards)


def test_unknown_profile():
    with pytest.raises(ValueError):
        generate_city(10, profile="village")
