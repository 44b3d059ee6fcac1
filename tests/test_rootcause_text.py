"""Wording of root-cause results: units per value, effects with units, honest shares, verdicts."""

from __future__ import annotations

from scorecard.catalogue import kpi_by_id
from scorecard.rootcause_text import (
    effect_text,
    offset_note,
    share_text,
    value_pair,
    value_text,
    verdict,
)

FRT, NET = kpi_by_id("frt_median_s"), kpi_by_id("net_sentiment_weighted")


def test_durations_pick_a_unit_per_value_when_one_unit_reads_badly():
    assert value_pair(FRT, 1080, 5700) == "18 to 95 minutes"  # one unit: both read well
    # the two-day fixture's medians: 600 s picks minutes, where 30 s would be "0.5": own units
    assert value_pair(FRT, 30, 600) == "30 seconds to 10 minutes"
    assert value_pair(FRT, 100, 130) == "1.7 to 2.2 minutes"
    # 758,994 s = 8.78 days; 433 s = 7.22 minutes (not "8.8 to 0.0 days")
    assert value_pair(FRT, 758994, 433) == "8.8 days to 7.2 minutes"
    assert value_text(FRT, 61) == "61 seconds" and value_text(FRT, 5400) == "90 minutes"


def test_a_difference_of_shares_reads_as_points():
    # positive share - 5 x negative share: 0.2 - 5 x 0.238 = -0.99; 0.1 - 5 x 0.54 = -2.6
    assert value_pair(NET, -0.99, -2.6) == "-99 to -260 points"
    assert value_text(NET, -0.99) == "-99 points"
    assert value_pair(kpi_by_id("resolution_rate"), 0.5, 5 / 12) == "50 % to 42 %"


def test_effects_carry_units_and_no_minus_zero():
    share = kpi_by_id("resolution_rate")
    assert effect_text(share, -1 / 45) == "-2.2 points" and effect_text(share, 0.0) == "0"
    assert effect_text(share, -1e-5) == "0.0 points"  # rounds to zero: no sign
    assert effect_text(FRT, 351.5) == "+5.9 minutes" and effect_text(FRT, 1.0) == "+1 second"
    assert effect_text(kpi_by_id("volume"), 4, per_day=True) == "+4.0 a day"
    assert effect_text(kpi_by_id("cost_total"), -2.5, per_day=True) == "-2.50 a day"


def test_shares_above_100_percent_are_said_as_they_are():
    assert share_text(1.12) + offset_note(1.12) == "112 % (other segments offset)"
    assert share_text(0.72) + offset_note(0.72) == "72 %"
    assert share_text(-0.0) == "0 %" and share_text(float("nan")) == "n/a"


def test_verdicts_follow_the_kpis_direction_and_spare_totals():
    assert verdict(kpi_by_id("cost_per_resolution"), +1.0, False) == " (worse)"  # lower is better
    assert verdict(FRT, -300.0, False) == " (better)"
    assert verdict(kpi_by_id("resolution_rate"), -0.1, False) == " (worse)"
    assert verdict(kpi_by_id("volume"), 5.0, True) == ""  # no direction
    assert verdict(kpi_by_id("cost_total"), 5.0, True) == ""
    # savings vs phone (direction higher) is a sum over cases: more cases raise it too
    assert verdict(kpi_by_id("savings_vs_phone"), 5.0, True) == \
        " (a total: it also moves with the number of cases)"
