"""Why is it red: the shortfall of a KPI against its target, attributed to segments and cases.

The shortfall S is how far the KPI is on the wrong side of its target, in the KPI's unit:
target - value for a KPI where higher is better, value - target where lower is better (S > 0:
short of target; S < 0: better than target). Every case (or survey answer) i gets a
contribution c_i with sum_i c_i = S exactly, and a segment's contribution is the sum over its
cases, so within each dimension (channel, brand, category, agent, hour, topic term: each a
partition of the cases) the segments add up to S. Rules, by the KPI's shape:

- ratio of sums (shares, means, NPS, cost per resolution, cases per agent-hour): the KPI is
  V = sum num_i / D with D = sum den_i; then c_i = (T den_i - num_i) / D (higher is better) or
  (num_i - T den_i) / D (lower is better). For a segment s this is (D_s / D)(T - V_s): its
  share of the KPI's population times its own distance to target; a segment above target has a
  negative contribution, and the sum is still exactly S.
- sum (a total such as savings): the target is shared out evenly over the N cases:
  c_i = T / N - x_i (higher is better), so a segment owes its case share of the target.
- quantile q (median q = 0.5, p90 q = 0.9) with target T: the KPI misses T exactly when more
  than the allowed share a of cases is on the wrong side of T (a = 1 - q for lower is better:
  cases slower than T; a = q for higher). With b_i = 1 when case i is on the wrong side, the
  excess share E = mean(b) - a is split exactly as c_i = (S / E)(b_i - a) / N: each failing
  case carries an equal part of S, each passing case gives back a part, a segment's
  contribution is proportional to its failing cases beyond its allowance. When E = 0 (an
  interpolated quantile just over T with exactly the allowed share over it) nothing can be
  split: S is one explicit remainder row in every dimension.
Failing cases are those with c_i > 0, ranked by contribution, then by how far their own value
is from target, then from the segment that carries most of the shortfall.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from etl.settings.config import SLICE_DIMS, Config
from scorecard.kpis.capabilities import capable_sources, lacking_sources, source_capabilities
from scorecard.kpis.catalogue import Kpi, kpi_by_id, target_of
from scorecard.periods import parse_period
from scorecard.rootcause.data_rootcause import DIMS, NONE_SEGMENT
from scorecard.rootcause.data_shortfall import (
    NO_TIME,
    case_transcripts,
    customer_texts,
    row_form,
    shortfall_rows,
)
from scorecard.rootcause.mixrate import REMAINDER
from scorecard.rootcause.shortfall_text import shortfall_lines, shortfall_paragraph
from scorecard.rootcause.textdrivers import terms, text_drivers

TERM_DIM, NO_TERM = "term", "(no top term)"
SEGMENT_COLUMNS = ["dimension", "segment", "n", "value", "contribution", "failing", "rows"]
TEXT_LIMIT, TOP_TERMS, CASES_WITH_TRANSCRIPT = 20_000, 8, 20


@dataclass(frozen=True)
class Shortfall:
    """A KPI value against its target in one period, split by segment and by case."""

    kpi: str
    period: tuple[str, str]
    value: float | None
    target: float | None
    shortfall: float | None  # > 0: short of target, < 0: better than target
    n: int
    method: str
    segments: pd.DataFrame  # SEGMENT_COLUMNS, ranked by contribution within each dimension
    cases: pd.DataFrame  # failing cases, ranked by contribution (transcripts for the first ones)
    filters: dict = field(default_factory=dict)
    summary: str = ""

    def to_json(self, cases: int = CASES_WITH_TRANSCRIPT) -> dict:
        """The contract of `socialcare explain --vs-target --format json`."""
        return {
            "kpi": self.kpi,
            "period": "..".join(self.period),
            "value": _plain(self.value),
            "target": _plain(self.target),
            "shortfall": _plain(self.shortfall),
            "n": self.n,
            "method": self.method,
            "filters": self.filters,
            "summary": self.summary,
            "segments": _records(self.segments),
            "cases": _records(self.cases.head(cases)),
        }

    def text(self, per_dimension: int = 5, cases: int = 10) -> str:
        """The paragraph, each dimension's largest contributions and the first failing cases."""
        return "\n".join(shortfall_lines(self, kpi_by_id(self.kpi), per_dimension, cases))


def _plain(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if hasattr(v, "item"):
        v = v.item()
    return None if isinstance(v, float) and math.isnan(v) else v


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]


def kpi_value(rows: pd.DataFrame, method: str, q: float = 0.5) -> float | None:
    """The KPI over the rows, exactly as the scorecard computes it."""
    if rows.empty:
        return None
    if method == "quantile":
        return float(np.quantile(rows["num"].to_numpy(float), q))
    if method == "sum":
        return float(rows["num"].sum())
    den = float(rows["den"].sum())
    return float(rows["num"].sum()) / den if den else None


