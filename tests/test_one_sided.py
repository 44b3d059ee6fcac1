"""One-sided Twitter exports tell the truth (issue 16 part 4), on variants of the real sample
`tests/data/real/twcs_head_sample.csv` made in code: its 66 inbound tweets only (customer
tweets, no agent reply), and its 55 outbound tweets only (agent replies whose customer tweets
are not in the file). Expected counts and their provenance: tests/golden/one_sided.md."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from cli import main

REAL = Path(__file__).parent / "data" / "real" / "twcs_head_sample.csv"
HANDLES = (
    "ChipotleTweets",
    "VerizonSupport",
    "marksandspencer",
    "sprintcare",
    "Ask_Spectrum",
    "AskPlayStation",
    "MicrosoftHelps",
)
# Cases of the inbound-only variant per brand, by the first @mention of a known handle
BY_MENTION = [
    ("ChipotleTweets", 19),
    ("VerizonSupport", 10),
    ("marksandspencer", 8),
    (None, 6),
    ("Ask_Spectrum", 6),
    ("sprintcare", 6),
    ("AskPlayStation", 5),
]
UNBRANDED = (
    "60 of the file's 60 cases have no brand: no agent reply names it and none of their "
    "@mentions is a known brand handle (most @mentioned: @ChipotleTweets (19), "
    "@VerizonSupport (10), @marksandspencer (8)); set sources.brand_handles in "
    "socialcare.toml or load with --brand-handles."
)
NO_CASE = (
    "55 agent tweets reply to tweets not in the file: they belong to no case (55 of the "
    "file's 55 tweets); load the customer tweets they answer to count these conversations."
)


def variant(tmp_path: Path, inbound: str) -> Path:
    """The real sample's rows with inbound == `inbound` (TRUE or FALSE), bytes of each field kept."""
    with open(REAL, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index("inbound")
    out = tmp_path / f"inbound_{inbound}.csv"
    with open(out, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0], *(r for r in rows[1:] if r[i] == inbound)])
    return out


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def fetch(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


BRANDS = "select brand, count(*) from interactions group by 1 order by 2 desc, 1 nulls first"


def test_inbound_only_without_handles_says_why_brands_are_missing(tmp_path):
    db = tmp_path / "w.duckdb"
    out = run("load", "twcs", str(variant(tmp_path, "TRUE")), "--db", str(db))
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1] == "  warning: " + UNBRANDED
    assert fetch(db, "select count(*), count(brand) from interactions") == [(60, 0)]
    status = run("status", "--db", str(db))
    assert "warnings of recent loads" in status.output  # the table wraps it at 100 columns:
    assert " ".join(UNBRANDED.split()) in " ".join(status.output.split())
    # the handles given afterwards, on the same file, are remembered and the cases rebuilt
    again = run(
        "load",
        "twcs",
        str(variant(tmp_path, "TRUE")),
        "--db",
        str(db),
        "--brand-handles",
        ",".join("@" + h for h in HANDLES),
    )
    assert again.exit_code == 0, again.output
    assert "already loaded (same content), brand handles @ChipotleTweets" in again.output
    assert fetch(db, BRANDS) == BY_MENTION


