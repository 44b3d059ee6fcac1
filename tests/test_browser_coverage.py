"""/coverage in a real browser (Playwright + Debian Chromium) on the shared dashboard warehouse:
the heatmap draws with staffed hours outlined, the what-if sentence follows the window typed,
the switch to first response redraws, no console errors; a screenshot at 1366x768."""

from __future__ import annotations

import pytest

from tests.browser import (
    browser_page,
    cells,
    chromium_missing,
    dash_server,
    dashboard_warehouse,
    wait_until,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing())),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")
    with dash_server(db) as url:
        yield url


def test_coverage_page(server, tmp_path):
    with browser_page() as page:
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server + "/coverage?extend=sat%2017:00-20:00")
        wait_until(page, "document.querySelector('#co-heatmap .main-svg') !== null")
        wait_until(
            page,
            "document.querySelector('#co-summary').innerText.includes('Staffing sat 17:00-20:00')",
        )
        summary = page.inner_text("#co-summary")
        assert "arrived outside staffed hours" in summary and "would cover" in summary
        assert page.locator("#co-heatmap .heatmaplayer").count() == 1
        assert (
            page.locator("#co-heatmap path[style*='rgb(230, 126, 34)']").count() >= 6
        )  # staffed runs
        assert page.locator(cells("co-languages")).count() > 0
        page.screenshot(path=str(tmp_path / "coverage.png"))
        page.get_by_text("median first response").click()
        wait_until(
            page,
            "document.querySelector('#co-heatmap .gtitle').textContent.includes('Median first')",
        )
        page.fill("#co-extend", "saturday evening")
        page.keyboard.press("Enter")
        wait_until(
            page, "document.querySelector('#co-summary').innerText.includes('is not a window')"
        )
        assert not errors, errors
