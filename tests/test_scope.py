"""Brand scoping of the dashboard's reader (scorecard/service.py open_snapshot): on the real TWCS
sample scoped to sprintcare (3 cases, 12 messages: tests/golden/README.md), every table keeps only
that brand's rows; tables without a brand, case or agent are empty except settings and calendars."""

from __future__ import annotations

from etl.settings.config import Config
from scorecard.kpis.scoring import scorecard
from scorecard.service import SnapshotReader


def test_scoped_reader_keeps_only_the_brand(twcs_db):
    scoped, full = (
        SnapshotReader(twcs_db, ("sprintcare",)).cursor(),
        SnapshotReader(twcs_db).cursor(),
    )
    count = lambda cur, sql: cur.execute(sql).fetchone()[0]  # noqa: E731
    assert count(scoped, "select count(*) from fct_cases") == 3
    assert count(scoped, "select count(distinct brand) from fct_cases") == 1
    assert count(scoped, "select count(*) from fct_messages") == count(
        full,
        "select count(*) from fct_messages where interaction_id in "
        "(select interaction_id from fct_cases where brand = 'sprintcare')",
    )
    assert count(scoped, "select count(*) from interactions where brand <> 'sprintcare'") == 0
    for hidden in ("loads", "quarantine", "raw_twcs", "twcs_threads"):
        assert count(scoped, f"select count(*) from {hidden}") == 0, hidden
        assert count(full, f"select count(*) from {hidden}") >= 0
    assert count(scoped, "select count(*) from business_calendar") == count(
        full, "select count(*) from business_calendar"
    )
    a = scorecard(scoped, Config(), kpi_ids=["volume", "answered_rate", "frt_median_s"])
    b = scorecard(
        full,
        Config(),
        filters={"brand": ["sprintcare"]},
        kpi_ids=["volume", "answered_rate", "frt_median_s"],
    )
    assert [(v.kpi, v.value, v.n) for v in a.kpis] == [(v.kpi, v.value, v.n) for v in b.kpis]
    assert a.value("volume").value == 3 and a.value("frt_median_s").value == 192.0
