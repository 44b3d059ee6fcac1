"""Incidents: the anomaly flags one event causes, grouped, and new activity (pure functions).

One event moves several KPIs, in several slices, on several days: a billing defect raises
TelcoCo's e-mail and phone volume for a week, lowers their resolution rate, and shows again in
TelcoCo's, e-mail's and phone's totals. Flags (plain dicts from scorecard/anomalies/scan.py:
kpi, slice, date, window, observed, expected, z, n) are grouped so that such an event is read
once:

1. flags of one slice whose windows overlap or lie at most GAP_DAYS apart form a cluster
   (any KPI, either direction: volume up and resolution down are one event); a rolling week
   joins the cluster of days it overlaps most (without widening it), else the weeks it shares
   more than WEEK_SHARED days with, up to WEEK_SPAN days in all (weeks cannot chain along a
   month);
2. clusters are taken finest slice first; the flags of a cluster whose slice contains a finer
   incident's slice (brand=TelcoCo contains brand=TelcoCo, channel=email) join, as echoes, the
   finer incident nearest them in time (within GAP_DAYS; a brand's days may echo several events
   of its channels; up to ECHO_DAYS for a KPI the incident moves the same way); when it
   overlaps several finer incidents that are siblings under it, concurrent (sharing half their
   days) and of comparable severity (at least half) (slices
   differing in one dimension only, such as TelcoCo's e-mail and phone) and share a KPI moving
   the same way with it (the defect's volume), they are one event across its refinements and
   merge under the coarser slice;
3. KPIs computed from configured unit costs (total cost, savings, cost per case or per
   resolution: volume or resolution times a constant) are echoes, never an incident's driver,
   and an incident made only of them is no incident (it is the volume again, with another
   noise model);
4. the driver is the strongest remaining flag in the incident's slice; severity is the root
   sum of squares of the strongest |z| of each distinct driving KPI (cost KPIs left out), each
   capped at Z_CAP, so that an event seen by several independent measures outranks a lone
   strong one and no single runaway z decides the order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scorecard.kpis.catalogue import Kpi

GAP_DAYS = 3  # flags of one slice this many days apart still belong to one event (Friday, Monday)
Z_CAP = 12.0  # one KPI's |z| counts at most this much towards severity
WEEK_SHARED = 3  # rolling weeks of one slice are one event when they share more days than this
WEEK_SPAN = 15  # ... and span at most this many days together (a 9-day incident's weeks)
ECHO_DAYS = 7  # a coarser slice's flag of a KPI an incident moves the same way joins it this far
HISTORY_DAYS = 14  # a slice younger than this (days of data before a flag) has no baseline yet
_COST = re.compile(r"\b(phone_cost|cost)\b")


def cost_derived(kpi: Kpi) -> bool:
    """Is the KPI computed from configured unit costs (cost_total, savings_vs_phone, cost per
    interaction or resolution)? Those are counts times constants: they echo volume or resolution."""
    return bool(_COST.search(kpi.value))


@dataclass(frozen=True)
class Echo:
    """One KPI in one slice that moved with an incident (its strongest day or rolling week)."""

    kpi: str
    slice: dict
    observed: float
    expected: float
    z: float
    date: str
    window: int
    days: int  # flagged days (or weeks) of this KPI and slice in the incident
    measure: str = "value"  # or "share_above": a quantile's week, as its share above the quantile
    n: int = 0  # rows behind `observed`

    def to_json(self) -> dict:
        return {
            "kpi": self.kpi,
            "slice": self.slice,
            "observed": self.observed,
            "expected": self.expected,
            "z": round(self.z, 2),
            "date": self.date,
            "window": self.window,
            "days": self.days,
            "measure": self.measure,
            "n": self.n,
        }


@dataclass(frozen=True)
class Incident:
    """One event: its driver KPI and slice, the window it spans, its echoes and its story."""

    id: str
    start: str
    end: str
    kpi: str
    slice: dict
    direction: str
    severity: float
    observed: float
    expected: float
    z: float
    date: str  # the driver's strongest day (or the last day of its strongest rolling week)
    window: int
    n: int
    summary: str = ""
    attribution: list = field(default_factory=list)
    examples: list = field(default_factory=list)
    echoes: tuple[Echo, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "kpi": self.kpi,
            "slice": self.slice,
            "direction": self.direction,
            "severity": self.severity,
            "observed": self.observed,
            "expected": self.expected,
            "z": self.z,
            "summary": self.summary,
            "attribution": self.attribution,
            "examples": self.examples,
            "echoes": [e.to_json() for e in self.echoes],
            "date": self.date,
            "window": self.window,
            "n": self.n,
        }


@dataclass(frozen=True)
class NewActivity:
    """A slice whose activity starts inside the range (or after weeks without rows): its first
    weeks have no history to test against. `first_day`: the slice's first day with rows."""

    slice: dict
    first_day: str
    kpis: tuple[str, ...]
    last_flag: str

    def to_json(self) -> dict:
        return {
            "slice": self.slice,
            "first_day": self.first_day,
            "kpis": list(self.kpis),
            "summary": self.summary(),
        }

    def summary(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.slice.items()) or "all"
        return (
            f"{where}: activity from {self.first_day} with no rows in the weeks before (no "
            f"baseline to test against); {len(self.kpis)} KPI(s) moved from nothing."
        )


