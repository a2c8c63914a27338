#!/usr/bin/env python3
"""Generate the fictional sample city: survey workbooks, manifest, districts, receptors and
population raster (tools/sample_city/generator.py), and in ``records/`` a hidden-danger ledger
and accident records for the units the survey import accepts (tools/sample_city/records.py).

    python scripts/make_sample.py OUT_DIR [--units N] [--seed S] [--clean]

The committed sample in resources/sample is made with

    python scripts/make_sample.py resources/sample --units 350 --clean
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.sample_city.generator import DEFAULT_SEED, MANIFEST_NAME, generate_city, write_city, write_layers
from tools.sample_city.records import write_records

# What --clean removes: only the kinds of file this script writes (README.md stays).
GENERATED = ("*.xlsx", "*.csv", "*.gpkg", "*.tif", MANIFEST_NAME)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir", type=Path, help="output folder (created if missing)")
    p.add_argument("--units", type=int, default=350, help="number of survey units (default 350)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--clean", action="store_true", help="remove previously generated files in OUT_DIR first")
    p.add_argument("--tidy", action="store_true", help="write clean workbooks (no injected mess or mistakes)")
    p.add_argument("--per-kind", type=int, default=3, help="injected cells per kind of mess or mistake (default 3)")
    args = p.parse_args(argv)

    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    if args.clean:
        for pattern in (*GENERATED, *(f"records/{g}" for g in GENERATED)):
            for f in out.glob(pattern):
                if f.is_file():
                    f.unlink()
    t0 = time.perf_counter()
    city = generate_city(args.units, seed=args.seed)
    t1 = time.perf_counter()
    manifest = write_city(city, out, messy=not args.tidy, seed=args.seed, per_kind=args.per_kind)
    t2 = time.perf_counter()
    manifest["layers"] = write_layers(city, out)
    t3 = time.perf_counter()
    with open(out / MANIFEST_NAME, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    # the records name units the survey import accepts (the messy sample rejects some)
    from plugin.core.ingest.importer import import_surveys

    surveys = sorted(p for p in out.iterdir() if p.suffix in (".xlsx", ".csv"))
    records = write_records(import_surveys(surveys).units, out / "records")
    total = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    print(f"{city.n_units:,} units, {city.n_hazards:,} hazard sources → {out}")
    print(f"generate {t1 - t0:.1f} s, workbooks {t2 - t1:.1f} s, layers {t3 - t2:.1f} s; "
          f"{len(manifest['files'])} survey files, folder {total / 1e6:.2f} MB; records: "
          + ", ".join(f"{name} {f['rows']} rows" for name, f in records["files"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
