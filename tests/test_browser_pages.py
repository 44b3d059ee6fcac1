"""Every page in a real browser (Playwright + Debian Chromium) against `socialcare serve` on the
shared dashboard warehouse: no console errors, filters update figures, a red tile leads to the
cases behind it, an export downloads exactly the rows shown, injected HTML stays text."""

from __future__ import annotations

import csv
import io
import re

import pytest

from scorecard.rootcause.shortfall import explain_shortfall
from tests.browser import (
    INJECTED_CASE,
    INJECTIONS,
    browser_page,
    cells,
    choose_option,
    chromium_missing,
    column_texts,
    dash_server,
    dashboard_warehouse,
    serving,
    wait_for_rows,
    wait_until,
)  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing())),
]
PAGES = {
    "/": "#tile-volume .kpi-value",
    "/economics": "#ec-cost .main-svg",
    "/trends": "#tr-chart .main-svg",
    "/rootcause": "#rc-chart .main-svg",
    "/conversations": cells("cv-table"),
    "/health": cells("he-loads"),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


@pytest.fixture(scope="module")
def server(db):
    with dash_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with browser_page() as p:
        dialogs: list[str] = []
        p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        p.dialogs = dialogs  # type: ignore[attr-defined]
        yield p


def _idle(page) -> None:
    """Wait until Dash has no callback in flight."""
    wait_until(page, "!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000)


def test_every_page_loads_without_console_errors(server, page):
    for path, ready in PAGES.items():
        page.goto(server + path)
        page.wait_for_selector(ready, timeout=30_000)
        _idle(page)
        assert page.locator("#freshness-badge").inner_text().startswith("data through"), path
    assert page.errors == [] and page.dialogs == []


def test_a_filter_change_updates_the_figures_and_the_url(server, page):
    page.goto(server + "/trends?kpi=volume")
    page.wait_for_selector("#tr-chart .main-svg")
    _idle(page)
    traces = "document.querySelector('#tr-chart .js-plotly-plot').data.filter(t => t.mode && t.mode.includes('markers') && t.name !== 'anomaly').length"
    assert page.evaluate(traces) == 1
    choose_option(page, "tr-by", "channel")
    wait_until(page, f"{traces} === 4", timeout=30_000)
    assert "by=channel" in page.url  # the view is a shareable link
    assert (
        page.evaluate("document.querySelector('#tr-chart .gtitle').textContent")
        == "Cases per day by channel"
    )
    assert page.errors == []


def test_a_red_tile_leads_to_the_cases_behind_it(server, page, db):
    page.goto(server + "/?day=2024-01-22")
    page.wait_for_selector(".tile-link .kpi-tile")
    link = page.locator(".tile-link").first
    href = link.get_attribute("href")
    kpi = re.search(r"kpi=([a-z_0-9]+)", href).group(1)
    link.click()
    page.wait_for_url(re.compile(r"/rootcause\?"))
    # a red tile opens "why is it off target": the failing cases (tests/test_browser_rootcause.py)
    page.locator("#rc-cases-count", has_text="failing").wait_for(timeout=60_000)
    channel = re.search(r"channel=([a-z]+)", href)
    with serving(db) as svc:
        expected = len(
            explain_shortfall(
                svc.reader.cursor(),
                svc.config,
                kpi,
                "2024-01-22",
                (),
                {"channel": [channel.group(1)]} if channel else {},
            ).cases
        )
    assert page.inner_text("#rc-cases-count").startswith(f"{expected:,} failing")
    assert f"kpi={kpi}" in page.url and "period=2024-01-22..2024-01-22" in page.url
    page.locator(cells("rc-cases-table")).first.click()
    page.wait_for_selector("#rc-transcript .fact")
    assert page.errors == []


def test_an_export_downloads_exactly_the_rows_shown(server, page):
    page.goto(server + "/conversations?start=2024-01-01&end=2024-02-11&channel=social&q=the")
    wait_for_rows(page, "cv-table")
    _idle(page)
    shown = int(page.inner_text("#cv-count").split(" cases match")[0].replace(",", ""))
    first_page = page.locator(cells("cv-table", "interaction_id")).all_inner_texts()
    with page.expect_download() as info:
        page.click("text=CSV >> nth=0")
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert len(rows) == shown > len(first_page) > 0
    assert [r["interaction_id"] for r in rows[: len(first_page)]] == first_page
    assert all(r["channel"] == "social" for r in rows)
    assert info.value.suggested_filename.startswith("cases_2024-01-01_2024-02-11_social")


def test_the_case_table_pages_sorts_and_filters_on_the_server(server, page, db):
    """Only the page shown crosses the wire: the pager asks the server for the next 15 cases,
    a header click sorts all matching cases in SQL, a filter starts again at page 1; each page
    is the one the library computes (scorecard.cases.browser.case_page)."""
    from scorecard.cases.browser import CaseQuery, case_page

    PAGE_SIZE = 15  # pages/conversations.py (importing a page needs the app)
    query = CaseQuery(start="2024-01-01", end="2024-02-11")
    with serving(db) as svc:
        newest = case_page(svc.reader.cursor(), svc.config, query, 1, PAGE_SIZE)
        fastest = case_page(
            svc.reader.cursor(),
            svc.config,
            CaseQuery(start="2024-01-01", end="2024-02-11", sort="frt_s", descending=False),
            0,
            PAGE_SIZE,
        )
        social = case_page(
            svc.reader.cursor(),
            svc.config,
            CaseQuery(start="2024-01-01", end="2024-02-11", filters=(("channel", ("social",)),)),
            0,
            PAGE_SIZE,
        )
    page.goto(server + "/conversations?start=2024-01-01&end=2024-02-11")
    wait_for_rows(page, "cv-table")
    assert len(column_texts(page, "cv-table", "interaction_id")) == PAGE_SIZE < newest.total
    page.locator("#cv-table .ag-paging-button:has(.ag-icon-next)").click()
    page.locator("#cv-count", has_text=f"page 2 of {newest.page_count}").wait_for(timeout=30_000)
    wait_for_rows(page, "cv-table")
    assert column_texts(page, "cv-table", "interaction_id") == list(newest.rows["interaction_id"])
    page.locator(
        "#cv-table .ag-header-cell[col-id='frt_s']"
    ).click()  # ascending: fastest first answer
    page.locator("#cv-count", has_text="page 1 of").wait_for(timeout=30_000)
    wait_until(
        page,
        f'document.querySelector("{cells("cv-table", "interaction_id")}").innerText === '
        f"{fastest.rows['interaction_id'].iloc[0]!r}",
    )
    assert column_texts(page, "cv-table", "interaction_id") == list(fastest.rows["interaction_id"])
    choose_option(page, "cv-channel", "social")
    page.locator("#cv-count", has_text=f"{social.total:,} cases match · page 1 of").wait_for(
        timeout=30_000
    )
    wait_for_rows(page, "cv-table")
    assert set(column_texts(page, "cv-table", "channel")) == {"social"}
    assert page.errors == []


def test_injected_html_in_a_message_is_shown_as_literal_text(server, page):
    page.goto(server + f"/conversations?case={INJECTED_CASE}&q=onerror")
    page.wait_for_selector("#cv-transcript .transcript-text")
    texts = page.locator("#cv-transcript .transcript-text").all_inner_texts()
    assert texts[0] == "@SafeBrand " + INJECTIONS[0] and texts[2] == "@SafeBrand " + INJECTIONS[1]
    assert texts[3] == "@SafeBrand " + INJECTIONS[2]
    assert (
        page.locator(
            "#cv-transcript img, #cv-transcript script, #cv-transcript a[href^='javascript']"
        ).count()
        == 0
    )
    wait_for_rows(page, "cv-table")
    cell = page.locator(cells("cv-table", "first_message")).first.inner_text()
    assert cell == "@SafeBrand " + INJECTIONS[0]
    assert page.locator("#cv-table img, #cv-table script").count() == 0
    assert page.dialogs == [] and page.errors == []
