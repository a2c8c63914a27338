"""Interrupted runs, full disks and read-only places (issue 14): a killed run's temporary
files are removed by the next run on the same target, and a write that cannot happen says
why and leaves every earlier output as it was."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from plugin.core import files
from plugin.core.errors import PipelineError
from plugin.core.store import riskdb
from tests.common import ROOT
from tools.fuzz import child_env


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _units(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    return gpd.GeoDataFrame({"unit_code": [f"U{i:07d}" for i in range(n)],
                             "name": ["某单位" * 8] * n, "level": rng.integers(1, 5, n)},
                            geometry=gpd.points_from_xy(rng.uniform(113, 114, n), rng.uniform(22, 23, n)),
                            crs="EPSG:4490")


def test_sweep_removes_what_dead_runs_left_and_nothing_else(tmp_path):
    target = tmp_path / "risk.gpkg"
    host = files._host()
    dead = tmp_path / f".risk.gpkg.{host}_{_dead_pid()}_0badc0de.part.gpkg"
    alive = tmp_path / f".risk.gpkg.{host}_{os.getpid()}_0000beef.part.gpkg"
    old_foreign = tmp_path / ".risk.gpkg.otherhost_12345_aaaaaaaa.part.gpkg"
    new_foreign = tmp_path / ".risk.gpkg.otherhost_12346_bbbbbbbb.part.gpkg"
    other_target = tmp_path / f".other.gpkg.{host}_{_dead_pid()}_cccccccc.part.gpkg"
    for f in (dead, alive, old_foreign, new_foreign, other_target):
        f.write_bytes(b"x")
    day_ago = time.time() - files.FOREIGN_TEMP_AGE_S - 60
    os.utime(old_foreign, (day_ago, day_ago))
    assert sorted(files.sweep(target)) == sorted([dead, old_foreign])
    assert alive.exists() and new_foreign.exists() and other_target.exists()


_KILLED = textwrap.dedent("""
    import os, signal, sys
    from plugin.core.files import temp_path
    tmp = temp_path(sys.argv[1])
    tmp.write_bytes(b"half a file")
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.parametrize("name", ["risk.gpkg", "report.xlsx", "density.tif"])
def test_the_next_run_removes_a_killed_runs_temporary_file(tmp_path, name, analysed_db):
    target = tmp_path / name
    done = subprocess.run([sys.executable, "-c", _KILLED, str(target)], cwd=ROOT,
                          env=child_env())
    assert done.returncode == -9
    left = [p for p in tmp_path.iterdir() if ".part" in p.name]
    assert len(left) == 1 and left[0].name.startswith(f".{name}.")  # hidden, never a report file
    if name == "risk.gpkg":
        riskdb.write_layers(target, {"units": _units(10)})
    elif name == "report.xlsx":
        from plugin.core.reporting.xlsx import write_report_xlsx
        from plugin.core.rules import load_rules
        from plugin.core.steps import report_data

        write_report_xlsx(report_data(analysed_db, load_rules()), target)
    else:
        from plugin.core.mapping.density import write_density_tif

        write_density_tif(_grid(), target)
    assert target.is_file()
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def _grid():
    from affine import Affine

    from plugin.core.mapping.density import DensityGrid

    return DensityGrid(values=np.ones((4, 5), dtype=np.float32), transform=Affine(100.0, 0.0, 500000.0, 0.0,
                                                                                  -100.0, 2500000.0),
                       epsg=4547, cell_m=100.0, bandwidth_m=500.0, total_weight=20.0, dropped=0)


# --- a full disk and a read-only folder (a small tmpfs: root only) ------------------------------

@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_says_so_and_keeps_the_earlier_database(small_disk):
    db = small_disk / "risk.gpkg"
    riskdb.write_layers(db, {"units": _units(20)})
    state = riskdb.state(db)
    with pytest.raises(PipelineError) as err:
        riskdb.update_layers(db, {"big": _units(200_000)}, step="test")
    assert "the disk is full" in str(err.value) and "磁盘已满" in str(err.value)
    assert riskdb.state(db) == state and riskdb.layer_names(db) == ["units"]
    assert riskdb.read_layer(db, "units")["unit_code"].tolist() == _units(20)["unit_code"].tolist()
    assert not [p for p in small_disk.iterdir() if p.name.startswith(".")]
    with pytest.raises(PipelineError) as err:  # a new database that does not fit
        riskdb.write_layers(small_disk / "new.gpkg", {"units": _units(200_000)})
    assert "the disk is full" in str(err.value)
    assert sorted(p.name for p in small_disk.iterdir()) == ["risk.gpkg"]


def test_a_read_only_database_says_so(small_disk):
    db = small_disk / "risk.gpkg"
    riskdb.write_layers(db, {"units": _units(20)})
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(PipelineError) as err:
        riskdb.update_layers(db, {"more": _units(5)}, step="test")
    assert "is read-only" in str(err.value) and "只读" in str(err.value)
    assert pd.DataFrame(riskdb.read_layer(db, "units")).shape[0] == 20
