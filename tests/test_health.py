"""`socialcare status` / scorecard.operations.health: loads, quarantine by reason, freshness per source."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.operations.health import freshness, health
from warehouse.ingest import load_file

HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"


def test_freshness_per_source_and_quarantine_by_reason(tmp_path):
    db = tmp_path / "w.duckdb"
    tweets = tmp_path / "t.csv"
    tweets.write_text(
        HEADER + "1,101,True,Tue Oct 31 10:00:00 +0000 2017,@BrandA hi,,\n"
        "2,BrandA,False,Tue Oct 31 10:05:00 +0000 2017,@101 hello,,1\n"
        "3,102,True,Thu Nov 02 08:00:00 +0000 2017,@BrandA help,,\n"
        "4,103,maybe,Thu Nov 02 09:00:00 +0000 2017,@BrandA x,,\n",
        encoding="utf-8",
    )
    load_file("twcs", str(tweets), db, replace(Config(), max_bad_share=0.5))
    surveys = tmp_path / "s.csv"
    surveys.write_text(
        "survey_id,interaction_id,customer_id,channel,brand,responded_at,csat,nps,"
        "would_recommend,verbatim\n"
        "S1,twcs:1,101,social,BrandA,2017-11-05T12:00:00Z,5,9,yes,great\n",
        encoding="utf-8",
    )
    load_file("surveys", str(surveys), db, Config())
    h = health(db)
    fresh = h.freshness.set_index("source")
    assert fresh.loc["twcs", "cases"] == 2 and fresh.loc["twcs", "loads"] == 1
    assert fresh.loc["twcs", "rows_quarantined"] == 1
    assert fresh.loc["twcs", "last_case"] == pd.Timestamp("2017-11-02 08:00", tz="UTC")
    assert "surveys" not in fresh.index  # a survey-only source: its responses are counted apart
    assert h.response_freshness.set_index("source").loc["surveys", "responses"] == 1
    # days since the newest case, counted from now (2017-11-02 is years ago)
    age = (
        pd.Timestamp.now(tz="UTC") - pd.Timestamp("2017-11-02 08:00", tz="UTC")
    ).total_seconds() / 86400
    assert abs(fresh.loc["twcs", "days_since_last"] - age) < 0.01
    assert h.quarantine.to_dict("records") == [
        {"reason": "inbound is not TRUE/FALSE", "rows": 1, "loads": 1}
    ]
    # one table of every source relative to a given now (2017-11-06 12:00), stale after 2 days:
    # twcs' newest case 2017-11-02 08:00 is 4 d 4 h old (stale); the survey answer of
    # 2017-11-05 12:00 is 1 day old (fresh); the oldest first
    table = freshness(h, pd.Timestamp("2017-11-06 12:00", tz="UTC"), 2.0)
    assert table[["source", "holds", "rows", "stale"]].to_dict("records") == [
        {"source": "twcs", "holds": "cases", "rows": 2, "stale": True},
        {"source": "surveys", "holds": "survey answers", "rows": 1, "stale": False},
    ]
    assert list(table["age_days"]) == [pytest.approx(4 + 4 / 24), pytest.approx(1.0)]
    assert list(freshness(h, pd.Timestamp("2017-11-06 12:00", tz="UTC"), 5.0)["stale"]) == [
        False,
        False,
    ]


def test_status_command_prints_freshness(tmp_path, twcs_db):
    out = CliRunner().invoke(main, ["status", "--db", str(twcs_db)])
    assert out.exit_code == 0, out.output
    assert "freshness per source:" in out.output and "twcs" in out.output
    payload = json.loads(
        CliRunner().invoke(main, ["status", "--db", str(twcs_db), "--format", "json"]).output
    )
    [row] = payload["freshness"]
    assert row["source"] == "twcs" and row["cases"] == 34 and row["loads"] == 1
