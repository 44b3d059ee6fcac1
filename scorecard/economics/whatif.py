"""The what-if of moving phone volume to social, with each assumption stated beside the result.

Move a share `shift` (0..1) of the period's phone cases in eligible categories (playbook
complexity <= 2, not private) to social:
1. Whole cases: round(shift x eligible phone cases), halves up, shared out over the categories
   in proportion to their phone cases by largest remainder (ties: category name).
2. Cost: a moved case stops costing its category's average phone cost and costs the period's
   average social case (the configured social cost when the period has no social case).
3. Follow-up contacts: the period's social cases with a customer id are followed, within the FCR
   window from their opening, by that customer's phone, e-mail or chat contact to the same brand
   (the first such contact counts, once per social case) at a measured rate per channel and
   category; the moved cases generate follow-ups at their category's rates (a category with
   fewer than MIN_CATEGORY_N such social cases uses the rates of all eligible categories),
   rounded to whole contacts (largest remainder over the channels), each costed at the average
   cost of the measured follow-up contacts of its channel.
4. Resolutions, counted once as in the cost_per_resolution KPI: the moved cases resolve at
   social's rate of their category (pooled when thin, as above) instead of phone's, and the
   follow-up contacts at the rate measured on the follow-ups of their channel; the result is an
   expected number (resolutions_after), hence cost per resolution before and after.
5. Recommend rate: the moved customers answer surveys as often as on the phone and recommend at
   social's rate of their category instead of phone's (scorecard/economics/whatif_recommend.py).
Repeat contacts on social itself and the phone repeat contacts already in the data are left as
observed. `assumptions` states each of these with the period's numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.economics.costs import eligible_categories
from scorecard.economics.data_lift import cases_by_channel_category, social_followups, survey_cells
from scorecard.economics.whatif_recommend import MIN_CATEGORY_N, assumptions, recommend_gain

FOLLOWUP_CHANNELS = ("phone", "email", "chat")


@dataclass(frozen=True)
class WhatIf:
    """The effect of moving a share of eligible phone volume to social (whole cases)."""

    shift: float
    eligible_categories: tuple[str, ...]
    moved_cases: int
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
    moved_by_category: dict[str, int] = field(default_factory=dict)
    phone_cost_removed: float = 0.0
    social_cost_added: float = 0.0
    social_cost_per_case: float = 0.0
    followup_rate: float | None = None
    followup_contacts: int = 0
    followups_by_channel: dict[str, int] = field(default_factory=dict)
    followup_unit_cost: dict[str, float] = field(default_factory=dict)
    followup_cost: float = 0.0
    social_cases_measured: int = 0
    social_cases_followed: int = 0
    resolutions_before: int = 0
    resolutions_after: float | None = None
    phone_resolution_rate: float | None = None
    social_resolution_rate: float | None = None
    followup_resolution_rate: float | None = None
    cost_per_resolution_before: float | None = None
    cost_per_resolution_after: float | None = None
    pooled_rate_categories: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    currency: str = ""


def round_half_up(x: float) -> int:
    """x rounded to the nearest whole number, halves up (2.5 -> 3)."""
    return int(math.floor(x + 0.5 + 1e-9))


def whole_shares(quotas: Mapping[str, float], total: int) -> dict[str, int]:
    """Whole numbers summing to `total`, one per key, by largest remainder of the quotas (ties:
    key order)."""
    floors = {k: int(math.floor(q + 1e-9)) for k, q in quotas.items()}
    order = sorted(quotas, key=lambda k: (-(quotas[k] - floors[k]), k))
    for k in order[: max(0, total - sum(floors.values()))]:
        floors[k] += 1
    return floors


@dataclass(frozen=True)
class SocialRates:
    """Social's measured rates by eligible category: resolution (per case) and follow-up by
    channel (per social case with a customer id); None when nothing was measured."""

    resolution: dict[str, float | None]
    followup: dict[str, dict[str, float]]
    pooled: tuple[str, ...]
    measured: int
    followed: int


def social_rates(
    social: pd.DataFrame, followups: pd.DataFrame, categories: Sequence[str]
) -> SocialRates:
    """Per category in `categories`: its own rates with at least MIN_CATEGORY_N social cases (with
    a customer id, for follow-ups), else the rates pooled over every eligible category."""
    cases, res = float(social["cases"].sum()), float(social["resolutions"].sum())
    measured = int(social["with_customer"].sum())
    by_ch = followups.groupby("channel")["followed"].sum()
    pooled_fu = (
        {ch: float(by_ch.get(ch, 0)) / measured for ch in FOLLOWUP_CHANNELS} if measured else {}
    )
    s = social.set_index("category")
    resolution, followup, pooled = {}, {}, []
    for c in categories:
        n = int(s.at[c, "cases"]) if c in s.index else 0
        n_cust = int(s.at[c, "with_customer"]) if c in s.index else 0
        if n >= MIN_CATEGORY_N:
            resolution[c] = float(s.at[c, "resolutions"]) / n
        else:
            resolution[c] = res / cases if cases else None
        if n_cust >= MIN_CATEGORY_N:
            f = followups[followups["category"] == c].groupby("channel")["followed"].sum()
            followup[c] = {ch: float(f.get(ch, 0)) / n_cust for ch in FOLLOWUP_CHANNELS}
        else:
            followup[c] = pooled_fu
        if n < MIN_CATEGORY_N or n_cust < MIN_CATEGORY_N:
            pooled.append(c)
    return SocialRates(
        resolution, followup, tuple(pooled), measured, int(followups["followed"].sum())
    )


@dataclass(frozen=True)
class WhatIfInputs:
    """What the what-if reads from the warehouse for one period and filter, whatever the shift:
    cases by channel and category, the social cases' follow-ups and the survey cells."""

    cases: pd.DataFrame
    followups: pd.DataFrame
    answers: pd.DataFrame


