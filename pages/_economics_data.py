"""Data of the channel-economics page: the lift report (or, without the lift module, costs from
the scorecard engine), the weekly volume mix and the what-if, as the frames the page shows."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from pages._state import dim_filters, optional_module
from scorecard.kpis.scoring import scorecard
from scorecard.service import per_snapshot, service

# imported with the page (numpy statistics since round 3 of issue 19: no scipy or statsmodels import)
LIFT = optional_module("scorecard.economics.lift")
REPORT_SHIFT = 0.2  # the shift of the cached report; the slider asks what_if itself
NO_LIFT = "Recommendation lift needs survey data and the lift module (scorecard/economics/lift.py), which is not available in this version."
ECON_COLUMNS = [
    ("channel", "channel", "text"),
    ("cases", "cases", ",d"),
    ("resolutions", "resolutions", ",d"),
    ("cost_total", "total cost", ",.2f"),
    ("cost_per_interaction", "per interaction", ",.2f"),
    ("cost_per_resolution", "per resolution", ",.2f"),
    ("recommend_rate", "would recommend", ".0%"),
    ("n_surveys", "surveys", ",d"),
]
FALLBACK_KPIS = {
    "volume": "cases",
    "cost_total": "cost_total",
    "cost_per_interaction": "cost_per_interaction",
    "cost_per_resolution": "cost_per_resolution",
    "recommend_rate": "recommend_rate",
}


def _fallback_economics(start, end, filters) -> pd.DataFrame:
    """Cost by channel from the scorecard engine when the lift module is absent."""
    frame = (
        service()
        .cached(scorecard, start, end, "total", ("channel",), filters, list(FALLBACK_KPIS))
        .to_frame()
    )
    if frame.empty:
        return pd.DataFrame(columns=[c for c, _, _ in ECON_COLUMNS])
    wide = frame.pivot_table(
        index="channel", columns="kpi", values="value", aggfunc="first"
    ).reset_index()
    return wide.rename(columns=FALLBACK_KPIS)


def _with_costs(economics: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The economics table and the cost chart's data (its channel and cost columns)."""
    cols = [
        c
        for c in ("channel", "cost_per_interaction", "cost_per_resolution")
        if c in economics.columns
    ]
    return {"economics": economics, "costs": economics[cols]}


def _cell(key: str, value):
    """A what-if field as one export cell: mappings as "key value" pairs, lists joined (sentences
    by " | ")."""
    if isinstance(value, dict):
        return ", ".join(
            f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items()
        )
    if isinstance(value, (list, tuple)):
        return (" | " if key in ("assumptions", "notes") else ", ").join(map(str, value))
    return value


