"""A seeded fuzzer of survey files (issue 14): mutations of the sample workbooks and CSV, each
imported alone, in a child process under a memory cap.

Every case must end in an import report whose balance holds (rows read = accepted + rejected
+ skipped, rejected rows counted by their issues), with every refused file named by an issue.
A case that raises, breaks the balance or kills the child is a finding; its mutated file is
kept as the reproducer. ``make fuzz N=5000`` runs a long campaign (scripts/fuzz.py); the test
suite runs a short one (tests/core/test_fuzz.py).

Mutations: bytes of the file itself, bytes inside a worksheet's XML (the zip rebuilt around
them), cell values replaced by hostile ones, cell references replaced by far or malformed
ones, the file cut short, and the CSV's bytes and values.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample"
MEMORY_MB = 3072

HOSTILE_VALUES = [
    "1e309", "-1e309", "inf", "NaN", "-0", "0x1F", "1e-400", "9" * 400, "１２３", "1,2,3", "12.5.6",
    "=HYPERLINK(\"http://x\")", "=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t\r\n", "   ",
    "_x0000_NUL", "_x0001__x001B_", "\u202etxet", "😀" * 50, "长" * 40_000, "A" * 70_000, "<script>",
    "&amp;", "'; DROP TABLE units; --", "../../etc/passwd", "\ufeff", "\ufffe", "",
    "91440300MA5FXXXXXX", "7664-41-7", "W5.2", "999999999999999999999999", "-5", "2024-13-45",
    "113°57′00″", "22.5 113.9", "CGCS2000", "火星坐标",
]
CELL_REFS = ["XFD1048576", "A1048577", "P64294967296", "ZZZZ1", "A0", "1A", "", "AAAA99999999", "B2"]


@dataclass
class Case:
    index: int
    kind: str
    source: str
    name: str


def _sources() -> list[Path]:
    return sorted(p for p in SAMPLE.iterdir() if p.suffix in (".xlsx", ".csv"))


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _rezip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _flip(data: bytes, rng: random.Random, most: int = 8) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, most)):
        if not b:
            break
        i = rng.randrange(len(b))
        b[i] = rng.choice([rng.randrange(256), 0, 0xFF, ord("<"), ord('"'), ord("9")])
    return bytes(b)


def _xml_escape(text: str) -> str:
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else f"_x{ord(c):04X}_" for c in out)


def _sheet(parts: dict[str, bytes], rng: random.Random) -> str:
    sheets = [n for n in parts if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    return rng.choice(sheets)


def mutate(source: Path, kind: str, rng: random.Random) -> bytes:
    data = source.read_bytes()
    if source.suffix == ".csv":
        if kind == "csv_values":
            text = data.decode("gb18030")
            rows = list(csv.reader(io.StringIO(text)))
            for _ in range(rng.randint(1, 6)):
                r = rng.randrange(len(rows))
                c = rng.randrange(len(rows[r]))
                rows[r][c] = rng.choice(HOSTILE_VALUES)
            if rng.random() < 0.2:  # a ragged or very wide row
                rows[rng.randrange(len(rows))] += ["x"] * rng.choice([1, 50, 3000])
            out = io.StringIO()
            csv.writer(out).writerows(rows)
            return out.getvalue().encode(rng.choice(["utf-8", "gb18030", "utf-8-sig"]), errors="replace")
        if kind == "truncate":
            return data[: rng.randrange(len(data))]
        return _flip(data, rng, 16)
    if kind == "file_bytes":
        return _flip(data, rng)
    if kind == "truncate":
        return data[: rng.randrange(len(data))]
    parts = _parts(source)
    name = _sheet(parts, rng)
    xml = parts[name]
    if kind == "xml_bytes":
        parts[name] = _flip(xml, rng)
    elif kind == "cell_values":
        slots = [m.span(1) for m in re.finditer(rb"<(?:v|t)>([^<]*)</(?:v|t)>", xml)]
        for start, end in sorted(rng.sample(slots, min(len(slots), rng.randint(1, 8))), reverse=True):
            value = _xml_escape(rng.choice(HOSTILE_VALUES)).encode()
            xml = xml[:start] + value + xml[end:]
        parts[name] = xml
    elif kind == "cell_refs":
        slots = [m.span(1) for m in re.finditer(rb'<c r="([A-Z]+[0-9]+)"', xml)]
        for start, end in sorted(rng.sample(slots, min(len(slots), rng.randint(1, 3))), reverse=True):
            xml = xml[:start] + rng.choice(CELL_REFS).encode() + xml[end:]
        parts[name] = xml
    return _rezip(parts)


KINDS_XLSX = ("file_bytes", "xml_bytes", "cell_values", "cell_values", "cell_refs", "truncate")
KINDS_CSV = ("csv_bytes", "csv_values", "csv_values", "truncate")


def cases(seed: int, n: int, out: Path) -> list[Case]:
    """``n`` mutated files in ``out``, reproducible from ``seed``."""
    rng = random.Random(seed)
    sources = _sources()
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        source = sources[i % len(sources)]
        kind = rng.choice(KINDS_CSV if source.suffix == ".csv" else KINDS_XLSX)
        name = f"case_{seed}_{i:05d}_{kind}{source.suffix}"
        (out / name).write_bytes(mutate(source, kind, rng))
        made.append(Case(i, kind, source.name, name))
    return made


# --- running ---------------------------------------------------------------------------------

_CHILD = """
import json, resource, sys, traceback
from pathlib import Path
cap = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from plugin import installer
installer.activate()  # the packages of a lane's QGIS profile, after the system's, as in QGIS
from plugin.core.ingest.importer import import_surveys
from plugin.core.ingest.error_workbook import write_error_workbooks
folder, names, progress = Path(sys.argv[2]), sys.argv[3].split("|"), Path(sys.argv[4])
for name in names:
    progress.write_text(name)
    path = folder / name
    try:
        r = import_surveys([path])
        refused_silent = [f.name for f in r.files if f.refused and not any(i["file"] == f.name for i in f.issues)]
        runs = r.runs
        problem = ""
        if not r.balanced:
            problem = "balance: " + runs[["rows_read", "rows_accepted", "rows_rejected", "rows_skipped_blank",
                                          "rows_skipped_total"]].to_json(orient="records")
        elif refused_silent:
            problem = "refused without an issue"
        else:
            write_error_workbooks(folder / "errors", r.files, r.tables, r.issues)
        print(json.dumps({"case": name, "problem": problem, "units": len(r.units), "hazards": len(r.hazards),
                          "refused": bool(runs["status"].eq("refused").all())}), flush=True)
    except Exception:
        print(json.dumps({"case": name, "problem": "exception: " + traceback.format_exc()[-1500:]}), flush=True)
