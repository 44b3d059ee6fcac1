"""Business seconds between instants, checked by hand (Europe/London; DST changes on
Sun 31 March 2024 01:00 UTC, 01:00 GMT -> 02:00 BST, and Sun 27 October 2024 01:00 UTC,
02:00 BST -> 01:00 GMT), and the SQL lookup used by the scorecard against the numpy version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from etl.settings.business_hours import (
    bucket_table,
    business_intervals,
    business_seconds_between,
    cumulative_business,
    offset_pieces,
    utc_bounds,
)
from etl.settings.config import BusinessHours, config_from_dict
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from tests.rc_fixtures import case, warehouse_from_rows

H = 3600.0
DEFAULT = BusinessHours()  # Mon-Fri 08-20, Sat 09-17, Sun closed, Europe/London


def calendar(windows: dict, holidays: tuple = ()) -> BusinessHours:
    """A calendar from the configuration file syntax (days not given keep the defaults)."""
    raw = {"timezone": "Europe/London", "windows": windows, "holidays": list(holidays)}
    return config_from_dict({"business_hours": raw}).business_hours


def between(start: str, end: str, cal: BusinessHours) -> float:
    """Business seconds between two UTC instants 'YYYY-MM-DD HH:MM'."""
    return float(
        business_seconds_between(pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"), cal)[0]
    )


def test_weekend_and_evenings_are_closed():
    # Fri 5 Jan 19:00 GMT -> Mon 8 Jan 09:00: Fri 19-20 (1 h) + Sat 09-17 (8 h) + Mon 08-09 (1 h)
    assert between("2024-01-05 19:00", "2024-01-08 09:00", DEFAULT) == 10 * H
    # Sunday is closed all day
    assert between("2024-01-07 00:00", "2024-01-07 23:59", DEFAULT) == 0


def test_several_windows_a_day():
    cal = calendar({"mon": ["08:00-12:00", "13:00-17:00"]})
    # Mon 8 Jan 11:00 -> 14:00: 11-12 and 13-14
    assert between("2024-01-08 11:00", "2024-01-08 14:00", cal) == 2 * H


def test_overnight_window_runs_past_midnight():
    cal = calendar({"fri": ["22:00-02:00"], "sat": []})
    # Fri 5 Jan 21:00 -> Sat 6 Jan 03:00 GMT: open 22:00-02:00 = 4 h
    assert between("2024-01-05 21:00", "2024-01-06 03:00", cal) == 4 * H
    # the part after midnight belongs to Friday's window: Sat 00:30 -> 01:30 = 1 h
    assert between("2024-01-06 00:30", "2024-01-06 01:30", cal) == H


def test_whole_day_window():
    cal = calendar({"sun": ["00:00-24:00"]})
    assert between("2024-01-07 00:00", "2024-01-08 00:00", cal) == 24 * H


def test_spring_forward_night_is_an_hour_shorter():
    # Sat 30 Mar 22:00 GMT (= 22:00 UTC) -> Sun 31 Mar 02:00 BST (= 01:00 UTC): 3 h, not 4
    cal = calendar({"sat": ["22:00-02:00"]})
    assert between("2024-03-30 21:00", "2024-03-31 03:00", cal) == 3 * H
    # Sun 31 Mar 00:00-03:00 local = 00:00-02:00 UTC: 2 h
    assert (
        between(
            "2024-03-30 23:00", "2024-03-31 05:00", calendar({"sat": [], "sun": ["00:00-03:00"]})
        )
        == 2 * H
    )


def test_a_window_opening_in_the_spring_gap_takes_the_offset_before():
    # 01:30 does not exist on 31 March; fold=0 reads it as GMT (01:30 UTC); 04:00 BST = 03:00 UTC
    cal = calendar({"sat": [], "sun": ["01:30-04:00"]})
    assert between("2024-03-31 00:00", "2024-03-31 06:00", cal) == 1.5 * H


def test_fall_back_night_is_an_hour_longer():
    # Sun 27 Oct 00:00 BST (= Sat 23:00 UTC) -> 03:00 GMT (= 03:00 UTC): 4 h, not 3
    cal = calendar({"sat": [], "sun": ["00:00-03:00"]})
    assert between("2024-10-26 22:00", "2024-10-27 04:00", cal) == 4 * H
    # Sat 26 Oct 22:00 BST (21:00 UTC) -> Sun 02:00 GMT (02:00 UTC): 5 h
    assert (
        between("2024-10-26 20:00", "2024-10-27 04:00", calendar({"sat": ["22:00-02:00"]})) == 5 * H
    )


def test_an_ambiguous_closing_time_is_its_first_occurrence():
    # 01:30 happens twice on 27 Oct; fold=0 = the first, in BST = 00:30 UTC: 21:00 -> 00:30 UTC
    cal = calendar({"sat": ["22:00-01:30"]})
    assert between("2024-10-26 20:00", "2024-10-27 04:00", cal) == 3.5 * H


def test_summer_days_are_in_local_time():
    # Mon 3 Jun (BST): 08:00-20:00 local = 07:00-19:00 UTC
    assert between("2024-06-03 06:00", "2024-06-03 08:00", DEFAULT) == H
    assert between("2024-06-03 18:30", "2024-06-03 20:00", DEFAULT) == 0.5 * H


def test_holidays_close_the_windows_that_open_on_them():
    xmas = calendar({}, ("2024-12-25", "2024-12-26"))
    # Tue 24 Dec 19:00 -> Fri 27 Dec 09:00 GMT: Tue 19-20 + Fri 08-09 (25 and 26 closed)
    assert between("2024-12-24 19:00", "2024-12-27 09:00", xmas) == 2 * H
    # an overnight window opened the evening before a holiday still runs into it
    cal = calendar({"tue": ["22:00-02:00"], "wed": ["22:00-02:00"]}, ("2024-12-25",))
    assert between("2024-12-24 21:00", "2024-12-26 03:00", cal) == 4 * H


def test_vectorised_with_missing_and_reversed_instants():
    s = pd.Series(pd.to_datetime(["2024-01-08 10:00", None, "2024-01-08 12:00"], utc=True))
    e = pd.Series(
        pd.to_datetime(["2024-01-08 11:00", "2024-01-08 11:00", "2024-01-08 11:00"], utc=True)
    )
    got = business_seconds_between(s, e, DEFAULT)
    assert got[0] == H and np.isnan(got[1]) and got[2] == -H
    epoch = business_seconds_between(np.array([1704708000.0]), np.array([1704711600.0]), DEFAULT)
    assert epoch[0] == H  # epoch seconds work too (Mon 8 Jan 10:00 -> 11:00 UTC)


def test_intervals_merge_overlapping_windows():
    cal = calendar({"mon": ["08:00-12:00", "11:00-13:00"]})
    t = datetime(2024, 1, 8, tzinfo=UTC).timestamp()
    s, e = business_intervals(cal, t, t)
    monday = (s >= t) & (s < t + 86400)
    assert list(e[monday] - s[monday]) == [5 * H]


def test_bucket_table_reproduces_cumulative_business_time():
    cal = calendar({"sat": ["22:00-02:00"], "sun": ["01:30-04:00", "10:00-10:30"]}, ("2024-10-28",))
    lo = datetime(2024, 10, 20, tzinfo=UTC).timestamp()
    hi = lo + 14 * 86400
    table = bucket_table(cal, lo, hi, 86400)
    starts, ends = business_intervals(cal, lo, hi + 86400)
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(lo, hi, 500))
    k = np.floor(t / 86400).astype(int) - table["k"][0]
    pieces = (len(table) - 2) // 2
    b = np.asarray(table["c"])[k] + sum(
        np.clip(
            t - np.asarray(table[f"s{j}"])[k],
            0,
            np.asarray(table[f"e{j}"])[k] - np.asarray(table[f"s{j}"])[k],
        )
        for j in range(1, pieces + 1)
    )
    ref = cumulative_business(t, starts, ends)
    assert np.allclose(np.diff(b), np.diff(ref))


def test_scorecard_business_frt_equals_the_numpy_function(tmp_path):
    """The SQL lookup behind frt_business_median_s against business_seconds_between on 400
    random cases around both 2024 DST changes, with overnight windows and a holiday."""
    cfg = config_from_dict(
        {
            "business_hours": {
                "timezone": "Europe/London",
                "holidays": ["2024-10-28"],
                "windows": {
                    "sat": ["22:00-02:00"],
                    "sun": ["01:30-04:00", "10:00-10:30"],
                    "wed": ["07:15-12:00", "12:30-23:45"],
                },
            }
        }
    )
    rng = np.random.default_rng(11)
    rows = []
    for i in range(400):
        base = datetime(2024, 3, 25) if i % 2 else datetime(2024, 10, 21)
        opened = base + timedelta(seconds=float(rng.uniform(0, 12 * 86400)))
        rows.append(case(f"c{i}", opened, "social", False, float(rng.exponential(30000))))
    db = warehouse_from_rows(tmp_path / "w.duckdb", rows)
    con = open_warehouse(db)
    res = scorecard(con, cfg, kpi_ids=["frt_business_median_s"]).kpis[0]
    frame = pd.DataFrame(rows)
    ref = business_seconds_between(
        frame["opened_at"], frame["first_response_at"], cfg.business_hours
    )
    assert res.n == 400
    assert res.value == pytest.approx(np.median(ref), abs=1e-6)
    assert res.stat("mean") == pytest.approx(ref.mean(), abs=1e-6)
    assert res.stat("p90") == pytest.approx(np.quantile(ref, 0.9), abs=1e-6)


def test_local_dates_become_utc_bounds_and_offsets():
    lo, hi = utc_bounds("Europe/London", "2024-06-01", "2024-06-01")
    assert (lo.isoformat(), hi.isoformat()) == (
        "2024-05-31T23:00:00+00:00",
        "2024-06-01T23:00:00+00:00",
    )
    t0 = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    pieces = offset_pieces("Europe/London", t0, t0 + 366 * 86400)
    assert [
        (datetime.fromtimestamp(t, UTC).isoformat() if np.isfinite(t) else None, o)
        for t, o in pieces
    ] == [(None, 0.0), ("2024-03-31T01:00:00+00:00", 3600.0), ("2024-10-27T01:00:00+00:00", 0.0)]


def _sunday_and_monday_cases(sundays: int, mondays: int) -> list[dict]:
    """Cases on Sun 7 Jan 2024 10:00 answered an hour later (Sunday is closed in the default
    calendar: 0 s of business time) and on Mon 8 Jan 09:00 answered 600 s later (600 s)."""
    sun = [case(f"s{i}", datetime(2024, 1, 7, 10, 0), "social", False, H) for i in range(sundays)]
    mon = [
        case(f"m{i}", datetime(2024, 1, 8, 9, 0), "social", False, 600.0) for i in range(mondays)
    ]
    return sun + mon


@pytest.mark.parametrize(
    ("sundays", "mondays", "median", "said"),
    [(3, 2, 0.0, True), (2, 3, 600.0, False)],  # medians of [0, 0, 0, 600, 600] and [0, 0, 600 x3]
)
def test_a_zero_median_in_business_time_says_what_it_means(
    tmp_path, sundays, mondays, median, said
):
    # an operations leader reading "0 s" would take it for instant replies; the scorecard's note
    # and the tile say that at least half of the cases had no business time before the reply
    from pages._components import kpi_tile
    from scorecard.kpis.catalogue import kpi_by_id
    from tests.browser import texts_of

    db = warehouse_from_rows(tmp_path / "w.duckdb", _sunday_and_monday_cases(sundays, mondays))
    res = scorecard(open_warehouse(db), config_from_dict({}), kpi_ids=["frt_business_median_s"])
    [v] = res.kpis
    assert (v.value, v.n) == (median, 5)
    zero = "at least half had no business time before the first response"
    assert (v.note == f"0 because {zero}") is said and (v.note is None) is not said
    tile = " ".join(texts_of(kpi_tile(kpi_by_id("frt_business_median_s"), v)))
    assert (zero in tile) is said
    # the same cases' median in clock time is an hour or 600 s: no such note there
    [clock] = scorecard(open_warehouse(db), config_from_dict({}), kpi_ids=["frt_median_s"]).kpis
    assert clock.value == (H if said else 600.0) and clock.note is None


def test_the_daily_report_says_what_a_zero_in_business_time_means(tmp_path):
    # the report's "Every KPI" table is read in the inbox, away from the tile: on Sunday 7 Jan
    # (closed in the default calendar) the 3 cases have 0 s of business time before their reply,
    # and the line says why under the row; on Monday 8 Jan (600 s each) there is nothing to say
    from scorecard.reports.daily import computed_kpi_lines, daily_report

    db = warehouse_from_rows(tmp_path / "w.duckdb", _sunday_and_monday_cases(3, 2))
    cfg = config_from_dict({})  # days in UTC
    con = open_warehouse(db)
    lines = {
        d: {k.kpi: k for k in computed_kpi_lines(con, cfg, d)} for d in ("2024-01-07", "2024-01-08")
    }
    sunday, monday = (
        lines["2024-01-07"]["frt_business_median_s"],
        lines["2024-01-08"]["frt_business_median_s"],
    )
    said = "0 because at least half had no business time before the first response"
    assert (sunday.value, sunday.n, sunday.reason) == (
        "0 s",
        3,
        f"thin: n=3, fewer than 30; {said}",
    )
    assert (monday.value, monday.n, monday.reason) == ("10 min", 2, "thin: n=2, fewer than 30")
    html = daily_report(con, cfg, "2024-01-07").html()
    assert f'<td colspan="5" class="reason">thin: n=3, fewer than 30; {said}</td>' in html
