"""/opportunities in a real browser (Playwright + Debian Chromium) on the shared dashboard
warehouse: the queue lists the flagged cases with their outcome, the kind filter narrows it, a
click opens the case in /conversations, no console errors; a screenshot at 1366x768."""

from __future__ import annotations

import pytest

from scorecard.cases.opportunities import opportunity_queue
from scorecard.kpis.data import open_warehouse
from tests.browser import (
    browser_page,
    cells,
    chromium_missing,
    dash_server,
    dashboard_warehouse,
    wait_for_rows,
    wait_until,
)  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing())),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


@pytest.fixture(scope="module")
def server(db):
    with dash_server(db) as url:
        yield url


def test_opportunities_page(server, db, tmp_path):
    from etl.settings.config import Config

    expected = opportunity_queue(open_warehouse(db), Config(), None, None, {})
    assert expected.n > 0  # the generated data has stock-out phrases
    with browser_page() as page:
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server + "/opportunities?start=2000-01-01&end=2030-12-31")
        wait_for_rows(page, "op-table")
        summary = page.inner_text("#op-summary")
        assert summary.startswith(f"{expected.n:,} opportunit") and "Capture rate" in summary
        first = page.locator(cells("op-table", "interaction_id")).first.inner_text()
        assert first == expected.frame["interaction_id"].iloc[0]
        page.screenshot(path=str(tmp_path / "opportunities.png"))
        page.locator(cells("op-table", "interaction_id")).first.click()
        page.wait_for_url("**/conversations?case=*")
        wait_until(
            page,
            "document.querySelector('#cv-transcript') !== null "
            "&& document.querySelector('#cv-transcript').innerText.length > 20",
        )
        assert not errors, errors