progress.write_text("")
"""


def child_env() -> dict[str, str]:
    """The environment of a child import: this one's (a lane names its QGIS profile, whose
    packages the child activates as the tests do), with the repository first on the Python path."""
    import os

    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def run(folder: Path, names: list[str], memory_mb: int = MEMORY_MB) -> list[dict]:
    """Import each file alone in a child process capped at ``memory_mb``; a child that dies is
    restarted after the case it died on, which is recorded as a finding."""
    results: list[dict] = []
    todo = list(names)
    progress = folder / ".progress"
    while todo:
        progress.write_text("")
        done = subprocess.run([sys.executable, "-c", _CHILD, str(memory_mb), str(folder), "|".join(todo),
                               str(progress)], capture_output=True, text=True, cwd=ROOT,
                              env=child_env())
        seen = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        results += seen
        finished = {r["case"] for r in seen}
        todo = [n for n in todo if n not in finished]
        if done.returncode != 0 and todo:
            dead = progress.read_text().strip() or todo[0]
            results.append({"case": dead, "problem": f"process died (exit {done.returncode}): "
                                                     f"{done.stderr.strip()[-800:]}"})
            todo = [n for n in todo if n != dead]
        elif todo:  # the child ended without reporting some cases: a finding each
            results += [{"case": n, "problem": "not reported"} for n in todo]
            todo = []
    return results


def campaign(seed: int, n: int, folder: Path, memory_mb: int = MEMORY_MB) -> tuple[list[Case], list[dict]]:
    made = cases(seed, n, folder)
    return made, run(folder, [c.name for c in made], memory_mb)
