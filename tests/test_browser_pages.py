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
    choose_option,
    chromium_missing,
    dash_server,
    dashboard_warehouse,
    serving,
    wait_until,
)  # fmt: skip

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))]
PAGES = {"/": "#tile-volume .kpi-value", "/economics": "#ec-cost .main-svg", "/trends": "#tr-chart .main-svg",
         "/rootcause": "#rc-chart .main-svg", "/conversations": "#cv-table td", "/health": "#he-loads td"}


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
    assert page.evaluate("document.querySelector('#tr-chart .gtitle').textContent") == "Cases per day by channel"
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
        expected = len(explain_shortfall(svc.reader.cursor(), svc.config, kpi, "2024-01-22", (),
                                         {"channel": [channel.group(1)]} if channel else {}).cases)
    assert page.inner_text("#rc-cases-count").startswith(f"{expected:,} failing")
    assert f"kpi={kpi}" in page.url and "period=2024-01-22..2024-01-22" in page.url
    page.locator("#rc-cases-table td").first.click()
    page.wait_for_selector("#rc-transcript .fact")
    assert page.errors == []


def test_an_export_downloads_exactly_the_rows_shown(server, page):
    page.goto(server + "/conversations?start=2024-01-01&end=2024-02-11&channel=social&q=the")
    page.wait_for_selector("#cv-table td")
    _idle(page)
    shown = int(page.inner_text("#cv-count").split(" cases match")[0].replace(",", ""))
    first_page = page.locator("#cv-table td[data-dash-column='interaction_id']").all_inner_texts()
    with page.expect_download() as info:
        page.click("text=CSV >> nth=0")
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert len(rows) == shown > len(first_page) > 0
    assert [r["interaction_id"] for r in rows[: len(first_page)]] == first_page
    assert all(r["channel"] == "social" for r in rows)
    assert info.value.suggested_filename.startswith("cases_2024-01-01_2024-02-11_social")


def test_injected_html_in_a_message_is_shown_as_literal_text(server, page):
    page.goto(server + f"/conversations?case={INJECTED_CASE}&q=onerror")
    page.wait_for_selector("#cv-transcript .transcript-text")
    texts = page.locator("#cv-transcript .transcript-text").all_inner_texts()
    assert texts[0] == "@SafeBrand " + INJECTIONS[0] and texts[2] == "@SafeBrand " + INJECTIONS[1]
    assert texts[3] == "@SafeBrand " + INJECTIONS[2]
    assert page.locator("#cv-transcript img, #cv-transcript script, #cv-transcript a[href^='javascript']").count() == 0
    cell = page.locator("#cv-table td[data-dash-column='first_message']").first.inner_text()
    assert cell == "@SafeBrand " + INJECTIONS[0]
    assert page.locator("#cv-table img, #cv-table script").count() == 0
    assert page.dialogs == [] and page.errors == []
