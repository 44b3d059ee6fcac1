"""Opportunities (issue 20 part 5): [opportunities] validated, customer tweets flagged at load,
the queue and the two KPIs on the hand-computed fixture of tests/golden/opportunities.md."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import ConfigError, Opportunities, config_from_dict
from etl.text.opportunities import opportunity_kinds
from scorecard.cases.opportunities import opportunity_queue
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from warehouse.ingest import load_file

CONFIG = replace(
    config_from_dict({}), opportunities=Opportunities(competitors=("Globex", "@GlobexCare"))
)
T = "Mon Nov 06 {}:00 +0000 2017"
ROWS = [
    (
        1,
        "c1",
        "True",
        T.format("09:00"),
        "@AcmeHelp I want to buy the new phone, do you have it?",
        "",
    ),
    (2, "AcmeHelp", "False", T.format("09:30"), "@c1 Yes, in every store", "1"),
    (3, "c2", "True", T.format("10:00"), "@AcmeHelp the router is out of stock at every shop", ""),
    (4, "AcmeHelp", "False", T.format("13:00"), "@c2 Sorry, more next week", "3"),
    (
        5,
        "c3",
        "True",
        T.format("11:00"),
        "@AcmeHelp thinking of switching to Globex, your service is bad",
        "",
    ),
    (6, "c4", "True", T.format("12:00"), "Globex has it cheaper and yours is sold out here", ""),
    (7, "AcmeHelp", "False", T.format("12:10"), "@c4 We have more tomorrow", "6"),
    (8, "c5", "True", T.format("13:00"), "@AcmeHelp my bill is wrong", ""),
    (9, "AcmeHelp", "False", T.format("13:05"), "@c5 Sorry, please DM us", "8"),
    (10, "c6", "True", T.format("18:00"), "@AcmeHelp where can I buy a charger?", ""),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = tmp_path_factory.mktemp("opp")
    path = d / "tweets.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "tweet_id",
                "author_id",
                "inbound",
                "created_at",
                "text",
                "response_tweet_id",
                "in_response_to_tweet_id",
            ]
        )
        for r in ROWS:
            w.writerow([r[0], r[1], r[2], r[3], r[4], "", r[5]])
    load_file("twcs", str(path), d / "w.duckdb", CONFIG, None)
    return d / "w.duckdb"


def test_phrases_are_whole_words():
    rules = CONFIG.opportunities
    assert opportunity_kinds("Globex is better", rules) == "competitor"
    assert opportunity_kinds("Globexes and resold outlets", rules) is None
    assert opportunity_kinds("@GlobexCare is it OUT  OF\nSTOCK?", rules) == "competitor,stock_out"
    assert opportunity_kinds("@GlobexCareers hi", rules) is None


def test_config_is_validated_in_one_sentence():
    with pytest.raises(ConfigError, match=r"opportunities.competitors has '\(bad'"):
        config_from_dict({"opportunities": {"competitors": ["(bad"]}})
    with pytest.raises(ConfigError, match="unknown key 'opportunities.brands'"):
        config_from_dict({"opportunities": {"brands": []}})


def test_messages_flagged_at_load(db):
    con = open_warehouse(db)
    flagged = dict(
        con.execute(
            "select message_id, opportunity from messages where opportunity is not null order by 1"
        ).fetchall()
    )
    assert flagged == {
        "twcs:1": "purchase_intent",
        "twcs:10": "purchase_intent",
        "twcs:3": "stock_out",
        "twcs:5": "competitor,purchase_intent",
        "twcs:6": "competitor,stock_out",
    }


def test_golden_queue(db):
    q = opportunity_queue(open_warehouse(db), CONFIG, None, None, {})
    got = {
        r["interaction_id"]: (r["outcome"], r["brand_named"]) for r in q.frame.to_dict("records")
    }
    assert got == {
        "twcs:1": ("captured", True),
        "twcs:3": ("missed", True),
        "twcs:5": ("missed", True),
        "twcs:6": ("captured", False),
        "twcs:10": ("pending", True),
    }
    assert (q.n, q.captured, q.missed, q.pending, q.capture_rate) == (5, 2, 2, 1, 0.5)
    only = opportunity_queue(open_warehouse(db), CONFIG, None, None, {}, kinds=["competitor"])
    assert sorted(only.frame["interaction_id"]) == ["twcs:5", "twcs:6"]


def test_golden_kpis(db):
    result = scorecard(
        open_warehouse(db),
        CONFIG,
        None,
        None,
        "total",
        [],
        {},
        ["opportunities", "opportunity_capture_rate"],
    )
    rows = {r["kpi"]: r for r in result.to_json()["rows"]}
    assert (rows["opportunities"]["value"], rows["opportunities"]["n"]) == (5, 5)
    assert (rows["opportunity_capture_rate"]["value"], rows["opportunity_capture_rate"]["n"]) == (
        0.5,
        4,
    )


def test_cli_json(db, tmp_path):
    cfg = tmp_path / "socialcare.toml"
    cfg.write_text('[opportunities]\ncompetitors = ["Globex", "@GlobexCare"]\n')
    run = CliRunner().invoke(
        main, ["--db", str(db), "--config", str(cfg), "opportunities", "--format", "json"]
    )
    assert run.exit_code == 0, run.output
    out = json.loads(run.output)
    assert (out["n"], out["captured"], out["capture_rate"]) == (5, 2, 0.5)


def test_changed_phrases_reflag_stored_tweets_at_the_next_load(db, tmp_path):
    import shutil

    copy = tmp_path / "w.duckdb"
    shutil.copy(db, copy)
    fewer = replace(
        CONFIG,
        opportunities=Opportunities(competitors=(), purchase_intent=(), stock_out=("sold out",)),
    )
    extra = tmp_path / "more.csv"
    extra.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,"
        "in_response_to_tweet_id\n11,c7,True,Mon Nov 06 19:00:00 +0000 2017,"
        "@AcmeHelp hello there,,\n",
        encoding="utf-8",
    )
    load_file("twcs", str(extra), copy, fewer, None)
    con = open_warehouse(copy)
    assert con.execute(
        "select list(interaction_id order by 1) from fct_cases where opportunity is not null"
    ).fetchone()[0] == ["twcs:6"]
