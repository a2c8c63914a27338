"""The risk list (风险清单): one row per risk point — a hazard source — of a scored risk database,
in the unified list layout (docs/risk_list.md): what it is, what it can lead to, how far it
reaches and whom it exposes, its level and colour, its controls in three kinds, who controls
it and who supervises it; filtered by district, street, sector and level.

The rows come in chunks (``steps.export_risk_list`` reads them: SQLite joins each hazard source
to its unit and tests the blanks of the ``[controls]`` rule) and are written in chunks into a
constant-memory workbook: a city-wide list of two million risk points never sits in memory
whole. Text is
stored as text (never a formula); the responsible people's phones are masked unless asked
(:func:`reporting.data.mask_phone`); a unit's duty phone is public and is not.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..files import explained_write_errors, name_of, publish, sweep, temp_path
from ..progress import Progress
from ..rules import Rules
from . import data as rp
from .data import COUNT, DIST, N_, TEXT, identity, mask_phone

SHEET = "风险清单"
INFO_SHEET = "说明"
CHUNK_ROWS = 50_000  # rows read and written at a time (a cancel is checked between chunks)
MAX_SHEET_ROWS = 1_000_000  # rows of one list sheet; more go on 风险清单 (2), (3) …


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str  # English source string, translated when shown
    kind: str = TEXT
    table: str = "h"  # h: the hazard source; u: its unit; "": computed here
    column: str = ""  # the database column (default: the key)

    @property
    def source(self) -> str:
        return self.column or self.key


#: The unified list's columns, in order.
COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("seq", N_("No."), COUNT, ""),
    ListColumn("hazard_code", N_("Risk point code")),
    ListColumn("hazard_name", N_("Risk point"), column="name"),
    ListColumn("kind", N_("Type")),
    ListColumn("sector_zh", N_("Sector"), table="u"),
    ListColumn("district", N_("District"), table="u"),
    ListColumn("street", N_("Street"), table="u"),
    ListColumn("risk_features", N_("Risk features")),
    ListColumn("trigger_conditions", N_("Conditions that can lead to an accident")),
    ListColumn("accident_types", N_("Possible accidents (GB 6441)")),
    ListColumn("reach_m", N_("Reach (m)"), DIST),
    ListColumn("pop_reach", N_("People within the reach"), COUNT),
    ListColumn("n_receptors", N_("Receptors within the reach"), COUNT),
    ListColumn("level", N_("Risk level"), COUNT),
    ListColumn("level_zh", N_("Level name")),
    ListColumn("colour_zh", N_("Risk colour"), TEXT, ""),
    ListColumn("controls_engineering", N_("Engineering controls")),
    ListColumn("controls_management", N_("Management controls")),
    ListColumn("controls_emergency", N_("PPE and emergency measures")),
    ListColumn("control_level", N_("Control level")),
    ListColumn("unit_code", N_("Unit code")),
    ListColumn("unit_name", N_("Responsible unit"), table="u", column="name"),
    ListColumn("responsible_person", N_("Responsible person")),
    ListColumn("responsible_phone", N_("Responsible person's phone")),
    ListColumn("supervising_dept", N_("Supervising department"), table="u"),
    ListColumn("duty_phone", N_("Duty phone"), table="u"),
    ListColumn("major_hazard", N_("Major hazard source"), TEXT, "u"),
    ListColumn("principal_person", N_("Principal in charge"), table="u"),
    ListColumn("technical_person", N_("Technical lead"), table="u"),
    ListColumn("operating_person", N_("Operations lead"), table="u"),
    ListColumn("gaps", N_("Missing (the [controls] rule)"), TEXT, ""),
)
KEYS = tuple(c.key for c in COLUMNS)
#: Phones of people (masked unless asked); the duty phone is the unit's and public.
PERSONAL_PHONES = ("responsible_phone",)
#: Per level, the cell that shows it filled in its colour: key → the level key.
FILLED = {"level_zh": "level", "colour_zh": "level"}


@dataclass(frozen=True)
class Filters:
    """Which risk points the list holds: each empty tuple means all. Districts and streets are
    the units' surveyed fields."""

    districts: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()

    def describe(self, rules: Rules, tr: Callable[[str], str]) -> list[tuple[str, str]]:
        everything = tr(N_("all"))
        return [
            (tr(N_("Districts")), "、".join(self.districts) or everything),
            (tr(N_("Streets")), "、".join(self.streets) or everything),
            (tr(N_("Sectors")), "、".join(rules.sectors[s].zh if s in rules.sectors else s for s in self.sectors)
             or everything),
            (tr(N_("Levels")), "、".join(f"{k} {rules.levels[k].zh}" if k in rules.levels else str(k)
                                         for k in self.levels) or everything),
        ]