def contributions(
    rows: pd.DataFrame, method: str, target: float, higher: bool, q: float = 0.5
) -> tuple[np.ndarray, float, float]:
    """(c_i per row, the shortfall S, the part of S no row carries): see the module docstring."""
    value = kpi_value(rows, method, q)
    sign = 1.0 if higher else -1.0
    gap = sign * (target - value)
    num, den = rows["num"].to_numpy(float), rows["den"].to_numpy(float)
    if method == "ratio":
        return sign * (target * den - num) / den.sum(), gap, 0.0
    if method == "sum":
        return sign * (target / len(rows) - num), gap, 0.0
    allowed = q if higher else 1.0 - q
    wrong = (num < target) if higher else (num > target)
    excess = float(wrong.mean()) - allowed
    if abs(excess) < 1e-12:
        return np.zeros(len(rows)), gap, gap
    return (gap / excess) * (wrong - allowed) / len(rows), gap, 0.0


def segment_table(
    rows: pd.DataFrame,
    contrib: np.ndarray,
    dims: Sequence[str],
    method: str,
    remainder: float,
    q: float = 0.5,
) -> pd.DataFrame:
    """Per dimension and segment: n, the KPI within the segment, its contribution to the
    shortfall and its failing rows; ranked by contribution; a remainder row when needed."""
    frame = rows.assign(c=contrib, fail=contrib > 1e-12)
    parts = []
    for dim in dims:
        g = frame.groupby(dim, sort=False, dropna=False)
        seg = pd.DataFrame(
            {
                "n": g["n"].sum(),
                "contribution": g["c"].sum(),
                "failing": g["fail"].sum(),
                "rows": g["key"].size(),
            }
        )
        seg["value"] = [kpi_value(part, method, q) for _, part in g]
        seg = seg.reset_index(names="segment").assign(dimension=dim)
        seg = seg.sort_values(["contribution", "segment"], ascending=[False, True], kind="stable")
        if abs(remainder) > 0:
            seg = pd.concat(
                [
                    seg,
                    pd.DataFrame(
                        [
                            {
                                "dimension": dim,
                                "segment": REMAINDER,
                                "n": 0,
                                "value": None,
                                "contribution": remainder,
                                "failing": 0,
                                "rows": 0,
                            }
                        ]
                    ),
                ]
            )
        parts.append(seg)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SEGMENT_COLUMNS)
    return out.astype({"n": "int64", "failing": "int64", "rows": "int64"})[SEGMENT_COLUMNS]


def term_segments(
    rows: pd.DataFrame, fail: np.ndarray, texts: pd.DataFrame, top: int = TOP_TERMS
) -> pd.Series:
    """Each row's topic term: the first of the words most over-represented in the failing cases'
    customer messages (vs the passing cases') that its messages contain, else NO_TERM. A
    partition of the rows, so term contributions add up like any other dimension's."""
    words = texts.groupby("interaction_id")["text"].agg(lambda t: frozenset().union(*map(terms, t)))
    bags = rows["interaction_id"].map(words)
    bags = bags.where(bags.notna(), None)
    failing = rows.loc[fail, "interaction_id"]
    passing = rows.loc[~fail, "interaction_id"]
    in_fail = texts[texts["interaction_id"].isin(set(failing))]["text"].tolist()
    in_pass = texts[texts["interaction_id"].isin(set(passing))]["text"].tolist()
    drivers = text_drivers(in_fail, in_pass, top=top)
    ranked = list(drivers["term"]) if not drivers.empty else []

    def first(bag) -> str:
        return next((t for t in ranked if bag and t in bag), NO_TERM)

    return bags.map(first).astype(object)


def ranked_cases(
    rows: pd.DataFrame,
    contrib: np.ndarray,
    higher: bool,
    target: float,
    lead: tuple[str, str] | None,
) -> pd.DataFrame:
    """The failing rows (c_i > 0), largest contribution first; ties by distance of the row's own
    value from target, then rows of the lead segment first, then the longest first-response
    wait (never answered first), then the oldest."""
    frame = rows.assign(contribution=contrib)
    frame = frame[frame["contribution"] > 1e-12].copy()
    far = (target - frame["x"]) if higher else (frame["x"] - target)
    frame["_far"] = far.fillna(np.inf)  # no value of its own (e.g. never answered): worst
    frame["_lead"] = (frame[lead[0]] == lead[1]) if lead else False
    frame["_wait"] = frame["wait"].fillna(np.inf)  # never answered: the longest wait
    frame = frame.sort_values(
        ["contribution", "_far", "_lead", "_wait", "opened_at", "key"],
        ascending=[False, False, False, False, True, True],
        kind="stable",
    )
    cols = [
        "key",
        "interaction_id",
        "survey_id",
        "opened_at",
        *DIMS,
        TERM_DIM,
        "x",
        "wait",
        "n",
        "contribution",
    ]
    return (
        frame[[c for c in cols if c in frame.columns]]
        .rename(columns={"x": "value"})
        .reset_index(drop=True)
    )


