"""The case browser (scorecard/cases/browser.py) and the Conversations page, on the shared dashboard
warehouse: generated sample data plus a case whose messages carry HTML, script and link payloads.
Expected counts are recomputed independently with plain SQL on the same file."""

from __future__ import annotations

import duckdb
import pytest
from dash import html

from scorecard.cases.browser import CaseQuery, case_page, case_transcript
from scorecard.cases.data_cases import like_pattern
from tests.browser import (
    FORMULA,
    INJECTED_CASE,
    INJECTIONS,
    components_of,
    dashboard_warehouse,
    serving,
    texts_of,
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


@pytest.fixture(scope="module")
def svc(db):
    with serving(db) as s:
        yield s


def _sql(db, sql, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_like_pattern_escapes_wildcards():
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_counts_filters_and_paging_match_plain_sql(svc, db):
    con, cfg = svc.reader.cursor(), svc.config
    everything = case_page(con, cfg, CaseQuery(), 0, 25)
    assert everything.total == _sql(db, "select count(*) from fct_cases")[0][0]
    assert len(everything.rows) == 25 and everything.page_count == -(-everything.total // 25)
    opened = list(everything.rows["opened_at"])
    assert opened == sorted(opened, reverse=True)  # newest first by default
    second = case_page(con, cfg, CaseQuery(), 1, 25)
    assert set(second.rows["interaction_id"]).isdisjoint(everything.rows["interaction_id"])
    last = case_page(con, cfg, CaseQuery(), 10_000, 25)  # past the end: the last page
    assert last.page == everything.page_count - 1 and 1 <= len(last.rows) <= 25
    private = case_page(con, cfg, CaseQuery(flags=("private",)), 0, 10)
    assert private.total == _sql(db, "select count(*) from fct_cases where handled_privately")[0][0]
    day = case_page(
        con, cfg, CaseQuery(start="2024-02-05", end="2024-02-05", status=("unanswered",)), 0, 50
    )
    assert (
        day.total
        == _sql(
            db,
            "select count(*) from fct_cases where opened_at::date = '2024-02-05' "
            "and status = 'unanswered'",
        )[0][0]
    )
    assert "twcs:900010" in set(day.rows["interaction_id"])


def test_search_is_literal_and_bound(svc, db):
    con, cfg = svc.reader.cursor(), svc.config
    hit = case_page(con, cfg, CaseQuery(search="onerror=alert"), 0, 10)
    assert list(hit.rows["interaction_id"]) == [INJECTED_CASE]
    assert hit.rows["first_message"].iloc[0] == "@SafeBrand " + INJECTIONS[0]
    quote = case_page(con, cfg, CaseQuery(search="'; drop table fct_cases; --"), 0, 10)
    assert quote.total == 0
    percent = _sql(
        db, "select count(distinct interaction_id) from fct_messages where contains(text, '%')"
    )[0][0]
    assert case_page(con, cfg, CaseQuery(search="%"), 0, 10).total == percent
    assert case_page(con, cfg, CaseQuery(search=INJECTED_CASE), 0, 10).total == 1  # an id works too


def test_sort_by_first_response(svc):
    rows = case_page(
        svc.reader.cursor(), svc.config, CaseQuery(sort="frt_s", descending=False), 0, 40
    ).rows
    frt = [v for v in rows["frt_s"] if v == v]
    assert frt == sorted(frt)


def test_transcript_keeps_payloads_as_plain_text(svc):
    from pages._transcript import transcript_view

    t = case_transcript(svc.reader.cursor(), svc.config, INJECTED_CASE)
    assert list(t.messages["author_role"]) == ["customer", "agent", "customer", "customer"]
    view = transcript_view(t)
    texts = [
        c.children
        for c in components_of(view)
        if "transcript-text" in str(getattr(c, "className", ""))
    ]
    assert texts == [
        "@SafeBrand " + INJECTIONS[0],
        "@evil_user Sorry! Please DM us ^AB",
        "@SafeBrand " + INJECTIONS[1],
        "@SafeBrand " + INJECTIONS[2],
    ]
    kinds = {type(c) for c in components_of(view)}
    assert not kinds & {html.Script, html.Img, html.Iframe, html.A, html.ObjectEl, html.Embed}
    assert "asks to go private" in texts_of(view)  # the agent's 'DM us' flag
    assert (
        "No case with id nope"
        in texts_of(transcript_view(case_transcript(svc.reader.cursor(), svc.config, "nope")))[0]
    )


def test_page_callbacks_page_select_and_export_the_same_rows(svc, db):
    from pages import conversations as page

    request = {"startRow": 0, "endRow": page.PAGE_SIZE, "sortModel": [], "filterModel": {}}
    response, count, bar = page.case_table(
        request, "2024-01-01", "2024-02-11", ["social"], [], [], [], [], ""
    )
    data = response["rowData"]
    n = _sql(
        db,
        "select count(*) from fct_cases where channel = 'social' and opened_at::date between "
        "'2024-01-01' and '2024-02-11'",
    )[0][0]
    assert (
        count.startswith(f"{n:,} cases match · page 1 of {-(-n // page.PAGE_SIZE)}")
        and response["rowCount"] == n
    )
    assert len(data) == page.PAGE_SIZE < n  # one page is sent, never every row
    second, _, _ = page.case_table(
        request | {"startRow": page.PAGE_SIZE, "endRow": 2 * page.PAGE_SIZE},
        "2024-01-01",
        "2024-02-11",
        ["social"],
        [],
        [],
        [],
        [],
        "",
    )
    assert texts_of(bar)[0].startswith(f"{n:,} rows")
    cases = page.tables("2024-01-01", "2024-02-11", ["social"], [], [], [], [], "", [], None)[
        "cases"
    ]()
    assert len(cases) == n
    assert list(cases["interaction_id"][: page.PAGE_SIZE]) == [r["interaction_id"] for r in data]
    assert list(cases["interaction_id"][page.PAGE_SIZE : 2 * page.PAGE_SIZE]) == [
        r["interaction_id"] for r in second["rowData"]
    ]
    assert page.select_case([data[2]]) == data[2]["interaction_id"]
    formula = page.tables(None, None, [], [], [], [], [], "HYPERLINK", [], None)["cases"]()
    assert list(formula["first_message"]) == [FORMULA]


def test_url_holds_filters_search_and_the_open_case(svc):
    from pages.conversations import url_search

    q = url_search(
        "2024-02-01",
        "2024-02-05",
        ["social"],
        None,
        [],
        ["open"],
        ["private"],
        "refund",
        INJECTED_CASE,
    )
    assert (
        q
        == "?start=2024-02-01&end=2024-02-05&channel=social&status=open&flags=private&q=refund&case=twcs%3A900001"
    )


def test_transcript_facts_show_a_dash_for_what_the_case_lacks(svc, db):
    """A case no agent answered has no agent id (NULL in fct_cases, NaN in the frame): its facts
    read 'agent –', never 'nan' (a real bug: the view printed str(NaN))."""
    from pages._transcript import transcript_view

    case = _sql(
        db,
        "select interaction_id from fct_cases where agent_id is null order by interaction_id limit 1",
    )[0][0]
    texts = texts_of(transcript_view(case_transcript(svc.reader.cursor(), svc.config, case)))
    assert "nan" not in texts, texts  # before the fix: ['agent: ', 'nan', ...]
    assert texts[texts.index("agent: ") + 1] == "–"


def test_a_message_without_author_or_flags_shows_neither():
    """A message row whose author id and flags are NULL (NaN in the frame; mapped exports without
    agent ids) reads 'agent · <time>' with no badge: NaN printed 'nan' and, being truthy, showed
    'asks to go private' and 'run-around' badges before."""
    import numpy as np
    import pandas as pd

    from pages._transcript import _message

    row = pd.Series(
        {
            "author_role": "agent",
            "author_id": np.nan,
            "asks_private": np.nan,
            "is_runaround": np.nan,
            "sent_at": pd.Timestamp("2024-01-01 10:00", tz="UTC"),
            "sentiment": 0.1,
            "text": "hi",
        }
    )
    texts = texts_of(_message(row))
    assert not any("nan" in x for x in texts), texts
    assert "asks to go private" not in texts and "run-around" not in texts
    assert texts[1].count("·") == 1  # " · <time>": no empty author between two dots
    flagged = row.copy()
    flagged["author_id"], flagged["is_runaround"] = "AB", True
    texts = texts_of(_message(flagged))
    assert (
        texts[1].startswith(" · AB · ")
        and "run-around" in texts
        and "asks to go private" not in texts
    )


def test_first_response_reads_as_a_duration_and_sorts_by_seconds(svc, db):
    """The case list shows first response as people read it ('7 h 20 min', never 26,400), while
    sorting stays on the server's seconds: the rows sorted by frt_s descending come back in the
    order of fct_cases.frt_s, each formatted by the one duration formatter (pages/_format.py:
    45 -> '45 s', 748 -> '12 min', 26,400 -> '7 h 20 min', hand-checked)."""
    from pages import conversations as page
    from pages._components import records
    from pages._format import duration

    frame = __import__("pandas").DataFrame({"frt_s": [45.0, 748.0, 26400.0, None]})
    assert [r["frt_s"] for r in records(frame, ["frt_s"])] == ["45 s", "12 min", "7 h 20 min", None]
    request = {
        "startRow": 0,
        "endRow": page.PAGE_SIZE,
        "sortModel": [{"colId": "frt_s", "sort": "desc"}],
        "filterModel": {},
    }
    response, _, _ = page.case_table(
        request, "2024-01-01", "2024-02-11", ["social"], [], [], [], [], ""
    )
    expected = _sql(
        db,
        "select frt_s from fct_cases where channel = 'social' and opened_at::date between "
        "'2024-01-01' and '2024-02-11' order by frt_s desc nulls last, interaction_id limit ?",
        [page.PAGE_SIZE],
    )
    assert [r["frt_s"] for r in response["rowData"]] == [duration(v) for (v,) in expected]
