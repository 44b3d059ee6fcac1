"""Channel economics from the cost model, and the what-if of moving phone volume to social.

Costs are applied on read (socialcare.toml [costs]): a case costs its channel's
per-interaction amount plus the per-handled-minute rate times its handle time. The economics
table is the scorecard engine's own KPIs per channel, so it reconciles with the scorecard.

What-if (`what_if`): move a share `shift` of the period's phone cases in eligible categories
(playbook complexity <= 2 and not handled privately) to social.
- Cost: each moved case stops costing its category's average phone cost and costs what an
  average social case costs in the period (the configured social per-interaction cost when
  the period has no social case).
- Recommend rate: the survey-weighted would-recommend rate of the period. Assumption: the
  moved customers answer surveys as often as they did on the phone, and recommend at the
  rate observed on social for their category instead of the phone rate of that category.
  A category with fewer than MIN_CATEGORY_N answers on either channel uses both channels'
  pooled rates over all eligible categories instead (`pooled_categories`, with a note; without
  an answer on one of the channels in any eligible category its rate is assumed unchanged).
  Everything else stays as observed.
- The n behind each number: `cases` (cost_before / cost_after), `eligible_phone_cases`
  (moved_cases = shift x it), `recommend_n` (recommend_before / after) and
  `eligible_phone_answers` (the phone answers whose expected share `shift` is re-rated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from etl.config import Config
from etl.enrich import load_playbook
from scorecard.catalogue import kpi_by_id
from scorecard.data import kpi_frame
from scorecard.data_lift import mean_social_cost, phone_cases_by_category, survey_outcomes

ECONOMICS_COLUMNS = ["channel", "cases", "resolved", "cost_total", "cost_per_interaction",
                     "cost_per_resolution", "recommend_rate", "n_surveys"]
ECONOMICS_KPIS = ("volume", "cost_total", "cost_per_interaction", "cost_per_resolution",
                  "recommend_rate")
MIN_CATEGORY_N = 30


@dataclass(frozen=True)
class WhatIf:
    """The effect of moving a share of eligible phone volume to social."""

    shift: float
    eligible_categories: tuple[str, ...]
    moved_cases: float
    cost_before: float
    cost_after: float
    cost_change: float
    recommend_before: float | None
    recommend_after: float | None
    recommend_change: float | None
    cases: int = 0
    eligible_phone_cases: int = 0
    recommend_n: int = 0
    eligible_phone_answers: int = 0
    pooled_categories: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def channel_economics(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                      end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """One row per channel: cases, resolved, cost_total, cost per interaction and per
    resolution, recommend rate and its number of answers (n_surveys)."""
    kpis = [kpi_by_id(k) for k in ECONOMICS_KPIS]
    frame = kpi_frame(con, config, kpis, "total", ["channel"], start, end, dict(filters))
    if frame.empty:
        return pd.DataFrame(columns=ECONOMICS_COLUMNS)
    value = frame.pivot_table(index="channel", columns="kpi", values="value", aggfunc="first", dropna=False)
    n = frame.pivot_table(index="channel", columns="kpi", values="n", aggfunc="first")
    out = pd.DataFrame({
        "channel": value.index.astype(str),
        "cases": n["volume"].fillna(0).astype("int64").to_numpy(),
        "resolved": n["cost_per_resolution"].fillna(0).astype("int64").to_numpy(),
        "cost_total": value["cost_total"].to_numpy(dtype=float),
        "cost_per_interaction": value["cost_per_interaction"].to_numpy(dtype=float),
        "cost_per_resolution": value["cost_per_resolution"].to_numpy(dtype=float),
        "recommend_rate": value.get("recommend_rate", pd.Series(float("nan"), index=value.index)).to_numpy(dtype=float),
        "n_surveys": n.get("recommend_rate", pd.Series(0, index=n.index)).fillna(0).astype("int64").to_numpy(),
    })
    return out[out["cases"] > 0].reset_index(drop=True)


def eligible_categories(config: Config) -> tuple[str, ...]:
    """Playbook categories that may move to social: complexity <= 2 and not private."""
    return tuple(sorted(c.id for c in load_playbook(config.playbook).categories
                        if c.complexity <= 2 and not c.private))


def _rates(answers: pd.DataFrame, eligible: Sequence[str]) -> tuple[dict, dict, tuple[float, float] | None]:
    """Per category (yes, n) on phone and social among would-recommend answers, and the pooled
    (phone rate, social rate) over eligible categories."""
    a = answers[answers["category"].isin(eligible) & answers["channel"].isin(["phone", "social"])]
    g = a.groupby(["channel", "category"])["would_recommend"].agg(["sum", "count"])
    per = {ch: {c: (float(r["sum"]), int(r["count"])) for c, r in g.loc[ch].iterrows()}
           if ch in g.index.get_level_values(0) else {} for ch in ("phone", "social")}
    pooled = a.groupby("channel")["would_recommend"].mean()
    both = ("phone" in pooled.index) and ("social" in pooled.index)
    return per["phone"], per["social"], (float(pooled["phone"]), float(pooled["social"])) if both else None


def what_if(con: duckdb.DuckDBPyConnection, config: Config, start: str | None, end: str | None,
            filters: Mapping[str, Sequence[str]], shift: float, *, economics: pd.DataFrame | None = None,
            answers: pd.DataFrame | None = None) -> WhatIf:
    """Cost and expected recommend-rate change when `shift` (0..1) of the eligible phone
    volume moves to social (assumptions in the module docstring). `economics` and `answers`
    (channel_economics, survey_outcomes of the same period) may be passed when already read."""
    if shift is None or not 0 <= shift <= 1:
        raise ValueError(f"shift must be a share between 0 and 1, got {shift}.")
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    eligible = eligible_categories(config)
    econ = channel_economics(con, config, start, end, filters) if economics is None else economics
    cost_before = float(econ["cost_total"].fillna(0).sum())
    phone = phone_cases_by_category(con, config, start, end, filters)
    phone = phone[phone["category"].isin(eligible)]
    social_cost = mean_social_cost(con, config, start, end, filters)
    if social_cost is None:
        social_cost = config.costs.per_interaction.get("social", 0.0)
    moved = float(phone["cases"].sum()) * shift
    saved = float(phone["cost"].sum()) * shift - moved * social_cost
    if answers is None:
        answers = survey_outcomes(con, config, start, end, filters)
    answers = answers.dropna(subset=["would_recommend"])
    answers = answers.assign(would_recommend=answers["would_recommend"].astype(float))
    n_cases, n_phone = int(econ["cases"].sum()), int(phone["cases"].sum())
    if answers.empty:
        return WhatIf(shift, eligible, moved, cost_before, cost_before - saved, -saved, None, None,
                      None, n_cases, n_phone)
    rec_before = float(answers["would_recommend"].mean())
    gained, n_answers, pooled_cats, notes = _recommend_gain(answers, eligible, shift)
    rec_after = rec_before + gained / len(answers)
    return WhatIf(shift, eligible, moved, cost_before, cost_before - saved, -saved, rec_before,
                  rec_after, rec_after - rec_before, n_cases, n_phone, len(answers), n_answers,
                  pooled_cats, notes)


def _recommend_gain(answers: pd.DataFrame, eligible: Sequence[str],
                    shift: float) -> tuple[float, int, tuple[str, ...], tuple[str, ...]]:
    """(expected extra yes answers, eligible phone answers, categories on the pooled rates,
    notes) when `shift` of the eligible phone answers recommend at social's rate instead."""
    per_phone, per_social, pooled = _rates(answers, eligible)
    gained, thin = 0.0, []
    for cat, (yes_p, n_p) in per_phone.items():
        yes_s, n_s = per_social.get(cat, (0.0, 0))
        if n_p >= MIN_CATEGORY_N and n_s >= MIN_CATEGORY_N:
            diff = yes_s / n_s - yes_p / n_p
        else:
            thin.append(cat)
            diff = pooled[1] - pooled[0] if pooled is not None else 0.0
        gained += shift * n_p * diff
    notes = []
    if thin and pooled is not None:
        notes.append(f"what-if: {', '.join(thin)} had fewer than {MIN_CATEGORY_N} answers on phone or "
                     f"social, so their moved customers recommend at the pooled rates of all eligible "
                     f"categories (social {pooled[1]:.1%}, phone {pooled[0]:.1%}).")
    elif thin:
        notes.append(f"what-if: {', '.join(thin)} had fewer than {MIN_CATEGORY_N} answers on phone or "
                     f"social and no eligible category has answers on both, so their recommend rate "
                     f"is assumed unchanged.")
    n_phone = sum(n for _, n in per_phone.values())
    return gained, n_phone, tuple(thin), tuple(notes)
