"""现实风险 (dynamic risk): a unit's inherent level raised by what stands today.

The inherent level (固有风险, ``units.level``: the methods, the receptors, the cascade) says how
dangerous a unit is before its controls. The dynamic level says how it stands on a given day:
raised by an open 重大隐患, by an 一般隐患 left open past its deadline, by a recent accident,
and by a level-1/2 hazard source without controls or a responsible person (the ``[controls]``
findings). No public standard gives these factors: they are the plugin's own design, data in
the rules file's ``[dynamic]`` (:class:`Dynamic`), each raise kept in a field of its own with
its reason, the inherent level and ``level_reasons`` left as they are (docs/domain/dynamic_risk.md).

Everything is computed by unit with grouped, vectorised operations: no loop over units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import fields
from ..ingest.schema import HIDDEN_DANGER_OPEN

#: The factors, in the order their raises are applied and listed; each has the fields
#: ``raise_<factor>`` (levels raised) and ``reason_<factor>`` (why, in Chinese and English).
FACTORS = ("hidden_major", "hidden_overdue", "accident", "controls")
#: The [controls] findings (mapping/accountability.py) that count as missing controls.
CONTROL_FINDINGS = ("W_CONTROLS_MISSING", "W_RESPONSIBLE_MISSING")
HIGHEST_LEVEL = 1  # 重大风险: no raise goes beyond it


@dataclass(frozen=True)
class Dynamic:
    """``[dynamic]`` of the rules file: how many levels each factor raises (0: not used),
    and the factors' windows."""

    open_major_hidden_danger: int = 1
    overdue_general_hidden_danger: int = 1
    overdue_days: int = 30
    accident: int = 1
    accident_months: int = 12
    controls_missing: int = 1

    @staticmethod
    def keys() -> tuple[str, ...]:
        return ("open_major_hidden_danger", "overdue_general_hidden_danger", "overdue_days", "accident",
                "accident_months", "controls_missing")

    def raises(self) -> dict[str, int]:
        """Levels raised by each factor."""
        return {"hidden_major": self.open_major_hidden_danger, "hidden_overdue": self.overdue_general_hidden_danger,
                "accident": self.accident, "controls": self.controls_missing}


def field_names() -> list[str]:
    """The fields :func:`dynamic_levels` gives a unit, in order (fields.py is their home;
    the step adds ``dynamic_as_of``)."""
    return [f for f in fields.names("units", fields.DYNAMIC) if f != "dynamic_as_of"]