@per_snapshot
def tables(start, end, brand, shift) -> dict[str, pd.DataFrame]:
    """The frames the page shows (economics, volume, lift, adjusted, matrix, whatif)."""
    if not start or not end:
        return {}
    svc, filters, lift = service(), dim_filters(brand=brand), LIFT
    volume = svc.cached(scorecard, start, end, "week", ("channel",), filters, ["volume"]).to_frame()
    out = {"volume": volume[["period", "channel", "value", "n"]] if not volume.empty else volume}
    if lift is None:
        return {**out, **_with_costs(_fallback_economics(start, end, filters))}
    inputs = svc.cached(
        lift.whatif_inputs, start, end, filters
    )  # read once; any shift is arithmetic
    report = svc.remembered(
        ("economics.report", start, end, brand),
        lambda: lift.lift_report(
            svc.reader.cursor(), svc.config, start, end, filters, REPORT_SHIFT, inputs=inputs
        ),
    )
    whatif = svc.remembered(
        ("economics.whatif", start, end, brand, shift),
        lambda: lift.what_if(
            None, svc.config, start, end, filters, (shift or 0) / 100, inputs=inputs
        ),
    )
    row = asdict(whatif) if is_dataclass(whatif) else dict(vars(whatif))
    row = {k: _cell(k, v) for k, v in row.items()}
    return {
        **out,
        **_with_costs(rounded(report.economics)),
        "lift": rounded(report.lift),
        "adjusted": rounded(report.adjusted),
        "matrix": rounded(report.matrix),
        "whatif": rounded(pd.DataFrame([row])),
        "_report": report,
        "_whatif": whatif,
    }


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as exported: money (cost columns) to cents, other decimals to 4 places (a share
    to 0.01 points, an odds ratio to 4 decimals)."""
    floats = frame.select_dtypes("float").columns
    return frame.round({c: 2 if "cost" in c else 4 for c in floats})


def page_notes(report) -> list[str]:
    """The report's notes without the what-if's own (those sit in the what-if card)."""
    own = set(report.whatif.notes)
    return [n for n in report.notes if n not in own]


def _pts(v) -> str:
    return "n/a" if v is None else f"{v:+.1f} pts"


def verdict_block(report) -> html.Div:
    """The lift verdict at the top of the page: one sentence per comparison and its numbers."""
    from scorecard.reports.verdict import lift_verdict

    items = []
    for other in ("phone", "email"):
        v = lift_verdict(report.lift, report.adjusted, other)
        ci = (
            ""
            if v.adj_low is None
            else f" (95 % CI {v.adj_low:+.1f} to {v.adj_high:+.1f}, n={v.n_adjusted:,})"
        )
        raw_ci = (
            ""
            if v.raw_low is None
            else f" (95 % CI {v.raw_low:+.1f} to {v.raw_high:+.1f}, "
            f"n={v.n_social:,} vs {v.n_other:,})"
        )
        items.append(
            html.Div(
                [
                    html.P(v.sentence(), className="fw-semibold mb-1"),
                    html.Small(
                        f"vs {other}: raw {_pts(v.raw)}{raw_ci}; adjusted {_pts(v.adjusted)}{ci}: {v.shown}.",
                        className="text-muted",
                    ),
                ],
                className="mb-2",
                **{"data-verdict": v.shown},
            )
        )
    return html.Div(items, className="border rounded p-2 bg-light")


def cost_assumptions() -> html.Div:
    """The configured unit costs, marked as assumptions, with where they are set."""
    cfg = service().config
    c = cfg.costs
    parts = [
        f"{ch} {c.per_interaction[ch]:,.2f}"
        + (f" + {c.per_handle_minute[ch]:,.2f}/handled min" if c.per_handle_minute.get(ch) else "")
        for ch in sorted(c.per_interaction)
    ]
    return html.Div(
        [
            dbc.Badge("assumption", color="secondary", className="me-1"),
            f"Configured unit costs, not measurements ({cfg.currency} per interaction): {', '.join(parts)}. "
            "Set them in ",
            html.Code("[costs]"),
            " of socialcare.toml; see ",
            dcc.Link("Data health → settings", href="/health"),
            ".",
        ]
    )


def business_case_pdf(start: str, end: str, brand: str | None, shift) -> bytes:
    """The business case of the page's selection as PDF bytes (computed once per snapshot)."""
    from scorecard.reports.business_case import business_case
    from scorecard.reports.render import pdf_bytes

    bc = service().cached(
        business_case, start, end, brand or None, (shift if shift is not None else 20) / 100
    )
    return pdf_bytes(bc.html())


def whatif_sentence(w) -> str:
    """The what-if's result in one sentence: whole cases moved, follow-ups, cost, resolutions,
    recommend rate (its assumptions are listed beside it)."""
    rec = (
        "unknown (no survey answers)"
        if w.recommend_change is None
        else f"{w.recommend_before:.1%} → {w.recommend_after:.1%} ({w.recommend_change * 100:+.1f} pts)"
    )
    after = "n/a" if w.resolutions_after is None else f"{w.resolutions_after:,.0f}"
    cur = f" {w.currency}" if getattr(w, "currency", "") else ""
    cpr = (
        ""
        if w.cost_per_resolution_before is None or w.cost_per_resolution_after is None
        else f", cost per resolution {w.cost_per_resolution_before:,.2f} → {w.cost_per_resolution_after:,.2f}{cur}"
    )
    return (
        f"Moving {w.shift:.0%} of phone cases in eligible categories to social moves {w.moved_cases:,} "
        f"whole cases and adds {w.followup_contacts:,} follow-up contacts: cost {w.cost_before:,.2f} → "
        f"{w.cost_after:,.2f}{cur} ({w.cost_change:+,.2f}{cur}); resolutions {w.resolutions_before:,} → {after}{cpr}; "
        f"would-recommend {rec}."
    )
