"""make fuzz N=5000: a long seeded fuzz campaign of the survey import (tools/fuzz.py).

Prints each finding (a case that raised, broke the row balance or killed the import process)
with its reproducer, kept in OUT/findings/; the other cases' files are removed."""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import fuzz


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=int(time.strftime("%Y%m%d")))
    ap.add_argument("--out", default="out/fuzz")
    ap.add_argument("--memory-mb", type=int, default=fuzz.MEMORY_MB)
    a = ap.parse_args()
    work = Path(a.out) / f"seed_{a.seed}"
    shutil.rmtree(work, ignore_errors=True)
    t0 = time.perf_counter()
    made, results = fuzz.campaign(a.seed, a.cases, work, a.memory_mb)
    findings = [r for r in results if r["problem"]]
    keep = Path(a.out) / "findings"
    keep.mkdir(parents=True, exist_ok=True)
    for r in findings:
        shutil.copy(work / r["case"], keep / r["case"])
    by_kind = collections.Counter(c.kind for c in made)
    refused = sum(1 for r in results if r.get("refused"))
    print(f"{len(made)} cases (seed {a.seed}; {', '.join(f'{k} {n}' for k, n in sorted(by_kind.items()))}) "
          f"in {time.perf_counter() - t0:.0f} s: {refused} files refused as a whole, "
          f"{len(results) - refused - len(findings)} imported in part or whole, {len(findings)} findings")
    for r in findings:
        print(f"\nFINDING {r['case']} (reproducer: {keep / r['case']})\n  {r['problem']}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
