"""The risk notice card (风险告知卡): what a card says of a unit (or of one hazard source) — its
name and code, its level's colour and name, each risk point with its accident types, the
matching GB 2894 warning signs, the controls, the emergency measures, who answers for it, the
supervising department and the numbers to call (docs/notice_cards.md).

This module makes the cards' texts, one row per card, from the rows ``steps`` reads; the print
layout (resources/layouts/notice_card.qpt) and its atlas are plugin/processing/notice_cards.py's.
No QGIS here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..ingest import schema
from ..rules import Rules
from .data import N_, identity, mask_phone

SIGNS_DIR = schema.RESOURCES / "signs"


@dataclass(frozen=True)
class Sign:
    """A GB 2894-2008 warning sign (警告标志): its file in resources/signs and its words."""

    id: str
    zh: str
    en: str

    @property
    def path(self) -> Path:
        return SIGNS_DIR / f"{self.id}.svg"


SIGNS: dict[str, Sign] = {s.id: s for s in (
    Sign("fire", "当心火灾", "Warning: fire"),
    Sign("explosion", "当心爆炸", "Warning: explosion"),
    Sign("poison", "当心中毒", "Warning: poisoning"),
    Sign("electric", "当心触电", "Warning: electric shock"),
    Sign("scald", "当心烫伤", "Warning: scald"),
    Sign("fall", "当心坠落", "Warning: fall"),
    Sign("falling_object", "当心落物", "Warning: falling objects"),
    Sign("machinery", "当心机械伤人", "Warning: machinery"),
    Sign("lifting", "当心吊物", "Warning: overhead load"),
    Sign("vehicle", "当心车辆", "Warning: vehicles"),
    Sign("collapse", "当心坍塌", "Warning: collapse"),
    Sign("drowning", "当心落水", "Warning: falling into water"),
    Sign("general", "注意安全", "Warning: danger"),
)}
#: The sign a card shows for each GB 6441 accident type (schema.ACCIDENT_TYPES ids): GB 2894's
#: warning sign of that hazard; the explosions share 当心爆炸, the rest 注意安全.
ACCIDENT_SIGNS = {
    "struck_by_object": "falling_object", "vehicle": "vehicle", "machinery": "machinery", "lifting": "lifting",
    "electric_shock": "electric", "drowning": "drowning", "burns": "scald", "fire": "fire",
    "fall_from_height": "fall", "collapse": "collapse", "roof_fall": "collapse", "water_inrush": "drowning",
    "blasting": "explosion", "gunpowder_explosion": "explosion", "firedamp_explosion": "explosion",
    "boiler_explosion": "explosion", "vessel_explosion": "explosion", "other_explosion": "explosion",
    "poisoning_asphyxiation": "poison", "other_injury": "general",
}
MAX_SIGNS = 6  # signs on a card (the template's slots)
MAX_POINTS = 8  # risk points listed on a card; more are counted ("… and 3 more")
MAX_TEXT = 420  # characters of a card's controls or emergency measures (a card is one A4 page)
#: Numbers every card gives besides the unit's duty phone: fire 119, ambulance 120, and the
#: national work-safety hotline 12350 (安全生产举报投诉热线).
PUBLIC_NUMBERS = "火警 119 · 急救 120 · 安全生产举报 12350"
PER = ("unit", "hazard")
#: The card layer's fields (the template's expressions read them), in order.
CARD_FIELDS = ("card", "page", "unit_code", "hazard_code", "title", "unit_name", "address", "place", "sector",
               "level", "level_name", "colour", "ink", "points", "n_points", "controls", "emergency", "people",
               "dept", "phones", "qr_path", *(f"sign{i}" for i in range(1, MAX_SIGNS + 1)),
               *(f"sign{i}_text" for i in range(1, MAX_SIGNS + 1)))

_ZH = {a.zh: a.id for a in schema.ACCIDENT_TYPES}


def signs_of(accident_types: str) -> list[str]:
    """The sign ids of a cell of accident types (GB 6441 names joined by 、), each once, in
    the standard's order of the types."""
    out: list[str] = []
    for name in str(accident_types or "").split("、"):
        sign = ACCIDENT_SIGNS.get(_ZH.get(name.strip(), ""))
        if sign and sign not in out:
            out.append(sign)
    return out


def _join_unique(values, limit: int = MAX_TEXT) -> str:
    """Distinct non-blank texts joined by ；, cut at ``limit`` characters with …"""
    seen = list(dict.fromkeys(str(v).strip() for v in values if v is not None and not pd.isna(v) and str(v).strip()))
    text = "；".join(seen)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ink(colour: str) -> str:
    c = colour.lstrip("#")
    r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b >= 150 else "#FFFFFF"


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()


