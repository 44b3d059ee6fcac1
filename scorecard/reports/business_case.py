"""The steering committee's business case: the verdict on one page (numbers, one sentence,
CIs), then channel economics, volume mix, lift raw and adjusted, fast-vs-effective with n, the
what-if with every assumption, and methods and caveats. Every number comes from lift_report
(the same function as `socialcare lift` and /economics) and the scorecard engine."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.economics.lift import MIN_N, LiftReport, lift_report
from scorecard.kpis.scoring import scorecard
from scorecard.reports.render import generated_at, render_html
from scorecard.reports.svg import forest, grouped_bars, stacked_shares
from scorecard.reports.verdict import CONTROLS, LiftVerdict, lift_verdict

BUCKET_LABELS = {
    "fast_resolved": "fast, resolved",
    "fast_unresolved": "fast, unresolved",
    "slow_resolved": "slow, resolved",
    "slow_unresolved": "slow, unresolved",
    "unanswered": "unanswered",
}


@dataclass(frozen=True)
class BusinessCase:
    """The lift report of a period and brand, its verdicts and the weekly volume mix."""

    report: LiftReport
    volume: pd.DataFrame  # period, channel, value (cases per week)
    verdicts: tuple[LiftVerdict, ...]
    config: Config
    brand: str | None = None

    def html(self) -> str:
        """Self-contained HTML (charts as inline SVG)."""
        r, cfg = self.report, self.config
        return render_html(
            "business_case.html",
            bc=self,
            r=r,
            w=r.whatif,
            currency=cfg.currency,
            costs=cost_rows(cfg),
            economics=economics_rows(r.economics),
            lift_rows=lift_rows(r),
            matrix=matrix_grid(r.matrix),
            buckets=list(BUCKET_LABELS.values()),
            min_n=MIN_N,
            controls=CONTROLS,
            charts=self.charts(),
            base_url=cfg.report_base_url,
            generated=generated_at(cfg.display_timezone),
            timezone=cfg.display_timezone,
        )

    def charts(self) -> dict[str, str]:
        """Cost per interaction and resolution, volume mix and the lift forest, as SVG."""
        e, cur = self.report.economics, self.config.currency
        out = {"cost": "", "volume": "", "forest": ""}
        if not e.empty:
            out["cost"] = grouped_bars(
                list(e["channel"]),
                [
                    ("per interaction", [float(v) for v in e["cost_per_interaction"]]),
                    ("per resolution", [float(v) for v in e["cost_per_resolution"]]),
                ],
                f"Cost per interaction and per resolution ({cur}, configured unit costs)",
                f"{cur} per case",
            )
        v = self.volume
        if not v.empty:
            wide = v.pivot_table(
                index="period", columns="channel", values="value", aggfunc="sum"
            ).fillna(0)
            out["volume"] = stacked_shares(
                [str(p)[:10] for p in wide.index],
                [(str(c), [float(x) for x in wide[c]]) for c in wide.columns],
                "Volume mix by channel per week",
            )
        rows = [
            (x["label"], x["diff"], x["low"], x["high"])
            for x in lift_rows(self.report)
            if x["metric"] == "would recommend" and x["diff"] is not None
        ]
        if rows:
            out["forest"] = forest(
                rows,
                "Would-recommend difference, social minus other (95 % CI)",
                "percentage points (social minus other)",
            )
        return out


def _f(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def cost_rows(config: Config) -> list[dict]:
    """The configured unit costs: per interaction and per handled minute, by channel."""
    c = config.costs
    return [
        {
            "channel": ch,
            "per_interaction": c.per_interaction.get(ch),
            "per_minute": c.per_handle_minute.get(ch, 0.0),
        }
        for ch in sorted(c.per_interaction)
    ]


def economics_rows(economics: pd.DataFrame) -> list[dict]:
    """Channel economics rows with None for n/a values."""
    return [
        {k: (_f(v) if isinstance(v, float) else v) for k, v in r.items()}
        for r in economics.to_dict("records")
    ]


def lift_rows(report: LiftReport) -> list[dict]:
    """Raw and adjusted differences in points (recommend) or NPS points, with CIs and n."""
    rows = []
    for r in report.lift.to_dict("records"):
        k = 100 if r["metric"] == "recommend_rate" else 1
        metric = "would recommend" if r["metric"] == "recommend_rate" else "NPS"
        rows.append(
            {
                "label": f"{r['comparison']}, raw",
                "metric": metric,
                "kind": "raw",
                "diff": None if _f(r["diff"]) is None else k * r["diff"],
                "low": None if _f(r["ci_low"]) is None else k * r["ci_low"],
                "high": None if _f(r["ci_high"]) is None else k * r["ci_high"],
                "n": f"{int(r['n_social']):,} vs {int(r['n_other']):,}",
                "unit": "pts" if k == 100 else "NPS pts",
                "note": "",
            }
        )
    for r in report.adjusted.to_dict("records"):
        est = _f(r["ame"])
        rows.append(
            {
                "label": f"{r['comparison']}, adjusted",
                "metric": "would recommend",
                "kind": "adjusted",
                "diff": None if est is None else 100 * est,
                "low": None if est is None else 100 * r["ame_ci_low"],
                "high": None if est is None else 100 * r["ame_ci_high"],
                "n": f"{int(r['n']):,}",
                "unit": "pts",
                "odds_ratio": _f(r["odds_ratio"]),
                "or_low": _f(r["or_ci_low"]),
                "or_high": _f(r["or_ci_high"]),
                "note": r["note"] or "",
            }
        )
    return rows


def matrix_rows(matrix: pd.DataFrame) -> list[dict]:
    """The fast-vs-effective matrix, one row per channel and bucket, with n and the Wilson CI."""
    return [
        {
            "channel": r["channel"],
            "bucket": BUCKET_LABELS.get(r["bucket"], r["bucket"]),
            "rate": _f(r["recommend_rate"]),
            "n": int(r["n"]),
            "low": _f(r["ci_low"]),
            "high": _f(r["ci_high"]),
            "thin": bool(r["thin"]),
        }
        for r in matrix.to_dict("records")
    ]


def matrix_grid(matrix: pd.DataFrame) -> list[dict]:
    """The matrix as the report prints it: one row per channel (in the matrix's order), one cell
    per bucket (BUCKET_LABELS' order) with rate, CI, n and thin, so it fits one table block."""
    cells: dict[str, dict[str, dict]] = {}
    for r in matrix_rows(matrix):
        cells.setdefault(r["channel"], {})[r["bucket"]] = r
    blank = {"rate": None, "low": None, "high": None, "n": 0, "thin": True}
    return [
        {"channel": ch, "cells": [by.get(label, blank) for label in BUCKET_LABELS.values()]}
        for ch, by in cells.items()
    ]


def business_case(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    brand: str | None = None,
    shift: float = 0.2,
) -> BusinessCase:
    """The business case of a period (and brand) with the what-if at `shift`."""
    if not 0 <= shift <= 1:
        raise ValueError(f"--shift {shift:g} must be a share between 0 and 1 (e.g. 0.2 for 20 %).")
    filters = {"brand": [brand]} if brand else {}
    report = lift_report(con, config, start, end, filters, shift)
    volume = scorecard(
        con, config, report.start, report.end, "week", ("channel",), filters, ["volume"]
    ).to_frame()
    volume = (
        volume[["period", "channel", "value"]]
        if not volume.empty
        else pd.DataFrame(columns=["period", "channel", "value"])
    )
    verdicts = tuple(
        lift_verdict(report.lift, report.adjusted, other) for other in ("phone", "email")
    )
    return BusinessCase(report, volume, verdicts, config, brand)
