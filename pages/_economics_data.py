"""Data of the channel-economics page: the lift report (or, without the lift module, costs from
the scorecard engine), the weekly volume mix and the what-if, as the frames the page shows."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

import pandas as pd

from pages._state import dim_filters, optional_module
from scorecard.kpis import scorecard
from scorecard.service import per_snapshot, service

REPORT_SHIFT = 0.2  # the shift of the cached report; the slider asks what_if itself
NO_LIFT = "Recommendation lift needs survey data and the lift module (scorecard/lift.py), which is not available in this version."
ECON_COLUMNS = [("channel", "channel", "text"), ("cases", "cases", ",d"), ("resolutions", "resolutions", ",d"),
                ("cost_total", "total cost", ",.2f"), ("cost_per_interaction", "per interaction", ",.2f"),
                ("cost_per_resolution", "per resolution", ",.2f"), ("recommend_rate", "would recommend", ".0%"),
                ("n_surveys", "surveys", ",d")]
FALLBACK_KPIS = {"volume": "cases", "cost_total": "cost_total", "cost_per_interaction": "cost_per_interaction",
                 "cost_per_resolution": "cost_per_resolution", "recommend_rate": "recommend_rate"}


def _fallback_economics(start, end, filters) -> pd.DataFrame:
    """Cost by channel from the scorecard engine when the lift module is absent."""
    frame = service().cached(scorecard, start, end, "total", ("channel",), filters, list(FALLBACK_KPIS)).to_frame()
    if frame.empty:
        return pd.DataFrame(columns=[c for c, _, _ in ECON_COLUMNS])
    wide = frame.pivot_table(index="channel", columns="kpi", values="value", aggfunc="first").reset_index()
    return wide.rename(columns=FALLBACK_KPIS)


def _with_costs(economics: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The economics table and the cost chart's data (its channel and cost columns)."""
    cols = [c for c in ("channel", "cost_per_interaction", "cost_per_resolution") if c in economics.columns]
    return {"economics": economics, "costs": economics[cols]}


def _cell(key: str, value):
    """A what-if field as one export cell: mappings as "key value" pairs, lists joined (sentences
    by " | ")."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return (" | " if key in ("assumptions", "notes") else ", ").join(map(str, value))
    return value


@per_snapshot
def tables(start, end, brand, shift) -> dict[str, pd.DataFrame]:
    """The frames the page shows (economics, volume, lift, adjusted, matrix, whatif)."""
    if not start or not end:
        return {}
    svc, filters, lift = service(), dim_filters(brand=brand), optional_module("scorecard.lift")
    volume = svc.cached(scorecard, start, end, "week", ("channel",), filters, ["volume"]).to_frame()
    out = {"volume": volume[["period", "channel", "value", "n"]] if not volume.empty else volume}
    if lift is None:
        return {**out, **_with_costs(_fallback_economics(start, end, filters))}
    report = svc.cached(lift.lift_report, start, end, filters, REPORT_SHIFT)
    whatif = svc.cached(lift.what_if, start, end, filters, (shift or 0) / 100)
    row = asdict(whatif) if is_dataclass(whatif) else dict(vars(whatif))
    row = {k: _cell(k, v) for k, v in row.items()}
    return {**out, **_with_costs(report.economics), "lift": report.lift, "adjusted": report.adjusted,
            "matrix": report.matrix, "whatif": pd.DataFrame([row]), "_report": report, "_whatif": whatif}


def whatif_sentence(w) -> str:
    """The what-if's result in one sentence: whole cases moved, follow-ups, cost, resolutions,
    recommend rate (its assumptions are listed beside it)."""
    rec = ("unknown (no survey answers)" if w.recommend_change is None else
           f"{w.recommend_before:.1%} → {w.recommend_after:.1%} ({w.recommend_change * 100:+.1f} pts)")
    after = "n/a" if w.resolutions_after is None else f"{w.resolutions_after:,.0f}"
    cur = f" {w.currency}" if getattr(w, "currency", "") else ""
    cpr = ("" if w.cost_per_resolution_before is None or w.cost_per_resolution_after is None else
           f", cost per resolution {w.cost_per_resolution_before:,.2f} → {w.cost_per_resolution_after:,.2f}{cur}")
    return (f"Moving {w.shift:.0%} of phone cases in eligible categories to social moves {w.moved_cases:,} "
            f"whole cases and adds {w.followup_contacts:,} follow-up contacts: cost {w.cost_before:,.2f} → "
            f"{w.cost_after:,.2f}{cur} ({w.cost_change:+,.2f}{cur}); resolutions {w.resolutions_before:,} → {after}{cpr}; "
            f"would-recommend {rec}.")
