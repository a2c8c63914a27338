"""A rules file is checked completely before any work (issue 14): every number finite and in
its range, each refusal naming the key path in both languages."""

from __future__ import annotations

import re

import pytest

from plugin.core.rules import DEFAULT_RULES, RulesError, load_rules


def _set(text: str, section: str, key: str, value: str) -> str:
    """The rules text with ``key`` of ``[section]`` set to ``value`` (TOML text)."""
    head = text.index(f"\n[{section}]\n")
    line = re.compile(rf"^{re.escape(key)}\s*=.*$", re.M).search(text, head)
    assert line is not None, (section, key)
    return text[:line.start()] + f"{key} = {value}" + text[line.end():]


CASES = [
    # (section, key, value, key path in the message, what it says)
    ("levels.1", "density_weight", "nan", "levels.1.density_weight", "finite"),
    ("levels.2", "density_weight", "-1", "levels.2.density_weight", "must not be negative"),
    ("sectors.hazchem", "reach_m", "nan", "sectors.hazchem.reach_m", "finite"),
    ("sectors.gas", "reach_m", "inf", "sectors.gas.reach_m", "finite"),
    ("sectors.fire", "protection_m", "-5", "sectors.fire.protection_m", "must not be negative"),
    ("cascade", "min_probability", "2", "cascade.min_probability", "between 0 and 1"),
    ("cascade", "min_probability", "nan", "cascade.min_probability", "finite"),
    ("cascade", "transmissivity", "1.5", "cascade.transmissivity", "between 0 and 1"),
    ("cascade", "max_distance_m", "0", "cascade.max_distance_m", "must be positive"),
    ("cascade", "centrality_sample_k", "0", "cascade.centrality_sample_k", "must be 1 or more"),
    ("cascade.heat_threshold_kw_m2", "atmospheric", "-15", "cascade.heat_threshold_kw_m2.atmospheric",
     "must be positive"),
    ("receptors", "alpha_radius_m", "inf", "receptors.alpha_radius_m", "finite"),
    ("density", "bandwidth_m", "-inf", "density.bandwidth_m", "finite"),
    ("methods.lec", "L", "[10, 6, nan]", "methods.lec.L", "finite"),
    ("methods.lec", "E", "[10, -6]", "methods.lec.E", "none negative"),
    ("controls", "levels", "[1, 5]", "controls.levels[1]", "is not a level"),
    ("controls", "levels", '["1"]', "controls.levels[0]", "is not a level"),
    ("controls", "require_person", '"yes"', "controls.require_person", "true or false"),
    ("dynamic", "accident_months", "0", "dynamic.accident_months", "is outside 1–120"),
    ("dynamic", "open_major_hidden_danger", "4", "dynamic.open_major_hidden_danger", "is outside 0–3"),
    ("dynamic", "overdue_days", "-1", "dynamic.overdue_days", "is outside 0–3650"),
    ("dynamic", "accident", "1.5", "dynamic.accident", "a whole number"),
]


@pytest.mark.parametrize("section, key, value, path, says", CASES)
def test_out_of_range_rules_are_refused_naming_the_key(tmp_path, section, key, value, path, says):
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(_set(text, section, key, value), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(bad)
    message = str(err.value)
    assert f": {path}: " in message and says in message
    assert " / " in message  # the Chinese message follows the English one


def test_the_default_rules_pass():
    assert load_rules().cascade["min_probability"] <= 1
