"""Recommendation lift of social vs phone and vs e-mail, with honest statistics.

- Raw lift: social minus the other channel's would-recommend rate over survey answers of cases
  opened in the period (unlinked survey answers count by their own channel), 95 % CI by
  Newcombe's hybrid score method (Wilson intervals; statsmodels' `newcomb`, in numpy:
  scorecard/economics/stats.py); NPS difference
  with a seeded percentile bootstrap (multinomial resampling of promoters / passives /
  detractors in each group).
- Adjusted lift: logistic regression on answers linked to a case, of the two channels:
  recommend ~ social + issue category + resolved + first-response bucket (fast / slow /
  unanswered), a logit (statsmodels' GLM IRLS in numpy). Odds ratio of social with its Wald 95 % CI; average
  marginal effect (discrete change of the social dummy, averaged over the sample) with its
  delta-method 95 % CI (`get_margeff`). Categories with fewer than MIN_N answers are pooled.
- Matrix (fast vs effective): recommend rate per channel (and `all`) and bucket, with n, a
  Wilson 95 % CI and `thin` (n < MIN_N). Every channel with an answer in the matrix gets all
  five buckets: an empty one has n 0 and no rate or CI. Fast = first response within
  sla.first_response_s (phone: answered within sla.phone_answer_s), on the configured clock.
- Thin samples: with fewer than MIN_N answers on either side an estimate keeps its point
  value but its CI is empty (NaN in the frames, null in JSON) and a note says so; nothing is
  fitted below that.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import pandas as pd

from etl.settings.config import Config
from scorecard.economics.costs import channel_economics
from scorecard.economics.lift_model import adjusted_lift
from scorecard.economics.stats import newcombe_interval, wilson_interval
from scorecard.economics.whatif import WhatIf, WhatIfInputs, what_if, whatif_inputs
from scorecard.kpis.data import effective_range

COMPARISONS = (("social vs phone", "phone"), ("social vs email", "email"))
BUCKETS = ("fast_resolved", "fast_unresolved", "slow_resolved", "slow_unresolved", "unanswered")
MIN_N = 30
BOOTSTRAP_DRAWS = 4000
SEED = 20240101
LIFT_COLUMNS = [
    "comparison",
    "metric",
    "social",
    "other",
    "diff",
    "ci_low",
    "ci_high",
    "n_social",
    "n_other",
    "method",
]
MATRIX_COLUMNS = ["channel", "bucket", "recommend_rate", "n", "ci_low", "ci_high", "thin"]
DEFINITIONS = {
    "economics.cases": "cases opened in the period on the channel (n of every cost figure)",
    "economics.resolutions": "resolved cases, each resolution counted once: not when the customer contacted the same brand again within the FCR window (n of cost_per_resolution)",
    "economics.cost_total": "sum over cases of the channel's per-interaction cost + per-minute rate x handle minutes",
    "economics.cost_per_interaction": "cost_total / cases",
    "economics.cost_per_resolution": "cost_total / resolutions",
    "economics.recommend_rate": "yes / (yes + no) of would-recommend answers; n = n_surveys; null without answers",
    "lift.diff": "social minus other: recommend rate (share) or NPS (points)",
    "lift.ci": "95 % CI: Newcombe hybrid score (Wilson) for rates, seeded percentile bootstrap for NPS; null when a side has fewer than 30 answers",
    "lift.n_social/n_other": "answers with a would-recommend (or 0-10) value on each side",
    "adjusted.odds_ratio": "exp(coefficient of social) in Logit(recommend ~ social + category + resolved + response bucket); Wald 95 % CI; null (with a note) when not estimated",
    "adjusted.ame": "average marginal effect of social on the recommend probability (share), delta-method 95 % CI; null (with a note) when not estimated",
    "adjusted.n": "answers linked to a case of the two channels used in the model",
    "matrix.recommend_rate": "recommend rate of answers linked to cases in the bucket; n answers; Wilson 95 % CI; every channel with an answer lists all five buckets, an empty one with n 0 and rate and CI null",
    "matrix.thin": "true when the cell has fewer than 30 answers: read its rate with care",
    "whatif.shift": "share (0-1) of the eligible phone cases moved to social",
    "whatif.eligible_categories": "playbook categories of complexity <= 2 that are not handled privately",
    "whatif.moved_cases": "whole phone cases moved: round(shift x eligible_phone_cases), halves up, shared over categories by largest remainder (moved_by_category)",
    "whatif.cost_before": "total cost of the period's cases under the cost model (n: cases)",
    "whatif.cost_after": "cost_before - phone_cost_removed (each moved case's category average phone cost) + social_cost_added (moved_cases x the period's average social case) + followup_cost",
    "whatif.cost_change": "cost_after - cost_before (negative: a saving)",
    "whatif.followup_contacts": "whole phone, e-mail and chat contacts the moved cases generate (followups_by_channel): moved cases x the share of the period's social cases of their category (with a customer id; n: social_cases_measured) followed within the FCR window by the customer's contact to the same brand on that channel; pooled over eligible categories below 30 social cases (pooled_rate_categories)",
    "whatif.followup_cost": "followups_by_channel x followup_unit_cost (average cost of the measured follow-up contacts of each channel)",
    "whatif.resolutions_before": "resolutions of the period, each counted once (n of cost_per_resolution)",
    "whatif.resolutions_after": "expected: resolutions_before - moved cases x phone's resolution rate of their category + moved cases x social's (pooled below 30 social cases) + follow-up contacts x the resolution rate measured on them",
    "whatif.cost_per_resolution": "cost_before / resolutions_before and cost_after / resolutions_after",
    "whatif.assumptions": "each assumption of the what-if in one sentence with the period's numbers",
    "whatif.recommend_before": "would-recommend rate of the period's answers, yes / answers (n: recommend_n); null without answers",
    "whatif.recommend_after": "recommend_before + sum over eligible categories of the moved share of its phone cases x phone answers x (social rate - phone rate of the category) / recommend_n; a category with fewer than 30 answers on either channel uses the pooled rates of all eligible categories (pooled_categories, and a note); n: recommend_n, of which eligible_phone_answers are re-rated",
    "whatif.recommend_change": "recommend_after - recommend_before (share); null without answers",
}


def answer_weights(answers: pd.DataFrame) -> pd.Series:
    """Each row's number of answers: `weight` of survey_cells, else 1 per survey_outcomes row."""
    if "weight" in answers.columns:
        return answers["weight"].astype("int64")
    return pd.Series(1, index=answers.index, dtype="int64")


