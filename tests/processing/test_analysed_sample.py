"""The core lane's analysed sample city (tests/common.py ``analyse_sample_core``, the core
steps alone) is the database citysafety:run_all writes, so the core tests that read it test
what the product writes."""

from __future__ import annotations

import pandas as pd
import pyogrio

from tests.common import analyse_sample_core

WHEN = ("started", "finished")  # when each step ran: the only thing allowed to differ


def _comparable(frame) -> pd.DataFrame:
    """The frame without WHEN, geometries as WKB."""
    plain = pd.DataFrame({c: frame[c] for c in frame.columns if c not in WHEN and c != "geometry"})
    if "geometry" in frame.columns:
        plain["geometry"] = frame.geometry.to_wkb()
    return plain


def test_core_steps_build_what_run_all_builds(analysed_db_session, tmp_path):
    core = analyse_sample_core(tmp_path)
    names = [n for n, _ in pyogrio.list_layers(analysed_db_session)]
    assert [n for n, _ in pyogrio.list_layers(core)] == names
    for name in names:
        by_run_all = pyogrio.read_dataframe(analysed_db_session, layer=name)
        by_core = pyogrio.read_dataframe(core, layer=name)
        assert list(by_core.columns) == list(by_run_all.columns), name
        pd.testing.assert_frame_equal(_comparable(by_core), _comparable(by_run_all), obj=name)
    density = tmp_path / "risk_density.tif"
    assert density.read_bytes() == (analysed_db_session.parent / "risk_density.tif").read_bytes()