def whatif_inputs(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    answers: pd.DataFrame | None = None,
) -> WhatIfInputs:
    """The warehouse reads of the what-if (read once, then any shift is arithmetic)."""
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    return WhatIfInputs(
        cases_by_channel_category(con, config, start, end, filters),
        social_followups(con, config, start, end, filters),
        survey_cells(con, config, start, end, filters) if answers is None else answers,
    )


def what_if(
    con: duckdb.DuckDBPyConnection | None,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    shift: float,
    *,
    economics: pd.DataFrame | None = None,
    answers: pd.DataFrame | None = None,
    inputs: WhatIfInputs | None = None,
) -> WhatIf:
    """Cost, resolutions and recommend rate when `shift` (0..1) of the eligible phone cases move
    to social (module docstring). `inputs` (whatif_inputs of the same period and filter) or
    `answers` (its survey_cells) may be passed when already read; `economics` is accepted for
    compatibility and not needed."""
    if shift is None or not 0 <= shift <= 1:
        raise ValueError(f"shift must be a share between 0 and 1, got {shift}.")
    if inputs is None:
        inputs = whatif_inputs(con, config, start, end, filters, answers)
    eligible = eligible_categories(config)
    frame = inputs.cases
    phone = frame[(frame["channel"] == "phone") & frame["category"].isin(eligible)].set_index(
        "category"
    )
    social_all = frame[frame["channel"] == "social"]
    social = social_all[social_all["category"].isin(eligible)]
    followups = inputs.followups[inputs.followups["category"].isin(eligible)]
    n_phone = int(phone["cases"].sum())
    moved = whole_shares(
        {c: shift * float(r) for c, r in phone["cases"].items()}, round_half_up(shift * n_phone)
    )
    moved = {c: k for c, k in moved.items() if k}
    n_moved = sum(moved.values())
    social_n = float(social_all["cases"].sum())
    social_cost = (
        float(social_all["cost"].sum()) / social_n
        if social_n
        else config.costs.per_interaction.get("social", 0.0)
    )
    rates = social_rates(social, followups, sorted(moved))
    notes: list[str] = []
    # follow-up contacts
    expected = {
        ch: sum(k * rates.followup[c].get(ch, 0.0) for c, k in moved.items())
        for ch in FOLLOWUP_CHANNELS
    }
    fu = whole_shares(expected, round_half_up(sum(expected.values())))
    fu_ch = followups.groupby("channel")[["followed", "cost", "resolutions"]].sum()
    seen = [ch for ch in FOLLOWUP_CHANNELS if ch in fu_ch.index]
    unit = {ch: float(fu_ch.at[ch, "cost"]) / float(fu_ch.at[ch, "followed"]) for ch in seen}
    fu_res_rate = {
        ch: float(fu_ch.at[ch, "resolutions"]) / float(fu_ch.at[ch, "followed"]) for ch in seen
    }
    fu_cost = sum(n * unit.get(ch, 0.0) for ch, n in fu.items())
    fu_res = sum(n * fu_res_rate.get(ch, 0.0) for ch, n in fu.items())
    if n_moved and not rates.measured:
        notes.append(
            "what-if: no social case in the eligible categories has a customer id, so follow-up "
            "contacts cannot be measured and none are added."
        )
    # cost and resolutions
    phone_removed = sum(
        k * float(phone.at[c, "cost"]) / float(phone.at[c, "cases"]) for c, k in moved.items()
    )
    phone_res = sum(
        k * float(phone.at[c, "resolutions"]) / float(phone.at[c, "cases"])
        for c, k in moved.items()
    )
    social_res = 0.0
    for c, k in moved.items():
        r = rates.resolution[c]
        social_res += k * (
            r if r is not None else float(phone.at[c, "resolutions"]) / float(phone.at[c, "cases"])
        )
    if n_moved and social.empty:
        notes.append(
            "what-if: no social case in the eligible categories, so the moved cases are assumed "
            "to resolve as often as on the phone."
        )
    social_added = n_moved * social_cost
    cost_before = float(frame["cost"].sum())
    cost_after = cost_before - phone_removed + social_added + fu_cost
    res_before = int(frame["resolutions"].sum())
    res_after = res_before - phone_res + social_res + fu_res
    # recommend
    answers = inputs.answers.dropna(subset=["would_recommend"])
    weight = answers["weight"] if "weight" in answers.columns else pd.Series(1, index=answers.index)
    answers = answers.assign(
        would_recommend=answers["would_recommend"].astype(float), weight=weight.astype("int64")
    )
    n_total = int(answers["weight"].sum())
    share = {c: moved.get(c, 0) / float(phone.at[c, "cases"]) for c in phone.index}
    rec_before = rec_after = None
    n_answers, pooled_cats = 0, ()
    if not answers.empty:
        rec_before = float((answers["would_recommend"] * answers["weight"]).sum() / n_total)
        gained, n_answers, pooled_cats, rec_notes = recommend_gain(answers, eligible, share, shift)
        rec_after = rec_before + gained / n_total
        notes += rec_notes
    n_fu = sum(fu.values())
    w = WhatIf(
        shift=shift,
        eligible_categories=eligible,
        moved_cases=n_moved,
        cost_before=cost_before,
        cost_after=cost_after,
        cost_change=cost_after - cost_before,
        recommend_before=rec_before,
        recommend_after=rec_after,
        recommend_change=None if rec_before is None else rec_after - rec_before,
        cases=int(frame["cases"].sum()),
        eligible_phone_cases=n_phone,
        recommend_n=n_total,
        eligible_phone_answers=n_answers,
        pooled_categories=pooled_cats,
        notes=tuple(notes),
        moved_by_category=moved,
        phone_cost_removed=phone_removed,
        social_cost_added=social_added,
        social_cost_per_case=social_cost,
        followup_rate=sum(expected.values()) / n_moved if n_moved and rates.measured else None,
        followup_contacts=n_fu,
        followups_by_channel=fu,
        followup_unit_cost=unit,
        followup_cost=fu_cost,
        social_cases_measured=rates.measured,
        social_cases_followed=rates.followed,
        resolutions_before=res_before,
        resolutions_after=res_after,
        phone_resolution_rate=phone_res / n_moved if n_moved else None,
        social_resolution_rate=social_res / n_moved if n_moved else None,
        followup_resolution_rate=fu_res / n_fu if n_fu else None,
        cost_per_resolution_before=cost_before / res_before if res_before else None,
        cost_per_resolution_after=cost_after / res_after if res_after > 0 else None,
        pooled_rate_categories=rates.pooled,
        currency=getattr(config, "currency", ""),
    )
    return replace(w, assumptions=assumptions(w, config.fcr_window_days))


__all__ = ["WhatIf", "WhatIfInputs", "round_half_up", "what_if", "whatif_inputs", "whole_shares"]
