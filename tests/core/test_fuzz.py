"""A short seeded fuzz campaign (issue 14): 200 mutations of the sample survey files, each
imported alone in a child process under a memory cap, must end in an import report whose
balance holds. ``make fuzz N=5000`` runs a long one (tools/fuzz.py)."""

from __future__ import annotations

from pathlib import Path

from tools import fuzz

SEED = 20261206
CASES = 200


def test_fuzzed_sample_files_end_in_a_balanced_report(tmp_path: Path):
    made, results = fuzz.campaign(SEED, CASES, tmp_path)
    assert len(results) == len(made) == CASES
    findings = [r for r in results if r["problem"]]
    assert not findings, "\n".join(f"{r['case']}: {r['problem']}" for r in findings[:5])
    kinds = {c.kind for c in made}
    assert kinds == set(fuzz.KINDS_XLSX) | set(fuzz.KINDS_CSV)
    # the campaign reaches both ends: files refused as a whole, and files imported in part
    assert any(r["refused"] for r in results) and any(r["units"] for r in results)


def test_the_fuzzer_reports_a_dying_process(tmp_path: Path):
    """A case that kills the child is a finding, and the campaign goes on after it."""
    (tmp_path / "a.csv").write_bytes((fuzz.SAMPLE / "07_特种设备.csv").read_bytes())
    (tmp_path / "b.csv").write_bytes((fuzz.SAMPLE / "07_特种设备.csv").read_bytes())
    results = fuzz.run(tmp_path, ["a.csv", "b.csv"], memory_mb=64)  # too little to import anything
    assert [r["case"] for r in results][:1] == ["a.csv"]
    assert all(r["problem"] for r in results) and len(results) == 2