def test_inbound_only_with_configured_handles(tmp_path):
    cfg = tmp_path / "socialcare.toml"
    listed = ", ".join(f'"{h}"' for h in HANDLES)
    cfg.write_text(f"[sources]\nbrand_handles = [{listed}]\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    out = run("load", "twcs", str(variant(tmp_path, "TRUE")), "--db", str(db), "--config", str(cfg))
    assert out.exit_code == 0 and "warning" not in out.output, out.output
    assert fetch(db, BRANDS) == BY_MENTION
    # the six unbranded cases @mention only anonymised handles (@115714 ...) or nobody
    assert fetch(db, "select interaction_id from interactions where brand is null order by 1") == [
        ("twcs:18",),
        ("twcs:20",),
        ("twcs:29",),
        ("twcs:49",),
        ("twcs:59",),
        ("twcs:63",),
    ]


def test_outbound_only_says_its_tweets_belong_to_no_case(tmp_path):
    db = tmp_path / "w.duckdb"
    out = run("load", "twcs", str(variant(tmp_path, "FALSE")), "--db", str(db))
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [out.output.splitlines()[0], "  warning: " + NO_CASE]
    assert "loaded 55 of 55 rows" in out.output
    assert fetch(db, "select count(*) from interactions") == [(0,)]
    status = json.loads(run("status", "--db", str(db), "--format", "json").output)
    assert [w["warning"] for w in status["warnings"]] == [NO_CASE]


def test_agent_handles_in_the_warehouse_brand_a_later_inbound_only_file(tmp_path):
    """The outbound half first (its authors are agents), then the inbound half: brands come from
    the threads themselves, and the two halves equal the whole sample (34 cases)."""
    db = tmp_path / "w.duckdb"
    assert run("load", "twcs", str(variant(tmp_path, "FALSE")), "--db", str(db)).exit_code == 0
    second = run("load", "twcs", str(variant(tmp_path, "TRUE")), "--db", str(db))
    assert second.exit_code == 0 and "warning" not in second.output, second.output
    whole = tmp_path / "whole.duckdb"
    assert run("load", "twcs", str(REAL), "--db", str(whole)).exit_code == 0
    cases = "select interaction_id, brand, first_response_at, status from interactions order by 1"
    assert fetch(db, cases) == fetch(whole, cases)
    assert fetch(db, "select count(*) from interactions") == [(34,)]


@pytest.mark.parametrize(
    "value, message",
    [
        ('"AmazonHelp"', "sources.brand_handles must be a list of handles"),
        (
            '["Amazon Help"]',
            "sources.brand_handles has 'Amazon Help'; a handle is letters, digits and _",
        ),
    ],
)
def test_bad_brand_handles_are_one_sentence(tmp_path, value, message):
    cfg = tmp_path / "socialcare.toml"
    cfg.write_text(f"[sources]\nbrand_handles = {value}\n", encoding="utf-8")
    out = run("load", "twcs", str(REAL), "--db", str(tmp_path / "w.duckdb"), "--config", str(cfg))
    assert out.exit_code == 1 and message in out.output and "Traceback" not in out.output


INBOX = """[source]
name = "inbox"
kind = "messages"
[columns]
"Msg" = "message_id"
"Conv" = "interaction_id"
"Role" = "author_role"
"At" = "sent_at"
"Text" = "text"
[constants]
channel = "social"
brand = "ShopCo"
[timestamps]
format = "%Y-%m-%d %H:%M"
"""
AGENT_ROWS = [
    ["m2", "c1", "agent", "2024-03-05 11:00", "sorry, checking now"],
    ["m4", "c2", "agent", "2024-03-05 14:20", "we can swap it"],
]
CUSTOMER_ROWS = [
    ["m1", "c1", "customer", "2024-03-05 10:00", "my order is late"],
    ["m3", "c2", "customer", "2024-03-05 14:00", "wrong size"],
]


def test_mapped_agent_only_conversations_have_no_response_time_until_completed(tmp_path):
    """Agent messages only: each case opens at its agent message, flagged opened_at_inferred,
    with no FRT (not 0 s); the customer half later gives c1 3600 s and c2 1200 s."""
    (tmp_path / "inbox.toml").write_text(INBOX, encoding="utf-8")
    db = tmp_path / "w.duckdb"

    def load(name: str, rows: list[list[str]]):
        src = tmp_path / name
        with open(src, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([["Msg", "Conv", "Role", "At", "Text"], *rows])
        return run(
            "load", "csv", str(src), "--mapping", str(tmp_path / "inbox.toml"), "--db", str(db)
        )

    first = load("agents.csv", AGENT_ROWS)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[1] == (
        "  warning: 2 of the 2 conversations this file touches hold agent messages only: their "
        "opening is their first agent message and they have no response or resolution time; "
        "load the customer messages they answer to measure them."
    )
    frt = "select interaction_id, frt_s, dq_flags from fct_cases order by 1"
    assert fetch(db, frt) == [
        ("inbox:c1", None, "opened_at_inferred"),
        ("inbox:c2", None, "opened_at_inferred"),
    ]
    second = load("customers.csv", CUSTOMER_ROWS)
    assert second.exit_code == 0 and "warning" not in second.output, second.output
    assert fetch(db, frt) == [("inbox:c1", 3600.0, None), ("inbox:c2", 1200.0, None)]
