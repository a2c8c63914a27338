"""Every documentation reference a reader meets resolves inside this repository.

Code, tests, rules and docs cite pages as ``docs/<page>.md §N`` (or ``§N.M``); each section
heading of a page starts with its number (``## 3 Grading``, ``### 3.2 α: Table 5``), see
docs/README.md. This test fails when a cited page does not exist, when a cited section has
no heading, when a relative markdown link between pages is broken, or when a reference to
the old out-of-repository documents is left. Pure Python: it imports neither QGIS nor the
plugin.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Files whose text may cite documentation.
SUFFIXES = {".py", ".toml", ".md", ".csv", ".txt", ".ini", ".cfg", ".qml", ".qpt", ".ts"}
NAMES = {"Makefile"}
SKIP_DIRS = {".git", ".venv", "build", "dist", "out", "__pycache__", "node_modules"}

# The documents that lived outside the repository, spelled so this file does not cite them.
OLD_DOCUMENTS = tuple(name + ".md" for name in ("DOMAIN", "ENGINEERING", "PRODUCT"))
# The changelog records history: its entries may name those documents as they were then.
HISTORY_FILES = {"CHANGELOG.md"}

SECTION = r"§\s*\d+(?:\.\d+)*"
# docs/… or resources/… path of a markdown page, then the sections cited right after it:
# "docs/domain/gb18218.md §3.2", "docs/domain/receptors.md §1, §4", "… §2 and §3".
PATH_CITATION = re.compile(
    r"(?<![\w./-])((?:docs|resources)/[\w./-]*?\.md)((?:\s*(?:,|and|&)?\s*" + SECTION + r")*)"
)
# Relative markdown links between pages: [text](target.md#anchor).
MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s#]+\.md)(#[^)\s]*)?\)")
SECTION_NUMBER = re.compile(r"§\s*(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        names = [n for n in out.decode("utf-8").split("\0") if n]
        paths = [ROOT / n for n in names]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. an unpacked zip)
        paths = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            paths += [Path(folder) / f for f in files]
    return sorted(p for p in paths if p.is_file() and (p.suffix in SUFFIXES or p.name in NAMES))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


FILES = _tracked_files()
DOC_PAGES = [p for p in FILES if p.suffix == ".md" and p.relative_to(ROOT).parts[0] == "docs"]


def _headings(page: Path) -> list[str]:
    lines, fenced = [], False
    for line in _text(page).splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            lines.append(m.group(2))
    return lines


def _has_section(page: Path, number: str) -> bool:
    pattern = re.compile(r"^" + re.escape(number) + r"\.?(?:\s|$)")
    return any(pattern.match(h) for h in _headings(page))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces → '-'."""
    text = unicodedata.normalize("NFC", heading).strip().lower()
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LNM")
    return text.replace(" ", "-")


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _citations():
    """(file, line, target page, [section numbers]) for every path citation."""
    for path in FILES:
        text = _text(path)
        for m in PATH_CITATION.finditer(text):
            yield path, _line_of(text, m.start()), ROOT / m.group(1), SECTION_NUMBER.findall(m.group(2))


def _links():
    """(page, line, target page, [section numbers in the link text], anchor) for every
    relative markdown link in docs/."""
    for page in DOC_PAGES:
        text = _text(page)
        for m in MD_LINK.finditer(text):
            target = m.group(2)
            if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                continue
            anchor = (m.group(3) or "#")[1:]
            yield page, _line_of(text, m.start()), (page.parent / target).resolve(), \
                SECTION_NUMBER.findall(m.group(1)), anchor


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_files_found():
    assert len(FILES) > 20 and any(p.name == "README.md" for p in DOC_PAGES)


def test_cited_pages_and_sections_exist():
    problems = []
    for path, line, target, sections in _citations():
        if not target.is_file():
            problems.append(f"{_where(path, line)}: {target.relative_to(ROOT)} does not exist")
            continue
        problems += [f"{_where(path, line)}: {target.relative_to(ROOT)} has no heading §{s}"
                     for s in sections if not _has_section(target, s)]
    assert problems == []


def test_links_between_pages_resolve():
    problems = []
    for page, line, target, sections, anchor in _links():
        if not target.is_file():
            problems.append(f"{_where(page, line)}: link to missing {target}")
            continue
        problems += [f"{_where(page, line)}: {target.name} has no heading §{s}"
                     for s in sections if not _has_section(target, s)]
        if anchor and anchor not in {_slug(h) for h in _headings(target)}:
            problems.append(f"{_where(page, line)}: {target.name} has no anchor #{anchor}")
    assert problems == []


def test_no_references_to_documents_outside_the_repository():
    found = []
    for path in FILES:
        if path.name in HISTORY_FILES or path == Path(__file__).resolve():
            continue
        for n, line in enumerate(_text(path).splitlines(), 1):
            found += [f"{_where(path, n)}: {old}" for old in OLD_DOCUMENTS if old in line]
    assert found == []


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_section_numbers_are_unique(page):
    """A number names one heading of its page, so a citation cannot be ambiguous."""
    numbers = [m.group(1) for h in _headings(page) if (m := re.match(r"^(\d+(?:\.\d+)*)\.?\s", h))]
    assert sorted({n for n in numbers if numbers.count(n) > 1}) == []


def test_citation_patterns():
    text = "see docs/domain/receptors.md §1, §4 and docs/engineering.md; (docs/domain/gb18218.md §3.2)."
    found = [(m.group(1), SECTION_NUMBER.findall(m.group(2))) for m in PATH_CITATION.finditer(text)]
    assert found == [("docs/domain/receptors.md", ["1", "4"]), ("docs/engineering.md", []),
                     ("docs/domain/gb18218.md", ["3.2"])]
    assert _slug("3.2 α: Table 5") == "32-α-table-5"
    assert _slug("## 3 LS risk matrix: R = L × S".lstrip("# ")) == "3-ls-risk-matrix-r--l--s"