def _nps_counts(values: pd.Series, weights: pd.Series) -> np.ndarray:
    """[promoters, passives, detractors] among 0-10 answers."""
    return np.array(
        [
            weights[values >= 9].sum(),
            weights[(values > 6) & (values < 9)].sum(),
            weights[values <= 6].sum(),
        ],
        dtype=float,
    )


def _nps(counts: np.ndarray) -> float:
    n = counts.sum()
    return float(100 * (counts[0] / n - counts[2] / n)) if n else float("nan")


def _nps_diff_ci(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap 95 % CI of NPS(a) - NPS(b) from [promoters, passives, detractors]
    counts, multinomial resampling per group."""

    def draws(c: np.ndarray) -> np.ndarray:
        n = int(c.sum())
        p = c / n
        counts = rng.multinomial(n, p / p.sum(), size=BOOTSTRAP_DRAWS)
        return 100 * (counts[:, 0] - counts[:, 2]) / n

    diff = draws(a) - draws(b)
    return float(np.percentile(diff, 2.5)), float(np.percentile(diff, 97.5))


def raw_lift(answers: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Recommend-rate and NPS differences of social vs phone and vs e-mail with 95 % CIs."""
    rng = np.random.default_rng(SEED)
    rows = []
    rec = answers.dropna(subset=["would_recommend"])
    nps = answers.dropna(subset=["nps"])
    rec_w, nps_w = answer_weights(rec), answer_weights(nps)
    yes = rec["would_recommend"].astype(float) * rec_w
    for comparison, other in COMPARISONS:
        side_a, side_b = rec["channel"] == "social", rec["channel"] == other
        na, nb = int(rec_w[side_a].sum()), int(rec_w[side_b].sum())
        ya, yb = float(yes[side_a].sum()), float(yes[side_b].sum())
        pa, pb = (ya / na if na else np.nan), (yb / nb if nb else np.nan)
        lo = hi = np.nan
        if min(na, nb) >= MIN_N:
            lo, hi = newcombe_interval(ya, na, yb, nb)
        elif na or nb:
            notes.append(
                f"{comparison}: recommend rate has {na} social and {nb} {other} answers; "
                f"fewer than {MIN_N} on a side is too thin for a confidence interval."
            )
        rows.append([comparison, "recommend_rate", pa, pb, pa - pb, lo, hi, na, nb, "newcombe"])
        sx, sy = nps["channel"] == "social", nps["channel"] == other
        x = _nps_counts(nps.loc[sx, "nps"].astype(float), nps_w[sx])
        y = _nps_counts(nps.loc[sy, "nps"].astype(float), nps_w[sy])
        nx, ny = int(nps_w[sx].sum()), int(nps_w[sy].sum())
        lo = hi = np.nan
        if min(nx, ny) >= MIN_N:
            lo, hi = _nps_diff_ci(x, y, rng)
        elif nx or ny:
            notes.append(
                f"{comparison}: NPS has {nx} social and {ny} {other} answers; "
                f"too thin for a confidence interval."
            )
        rows.append(
            [comparison, "nps", _nps(x), _nps(y), _nps(x) - _nps(y), lo, hi, nx, ny, "bootstrap"]
        )
    return pd.DataFrame(rows, columns=LIFT_COLUMNS).astype(
        {"n_social": "int64", "n_other": "int64"}
    )


def fast_effective_matrix(answers: pd.DataFrame) -> pd.DataFrame:
    """Recommend rate per channel (and all channels) and response bucket, with n, Wilson CI and
    thin (n < MIN_N); each channel with an answer gets every bucket (empty: n 0, rate NaN)."""
    a = answers.dropna(subset=["would_recommend", "bucket"])
    a = a[a["bucket"].isin(BUCKETS)]
    if a.empty:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    w = answer_weights(a)
    a = a.assign(y=a["would_recommend"].astype(float) * w, w=w)
    both = pd.concat([a, a.assign(channel="all")])
    channels = [*sorted(set(a["channel"])), "all"]
    cells = pd.MultiIndex.from_product([channels, BUCKETS], names=["channel", "bucket"])
    g = both.groupby(["channel", "bucket"])[["y", "w"]].sum().reindex(cells, fill_value=0)
    g = g.reset_index()
    n, yes = g["w"].astype("int64"), g["y"].astype(float)
    seen = n > 0
    lo, hi = pd.Series(np.nan, index=g.index), pd.Series(np.nan, index=g.index)
    lo[seen], hi[seen] = wilson_interval(yes[seen], n[seen])
    return pd.DataFrame(
        {
            "channel": g["channel"],
            "bucket": g["bucket"],
            "recommend_rate": (yes / n).where(seen),
            "n": n,
            "ci_low": lo,
            "ci_high": hi,
            "thin": n < MIN_N,
        }
    )


def whatif_lines(w: WhatIf) -> list[str]:
    """The what-if for the command line: the result, then each assumption."""
    rec = "unknown" if w.recommend_change is None else f"{w.recommend_change * 100:+.2f} pts"
    cur = f" {w.currency}" if w.currency else ""
    cpr = (
        "n/a"
        if w.cost_per_resolution_before is None or w.cost_per_resolution_after is None
        else f"{w.cost_per_resolution_before:,.2f} -> {w.cost_per_resolution_after:,.2f}{cur}"
    )
    after = "n/a" if w.resolutions_after is None else f"{w.resolutions_after:,.0f}"
    lines = [
        f"  what-if: {w.shift:.0%} of eligible phone volume to social moves {w.moved_cases:,} of"
        f" {w.eligible_phone_cases:,} cases and adds {w.followup_contacts:,} follow-up contacts:"
        f" cost {w.cost_change:+,.2f}{cur} (n={w.cases:,} cases), resolutions {w.resolutions_before:,} -> {after},"
        f" cost per resolution {cpr}, recommend rate {rec} (n={w.recommend_n:,} answers)"
    ]
    return lines + [f"    assumption: {a}" for a in w.assumptions]


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records"))


@dataclass(frozen=True)
class LiftReport:
    """Channel economics, recommendation lift (raw and adjusted), the fast-vs-effective matrix
    and the what-if, for one period and filter."""

    start: str | None
    end: str | None
    filters: dict
    economics: pd.DataFrame
    lift: pd.DataFrame
    adjusted: pd.DataFrame
    matrix: pd.DataFrame
    whatif: WhatIf
    notes: tuple[str, ...]

    def to_json(self) -> dict:
        """Every table as records (each number beside its n) plus the definition of each number."""
        return {
            "from": self.start,
            "to": self.end,
            "filters": self.filters,
            "definitions": DEFINITIONS,
            "economics": _records(self.economics),
            "lift": _records(self.lift),
            "adjusted": _records(self.adjusted),
            "matrix": _records(self.matrix),
            "whatif": {
                k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.whatif).items()
            },
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """Plain text for the command line."""
        lines = [f"Channel economics and recommendation lift, {self.start}..{self.end}"]
        for r in self.economics.itertuples():
            rate = "n/a" if pd.isna(r.recommend_rate) else f"{r.recommend_rate:.0%}"
            lines.append(
                f"  {r.channel:<7} {r.cases:>8,} cases  cost/interaction {r.cost_per_interaction:7.2f}"
                f"  cost/resolution {r.cost_per_resolution:7.2f}  recommend {rate} (n={r.n_surveys:,})"
            )
        for r in self.lift.itertuples():
            scale, unit = (100, " pts") if r.metric == "recommend_rate" else (1, " NPS")
            ci = (
                "CI n/a (too thin)"
                if pd.isna(r.ci_low)
                else f"95% CI {r.ci_low * scale:+.1f}..{r.ci_high * scale:+.1f}"
            )
            diff = "n/a" if pd.isna(r.diff) else f"{r.diff * scale:+.1f}{unit}"
            lines.append(
                f"  {r.comparison}, {r.metric}: {diff} ({ci}; n={r.n_social:,} vs {r.n_other:,})"
            )
        for r in self.adjusted.itertuples():
            if pd.isna(r.odds_ratio):
                lines.append(f"  {r.comparison}, adjusted: not estimated ({r.note})")
            else:
                lines.append(
                    f"  {r.comparison}, adjusted: odds ratio {r.odds_ratio:.2f} ({r.or_ci_low:.2f}..{r.or_ci_high:.2f}),"
                    f" marginal effect {r.ame * 100:+.1f} pts ({r.ame_ci_low * 100:+.1f}..{r.ame_ci_high * 100:+.1f}; n={r.n:,})"
                )
        lines += whatif_lines(self.whatif)
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def lift_report(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]] | None,
    shift: float,
    inputs: WhatIfInputs | None = None,
) -> LiftReport:
    """Economics, raw and adjusted recommendation lift, the matrix and the what-if (`inputs`:
    whatif_inputs of the same period and filter, when already read)."""
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    start, end = effective_range(con, config, start, end)
    notes: list[str] = []
    if inputs is None:
        inputs = whatif_inputs(con, config, start, end, filters)
    answers = inputs.answers
    unlinked = (
        int(answer_weights(answers)[~answers["linked"].astype(bool)].sum())
        if not answers.empty
        else 0
    )
    if unlinked:
        notes.append(
            f"{unlinked} survey answers are not linked to a case: they count in the raw rates "
            "by their own channel, not in the adjusted model or the matrix."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adjusted = adjusted_lift(answers, COMPARISONS, MIN_N, notes)
    economics = channel_economics(con, config, start, end, filters)
    whatif = what_if(con, config, start, end, filters, shift, inputs=inputs)
    lift = raw_lift(answers, notes)
    return LiftReport(
        start,
        end,
        filters,
        economics,
        lift,
        adjusted,
        fast_effective_matrix(answers),
        whatif,
        tuple(notes) + whatif.notes,
    )


__all__ = ["LiftReport", "WhatIf", "WhatIfInputs", "lift_report", "what_if", "whatif_inputs"]
