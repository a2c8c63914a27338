"""Refresh the Qt Linguist source file(s) in i18n/ from the plugin's code.

pylupdate5 names a message's context after the class that calls ``self.tr``; this plugin
translates everything in one context (``CitySafety``, see plugin/i18n.py), so this script
collects the strings itself: every literal passed to ``tr(...)``/``self.tr(...)``, the
``DISPLAY``/``HELP`` texts of the Processing algorithms, and in plugin/core (which has no Qt)
the literals marked ``N_(...)``, which the caller translates with its ``tr``. Existing translations are kept;
new strings are added as unfinished, strings no longer used are marked obsolete. Edit the
translations in Qt Linguist (``linguist i18n/city_safety_risk_map_zh.ts``) or by hand;
``make translations`` builds the .qm files.

Usage: python scripts/update_translations.py [--check]   (--check only reads)
"""

from __future__ import annotations

import argparse
import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = "CitySafety"
TS_FILES = {"zh": ROOT / "i18n" / "city_safety_risk_map_zh.ts"}
TRANSLATED_ATTRS = {"DISPLAY", "HELP"}


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def collect(root: Path = ROOT / "plugin") -> list[tuple[str, str]]:
    """(source text, 'file:line') of every translatable string, in code order."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        # plugin/core has no Qt: its translatable literals are marked N_("…") and translated
        # by the caller's tr (report headings); its import messages are stored bilingual.
        in_core = "core" in path.relative_to(root).parts
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name == ("N_" if in_core else "tr") and node.args:
                    s = _literal(node.args[0])
                    if s:
                        found.setdefault(s, f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Assign) and not in_core:
                for t in node.targets:
                    if isinstance(t, ast.Name) and t.id in TRANSLATED_ATTRS:
                        s = _literal(node.value)
                        if s:
                            found.setdefault(s, f"{rel}:{node.lineno}")
    return list(found.items())


def update(ts_path: Path, language: str, strings: list[tuple[str, str]], write: bool = True) -> tuple[int, int]:
    """Merge ``strings`` into a .ts file (written only when ``write``); returns (total,
    unfinished) — a string of the code missing from the file counts as unfinished."""
    existing: dict[str, ET.Element] = {}
    if ts_path.exists():
        for msg in ET.parse(ts_path).getroot().iter("message"):
            src = msg.findtext("source")
            if src is not None:
                existing[src] = msg.find("translation")
    ts = ET.Element("TS", version="2.1", language=language)
    ctx = ET.SubElement(ts, "context")
    ET.SubElement(ctx, "name").text = CONTEXT
    unfinished = 0
    used = set()
    for text, where in strings:
        used.add(text)
        msg = ET.SubElement(ctx, "message")
        file, line = where.rsplit(":", 1)
        ET.SubElement(msg, "location", filename=f"../{file}", line=line)
        ET.SubElement(msg, "source").text = text
        old = existing.get(text)
        tr = ET.SubElement(msg, "translation")
        if old is not None and (old.text or "").strip() and old.get("type") not in ("obsolete", "vanished"):
            tr.text = old.text
            if old.get("type") == "unfinished":
                tr.set("type", "unfinished")
                unfinished += 1
        else:
            tr.set("type", "unfinished")
            unfinished += 1
    for text, old in existing.items():
        if text not in used and old is not None and (old.text or "").strip():
            msg = ET.SubElement(ctx, "message")
            ET.SubElement(msg, "source").text = text
            tr = ET.SubElement(msg, "translation", type="vanished")
            tr.text = old.text
    if not write:
        return len(strings), unfinished
    ET.indent(ts)
    ts_path.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(ts, encoding="unicode")
    ts_path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return len(strings), unfinished


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="change nothing; fail when a string of the code has no finished translation")
    args = ap.parse_args()
    strings = collect()
    status = 0
    for lang, path in TS_FILES.items():
        total, unfinished = update(path, lang, strings, write=not args.check)
        print(f"{path.relative_to(ROOT)}: {total} strings, {unfinished} unfinished")
        if args.check and unfinished:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
