"""The field registry (plugin/core/fields.py) against what the steps really write."""

from __future__ import annotations

import pytest

from plugin.core import fields, status
from plugin.core.ingest import schema
from plugin.core.rules import load_rules
from plugin.core.steps import score_database
from plugin.core.store import riskdb

RULES = load_rules()
CLASSES = {c.id: c.zh for c in RULES.receptors.classes.values()}
OUTSIDE_CHAIN = {f.name for f in fields.FIELDS if f.step == fields.DYNAMIC}
SURVEY = {"units": {c.key for c in schema.UNIT_COLUMNS}, "hazards": {c.key for c in schema.HAZARD_COLUMNS}}


@pytest.mark.parametrize("layer", ["units", "hazards", "risk_map", "score_issues", "proximity_issues",
                                   "hazard_receptor_links", "cascade_edges", "cascade_chains", "district_summary",
                                   "street_summary", "control_findings", "import_issues", "import_runs",
                                   "analysis_runs"])
def test_every_column_the_steps_write_is_registered(analysed_db, layer):
    frame = riskdb.read_layer(analysed_db, layer)
    registered = set(fields.names(layer)) | {f.name for f in fields.RECEPTOR_COUNTS.fields(CLASSES)}
    stray = [c for c in frame.columns if c != "geometry" and c not in registered | SURVEY.get(layer, set())]
    assert stray == []
    # …and every field registered for a layer the chain writes is there (the steps outside the
    # chain aside: the dynamic risk, tests/core/test_dynamic_step.py).
    assert [n for n in fields.names(layer) if n not in frame.columns and n not in OUTSIDE_CHAIN] == []


@pytest.mark.parametrize("layer", ["units", "hazards", "risk_map", "hazard_receptor_links", "cascade_edges",
                                   "cascade_chains", "district_summary", "street_summary", "control_findings",
                                   "import_runs"])
def test_every_field_has_its_registered_type(analysed_db, layer):
    frame = riskdb.read_layer(analysed_db, layer)
    for f in (f for f in fields.on(layer) if f.name not in OUTSIDE_CHAIN):
        column = frame[f.name]
        kind = column.dtype.kind
        if f.type == fields.INT and kind == "f":  # whole numbers with empty cells read as float
            values = column.dropna()
            assert (values == values.round()).all(), f.name
            continue
        assert kind in {fields.TEXT: "OSU", fields.INT: "iu", fields.REAL: "f", fields.BOOL: "b"}[f.type], \
            (f.name, f.type, column.dtype)


def test_a_receptor_class_an_earlier_rules_file_had_is_cleared_too():
    gone = fields.cleared("hazards", fields.SCORE, {"school": "学校"},
                          present=["name", "n_plaza", "n_school", "n_receptors", "level"])
    assert {"n_plaza", "n_school", "n_receptors", "level"} <= set(gone) and "name" not in gone
    # The cascade clears its own fields, not the proximity's counts.
    assert "n_plaza" not in fields.cleared("hazards", fields.CASCADE, CLASSES, present=["n_plaza"])


def test_rescoring_drops_counts_of_classes_the_rules_no_longer_have(analysed_db):
    hazards = riskdb.read_layer(analysed_db, "hazards")
    riskdb.update_layers(analysed_db, {"hazards": hazards.assign(n_plaza=1)})
    score_database(analysed_db, RULES)
    after = riskdb.read_layer(analysed_db, "hazards")
    assert "n_plaza" not in after and "n_receptors" not in after and "cascade_reason" not in after
    assert "cascade_reason" not in riskdb.read_layer(analysed_db, "units")


def test_the_panel_decides_done_from_registered_fields():
    assert status.PROXIMITY_FIELDS == ("n_receptors", "pop_500m")
    assert status.CASCADE_FIELDS == ("out_degree",)
