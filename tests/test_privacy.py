"""Erasure of one customer and retention of raw text (issue 21), on the real TWCS sample and the
real ticket export.

Hand counts (tests/data/real/twcs_head_sample.csv): customer 115712 wrote tweets 2, 3, 5 and 8;
sprintcare answered with 1, 4 and 6. All seven form the one thread rooted at tweet 8 (8 <- 6 <- 5
<- 4 <- 3 <- 1 <- 2), i.e. case twcs:8. The sample has 34 cases and 119 messages
(tests/golden/README.md), so 33 cases and 112 messages remain.
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from tests.conftest import TWCS_SAMPLE
from warehouse.ingest import LoadRefused, load_file
from warehouse.privacy import customer_keys, erase_customer

REAL = Path(__file__).parent / "data" / "real"
CUSTOMER = "115712"


def _hits(db: Path, needle: str) -> dict[str, int]:
    """Rows of every table and view whose text columns contain `needle` as a whole word."""
    pattern = r"(^|[^0-9A-Za-z_])" + re.escape(needle) + r"([^0-9A-Za-z_]|$)"
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
            cols = con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "and data_type = 'VARCHAR'",
                [table],
            ).fetchall()
            for (col,) in cols:
                n = con.execute(
                    f'select count(*) from "{table}" where regexp_matches("{col}", ?)', [pattern]
                ).fetchone()[0]
                if n:
                    out[f"{table}.{col}"] = n
        return out
    finally:
        con.close()


def _count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path, make_twcs) -> Path:
    """The real sample, plus one tweet of another customer that mentions 115712, plus a file
    refused with a quarantine file whose bad rows name 115712."""
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), db, Config())
    mention = make_twcs(
        [
            (
                "900001",
                "777001",
                "True",
                "Wed Nov 01 10:00:00 +0000 2017",
                "@sprintcare same problem as @115712, no signal",
                "",
            )
        ],
        name="mention.csv",
    )
    load_file("twcs", str(mention), db, Config())
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "900002,115712,True,not a date,hello,,\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadRefused):
        load_file("twcs", str(bad), db, Config())
    return db


def test_erase_leaves_no_trace_of_the_customer(warehouse, tmp_path):
    db = warehouse
    assert _hits(db, CUSTOMER)  # the customer is there before
    qfiles = list((db.parent / "quarantine").glob("*.csv"))
    assert len(qfiles) == 1 and CUSTOMER in qfiles[0].read_text()
    cases_before = _count(db, "select count(*) from interactions")
    assert cases_before == 35  # 34 of the sample + the mention tweet's case
    result = erase_customer(db, CUSTOMER, Config())
    assert result.removed["interactions"] == 1
    assert result.removed["messages"] == 7
    assert result.removed["raw_twcs"] == 7
    assert result.removed["twcs_threads"] == 7
    assert result.masked_mentions == 2  # the mention tweet, as a raw tweet and as a message
    assert result.quarantine_files == 1
    assert _hits(db, CUSTOMER) == {}
    assert _count(db, "select count(*) from interactions") == 34
    assert _count(db, "select count(*) from messages") == 112 + 1
    assert _count(db, "select text from messages where message_id = 'twcs:900001'") is not None
    con = duckdb.connect(str(db), read_only=True)
    assert (
        con.execute("select text from messages where message_id = 'twcs:900001'").fetchone()[0]
        == "@sprintcare same problem as @erased, no signal"
    )
    note = con.execute("select status, path, message from loads where kind = 'erase'").fetchone()
    con.close()
    assert note[0] == "erased" and note[1] == "one customer" and CUSTOMER not in note[2]
    assert CUSTOMER not in qfiles[0].read_text()
    # exports of every table carry no trace either
    runner = CliRunner()
    for table in ("cases", "messages", "surveys", "loads", "quarantine"):
        out = tmp_path / f"{table}.csv"
        r = runner.invoke(main, ["--db", str(db), "export", table, "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert not re.search(r"(^|[^0-9])115712([^0-9]|$)", out.read_text()), table
    # a later load of another file rebuilds cases without bringing the customer back
    load_file("twcs", str(REAL / "twcs_head_sample.csv"), db, Config())  # same content: skipped
    assert _hits(db, CUSTOMER) == {}


def test_erase_from_the_cli_is_audited_without_the_id(warehouse, tmp_path, monkeypatch):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("SOCIALCARE_AUDIT_LOG", str(log))
    r = CliRunner().invoke(
        main, ["--db", str(warehouse), "erase", "--customer", "@115712", "--yes"]
    )
    assert r.exit_code == 0, r.output
    assert r.output.startswith(
        "erased one customer: 7 messages, 7 raw_twcs, 7 twcs_threads, 1 interactions"
    )
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and '"event": "erase"' in lines[0] and CUSTOMER not in lines[0]
    r = CliRunner().invoke(
        main, ["--db", str(tmp_path / "none.duckdb"), "erase", "--customer", "x", "--yes"]
    )
    assert r.exit_code == 1 and "nothing to erase" in r.output and "Traceback" not in r.output


def test_erase_a_ticket_customer_by_e_mail(tmp_path):
    """The ticket export keys customers by a hash of their e-mail; the e-mail finds them."""
    head = pd.read_csv(REAL / "customer_support_tickets.csv", nrows=40)
    src = tmp_path / "tickets.csv"
    head.to_csv(src, index=False)
    db = tmp_path / "w.duckdb"
    load_file("tickets", str(src), db, Config())
    email = head.loc[0, "Customer Email"]  # carrollallison@example.com, ticket 1
    assert (head["Customer Email"] == email).sum() == 1
    key = customer_keys(email)[1]
    assert _count(db, f"select count(*) from interactions where customer_id = '{key}'") == 1
    n = _count(db, "select count(*) from interactions")
    result = erase_customer(db, email, Config())
    assert result.removed["interactions"] == 1
    assert _count(db, "select count(*) from interactions") == n - 1
    assert _hits(db, key) == {}


def test_erase_is_all_or_nothing(warehouse, monkeypatch):
    import warehouse.privacy as privacy

    before = warehouse.read_bytes()

    def broken(*_a, **_k):
        raise RuntimeError("model build failed")

    monkeypatch.setattr(privacy, "build", broken)  # a failure after the deletes
    with pytest.raises(RuntimeError):
        erase_customer(warehouse, CUSTOMER, Config())
    assert warehouse.read_bytes() == before
    assert not list(warehouse.parent.glob(".w.duckdb.work-*"))


def test_retention_empties_old_texts_and_keeps_every_number(tmp_path):
    """Every tweet of the sample (2017) is older than 30 days: all raw texts are emptied at load,
    and every aggregate model equals the one built without retention."""
    plain, kept = tmp_path / "plain.duckdb", tmp_path / "kept.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), plain, Config())
    load_file("twcs", str(TWCS_SAMPLE), kept, Config(retention_days=30))
    assert _count(kept, "select count(*) from messages where text is not null") == 0
    assert _count(kept, "select count(*) from raw_twcs where text is not null") == 0
    assert _count(kept, "select count(*) from messages") == 119
    con = duckdb.connect(str(kept), read_only=True)
    note = con.execute("select message from loads").fetchone()[0]
    con.close()
    assert (
        "retention: emptied 240 raw texts older than 30 days" in note
    )  # 119 messages + 121 tweets
    a, b = duckdb.connect(str(plain), read_only=True), duckdb.connect(str(kept), read_only=True)
    try:
        aggs = [
            t
            for (t,) in a.execute(
                "select table_name from information_schema.tables where table_name like 'agg_%'"
            ).fetchall()
        ]
        assert len(aggs) >= 5
        for t in aggs + ["fct_cases"]:
            x = a.execute(f"select * from {t} order by all").df()
            y = b.execute(f"select * from {t} order by all").df()
            pd.testing.assert_frame_equal(
                x.drop(columns=["load_id"], errors="ignore"),
                y.drop(columns=["load_id"], errors="ignore"),
                obj=t,
            )
        assert (
            b.execute(
                "select count(*) from raw_twcs where inbound and category is null"
            ).fetchone()[0]
            == a.execute(
                "select count(*) from raw_twcs where inbound and category is null"
            ).fetchone()[0]
        )
    finally:
        a.close()
        b.close()


def test_retention_keeps_recent_texts(tmp_path, make_twcs):
    now = datetime.now(UTC)
    recent = now.strftime("%a %b %d %H:%M:%S +0000 %Y")
    src = make_twcs(
        [
            ("1", "c1", "True", "Tue Oct 31 10:00:00 +0000 2017", "@brand old text", ""),
            ("2", "brand", "False", "Tue Oct 31 10:05:00 +0000 2017", "@c1 old reply", "1"),
            ("3", "c2", "True", recent, "@brand new text", ""),
        ]
    )
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(src), db, Config(retention_days=30))
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(con.execute("select tweet_id, text from raw_twcs").fetchall())
    con.close()
    assert rows == {1: None, 2: None, 3: "@brand new text"}


def test_retention_setting_is_validated():
    from etl.settings.config import ConfigError, config_from_dict

    assert config_from_dict({"retention": {"days": 365}}).retention_days == 365
    with pytest.raises(ConfigError, match="retention.days must be between 1 and 36500"):
        config_from_dict({"retention": {"days": 0}})


def test_quarantine_file_rewrite_keeps_other_rows(tmp_path):
    from warehouse.privacy import _rewrite_quarantine_files

    folder = tmp_path / "quarantine"
    folder.mkdir()
    f = folder / "x.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(
            [
                ["path", "line", "reason", "raw"],
                ["a.csv", "2", "bad", "115712,x"],
                ["a.csv", "3", "bad", "1157120,y"],
                ["a.csv", "4", "bad", "z @115712"],
            ]
        )
    assert _rewrite_quarantine_files(folder, ["115712"]) == 1
    rows = list(csv.reader(open(f, encoding="utf-8")))
    assert rows == [["path", "line", "reason", "raw"], ["a.csv", "3", "bad", "1157120,y"]]
    shutil.rmtree(folder)


def test_erase_removes_what_the_reports_kept(warehouse, tmp_path):
    """The daily report keeps its incident scan and red KPIs' reasons beside the warehouse
    (scorecard/reports/kept.py), which can name the customer's cases: an erasure removes them."""
    out = tmp_path / "daily.html"
    r = CliRunner().invoke(main, ["--db", str(warehouse), "report", "daily", "--out", str(out)])
    assert r.exit_code == 0, r.output
    kept = warehouse.with_name(f".{warehouse.name}.kept")
    assert kept.is_dir() and any(kept.iterdir())  # the report kept something for this snapshot
    erase_customer(warehouse, CUSTOMER, Config())
    assert not kept.exists()