def lead_segment(segments: pd.DataFrame) -> pd.Series | None:
    """The segment carrying the most shortfall, in a dimension that splits the cases (none of
    its segments holds 95 % or more of them), a named segment before '(none)'; never a
    remainder row."""
    real = segments[segments["segment"] != REMAINDER]
    if real.empty:
        return None
    total = real.groupby("dimension")["n"].transform("sum")
    split = real[(real["n"] < 0.95 * total) & ~real["segment"].isin([NO_TERM, NO_TIME])]
    named = split[split["segment"] != NONE_SEGMENT]  # 'cases without an agent' only if nothing else
    pick = named if not named.empty else split if not split.empty else real
    return pick.loc[pick["contribution"].idxmax()]


def target_scope(filters: Mapping[str, Sequence[str]]) -> tuple[tuple[str, str], ...]:
    """The slice a target applies to: the team, brand and channel filtered to one value (the
    scorecard's slice_scope for an unsliced view)."""
    fixed = {d: str(v[0]) for d, v in filters.items() if d in SLICE_DIMS and len(v) == 1}
    return tuple(sorted(fixed.items(), key=lambda p: -SLICE_DIMS[p[0]]))


def explain_shortfall(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi_id: str,
    period: str,
    by: Sequence[str] = (),
    filters: Mapping[str, Sequence[str]] | None = None,
    with_terms: bool = True,
) -> Shortfall:
    """The KPI's shortfall against its target over `period`, attributed to the segments of each
    dimension in `by` (default all, plus topic terms) and to its failing cases."""
    kpi = kpi_by_id(kpi_id)
    start, end = parse_period(period)
    form = row_form(kpi)  # a one-sentence error for a KPI that cannot be split
    dims = list(by) or list(DIMS)
    for d in dims:
        if d not in DIMS:
            raise ValueError(f"unknown dimension {d!r}; use {', '.join(DIMS)}.")
    filters = {k: [str(x) for x in v] for k, v in (filters or {}).items() if v}
    target = target_of(kpi, config, target_scope(filters))[0]
    if target is None or kpi.direction == "none":
        raise ValueError(
            f"{kpi.id} has no target (neither a higher nor a lower value is better), so "
            "nothing is short of one; ask what changed instead (explain --vs PERIOD)."
        )
    caps = source_capabilities(con)
    rows = shortfall_rows(
        con,
        config,
        kpi,
        start,
        end,
        filters,
        capable_sources(kpi, caps) if lacking_sources(kpi, caps) else None,
    )
    q = float(kpi.value.strip().rsplit(",", 1)[1].strip(" )")) if form.method == "quantile" else 0.5
    empty = Shortfall(
        kpi.id,
        (start, end),
        None,
        target,
        None,
        0,
        form.method,
        pd.DataFrame(columns=SEGMENT_COLUMNS),
        pd.DataFrame(),
        filters,
    )
    if rows.empty or kpi_value(rows, form.method, q) is None:
        return _with_summary(empty, kpi, config)
    higher = kpi.direction == "higher"
    contrib, gap, remainder = contributions(rows, form.method, target, higher, q)
    if with_terms:
        texts = customer_texts(con, config, start, end, filters, TEXT_LIMIT)
        rows = rows.assign(**{TERM_DIM: term_segments(rows, contrib > 1e-12, texts)})
        dims = [*dims, TERM_DIM]
    segments = segment_table(rows, contrib, dims, form.method, remainder, q)
    lead = lead_segment(segments)
    cases = ranked_cases(
        rows,
        contrib,
        higher,
        target,
        None if lead is None else (lead["dimension"], lead["segment"]),
    )
    if remainder and form.method == "quantile":  # nothing split: rank failing rows by value
        wrong = rows["num"] < target if higher else rows["num"] > target
        cases = ranked_cases(
            rows, wrong.to_numpy(float) * gap / max(int(wrong.sum()), 1), higher, target, None
        )
    top_ids = cases["interaction_id"].head(CASES_WITH_TRANSCRIPT).tolist()
    found = case_transcripts(con, config, top_ids)
    cases["transcript"] = cases["interaction_id"].map(found).where(cases.index < len(top_ids))
    result = Shortfall(
        kpi.id,
        (start, end),
        kpi_value(rows, form.method, q),
        target,
        gap,
        int(rows["n"].sum()),
        form.method,
        segments,
        cases,
        filters,
    )
    return _with_summary(result, kpi, config)


def _with_summary(result: Shortfall, kpi: Kpi, config: Config) -> Shortfall:
    from dataclasses import replace

    return replace(
        result,
        summary=shortfall_paragraph(
            result,
            kpi,
            config,
            lead_segment(result.segments) if not result.segments.empty else None,
        ),
    )


__all__ = ["NONE_SEGMENT", "Shortfall", "explain_shortfall", "contributions", "segment_table"]
