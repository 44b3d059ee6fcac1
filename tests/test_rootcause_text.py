"""Wording of root-cause results: units per value, effects with units, honest shares, verdicts."""

from __future__ import annotations

from scorecard.kpis.catalogue import kpi_by_id
from scorecard.rootcause.change_text import (
    effect_text,
    offset_note,
    share_text,
    value_pair,
    value_text,
    verdict,
)

FRT, NET = kpi_by_id("frt_median_s"), kpi_by_id("net_sentiment_weighted")


def test_durations_read_in_hours_and_minutes():
    assert value_pair(FRT, 1080, 5700) == "18 min to 1 h 35 min"
    assert value_pair(FRT, 30, 600) == "30 s to 10 min"
    assert value_pair(FRT, 100, 130) == "2 min to 2 min"  # 1.7 and 2.2 minutes, rounded
    # 758,994 s = 210.8 h = 8 d 19 h; 433 s = 7.2 minutes (not "8.8 to 0.0 days")
    assert value_pair(FRT, 758994, 433) == "8 d 19 h to 7 min"
    assert value_text(FRT, 61) == "1 min" and value_text(FRT, 5400) == "1 h 30 min"
    assert value_text(FRT, 8040) == "2 h 14 min" and value_text(FRT, 59) == "59 s"
    assert value_text(FRT, 86400) == "1 d" and value_text(FRT, 3590) == "1 h"
    assert value_text(FRT, 981 * 86400 + 5 * 3600) == "981 d"  # from ten days on, whole days


def test_a_difference_of_shares_reads_as_points():
    # positive share - 5 x negative share, in points: 20 - 5 x 23.8 = -99; 10 - 5 x 54 = -260
    assert value_pair(NET, -99, -260) == "-99 to -260 points"
    assert value_text(NET, -99) == "-99 points" and value_text(NET, -0.2) == "0 points"
    assert value_pair(kpi_by_id("resolution_rate"), 0.5, 5 / 12) == "50 % to 42 %"


def test_effects_carry_units_and_no_minus_zero():
    share = kpi_by_id("resolution_rate")
    assert effect_text(share, -1 / 45) == "-2.2 points" and effect_text(share, 0.0) == "0"
    assert effect_text(share, -1e-5) == "0.0 points"  # rounds to zero: no sign
    assert effect_text(FRT, 351.5) == "+6 min" and effect_text(FRT, 1.0) == "+1 s"
    assert effect_text(FRT, -8040) == "-2 h 14 min" and effect_text(FRT, -0.2) == "0 s"
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
    assert (
        verdict(kpi_by_id("savings_vs_phone"), 5.0, True)
        == " (a total: it also moves with the number of cases)"
    )
