"""Figures of the root-cause page: mix/rate attribution and text drivers."""

from __future__ import annotations

import pandas as pd

from pages._figures import empty_figure, styled, values, vline
from scorecard.kpis.catalogue import Kpi
from scorecard.rootcause.change_text import effect_text
from scorecard.rootcause.shortfall_text import contribution_text

TOP_SEGMENTS, TOP_TERMS = 12, 15


def effect_scale(kpi: Kpi) -> tuple[float, str]:
    """Factor and axis unit for effects: shares in points, seconds in minutes."""
    if kpi.unit == "share":
        return 100.0, "percentage points"
    if kpi.unit == "seconds":
        return 1 / 60.0, "minutes"
    if kpi.unit == "currency":
        return 1.0, "money"
    return 1.0, {"count": "cases", "rate": "cases per agent-hour"}.get(kpi.unit, kpi.unit)


def segment_label(dimension, segment) -> str:
    """'channel: email', 'hour: 18:00' (an hour of day reads as a time), 'term: bill'."""
    seg = str(segment)
    if dimension == "hour" and seg.isdigit():
        seg = f"{int(seg):02d}:00"
    return f"{dimension}: {seg}"


def top_segments(segments: pd.DataFrame, limit: int = TOP_SEGMENTS) -> pd.DataFrame:
    """The segments with the largest absolute total effect, largest first."""
    if segments.empty:
        return segments
    order = segments["total_effect"].abs().sort_values(ascending=False).index
    return segments.loc[order].head(limit).reset_index(drop=True)


def attribution_chart(segments: pd.DataFrame, kpi: Kpi, title: str) -> dict:
    """Mix effect and rate effect per segment (they add up to the segment's total effect)."""
    top = top_segments(segments)
    if top.empty:
        return empty_figure(
            title, "No segments to attribute the change to (no cases in one of the periods)."
        )
    k, unit = effect_scale(kpi)
    labels = [segment_label(d, g) for d, g in zip(top["dimension"], top["segment"], strict=True)]
    data = [
        {
            "type": "bar",
            "y": labels,
            "x": values(top[col] * k),
            "name": name,
            "orientation": "h",
            "marker": {"color": colour},
            "customdata": [effect_text(kpi, v) for v in top[col]],
            "hovertemplate": "%{y}<br>%{customdata}<extra>" + name.split(" ")[0] + "</extra>",
        }
        for col, name, colour in (
            ("mix_effect", "mix (more or fewer cases in the segment)", "#3498db"),
            ("rate_effect", "rate (the segment's own KPI changed)", "#e67e22"),
        )
    ]
    fig = styled(
        {"data": data, "layout": {"barmode": "relative", "shapes": [vline(0, dash="solid")]}},
        title,
        f"contribution to the change ({unit})",
        None,
        height=max(340, 150 + 30 * len(top)),
    )
    fig["layout"]["legend"] = {
        "orientation": "h",
        "y": -0.18,
        "yanchor": "top",
        "x": 0,
        "xanchor": "left",
    }
    fig["layout"]["margin"]["b"] = 90
    fig["layout"]["yaxis"]["autorange"] = "reversed"
    return fig


def drivers_chart(drivers: pd.DataFrame) -> dict:
    """Words over-represented in the focus period's conversations (weighted log-odds z)."""
    title = "Words over-represented in this period"
    if drivers is None or drivers.empty:
        return empty_figure(
            title,
            "No word stands out in this period's customer messages against the "
            "comparison period (or there are too few messages to tell).",
            height=320,
        )
    top = drivers.sort_values("z", ascending=False).head(TOP_TERMS)
    trace = {
        "type": "bar",
        "y": values(top["term"].astype(str)),
        "x": values(top["z"]),
        "orientation": "h",
        "marker": {"color": "#8e44ad"},
        "customdata": [
            [int(a), int(b)] for a, b in zip(top["count_focus"], top["count_base"], strict=True)
        ],
        "hovertemplate": "%{y}: z=%{x:.1f}<br>%{customdata[0]} mentions now, %{customdata[1]} before<extra></extra>",
    }
    fig = styled(
        {"data": [trace], "layout": {}},
        title,
        "log-odds z-score (over-representation)",
        None,
        height=max(320, 110 + 24 * len(top)),
    )
    fig["layout"]["yaxis"]["autorange"] = "reversed"
    return fig


def shortfall_chart(
    segments: pd.DataFrame,
    kpi: Kpi,
    title: str,
    dims: tuple[str, ...] = (),
    empty: str = "No cases behind this value in the period.",
) -> dict:
    """Each segment's contribution to the shortfall (positive: carries it; negative: better
    than target, gives some back), largest first; hover in the same words as the tables."""
    part = segments if not dims else segments[segments["dimension"].isin(dims)]
    if part.empty:
        return empty_figure(title, empty)
    top = part.loc[part["contribution"].abs().sort_values(ascending=False).index].head(TOP_SEGMENTS)
    k, unit = effect_scale(kpi)
    labels = [segment_label(d, g) for d, g in zip(top["dimension"], top["segment"], strict=True)]
    trace = {
        "type": "bar",
        "y": labels,
        "x": values(top["contribution"] * k),
        "orientation": "h",
        "marker": {"color": ["#c0392b" if c > 0 else "#27ae60" for c in top["contribution"]]},
        "customdata": [contribution_text(kpi, c) for c in top["contribution"]],
        "hovertemplate": "%{y}<br>%{customdata} of the shortfall<extra></extra>",
    }
    fig = styled(
        {"data": [trace], "layout": {"shapes": [vline(0, dash="solid")]}},
        title,
        f"{unit} of the shortfall (red carries it, green gives back)",
        None,
        height=max(340, 150 + 30 * len(top)),
    )
    fig["layout"]["yaxis"]["autorange"] = "reversed"
    return fig
