"""Mix/rate decomposition of a KPI change across the segments of one dimension (pure functions).

A ratio KPI is a weighted mean of its segments: KPI = sum_i w_i r_i with w_i = n_i / N (the
segment's share of the KPI's population) and r_i the KPI within the segment. Between a
comparison period a and the period b to explain, the symmetric (midpoint) split

    mix_i  = (w_b,i - w_a,i) ((r_a,i + r_b,i) / 2 - R)      R = (KPI_a + KPI_b) / 2
    rate_i = (r_b,i - r_a,i) (w_a,i + w_b,i) / 2

adds up exactly to the total change with no interaction term: summed over segments, the
uncentred mix (w_b,i - w_a,i)(r_a,i + r_b,i)/2 plus rate_i is w_b,i r_b,i - w_a,i r_a,i, and the
centring term R sum_i (w_b,i - w_a,i) is zero because the weights sum to 1 in both periods.
Centring on the average KPI R changes no total but makes each segment's mix effect mean what a
reader expects: a segment that grows counts only as far as its rate differs from the average
(uncentred, a growing segment with a low rate would seem to push a share up). A segment present
in one period only takes the same rate in both (its whole effect is mix). Additive KPIs (counts
and sums) use rows per day as weights, uncentred (their weights need not sum to 1), so the
effects add up to the change in the per-day value. Quantile KPIs (median, p90) are
explained through the share of rows above the comparison period's quantile (an exact ratio
decomposition), scaled to the KPI's own units: effect_i x (change in KPI / change in share).
Whatever a KPI's definition leaves non-additive (e.g. cases per agent-hour, where an agent-hour
serves several segments) is reported as one explicit remainder row, never hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

COLUMNS = [
    "dimension",
    "segment",
    "weight_a",
    "weight_b",
    "rate_a",
    "rate_b",
    "mix_effect",
    "rate_effect",
    "total_effect",
    "share",
]
REMAINDER = "(non-additive remainder)"


def decompose(
    seg_a: Sequence[tuple[str, float, int]],
    seg_b: Sequence[tuple[str, float, int]],
    additive: bool = False,
    days_a: float = 1.0,
    days_b: float = 1.0,
) -> dict:
    """Per segment (from (segment, value, n) rows of each period): weights, rates, mix, rate
    and total effect, as columns of equal length."""
    segs = sorted({r[0] for r in seg_a} | {r[0] for r in seg_b}, key=str)
    pos = {k: i for i, k in enumerate(segs)}

    def aligned(rows):
        value, n = np.full(len(segs), np.nan), np.zeros(len(segs))
        for seg, v, m in rows:
            value[pos[seg]], n[pos[seg]] = v, m
        return value, n

    (v_a, n_a), (v_b, n_b) = aligned(seg_a), aligned(seg_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        if additive:  # value = sum over rows = n * (value / n); weights are rows per day
            w_a, w_b = n_a / days_a, n_b / days_b
            r_a, r_b = np.where(n_a > 0, v_a / n_a, np.nan), np.where(n_b > 0, v_b / n_b, np.nan)
        else:
            w_a = n_a / n_a.sum() if n_a.sum() > 0 else n_a * 0.0
            w_b = n_b / n_b.sum() if n_b.sum() > 0 else n_b * 0.0
            r_a, r_b = v_a, v_b
    r_a = np.where((w_a > 0) & ~np.isnan(r_a), r_a, r_b)  # a segment missing in a: its rate in b
    r_b = np.where((w_b > 0) & ~np.isnan(r_b), r_b, r_a)
    r_a, r_b = np.nan_to_num(r_a), np.nan_to_num(r_b)
    centre = 0.0 if additive else float((w_a * r_a).sum() + (w_b * r_b).sum()) / 2
    mix = (w_b - w_a) * ((r_a + r_b) / 2 - centre)
    rate = (r_b - r_a) * (w_a + w_b) / 2
    return {
        "segment": segs,
        "weight_a": w_a,
        "weight_b": w_b,
        "rate_a": r_a,
        "rate_b": r_b,
        "mix_effect": mix,
        "rate_effect": rate,
        "total_effect": mix + rate,
    }


def finish(parts: dict, dimension: str, total_change: float, scale: float = 1.0) -> dict:
    """Effects scaled to KPI units, a remainder row if they miss the total, and shares (columns
    of one dimension, unranked)."""
    cols = {c: np.asarray(parts[c], dtype=float) for c in COLUMNS[2:-1]}
    for c in ("mix_effect", "rate_effect", "total_effect"):
        cols[c] = cols[c] * scale
    segs = list(parts["segment"])
    gap = total_change - float(cols["total_effect"].sum()) if np.isfinite(total_change) else 0.0
    if abs(gap) > 1e-9 * max(1.0, abs(total_change)):
        segs.append(REMAINDER)
        cols = {c: np.append(v, gap if c == "total_effect" else np.nan) for c, v in cols.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        share = cols["total_effect"] / total_change if total_change else np.full(len(segs), np.nan)
    return {"dimension": [dimension] * len(segs), "segment": segs, **cols, "share": share}


def ranked(parts: Sequence[dict]) -> pd.DataFrame:
    """One frame of the dimensions' columns, ranked by |total effect| (largest first)."""
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    cols = {
        c: np.concatenate(
            [
                np.asarray(p[c], dtype=object if c in ("dimension", "segment") else float)
                for p in parts
            ]
        )
        for c in COLUMNS
    }
    order = np.argsort(-np.abs(cols["total_effect"]), kind="stable")
    return pd.DataFrame({c: v[order] for c, v in cols.items()})[COLUMNS]


def population_share(segments: pd.DataFrame) -> pd.Series:
    """Each segment's share of its dimension's population in the comparison period (weight_a
    over the dimension's total weight_a; 0 for a segment new in the period explained; NaN for a
    remainder row). A segment's share of the change minus this is how far it drove the change
    beyond its size."""
    real = segments["segment"] != REMAINDER
    weight = segments["weight_a"].astype(float).where(real)
    total = weight.groupby(segments["dimension"]).transform("sum")
    return (weight / total.where(total > 0)).fillna(0.0).where(real)


def beyond_size(segments: pd.DataFrame) -> pd.DataFrame:
    """The segments that drove the change beyond their size, most first: a positive share of
    the change above the segment's population share (`excess`), in a dimension with more than
    one segment (a lone segment, e.g. agent '(none)' on e-mail, explains nothing); never the
    remainder row."""
    if segments.empty:
        return segments.assign(excess=pd.Series(dtype=float))
    s = segments.assign(excess=segments["share"].astype(float) - population_share(segments))
    real = s[s["segment"] != REMAINDER]
    real = real[real.groupby("dimension")["segment"].transform("size") > 1]
    real = real[(real["share"] > 0) & (real["excess"] > 1e-12)]
    return real.sort_values("excess", ascending=False, kind="stable")