@dataclass
class RiskListResult:
    path: Path
    rows: int
    sheets: int
    absent: tuple[str, ...]  # columns the database does not have (left empty)


def _gaps(chunk: pd.DataFrame, rules: Rules, tr) -> pd.Series:
    """What the [controls] rule finds missing on each row, as text (the risk map's findings)."""
    c = rules.controls
    graded = pd.to_numeric(chunk["level"], errors="coerce").isin(list(c.levels)).to_numpy()
    major = chunk["major_hazard"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    parts = [(c.require_controls, graded & (chunk["_no_controls"].to_numpy() == 1), tr(N_("controls"))),
             (c.require_person, graded & (chunk["_no_person"].to_numpy() == 1), tr(N_("responsible person"))),
             (c.require_major_people, major & (chunk["_no_people"].to_numpy() == 1),
              tr(N_("the three responsible people of a major hazard source")))]
    out = pd.Series([""] * len(chunk), index=chunk.index, dtype=object)
    for wanted, mask, text in parts:
        if wanted:
            out[mask] = out[mask].where(out[mask] == "", out[mask] + "、") + text
    return out.replace("", None)


def prepare(chunk: pd.DataFrame, rules: Rules, unmask: bool, tr, first: int) -> pd.DataFrame:
    """A chunk as the list shows it (:data:`KEYS`): the level as a whole number, its colour's
    name, what is missing, yes/no, phones masked, numbered from ``first``. ``chunk``: the
    columns of :data:`COLUMNS` read from the database and the flags ``_no_controls``,
    ``_no_person``, ``_no_people`` (mapping.accountability's SQL)."""
    level = pd.to_numeric(chunk["level"], errors="coerce")
    chunk = chunk.copy()
    chunk["level"] = level.astype("Int64")
    chunk["colour_zh"] = level.map({k: v.colour_zh or v.zh for k, v in rules.levels.items()})
    chunk["gaps"] = _gaps(chunk, rules, tr)
    yes, no = tr(N_("yes")), tr(N_("no"))
    chunk["major_hazard"] = chunk["major_hazard"].map(lambda v: None if v is None or pd.isna(v) else (yes if v else no))
    for key in ("pop_reach",):
        chunk[key] = pd.to_numeric(chunk[key], errors="coerce").round()
    if not unmask:
        for key in PERSONAL_PHONES:
            chunk[key] = mask_phone(chunk[key]).astype(object).where(chunk[key].notna(), None)
    chunk["seq"] = range(first, first + len(chunk))
    return chunk[list(KEYS)]


def write_risk_list(chunks: Iterator[pd.DataFrame], path: str | Path, db: Path, rules: Rules, filters: Filters,
                    absent: tuple[str, ...], unmask: bool = False, tr: Callable[[str], str] = identity,
                    progress: Progress | None = None) -> RiskListResult:
    """Write the risk list to ``path`` (.xlsx), built beside it and moved into place when
    complete (a failure or cancel leaves an earlier file as it was). ``chunks``: the rows read
    from ``db`` (:func:`prepare` is applied here), in the list's order; ``absent``: the columns
    the database lacks."""
    import xlsxwriter  # type: ignore[import-untyped]

    from . import xlsx as rx

    progress = progress or Progress()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    levels = [rp.LevelInfo(k, v.zh, v.en, v.colour) for k, v in sorted(rules.levels.items())]
    tmp = temp_path(target, ".xlsx")
    rows = sheets = 0
    try:
        with explained_write_errors(target):
            wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                                "strings_to_urls": False, "strings_to_numbers": False})
            try:
                fmts = rx._Formats(wb, levels)
                kinds = [c.kind for c in COLUMNS]
                heads = [tr(c.label) for c in COLUMNS]
                fills = {KEYS.index(a): KEYS.index(b) for a, b in FILLED.items()}
                ws, on_sheet = None, 0
                for raw in chunks:
                    progress.check()
                    chunk = prepare(raw, rules, unmask, tr, rows + 1)
                    start = 0
                    while start < len(chunk):
                        if ws is None or on_sheet >= MAX_SHEET_ROWS:
                            sheets += 1
                            ws = _list_sheet(wb, fmts, SHEET if sheets == 1 else f"{SHEET} ({sheets})", heads,
                                             chunk, kinds)
                            on_sheet = 0
                        part = chunk.iloc[start:start + MAX_SHEET_ROWS - on_sheet]
                        rx._write_rows(ws, 1 + on_sheet, part, fmts, kinds, fills, progress.check)
                        on_sheet += len(part)
                        start += len(part)
                        rows += len(part)
                    progress.step(min(90, 5 + rows // 20_000), f"风险清单 {rows:,} 行 Risk list: {rows:,} rows")
                if ws is None:  # nothing matched: the header alone, and the info says so
                    sheets = 1
                    ws = _list_sheet(wb, fmts, SHEET, heads, pd.DataFrame(columns=list(KEYS)), kinds)
                for s in wb.worksheets():
                    s.autofilter(0, 0, max(1, s.dim_rowmax or 0), len(KEYS) - 1)
                _info_sheet(wb, fmts, db, rules, filters, unmask, rows, absent, tr)
            except BaseException:
                rx._discard(wb)
                raise
            progress.step(95, "写入 Writing")
            wb.close()
            publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return RiskListResult(target, rows, sheets, absent)


def _list_sheet(wb, fmts, title: str, heads: list[str], sample: pd.DataFrame, kinds: list[str]):
    """A list sheet: the header (frozen), widths from the first rows it will hold."""
    from . import xlsx as rx

    ws = wb.add_worksheet(title)
    for i, (key, kind, head) in enumerate(zip(KEYS, kinds, heads)):
        ws.set_column(i, i, rx._column_width(rx._width(sample[key].iloc[:2000], kind), head))
        level = rx.LEVEL_OF_COLUMN.get(key)
        rx._put(ws, 0, i, head, fmts.header if level is None else fmts.header_for(key))
    ws.freeze_panes(1, 2)
    return ws


def _info_sheet(wb, fmts, db: Path, rules: Rules, filters: Filters, unmask: bool, rows: int, absent, tr) -> None:
    from . import xlsx as rx

    ws = wb.add_worksheet(INFO_SHEET)
    lines: list[tuple[str, object]] = [
        (tr(N_("Risk list")), ""),
        (tr(N_("Risk database")), name_of(db, full=True)),
        (tr(N_("Made")), _dt.datetime.now().astimezone().isoformat(timespec="seconds")),
        (tr(N_("Rules")), f"{rules.name} ({rules.sha256[:12]})"),
        *filters.describe(rules, tr),
        (tr(N_("Risk points listed")), rows),
        (tr(N_("Personal data")), tr(N_("responsible people's phones shown in full (unmasked on request)")) if unmask
         else tr(N_("responsible people's phones masked; duty phones shown (they are public)"))),
    ]
    c = rules.controls
    lines.append((tr(N_("Missing (the [controls] rule)")),
                  tr(N_("level {levels}: controls {controls}, responsible person {person}; major hazard sources: "
                        "their three responsible people {people}")).format(
                      levels="、".join(str(k) for k in c.levels) or "—",
                      controls=tr(N_("required")) if c.require_controls else tr(N_("not required")),
                      person=tr(N_("required")) if c.require_person else tr(N_("not required")),
                      people=tr(N_("required")) if c.require_major_people else tr(N_("not required")))))
    if absent:
        lines.append((tr(N_("Columns the database does not have (left empty)")),
                      ", ".join(tr(next(x.label for x in COLUMNS if x.key == k)) for k in absent)))
    if "reach_m" in absent:
        lines.append((tr(N_("Note")), tr(N_("The proximity analysis (citysafety:proximity) has not run: the reach "
                                            "and the people within it are empty."))))
    if not rows:
        lines.append((tr(N_("Note")), tr(N_("No risk point matches the filters."))))
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)
    for r, (k, v) in enumerate(lines):
        rx._put(ws, r, 0, k, fmts.title if r == 0 else fmts.bold)
        rx._put(ws, r, 1, v)
