"""Case transcripts (warehouse/sql/queries/case_transcripts.sql, read by `socialcare drill` and the
shortfall explanation) put each case's messages in conversation order without an ordered aggregate
for cases of at most 8 messages (issue 23 item 3). The text must be exactly what the ordered
`string_agg` gave before, on hand-built edge cases (hand-computed: tests/golden/streams.md), on the
generated demo data and on the real TWCS sample."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from etl.settings.config import Config
from scorecard.kpis.data import open_warehouse
from tests.browser import dashboard_warehouse
from tests.rc_fixtures import case, message, warehouse_from_rows
from warehouse.queries import named_sql

# The query before issue 23 item 3 (one ordered string_agg per case): the reference.
BEFORE = """
select
    m.interaction_id,
    string_agg(
        strftime(timezone($tz, m.sent_at), '%Y-%m-%d %H:%M') || ' ' || m.author_role
        || coalesce(' ' || m.author_id, '')
        || coalesce(' [' || printf('%+.2f', m.sentiment) || ']', '')
        || case when m.asks_private then ' [asks private]' else '' end
        || case when m.is_runaround then ' [run-around]' else '' end
        || ': ' || coalesce(m.text, ''),
        chr(10) order by m.seq, m.sent_at, m.message_id) as transcript
from stg_messages m
where m.interaction_id in (select interaction_id from fct_cases)
group by m.interaction_id
"""
T0 = datetime(2024, 3, 2, 10)


def _messages() -> list[dict]:
    """Edge cases of the slot rule: 10 messages stored out of order (the ordered-aggregate
    branch), exactly 8 and 9 (the boundary), ties on seq (then sent_at, then message_id), one
    message, and a message without sentiment but with both flags."""
    out = []
    for i in (7, 2, 9, 0, 5, 1, 8, 3, 6, 4):  # stored shuffled; seq gives the order
        role = "customer" if i % 2 == 0 else "agent"
        sent = T0 + timedelta(minutes=i)
        out.append(message(f"L{i}", "long", i + 1, role, sent, f"line {i}", None))
    for n in (8, 9):
        for i in reversed(range(n)):
            sent = T0 + timedelta(minutes=i)
            out.append(message(f"E{n}-{i}", f"c{n}", i + 1, "customer", sent, f"m{i}", 0.25))
    # one seq for three messages: sent_at orders m-b before m-a; m-c and m-d share seq and
    # sent_at, so message_id orders them
    out += [
        message("m-a", "tie", 1, "customer", T0 + timedelta(minutes=5), "second", -0.5),
        message("m-b", "tie", 1, "agent", T0 + timedelta(minutes=1), "first", 0.1),
        message("m-d", "tie", 2, "agent", T0 + timedelta(minutes=9), "fourth", None),
        message("m-c", "tie", 2, "customer", T0 + timedelta(minutes=9), "third", None),
        message(
            "s1", "one", 1, "customer", T0, "=1+1 dm me", None, asks_private=True, is_runaround=True
        ),
    ]
    return out


@pytest.fixture(scope="module")
def edge_db(tmp_path_factory):
    ids = ("long", "c8", "c9", "tie", "one")
    cases = [case(i, T0, "social", True, 60) for i in ids]
    return warehouse_from_rows(tmp_path_factory.mktemp("tx") / "w.duckdb", cases, _messages())


def _transcripts(db, sql: str, tz: str = "UTC") -> dict[str, str]:
    con = open_warehouse(db)
    try:
        return dict(con.execute(sql, {"tz": tz}).fetchall())
    finally:
        con.close()


def _now(db, tz: str = "UTC") -> dict[str, str]:
    sql = named_sql("case_transcripts").replace("{ids}", "select interaction_id from fct_cases")
    return _transcripts(db, sql, tz)


def test_hand_computed_orders_and_branches(edge_db):
    got = _now(edge_db)
    assert got["tie"] == "\n".join(
        [
            "2024-03-02 10:01 agent AB [+0.10]: first",
            "2024-03-02 10:05 customer cust [-0.50]: second",
            "2024-03-02 10:09 customer cust: third",
            "2024-03-02 10:09 agent AB: fourth",
        ]
    )
    assert got["long"].split("\n") == [
        f"2024-03-02 10:{i:02d} {'customer cust' if i % 2 == 0 else 'agent AB'}: line {i}"
        for i in range(10)
    ]
    for n in (8, 9):  # both sides of the slot boundary
        assert got[f"c{n}"].split("\n") == [
            f"2024-03-02 10:{i:02d} customer cust [+0.25]: m{i}" for i in range(n)
        ]
    assert got["one"] == "2024-03-02 10:00 customer cust [asks private] [run-around]: =1+1 dm me"
    assert set(got) == {"long", "c8", "c9", "tie", "one"}


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_edge_cases_equal_the_ordered_aggregate(edge_db, tz):
    assert _now(edge_db, tz) == _transcripts(edge_db, BEFORE, tz)


def test_real_twcs_sample_equals_the_ordered_aggregate(twcs_db):
    before = _transcripts(twcs_db, BEFORE, "America/New_York")
    assert len(before) > 20  # the sample's cases with messages
    assert _now(twcs_db, "America/New_York") == before


def test_demo_data_equals_the_ordered_aggregate(tmp_path_factory):
    db = dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")
    before = _transcripts(db, BEFORE, Config().display_timezone)
    assert len(before) > 500
    longest = max(t.count("\n") + 1 for t in before.values())
    assert longest > 1  # multi-message conversations are compared, not only single lines
    assert _now(db, Config().display_timezone) == before


def _plan(db, kpi: str) -> str:
    from scorecard.rootcause.change import _drill_args
    from scorecard.rootcause.data_rootcause import _drill_query

    con = open_warehouse(db)
    try:
        sql, params, _ = _drill_query(
            con, Config(), *_drill_args(kpi, "2024-03-02", "2024-03-02", {})
        )
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        return "\n".join(r[1] for r in con.execute("explain " + sql, used).fetchall())
    finally:
        con.close()


@pytest.mark.parametrize(
    "kpi, reads_surveys",
    [("frt_median_s", False), ("sentiment_mean", False), ("recommend_rate", True)],
)
def test_only_a_survey_kpi_drill_reads_the_survey_answers(edge_db, kpi, reads_surveys):
    # a cases or messages KPI has no survey rows; joining all answers anyway made the 10M drill
    # hash 1M answers (or every drilled row with its transcript) and run out of memory
    assert ("fct_surveys" in _plan(edge_db, kpi)) is reads_surveys