# --- grouping ---------------------------------------------------------------------------------


def span(f: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a flag (a rolling week covers its 7 days)."""
    last = pd.Timestamp(f["date"])
    return last - pd.Timedelta(days=int(f.get("window", 1)) - 1), last


@dataclass
class _Group:
    slice: dict
    flags: list
    start: pd.Timestamp
    end: pd.Timestamp

    def near(self, other: _Group, days: int = GAP_DAYS) -> bool:
        gap = pd.Timedelta(days=days)
        return self.start <= other.end + gap and other.start <= self.end + gap

    def moves(self, derived: set[str]) -> set[tuple[str, bool]]:
        return {(f["kpi"], f["z"] > 0) for f in self.flags if f["kpi"] not in derived}

    def absorb(self, other: _Group) -> None:
        self.flags += other.flags
        self.start, self.end = min(self.start, other.start), max(self.end, other.end)


def _contains(coarse: dict, fine: dict) -> bool:
    """Does slice `coarse` contain slice `fine` (strictly fewer fixed dimensions, all equal)?"""
    return len(coarse) < len(fine) and coarse.items() <= fine.items()


def severity_of(flags: Iterable[dict], derived: set[str]) -> float:
    """Root sum of squares of the strongest |z| (capped at Z_CAP) of each distinct driving KPI."""
    best: dict[str, float] = {}
    for f in flags:
        if f["kpi"] not in derived:
            best[f["kpi"]] = max(best.get(f["kpi"], 0.0), min(abs(f["z"]), Z_CAP))
    return float(np.sqrt(sum(v * v for v in best.values())))


def _overlap(a: tuple[pd.Timestamp, pd.Timestamp], g: _Group) -> int:
    """Days of span `a` inside group g's span."""
    return max(0, (min(a[1], g.end) - max(a[0], g.start)).days + 1)


def _clusters(flags: Sequence[dict], derived: set[str] = frozenset()) -> list[_Group]:
    """Step 1, per slice: days flagged at most GAP_DAYS apart chain into one cluster; a rolling
    week joins the cluster it overlaps most (it cannot bridge two clusters: a week around one
    flagged day is that day's event), else the weeks that overlap it. Cost-derived flags do not
    chain either: they join the nearest cluster within GAP_DAYS, else form their own."""
    by_slice: dict[tuple, list[dict]] = {}
    for f in flags:
        by_slice.setdefault(tuple(sorted(f["slice"].items())), []).append(f)
    out = []
    for rows in by_slice.values():
        days: list[_Group] = []
        costs = [f for f in rows if f["kpi"] in derived]
        rows = [f for f in rows if f["kpi"] not in derived]
        for f in sorted((f for f in rows if int(f.get("window", 1)) == 1), key=span):
            a, b = span(f)
            if days and a <= days[-1].end + pd.Timedelta(days=GAP_DAYS):
                days[-1].flags.append(f)
                days[-1].end = max(days[-1].end, b)
            else:
                days.append(_Group(dict(f["slice"]), [f], a, b))
        weeks: list[_Group] = []
        for f in sorted((f for f in rows if int(f.get("window", 1)) > 1), key=span):
            s = span(f)
            host = max(days, key=lambda g: _overlap(s, g), default=None)
            if host is not None and _overlap(s, host):
                host.flags.append(f)  # a week joins its days without widening them
            elif (
                weeks
                and _overlap(s, weeks[-1]) > WEEK_SHARED
                and (s[1] - weeks[-1].start).days < WEEK_SPAN
            ):
                weeks[-1].flags.append(f)  # weeks sharing most of their days, within WEEK_SPAN
                weeks[-1].end = max(weeks[-1].end, s[1])
            else:
                weeks.append(_Group(dict(f["slice"]), [f], *s))
        lone: list[_Group] = []
        for f in sorted(costs, key=span):
            host = min(days + weeks, key=lambda g: _gap(f, g), default=None)
            if host is not None and _gap(f, host) <= GAP_DAYS:
                host.flags.append(f)
            elif lone and _gap(f, lone[-1]) <= GAP_DAYS:
                lone[-1].flags.append(f)
                lone[-1].end = max(lone[-1].end, span(f)[1])
            else:
                lone.append(_Group(dict(f["slice"]), [f], *span(f)))
        out += days + weeks + lone
    return out


def _siblings(a: dict, b: dict, parent: dict) -> bool:
    """Do slices a and b differ in one dimension only, their common part being `parent`?"""
    common = dict(a.items() & b.items())
    return len(a) == len(b) == len(common) + 1 and a.keys() == b.keys() and common == parent


def _gap(f: dict, g: _Group) -> int:
    """Days between flag f's span and group g's (0 when they overlap)."""
    a, b = span(f)
    return max(0, (g.start - b).days, (a - g.end).days)


def _concurrent(a: _Group, b: _Group) -> bool:
    """Do two groups share at least half the days of the shorter one?"""
    shared = (min(a.end, b.end) - max(a.start, b.start)).days + 1
    shorter = min((a.end - a.start).days, (b.end - b.start).days) + 1
    return shared * 2 >= shorter


def grouped(flags: Sequence[dict], derived: set[str]) -> list[_Group]:
    """The incidents' flag groups (steps 1-3 of the module docstring), each with its driver
    slice; groups made only of cost-derived KPIs are left out. A coarser cluster's flags are
    shared out among the finer incidents they are nearest in time (a brand's days can echo
    several events of its channels), and never widen an incident's days."""
    roots: list[_Group] = []
    clusters = sorted(
        _clusters(flags, derived),
        key=lambda g: (
            -len(g.slice),
            -severity_of(g.flags, derived),
            g.start,
            sorted(g.slice.items()),
        ),
    )
    for c in clusters:
        finer = [
            r
            for r in roots
            if c.near(r, ECHO_DAYS) and any(_contains(c.slice, f["slice"]) for f in r.flags)
        ]
        if not finer:
            roots.append(c)
            continue
        finer.sort(key=lambda r: -severity_of(r.flags, derived))
        for best in list(finer):  # one event across sibling refinements of c: merged under c
            if best not in roots:
                continue
            shared = c.moves(derived) & best.moves(derived)
            kin = [
                r
                for r in finer
                if r is not best
                and r in roots
                and _concurrent(r, best)
                and shared & r.moves(derived)
                and _siblings(r.slice, best.slice, c.slice)
                and severity_of(r.flags, derived) * 2 >= severity_of(best.flags, derived)
            ]
            for r in kin:
                best.absorb(r)
                roots.remove(r)
            if kin:
                best.slice = dict(c.slice)
        finer = [r for r in finer if r in roots]
        rest = []
        for f in c.flags:  # each coarse flag joins the nearest finer incident, if near enough
            host = min(finer, key=lambda r: (_gap(f, r), -severity_of(r.flags, derived)))
            same = (f["kpi"], f["z"] > 0) in host.moves(derived)  # the same KPI moving the same way
            if _gap(f, host) <= (ECHO_DAYS if same else GAP_DAYS):
                host.flags.append(f)
            else:
                rest.append(f)
        if rest:
            roots.append(
                _Group(
                    dict(c.slice),
                    rest,
                    min(span(f)[0] for f in rest),
                    max(span(f)[1] for f in rest),
                )
            )
    return [g for g in roots if g.moves(derived)]


def incident_span(flags: Sequence[dict]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of an incident: its flagged days, and the weeks of its rolling-week
    flags that hold no flagged day of their own slice (a week around a flagged day is that
    day's echo, not days of the event)."""
    days = [f for f in flags if int(f.get("window", 1)) == 1]
    own = {(tuple(sorted(f["slice"].items())), f["date"]) for f in days}
    weeks = [
        f
        for f in flags
        if int(f.get("window", 1)) > 1
        and not any(
            (tuple(sorted(f["slice"].items())), d.date().isoformat()) in own
            for d in pd.date_range(*span(f))
        )
    ]
    spans = [span(f) for f in days + weeks] or [span(f) for f in flags]
    return min(a for a, _ in spans), max(b for _, b in spans)


def driver_of(group: _Group, derived: set[str]) -> dict:
    """The strongest non-derived flag in the group's own slice (else anywhere in the group)."""
    own = [f for f in group.flags if f["slice"] == group.slice and f["kpi"] not in derived]
    pool = own or [f for f in group.flags if f["kpi"] not in derived]
    return max(pool, key=lambda f: (abs(f["z"]), -int(f.get("window", 1))))


def echoes_of(group: _Group, driver: dict, derived: set[str] = frozenset()) -> tuple[Echo, ...]:
    """Every other (KPI, slice) of the group once, at its strongest flag: the driver's slice
    first, then strongest first; cost-derived KPIs (the volume again) last. Echoes as strong as
    each other to 9 significant digits (cost_total and savings_vs_phone move with the same
    volume) follow the KPI's name and slice, not the last digits of a sum."""
    best: dict[tuple, tuple[dict, int]] = {}
    for f in group.flags:
        key = (f["kpi"], tuple(sorted(f["slice"].items())))
        prev = best.get(key)
        count = (prev[1] if prev else 0) + 1
        keep = f if prev is None or abs(f["z"]) > abs(prev[0]["z"]) else prev[0]
        best[key] = (keep, count)
    me = (driver["kpi"], tuple(sorted(driver["slice"].items())))
    out = [
        Echo(
            f["kpi"],
            dict(f["slice"]),
            f["observed"],
            f["expected"],
            f["z"],
            f["date"],
            int(f.get("window", 1)),
            k,
            f.get("measure", "value"),
            int(f.get("n", 0)),
        )
        for key, (f, k) in best.items()
        if key != me
    ]
    return tuple(
        sorted(
            out,
            key=lambda e: (
                e.kpi in derived,
                e.slice != driver["slice"],
                -float(f"{abs(e.z):.9g}"),
                e.kpi,
                sorted(e.slice.items()),
            ),
        )
    )


def new_activity(
    flags: Sequence[dict], first_day: Callable[[dict], str | None], range_start: str
) -> tuple[list[dict], list[NewActivity]]:
    """(flags with a history, NewActivity per slice): a flag is new activity when its expected
    value is 0 or its slice's data started inside the range fewer than HISTORY_DAYS days before
    the flag's first day (`first_day(flag)`: the first day with rows of the flag's slice)."""
    kept, new, firsts = [], {}, {}
    for f in flags:
        key = tuple(sorted(f["slice"].items()))
        first = first_day(f)
        young = (
            first is not None
            and first > range_start
            and (span(f)[0] - pd.Timestamp(first)).days < HISTORY_DAYS
        )
        if young or abs(float(f["expected"])) < 1e-9:
            begins = first if young else span(f)[0].date().isoformat()
            new.setdefault(key, []).append(f)
            firsts[key] = min(firsts.get(key, begins), begins)
        else:
            kept.append(f)
    out = [
        NewActivity(
            dict(key),
            firsts[key],
            tuple(sorted({f["kpi"] for f in rows})),
            max(f["date"] for f in rows),
        )
        for key, rows in new.items()
    ]
    return kept, sorted(out, key=lambda a: (a.first_day, sorted(a.slice.items())))
