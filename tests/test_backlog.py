"""The backlog now (issue 19) on a hand-built social export; expected values in
tests/golden/backlog.md, computed by hand from the timestamps below."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config, config_from_dict
from scorecard.kpis.data import open_warehouse
from scorecard.operations.backlog import backlog
from warehouse.ingest import load_file

DAY = "Tue Oct 31 {} +0000 2017"
TWEETS = [
    # A: answered 10:30, not resolved -> open, not waiting
    ("1", "c1", "True", DAY.format("10:00:00"), "@acme my router keeps dropping", ""),
    ("2", "acme", "False", DAY.format("10:30:00"), "@c1 sorry, which model is it?", "1"),
    # B: no answer since 11:00 -> waiting 3 h at 14:00: breached (SLA 2 h)
    ("3", "c2", "True", DAY.format("11:00:00"), "@acme no signal since the morning", ""),
    # F: no answer since 12:30 -> waiting 1 h 30 min: due within the hour
    ("4", "c6", "True", DAY.format("12:30:00"), "@acme my bill doubled", ""),
    # C: no answer since 13:30 -> waiting 30 min
    ("5", "c3", "True", DAY.format("13:30:00"), "@acme app crashes on login", ""),
    # D: answered and resolved by the customer's thanks -> not open
    ("6", "c4", "True", DAY.format("08:00:00"), "@acme password reset mail never came", ""),
    ("7", "acme", "False", DAY.format("08:10:00"), "@c4 we just resent it", "6"),
    ("8", "c4", "True", DAY.format("08:20:00"), "@acme got it, thanks!", "7"),
    # E: the latest activity in the data (now = 14:00): waiting 0 s
    ("9", "c5", "True", DAY.format("14:00:00"), "@acme hello?", ""),
    # G: eleven days old, never answered -> stale, not backlog
    ("10", "c7", "True", "Fri Oct 20 10:00:00 +0000 2017", "@acme anyone there", ""),
]


@pytest.fixture
def db(tmp_path, make_twcs):
    path = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(TWEETS)), path, Config())
    return path


def _row(result, dimension="all", segment=None) -> dict:
    rows = result.groups[(result.groups["dimension"] == dimension)]
    if segment is not None:
        rows = rows[rows["segment"] == segment]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


def test_backlog_counts_ages_and_breaches_by_hand(db):
    result = backlog(open_warehouse(db), Config())
    assert result.as_of.isoformat() == "2017-10-31T14:00:00+00:00"
    total = _row(result)
    assert total["open"] == 5 and total["waiting"] == 4  # A, B, C, E, F; waiting B, C, E, F
    assert total["median_age_s"] == 3600.0  # ages 0, 1800, 5400, 10800: (1800 + 5400) / 2
    assert total["p90_age_s"] == pytest.approx(9180.0)  # rank 2.7: 5400 + 0.7 x 5400
    assert total["oldest_age_s"] == 10800.0
    assert total["breached"] == 1 and total["due_1h"] == 1
    assert result.stale == 1
    assert _row(result, "channel", "social")["open"] == 5
    assert _row(result, "brand", "acme")["breached"] == 1
    states = dict(zip(result.cases["interaction_id"], result.cases["state"], strict=True))
    assert states == {
        "twcs:1": "open",
        "twcs:3": "breached",
        "twcs:4": "due_1h",
        "twcs:5": "waiting",
        "twcs:9": "waiting",
    }
    # each number drills to its cases, oldest first
    assert list(result.cases_in("breached")["interaction_id"]) == ["twcs:3"]
    assert list(result.cases_in("waiting")["interaction_id"]) == [
        "twcs:3",
        "twcs:4",
        "twcs:5",
        "twcs:9",
    ]
    assert list(result.cases_in("open", brand="acme")["interaction_id"])[0] == "twcs:1"  # 4 h old


def test_per_brand_sla_and_horizon(db):
    config = config_from_dict({"sla": {"brand": {"acme": {"first_response_s": 10800}}}})
    result = backlog(open_warehouse(db), config)
    total = _row(result)
    # B waited exactly 3 h = the brand's SLA: not beyond it, due within the hour like F? F waited
    # 1 h 30 min, 1 h 30 min before its 3 h SLA: not due. B is due (0 s left).
    assert total["breached"] == 0 and total["due_1h"] == 1
    wide = backlog(open_warehouse(db), Config(), horizon_days=30)
    assert _row(wide)["open"] == 6 and wide.stale == 0
    assert _row(wide)["oldest_age_s"] == 11 * 86400 + 4 * 3600  # Oct 20 10:00 -> Oct 31 14:00


def test_backlog_command_table_and_json(db):
    r = CliRunner().invoke(main, ["--db", str(db), "backlog", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["as_of"] == "2017-10-31T14:00:00+00:00" and data["stale"] == 1
    assert data["groups"][0] == {
        "dimension": "all",
        "segment": None,
        "open": 5,
        "waiting": 4,
        "median_age_s": 3600.0,
        "p90_age_s": 9180.0,
        "oldest_age_s": 10800.0,
        "breached": 1,
        "due_1h": 1,
    }
    r = CliRunner().invoke(main, ["--db", str(db), "backlog"])
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0] == "Backlog at 2017-10-31 14:00 UTC (cases opened in the last 7 days)"
    assert lines[2].split() == [
        "all",
        "5",
        "4",
        "1",
        "h",
        "2",
        "h",
        "33",
        "min",
        "3",
        "h",
        "1",
        "1",
    ]
    assert max(map(len, lines)) <= 100
    assert "1 unresolved cases opened more than 7 days" in " ".join(lines)


@pytest.mark.browser
@pytest.mark.slow
def test_the_backlog_panel_drills_to_its_cases(tmp_path_factory):
    """On `/`, the panel's breached count equals backlog(), and clicking it lists those cases."""
    from tests.browser import browser_page, chromium_missing, dash_server, dashboard_warehouse, idle

    if chromium_missing():
        pytest.skip(chromium_missing())
    db = dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")
    expected = backlog(open_warehouse(db), Config())
    breached = int(expected.total["breached"])
    assert breached > 0  # the generated data always leaves some e-mails waiting past 2 h
    with dash_server(db) as url, browser_page() as page:
        page.goto(url + "/")
        page.wait_for_selector("#bl-panel button", timeout=60_000)
        idle(page, 60_000)
        assert page.inner_text("text=breached SLA") == f"{breached} breached SLA"
        page.click("text=breached SLA")
        page.wait_for_selector(f"text={breached} breached SLA cases", timeout=30_000)
        links = page.locator("#bl-cases a").all_inner_texts()
        assert links == list(expected.cases_in("breached")["interaction_id"])[:25]
        assert page.errors == []
