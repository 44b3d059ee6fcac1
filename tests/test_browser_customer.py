"""/customer in a real browser (Playwright + Debian Chromium) on the identity fixture of
tests/golden/identity.md: the timeline of a linked customer lists all of their cases in order,
a case opens its transcript, a transcript in /conversations leads to the customer, the timeline
exports exactly the rows shown; a screenshot at 1366x768 is written for a person to look at."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from etl.settings.config import Config
from tests.browser import (
    browser_page,
    cells,
    chromium_missing,
    dash_server,
    wait_for_rows,
    wait_until,
)
from tests.identity_fixtures import identity_files
from warehouse.identities import load_identities
from warehouse.ingest import load_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing())),
]
SHOTS = Path(os.environ.get("SOCIALCARE_SCREENSHOTS", "/tmp"))
ALICE = ["twcs:1", "pwc:P1", "ticket:E1"]  # identity.md, "Timeline of K-ALICE"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("customer_browser")
    files = identity_files(folder)
    db = folder / "w.duckdb"
    for kind in ("twcs", "calls", "tickets"):
        load_file(kind, str(files[kind]), db, Config())
    load_identities(str(files["identities"]), db, Config())
    with dash_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with browser_page() as p:
        yield p


def _idle(page) -> None:
    wait_until(page, "!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000)


def _cases(page) -> list[str]:
    return page.locator(cells("cu-table", "interaction_id")).all_inner_texts()


def test_the_timeline_lists_every_case_in_order_and_opens_transcripts(server, page):
    page.goto(server + "/customer?id=ALICE%40example.org")
    wait_for_rows(page, "cu-table")
    _idle(page)
    assert _cases(page) == ALICE
    assert page.locator(cells("cu-table", "channel")).all_inner_texts() == [
        "social",
        "phone",
        "email",
    ]
    assert page.inner_text("#cu-summary").startswith("K-ALICE: 3 cases on 3 channels")
    page.locator(cells("cu-table", "interaction_id")).first.click()
    page.wait_for_selector("#cu-transcript .transcript-text")
    assert (
        page.locator("#cu-transcript .transcript-text").all_inner_texts()[0]
        == "@TelcoCo my bill is wrong this month"
    )
    assert "case=twcs%3A1" in page.url or "case=twcs:1" in page.url
    page.screenshot(path=str(SHOTS / "customer_1366x768.png"))
    points = page.locator("#cu-chart .scatterlayer .point")
    assert points.count() == 3  # one marker per case, a row per channel
    box = points.nth(
        2
    ).bounding_box()  # the e-mail row: ticket:E1 (plotly takes clicks on its drag layer)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator("#cu-transcript h5", has_text="ticket:E1").wait_for(timeout=30_000)
    assert page.errors == []


def test_a_search_by_phone_number_finds_the_linked_customer(server, page):
    page.goto(server + "/customer")
    page.wait_for_selector("#cu-search")
    page.fill("#cu-search", "+44 20 7946 0002")
    page.press("#cu-search", "Enter")
    wait_for_rows(page, "cu-table")
    _idle(page)
    assert _cases(page) == ["twcs:11", "pwc:P2"]
    page.fill("#cu-search", "nobody")
    page.press("#cu-search", "Enter")
    page.locator("#cu-summary", has_text="no customer found").wait_for(timeout=30_000)
    assert page.errors == []


def test_a_case_in_conversations_leads_to_its_customer(server, page):
    page.goto(server + "/conversations?start=2024-03-04&end=2024-03-10&case=pwc%3AP1")
    page.wait_for_selector("#cv-transcript .customer-link")
    page.click("#cv-transcript .customer-link")
    wait_for_rows(page, "cu-table")
    _idle(page)
    assert "/customer?id=9001" in page.url
    assert _cases(page) == ALICE
    assert page.errors == []


def test_the_timeline_exports_exactly_the_rows_shown(server, page):
    page.goto(server + "/customer?id=%40alice_k")
    wait_for_rows(page, "cu-table")
    _idle(page)
    with page.expect_download() as info:
        page.click("#cu-table-export >> text=CSV")
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert [r["interaction_id"] for r in rows] == ALICE
    assert [r["customer"] for r in rows] == ["K-ALICE"] * 3
    assert info.value.suggested_filename.startswith("timeline_")