def card_rows(units: pd.DataFrame, hazards: pd.DataFrame, rules: Rules, per: str = "unit", unmask: bool = False,
              tr: Callable[[str], str] = identity) -> pd.DataFrame:
    """One row per card (:data:`CARD_FIELDS` but ``qr_path``, left empty), in the order of
    ``units`` (per hazard source: each unit's sources by level, then code). ``units``: the
    units to print (unit_code, name, address, district, street, sector_zh, level, major_hazard,
    supervising_dept, duty_phone and the three 包保责任人 where the database has them);
    ``hazards``: their hazard sources (hazard_code, unit_code, name, level, accident_types,
    controls_*, responsible_person, responsible_phone where present)."""
    if per not in PER:
        raise ValueError(f"per must be one of {PER}")
    h = hazards.copy()
    h["level_num"] = pd.to_numeric(h["level"], errors="coerce")
    h = h.sort_values(["unit_code", "level_num", "hazard_code"], na_position="last", kind="stable")
    phone = h["responsible_phone"] if "responsible_phone" in h else pd.Series(None, index=h.index, dtype=object)
    h["_phone"] = phone if unmask else mask_phone(phone).astype(object).where(phone.notna(), None)
    by_unit = dict(tuple(h.groupby("unit_code", sort=False)))
    level_name = {k: v.zh for k, v in rules.levels.items()}
    colour_of = {k: v.colour for k, v in rules.levels.items()}
    colour_zh = {k: v.colour_zh for k, v in rules.levels.items()}
    more = tr(N_("… and {} more risk points"))
    rows = []
    for u in units.itertuples(index=False):
        mine = by_unit.get(u.unit_code)
        groups = [mine] if per == "unit" else ([mine.iloc[[i]] for i in range(len(mine))] if mine is not None else [])
        for g in groups:
            rows.append(_card(u, g, per, level_name, colour_of, colour_zh, more, tr))
    out = pd.DataFrame(rows, columns=[c for c in CARD_FIELDS if c != "qr_path"])
    out["card"] = np.arange(1, len(out) + 1)
    out["page"] = out["card"]
    out["qr_path"] = ""
    return out[list(CARD_FIELDS)]


def _card(u, g: pd.DataFrame | None, per: str, level_name, colour_of, colour_zh, more: str, tr) -> dict:
    g = g if g is not None else pd.DataFrame(columns=["hazard_code", "name", "level_num", "accident_types"])
    if per == "unit":
        level = pd.to_numeric(pd.Series([getattr(u, "level", None)]), errors="coerce").iloc[0]
    else:
        level = g["level_num"].iloc[0] if len(g) else np.nan
    level = int(level) if pd.notna(level) else None
    lines = []
    for p in g.head(MAX_POINTS).itertuples(index=False):
        lv = level_name.get(int(p.level_num), "") if pd.notna(p.level_num) else ""
        acc = _text(getattr(p, "accident_types", ""))
        lines.append(f"{p.hazard_code}  {_text(p.name)}" + (f"（{lv}）" if lv else "") + (f"：{acc}" if acc else ""))
    if len(g) > MAX_POINTS:
        lines.append(more.format(len(g) - MAX_POINTS))
    signs = []
    for cell in g.get("accident_types", pd.Series(dtype=object)):
        for s in signs_of(cell):
            if s not in signs:
                signs.append(s)
    signs = (signs or ["general"])[:MAX_SIGNS]
    slots = signs + [""] * (MAX_SIGNS - len(signs))
    people = []
    named = [(r, ph) for r, ph in zip(g.get("responsible_person", []), g.get("_phone", [])) if _text(r)]
    for person, ph in dict.fromkeys((_text(r), _text(ph)) for r, ph in named):
        people.append(f"{person} {ph}".strip())
    resp = tr(N_("Responsible: {}")).format("、".join(people)) if people else tr(N_("Responsible: not named"))
    major = [(tr(label), _text(getattr(u, key, ""))) for key, label in (
        ("principal_person", N_("principal")), ("technical_person", N_("technical")),
        ("operating_person", N_("operations")))]
    if bool(getattr(u, "major_hazard", False)) and not pd.isna(getattr(u, "major_hazard", False)):
        resp += "\n" + tr(N_("Major hazard source, responsible people (包保责任人): {}")).format(
            "，".join(f"{k} {v or '—'}" for k, v in major))
    colour = colour_of.get(level, "#BFBFBF") if level else "#BFBFBF"
    duty = _text(getattr(u, "duty_phone", ""))
    return {
        "unit_code": u.unit_code, "hazard_code": g["hazard_code"].iloc[0] if per == "hazard" and len(g) else "",
        "title": _text(u.name) if per == "unit" else f"{_text(g['name'].iloc[0])} — {_text(u.name)}",
        "unit_name": _text(u.name), "address": _text(getattr(u, "address", "")),
        "place": " ".join(x for x in (_text(getattr(u, "district", "")), _text(getattr(u, "street", ""))) if x),
        "sector": _text(getattr(u, "sector_zh", "")), "level": level,
        "level_name": (f"{level_name.get(level, '')} {colour_zh.get(level, '')}".strip() if level
                       else tr(N_("not graded"))),
        "colour": colour, "ink": _ink(colour), "points": "\n".join(lines), "n_points": len(g),
        "controls": _join_unique([*g.get("controls_engineering", []), *g.get("controls_management", [])]),
        "emergency": _join_unique(g.get("controls_emergency", [])),
        "people": resp, "dept": _text(getattr(u, "supervising_dept", "")),
        "phones": (tr(N_("Duty phone {}")).format(duty) + " · " if duty else "") + PUBLIC_NUMBERS,
        **{f"sign{i}": str(SIGNS[s].path) if s else "" for i, s in enumerate(slots, start=1)},
        **{f"sign{i}_text": SIGNS[s].zh if s else "" for i, s in enumerate(slots, start=1)},
    }


def write_qr_codes(codes, folder: Path) -> list[str]:
    """An SVG QR code of each unit code in ``folder`` (its name: the card number); the paths."""
    import segno

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, code in enumerate(codes, start=1):
        path = folder / f"qr_{i}.svg"
        segno.make(str(code), error="m", micro=False).save(str(path), kind="svg", scale=4, border=2)
        out.append(str(path))
    return out