def district_sums(units: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per unit, what the district summary sums into its dynamic counts (``n_dynamic1`` …
    ``n_dynamic4``, ``n_dynamic_raised``: fields.py, ``district_summary``)."""
    dyn = pd.to_numeric(units["dynamic_level"], errors="coerce").to_numpy(dtype=float)
    raised = pd.to_numeric(units["dynamic_raise"], errors="coerce").fillna(0).to_numpy(dtype=float)
    out = {f"n_dynamic{k}": (dyn == k).astype(np.int64) for k in (1, 2, 3, 4)}
    out["n_dynamic_raised"] = (raised > 0).astype(np.int64)
    assert list(out) == list(fields.names("district_summary", fields.DYNAMIC))
    return out


def hidden_danger_accountability(dangers: pd.DataFrame, units: pd.DataFrame, as_of
                                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who is behind with the hidden dangers on ``as_of`` (docs/domain/dynamic_risk.md §6):
    per surveyed district of the unit — records, open ones (:func:`open_on`), open major ones,
    those open past their deadline (all, and major), rectified ones and the average days from
    found to rectified —, and the 督办 list: every major hidden danger open past its deadline,
    most overdue first. ``units``: unit_code, name, district, street, sector_zh."""
    day = _day(as_of)
    text = day.strftime("%Y-%m-%d")
    d = dangers.reset_index(drop=True)
    who = units.drop_duplicates("unit_code").set_index(units.drop_duplicates("unit_code")["unit_code"].astype(str))
    codes = d["unit_code"].astype(str)
    district = codes.map(who["district"]).fillna("").astype(str).to_numpy() if "district" in who else \
        np.full(len(d), "")
    still = open_on(d, day)
    major = (d.get("grade", pd.Series("", index=d.index)).astype(str) == "major").to_numpy()
    deadline, found, fixed = _dates(d, "deadline"), _dates(d, "found_date"), _dates(d, "rectified_date")
    late = still & (deadline < day).fillna(False).to_numpy(dtype=bool)
    done = (fixed.notna() & (fixed <= day)).to_numpy(dtype=bool)
    days = (fixed - found).dt.days.where(done & found.notna().to_numpy())
    per = pd.DataFrame({"district": district, "n_hidden": 1, "n_open": still, "n_open_major": still & major,
                        "n_overdue": late, "n_overdue_major": late & major, "n_rectified": done, "_days": days})
    grouped = per.groupby("district", sort=True)
    by_district = grouped[["n_hidden", "n_open", "n_open_major", "n_overdue", "n_overdue_major",
                           "n_rectified"]].sum().astype(np.int64)
    by_district["avg_days_to_rectify"] = grouped["_days"].mean().round(1)
    by_district = by_district.reset_index().assign(as_of=text)
    pick = late & major
    listed = d[pick]
    supervision = pd.DataFrame({
        "danger_code": listed.get("danger_code", pd.Series("", index=listed.index)).astype(str),
        "unit_code": codes[pick],
        **{c: codes[pick].map(who[src]).fillna("").astype(str) if src in who else ""
           for c, src in (("unit_name", "name"), ("district", "district"), ("street", "street"),
                          ("sector_zh", "sector_zh"))},
        **{c: listed.get(c, pd.Series("", index=listed.index)).fillna("").astype(str)
           for c in ("hazard_code", "description", "status_zh", "found_date", "deadline")},
        "days_overdue": (day - deadline[pick]).dt.days.astype(np.int64),
        "source": listed.get("source", pd.Series("", index=listed.index)).fillna("").astype(str),
        "as_of": text})
    supervision = supervision.sort_values(["days_overdue", "danger_code"], ascending=[False, True], kind="stable")
    return (by_district[list(fields.names("hidden_danger_districts"))],
            supervision.reset_index(drop=True)[list(fields.names("hidden_danger_supervision"))])


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").dt.normalize()


def open_on(dangers: pd.DataFrame, as_of) -> np.ndarray:
    """Which hidden dangers were still there (not rectified) on ``as_of``: found on or before
    it, and neither rectified on or before it (by the rectified date) nor, without a date,
    marked 已整改 or 已销号. A danger rectified the day before is not open; one rectified on a
    later day was open then, whatever its status says today."""
    day = _day(as_of)
    found = _dates(dangers, "found_date")
    fixed_on = _dates(dangers, "rectified_date")
    status = dangers.get("status", pd.Series("", index=dangers.index)).fillna("").astype(str)
    rectified = (fixed_on.notna() & (fixed_on <= day)) | (fixed_on.isna() & ~status.isin(HIDDEN_DANGER_OPEN)
                                                        & (status != ""))
    return ((found.isna() | (found <= day)) & ~rectified).to_numpy(dtype=bool)


def _per_unit(codes: pd.Series, mask: np.ndarray, dates: pd.Series, first: bool) -> pd.DataFrame:
    """Per unit code: how many rows ``mask`` selects and their first (or last) date."""
    picked = pd.DataFrame({"unit_code": codes[mask].astype(str).to_numpy(), "date": dates[mask].to_numpy()})
    grouped = picked.groupby("unit_code", sort=False)["date"]
    return pd.DataFrame({"n": grouped.size(), "date": grouped.min() if first else grouped.max()})


def _text_date(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").fillna("?")


def dynamic_levels(units: pd.DataFrame, rules: Dynamic, as_of, dangers: pd.DataFrame | None = None,
                   accidents: pd.DataFrame | None = None, findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """The dynamic level of each unit on ``as_of`` (a date), with one field per factor.

    ``units``: ``unit_code`` and ``level`` (the inherent level; NaN when unscored).
    ``dangers``: hidden dangers — ``unit_code``, ``grade`` (general, major), ``status``
    (open, in_progress, rectified, closed), ``found_date``, ``deadline``, ``rectified_date``.
    ``accidents``: ``unit_code`` and ``date``. ``findings``: the [controls] findings —
    ``unit_code``, ``code`` and ``hazard_code``. Each may be None (the factor raises nothing).

    Returns a frame on ``units``' index with :func:`field_names`: ``raise_<factor>`` the levels
    that factor raises, ``reason_<factor>`` why ('' when it does not), ``dynamic_raise`` the
    levels applied (the raises summed, up to level 1) and ``dynamic_level``."""
    day = _day(as_of)
    codes = units["unit_code"].astype(str)
    out = pd.DataFrame(index=units.index)
    levels = rules.raises()
    hit: dict[str, pd.DataFrame] = {}

    if dangers is not None and len(dangers):
        still = open_on(dangers, day)
        grade = dangers.get("grade", pd.Series("", index=dangers.index)).fillna("").astype(str).to_numpy()
        found = _dates(dangers, "found_date")
        deadline = _dates(dangers, "deadline")
        hit["hidden_major"] = _per_unit(dangers["unit_code"], still & (grade == "major"), found, first=True)
        late = deadline.notna().to_numpy() & ((day - deadline).dt.days > rules.overdue_days).fillna(False).to_numpy()
        hit["hidden_overdue"] = _per_unit(dangers["unit_code"], still & (grade == "general") & late, deadline,
                                          first=True)
    if accidents is not None and len(accidents):
        when = _dates(accidents, "date")
        since = day - pd.DateOffset(months=rules.accident_months)
        within = (when > since) & (when <= day)
        hit["accident"] = _per_unit(accidents["unit_code"], within.to_numpy(dtype=bool), when, first=False)
    if findings is not None and len(findings):
        missing = findings["code"].astype(str).isin(CONTROL_FINDINGS).to_numpy()
        picked = findings[missing]
        n = picked.groupby(picked["unit_code"].astype(str), sort=False)["hazard_code"].nunique()
        hit["controls"] = pd.DataFrame({"n": n, "date": pd.NaT})

    total = np.zeros(len(units), dtype=np.int64)
    for factor in FACTORS:
        per_unit = hit.get(factor, pd.DataFrame({"n": pd.Series(dtype=np.int64),
                                                 "date": pd.Series(dtype="datetime64[ns]")}))
        aligned = per_unit.reindex(codes.to_numpy())  # one row per unit, in the units' order
        n = pd.Series(aligned["n"].fillna(0).to_numpy(dtype=np.int64), index=units.index)
        on = (n > 0) & (levels[factor] > 0)
        out[f"raise_{factor}"] = np.where(on, levels[factor], 0).astype(np.int64)
        total += out[f"raise_{factor}"].to_numpy()
        date = _text_date(pd.Series(pd.to_datetime(aligned["date"].to_numpy(), errors="coerce"), index=units.index))
        out[f"reason_{factor}"] = np.where(on, _reason(factor, n.astype(str), date, rules), "")
    inherent = pd.to_numeric(units["level"], errors="coerce")
    dynamic = np.maximum(inherent - total, HIGHEST_LEVEL)
    out["dynamic_level"] = dynamic.where(inherent.notna())
    out["dynamic_raise"] = (inherent - out["dynamic_level"]).fillna(0).astype(np.int64)
    return out[field_names()]


def _reason(factor: str, n: pd.Series, date: pd.Series, rules: Dynamic) -> pd.Series:
    """The reason text of a factor for each unit, in Chinese and English (count and date)."""
    if factor == "hidden_major":
        return n + " 项重大隐患未整改（最早发现于 " + date + "） / " + n + \
            " open major hidden danger(s), the first found on " + date
    if factor == "hidden_overdue":
        days = str(rules.overdue_days)
        return n + " 项一般隐患逾期超过 " + days + " 天未整改（最早整改期限 " + date + "） / " + n + \
            " general hidden danger(s) open more than " + days + " days past the deadline (the earliest " + date + ")"
    if factor == "accident":
        months = str(rules.accident_months)
        return months + " 个月内发生事故 " + n + " 起（最近一起 " + date + "） / " + n + " accident(s) within " + \
            months + " months, the latest on " + date
    return n + " 个一、二级危险源缺少管控措施或责任人 / " + n + \
        " level-1/2 hazard source(s) without controls or a responsible person"
