"""The scorecard page in a real browser on the real Twitter sample."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, choose_option, chromium_missing, dash_server, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing())),
]


@pytest.fixture(scope="module")
def server(twcs_db):
    with dash_server(twcs_db) as url:
        yield url


def test_scorecard_shows_numbers_and_filters(server):
    with browser_page() as page:
        page.goto(server + "/?day=2017-10-31")
        page.wait_for_selector("#tile-volume .kpi-value")
        assert page.inner_text("#tile-volume .kpi-value") == "33"
        assert "socialcare" in page.title()
        choose_option(page, "sc-brand", "VerizonSupport")
        wait_until(page, "document.querySelector('#tile-volume .kpi-value').innerText === '6'")
        assert page.inner_text("#tile-frt_median_s .kpi-value") == "3 min"
        assert page.errors == []
