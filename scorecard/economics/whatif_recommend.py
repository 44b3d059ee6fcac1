"""The what-if's recommend-rate change, and its assumptions stated in words (scorecard/economics/whatif.py).

Recommend rate: the survey-weighted would-recommend rate of the period. The moved customers
answer surveys as often as they did on the phone and recommend at the rate observed on social
for their category instead of the phone rate of that category. A category with fewer than
MIN_CATEGORY_N answers on either channel uses both channels' pooled rates over all eligible
categories instead (with a note; without an answer on one of the channels in any eligible
category its rate is assumed unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

MIN_CATEGORY_N = 30


def _rates(
    answers: pd.DataFrame, eligible: Sequence[str]
) -> tuple[dict, dict, tuple[float, float] | None]:
    """Per category (yes, n) on phone and social among would-recommend answers, and the pooled
    (phone rate, social rate) over eligible categories."""
    a = answers[answers["category"].isin(eligible) & answers["channel"].isin(["phone", "social"])]
    a = a.assign(yes=a["would_recommend"] * a["weight"])
    g = (
        a.groupby(["channel", "category"])[["yes", "weight"]]
        .sum()
        .rename(columns={"yes": "sum", "weight": "count"})
    )
    per = {
        ch: {c: (float(r["sum"]), int(r["count"])) for c, r in g.loc[ch].iterrows()}
        if ch in g.index.get_level_values(0)
        else {}
        for ch in ("phone", "social")
    }
    sums = a.groupby("channel")[["yes", "weight"]].sum()
    pooled = sums["yes"] / sums["weight"]
    both = ("phone" in pooled.index) and ("social" in pooled.index)
    return (
        per["phone"],
        per["social"],
        (float(pooled["phone"]), float(pooled["social"])) if both else None,
    )


def recommend_gain(
    answers: pd.DataFrame, eligible: Sequence[str], share: Mapping[str, float], shift: float
) -> tuple[float, int, tuple[str, ...], tuple[str, ...]]:
    """(expected extra yes answers, eligible phone answers, categories on the pooled rates, notes)
    when the share of each category's phone cases that moves (`share`; `shift` for a category
    with answers but no phone case) recommends at social's rate instead."""
    per_phone, per_social, pooled = _rates(answers, eligible)
    gained, thin = 0.0, []
    for cat, (yes_p, n_p) in per_phone.items():
        yes_s, n_s = per_social.get(cat, (0.0, 0))
        if n_p >= MIN_CATEGORY_N and n_s >= MIN_CATEGORY_N:
            diff = yes_s / n_s - yes_p / n_p
        else:
            thin.append(cat)
            diff = pooled[1] - pooled[0] if pooled is not None else 0.0
        gained += share.get(cat, shift) * n_p * diff
    notes = []
    if thin and pooled is not None:
        notes.append(
            f"what-if: {', '.join(thin)} had fewer than {MIN_CATEGORY_N} answers on phone or "
            f"social, so their moved customers recommend at the pooled rates of all eligible "
            f"categories (social {pooled[1]:.1%}, phone {pooled[0]:.1%})."
        )
    elif thin:
        notes.append(
            f"what-if: {', '.join(thin)} had fewer than {MIN_CATEGORY_N} answers on phone or "
            f"social and no eligible category has answers on both, so their recommend rate "
            f"is assumed unchanged."
        )
    n_phone = sum(n for _, n in per_phone.values())
    return gained, n_phone, tuple(thin), tuple(notes)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _listed(d: Mapping[str, Any], fmt: str = "{:,}") -> str:
    return ", ".join(f"{k} {fmt.format(v)}" for k, v in d.items()) or "none"


def assumptions(w: Any, window_days: int) -> tuple[str, ...]:
    """Each assumption of the what-if `w` (a WhatIf) in one sentence with its numbers."""
    cur = f" {w.currency}" if w.currency else ""
    out = [
        f"Moves {w.moved_cases:,} whole phone cases: {w.shift:.0%} of the {w.eligible_phone_cases:,} phone "
        f"cases in eligible categories (playbook complexity <= 2, not private: "
        f"{', '.join(w.eligible_categories) or 'none'}), rounded to whole cases and shared over the "
        f"categories by largest remainder ({_listed(w.moved_by_category)}).",
        f"Each moved case stops costing its category's average phone cost ({w.phone_cost_removed:,.2f}{cur} "
        f"in all) and costs the period's average social case ({w.social_cost_per_case:,.2f}{cur} each, "
        f"{w.social_cost_added:,.2f}{cur} in all).",
    ]
    if w.social_cases_measured:
        pooled = (
            f"; {', '.join(w.pooled_rate_categories)} had fewer than {MIN_CATEGORY_N} social cases and "
            f"use{'s' if len(w.pooled_rate_categories) == 1 else ''} the rates of all eligible categories"
            if w.pooled_rate_categories
            else ""
        )
        out.append(
            f"Follow-up contacts: {w.social_cases_followed:,} of {w.social_cases_measured:,} social cases "
            f"with a customer id in eligible categories "
            f"({w.social_cases_followed / w.social_cases_measured:.1%}) were followed within {window_days} "
            f"days by the customer's phone, e-mail or chat contact to the same brand; the moved cases are "
            f"followed at their category's rate ({_pct(w.followup_rate)} per moved case{pooled}): "
            f"{w.followup_contacts:,} whole contacts ({_listed(w.followups_by_channel)}), each at the average "
            f"cost of the measured follow-ups of its channel ({_listed(w.followup_unit_cost, '{:,.2f}')}): "
            f"{w.followup_cost:,.2f}{cur}."
        )
    else:
        out.append(
            "Follow-up contacts: none added, because no social case in the eligible categories has a "
            "customer id to follow."
        )
    after = "n/a" if w.resolutions_after is None else f"{w.resolutions_after:,.0f}"
    out.append(
        f"Resolutions are counted once (as in cost per resolution): the moved cases resolve at social's "
        f"rate for their category ({_pct(w.social_resolution_rate)}) instead of phone's "
        f"({_pct(w.phone_resolution_rate)}), and the follow-up contacts at the rate measured on them "
        f"({_pct(w.followup_resolution_rate)}): {w.resolutions_before:,} -> {after} resolutions (expected)."
    )
    out.append(
        "Repeat contacts on social itself, and the phone repeat contacts already in the data, are left "
        "as observed."
    )
    out.append(
        "Recommend rate: the moved customers answer surveys as often as on the phone and recommend at "
        f"social's rate for their category (pooled over eligible categories where a channel has fewer "
        f"than {MIN_CATEGORY_N} answers)."
    )
    return tuple(out)
