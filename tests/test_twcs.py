"""TWCS case reconstruction rules on small hand-built threads, format variants and bad input."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from etl.sources.twcs import case_roots
from warehouse.ingest import LoadRefused, load_file

T0 = "Tue Oct 31 10:00:00 +0000 2017"


def ts(minutes: int) -> str:
    """A Twitter timestamp `minutes` after 10:00 on 2017-10-31."""
    h, m = divmod(600 + minutes, 60)
    return f"Tue Oct 31 {h:02d}:{m:02d}:00 +0000 2017"


def cases(db):
    con = duckdb.connect(str(db), read_only=True)
    out = {
        r[0]: r[1:]
        for r in con.execute(
            "select interaction_id, brand, status, frt_s, handled_privately, dq_flags, customer_id "
            "from fct_cases order by 1"
        ).fetchall()
    }
    con.close()
    return out


def test_case_roots_pointer_doubling():
    ids = np.array([1, 2, 3, 4, 5, 6, 7])
    parent = np.array([-1, 1, 2, 99, -1, 5, 7])  # 4 -> absent; 6 -> broadcast 5; 7 -> itself
    inbound = np.array([True, False, True, True, False, True, True])
    roots = case_roots(ids, parent, inbound, np.zeros(7, dtype=np.int64))
    # 1 root (no parent); 2,3 follow 1; 4 root (parent absent); 5 broadcast (no case);
    # 6 root (parent is an outbound tweet without parent); 7 is a self-loop: in no case.
    assert roots.tolist() == [1, 1, 1, 4, -1, 6, -1]


DAY_US = 86_400 * 1_000_000


def test_a_customer_reply_after_30_days_starts_a_new_case():
    # 1 customer asks (day 0); 2 brand answers (day 1); 3 customer thanks (day 31: 30 days and
    # 1 s after 2, a new case); 4 brand answers 3 (in 3's case); 5 customer replies to 1 exactly
    # 30 days after it (not more: stays in 1's case); 6 brand answers 1 on day 40 (a late answer
    # is still the first response: only customer tweets start cases); 7 customer replies to 6
    # on day 40 (in 1's case). Mutation: `>=` for `>` makes 5 a root; no rule makes 3 follow 1.
    ids = np.array([1, 2, 3, 4, 5, 6, 7])
    parent = np.array([-1, 1, 2, 3, 1, 1, 6])
    inbound = np.array([True, False, True, False, True, False, True])
    created = np.array([0, 1, 31, 31, 30, 40, 40]) * DAY_US + np.array([0, 0, 1, 2, 0, 0, 1])
    created[2] = created[1] + 30 * DAY_US + 1_000_000
    created[3] = created[2] + 60_000_000
    assert case_roots(ids, parent, inbound, created).tolist() == [1, 1, 3, 3, 1, 1, 1]


def test_thread_rules(make_twcs, tmp_path):
    rows = [
        (1, "101", "True", ts(0), "@BrandA my bill is wrong", ""),
        (2, "BrandA", "False", ts(30), "@101 Please DM us your account number ^AB", "1"),
        (3, "101", "True", ts(40), "@BrandA sent, thanks that worked", "2"),
        (10, "BrandB", "False", ts(0), "Big sale today!", ""),  # broadcast
        (
            11,
            "102",
            "True",
            ts(5),
            "@BrandB is it online too?",
            "10",
        ),  # unanswered reply to broadcast
        (20, "103", "True", ts(10), "hello @BrandA @BrandB anyone?", "999"),  # parent absent
        (30, "104", "True", ts(50), "@BrandA outage again", ""),
        (31, "BrandA", "False", ts(20), "@104 sorry, looking ^CD", "30"),  # older than its parent
    ]
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(rows)), db, Config())
    got = cases(db)
    assert set(got) == {"twcs:1", "twcs:11", "twcs:20", "twcs:30"}
    assert got["twcs:1"][:4] == ("BrandA", "resolved", 1800.0, True)
    assert got["twcs:11"][:2] == ("BrandB", "unanswered")  # brand from the broadcast
    assert got["twcs:20"][:2] == ("BrandA", "unanswered")  # first @mention of a known brand
    assert got["twcs:30"][2] is None and got["twcs:30"][4] == "negative_frt"  # flagged, excluded


def test_a_reply_to_a_years_old_post_is_its_own_case(make_twcs, tmp_path):
    """The real pattern behind a 6-year first response (TWCS tweets 348 and 347, and Delta's
    2016 thread 611/609 answered with "DM sent" in 2017; golden/thread_gaps.md): customers
    replying in 2017 to a 2011 post each open their own case, answered in minutes, and the
    post stays alone; a reply 14 months after the brand's answer is a case of its own too."""
    rows = [
        (348, "900", "True", "Mon Aug 29 03:20:05 +0000 2011", "Lost your booking number?", ""),
        (347, "901", "True", "Tue Oct 31 01:57:03 +0000 2017", "@AirCo lost my booking", "348"),
        (343, "AirCo", "False", "Tue Oct 31 05:28:49 +0000 2017", "@901 Sorry ^A", "347"),
        (360, "902", "True", "Tue Oct 31 06:00:00 +0000 2017", "@AirCo mine too", "348"),
        (361, "AirCo", "False", "Tue Oct 31 06:10:00 +0000 2017", "@902 On it ^B", "360"),
        (611, "903", "True", "Sat Aug 06 01:31:50 +0000 2016", "@AirCo check-in fails", ""),
        (609, "AirCo", "False", "Sat Aug 06 01:44:03 +0000 2016", "@903 Pls DM us ^QB", "611"),
        (610, "903", "True", "Tue Oct 31 22:11:33 +0000 2017", "@AirCo DM sent", "609"),
    ]
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(rows)), db, Config())
    got = cases(db)
    assert set(got) == {"twcs:348", "twcs:347", "twcs:360", "twcs:611", "twcs:610"}
    assert got["twcs:347"][:3] == ("AirCo", "open", 12706.0)  # 01:57:03 -> 05:28:49
    assert got["twcs:360"][:3] == ("AirCo", "open", 600.0)
    assert got["twcs:348"][1:3] == ("unanswered", None)  # no answer to the post itself
    assert got["twcs:611"][1:4] == ("private", 733.0, True)  # 01:31:50 -> 01:44:03
    assert got["twcs:610"][:2] == ("AirCo", "unanswered")  # brand from the answer it replies to


def test_threads_made_by_older_rules_are_remade_at_the_next_twitter_load(
    make_twcs, tmp_path, monkeypatch
):
    """A warehouse from before the month rule (threads made without it, no rules recorded) gets
    every thread remade at its next Twitter load, even of tweets that load does not touch; the
    load after that is incremental again. Mutation: not consulting thread_rules_changed leaves
    2017's request in the 2011 post's case."""
    from etl.sources import twcs, twcs_cases

    old = [
        (348, "900", "True", "Mon Aug 29 03:20:05 +0000 2011", "Lost your booking number?", ""),
        (347, "901", "True", "Tue Oct 31 01:57:03 +0000 2017", "@AirCo lost my booking", "348"),
        (343, "AirCo", "False", "Tue Oct 31 05:28:49 +0000 2017", "@901 Sorry ^A", "347"),
    ]
    db = tmp_path / "w.duckdb"
    with monkeypatch.context() as m:  # the code before the rule
        m.setattr(twcs, "NEW_CASE_AFTER_US", 10**18)
        load_file("twcs", str(make_twcs(old, name="old.csv")), db, Config())
    assert set(cases(db)) == {"twcs:348"}
    con = duckdb.connect(str(db))
    con.execute("delete from etl_state where key = 'twcs_thread_rules'")  # as before the rule
    con.close()
    later = [
        (900, "905", "True", ts(0), "@AirCo hi", ""),
        (901, "AirCo", "False", ts(5), "@905 hi", "900"),
    ]
    rebuilt: list[bool] = []
    real = twcs_cases.rebuild_cases
    monkeypatch.setattr(
        "etl.load.rebuild_cases", lambda con, full=True: rebuilt.append(full) or real(con, full)
    )
    load_file("twcs", str(make_twcs(later, name="later.csv")), db, Config())
    assert set(cases(db)) == {"twcs:348", "twcs:347", "twcs:900"}
    load_file(
        "twcs",
        str(make_twcs([(902, "906", "True", ts(9), "@AirCo yo", "")], name="x.csv")),
        db,
        Config(),
    )
    assert rebuilt == [True, False]  # remade once, then incremental


def test_format_variants_give_same_cases(make_twcs, tmp_path):
    rows = [
        (1, "101", "TRUE", ts(0), "@BrandA help\nplease", ""),
        (2, "BrandA", "FALSE", ts(3), "@101 on it -Sam", "1.0"),
    ]
    plain = make_twcs(rows, name="plain.csv")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    indexed = make_twcs(
        [(f"{r[0]}.0",) + r[1:] for r in rows], name="idx.csv", index_column=True, newline="\n"
    )
    utf16 = tmp_path / "u16.csv"
    utf16.write_text(plain.read_text(encoding="utf-8"), encoding="utf-16")
    results = []
    for i, f in enumerate((plain, bom, indexed, utf16)):
        db = tmp_path / f"w{i}.duckdb"
        load_file("twcs", str(f), db, Config())
        results.append(cases(db))
    assert all(r == results[0] for r in results)
    assert results[0]["twcs:1"][:3] == ("BrandA", "open", 180.0)


def _digest(db):
    return hashlib.sha256(db.read_bytes()).hexdigest()


def test_missing_column_is_one_sentence_and_leaves_warehouse_unchanged(
    make_twcs, tmp_path, twcs_db
):
    db = tmp_path / "w.duckdb"
    db.write_bytes(twcs_db.read_bytes())
    before = _digest(db)
    bad = make_twcs(
        [(1, "101", "True", T0, "hi", "")],
        header=[
            "tweet_id",
            "author_id",
            "inbound",
            "when",
            "text",
            "response_tweet_id",
            "in_response_to_tweet_id",
        ],
    )
    result = CliRunner().invoke(main, ["--db", str(db), "load", "twcs", str(bad)])
    assert result.exit_code != 0
    assert "line 1" in result.output and "created_at" in result.output
    assert str(bad) in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert _digest(db) == before


def test_unparseable_date_refuses_file_and_keeps_bad_rows(make_twcs, tmp_path, twcs_db):
    db = tmp_path / "w.duckdb"
    db.write_bytes(twcs_db.read_bytes())
    before = _digest(db)
    rows = [
        (1, "101", "True", "31/10/2017 10:00", "hi", ""),
        (2, "BrandA", "False", ts(1), "@101 hello", "1"),
    ]
    bad = make_twcs(rows)
    result = CliRunner().invoke(main, ["--db", str(db), "load", "twcs", str(bad)])
    assert result.exit_code != 0
    assert "line 2" in result.output and "created_at" in result.output
    assert _digest(db) == before
    qfiles = list((tmp_path / "quarantine").glob("*.csv"))
    assert len(qfiles) == 1 and "created_at is not a Twitter timestamp" in qfiles[0].read_text()


def test_few_bad_rows_are_quarantined_and_the_rest_loaded(make_twcs, tmp_path):
    rows = [(i, str(100 + i), "True", ts(i), f"@BrandA question {i}", "") for i in range(1, 41)]
    rows.append((41, "141", "maybe", ts(41), "@BrandA x", ""))
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(make_twcs(rows)), db, Config())
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (41, 40, 1)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select line, reason from quarantine").fetchall() == [
        (42, "inbound is not TRUE/FALSE")
    ]
    con.close()


def test_reload_is_idempotent(twcs_db, tmp_path):
    from tests.conftest import TWCS_SAMPLE

    db = tmp_path / "w.duckdb"
    db.write_bytes(twcs_db.read_bytes())
    result = load_file("twcs", str(TWCS_SAMPLE), db, Config())
    assert result.status == "skipped"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from loads").fetchone()[0] == 1
    con.close()


def test_refusal_threshold_is_configurable(make_twcs, tmp_path):
    rows = [(1, "101", "True", ts(0), "a", ""), (2, "102", "nope", ts(1), "b", "")]
    with pytest.raises(LoadRefused):
        load_file("twcs", str(make_twcs(rows)), tmp_path / "a.duckdb", Config())
    from dataclasses import replace

    res = load_file(
        "twcs", str(make_twcs(rows)), tmp_path / "b.duckdb", replace(Config(), max_bad_share=0.6)
    )
    assert res.rows_quarantined == 1


def messages(db):
    con = duckdb.connect(str(db), read_only=True)
    out = con.execute(
        "select message_id, interaction_id, seq, text from messages order by 1"
    ).fetchall()
    con.close()
    return out


def test_duplicated_rows_the_later_one_wins(make_twcs, tmp_path):
    rows = [
        (1, "101", "True", ts(0), "@BrandA first version", ""),
        (2, "BrandA", "False", ts(5), "@101 on it ^AB", "1"),
        (1, "101", "True", ts(0), "@BrandA corrected version", ""),
    ]
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(make_twcs(rows)), db, Config())
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    assert [m[3] for m in messages(db)] == ["@BrandA corrected version", "@101 on it ^AB"]


def test_broadcast_with_dozens_of_replies(make_twcs, tmp_path):
    rows = [(1, "BrandA", "False", ts(0), "New range out today!", "")]
    for i in range(40):  # 40 customers reply to the broadcast; the brand answers every fourth
        rows.append((100 + i, str(500 + i), "True", ts(1 + i), f"@BrandA is it in store {i}?", "1"))
        if i % 4 == 0:
            rows.append(
                (200 + i, "BrandA", "False", ts(50 + i), f"@{500 + i} yes! ^AB", str(100 + i))
            )
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(rows)), db, Config())
    got = cases(db)
    assert len(got) == 40 and "twcs:1" not in got  # the broadcast itself is in no case
    assert {c[0] for c in got.values()} == {"BrandA"}
    assert sum(c[1] == "unanswered" for c in got.values()) == 30
    assert got["twcs:100"][2] == (50 * 60 - 60)  # reply at minute 50 to a tweet at minute 1


def test_reply_cycles_and_deep_threads_do_not_hang(make_twcs, tmp_path):
    rows = [
        (1, "101", "True", ts(0), "@BrandA a", "2"),
        (2, "BrandA", "False", ts(1), "@101 b", "1"),
        (3, "102", "True", ts(2), "@BrandA self", "3"),
        (4, "103", "True", ts(3), "@BrandA c", "6"),
        (5, "BrandA", "False", ts(4), "@103 d", "4"),
        (6, "103", "True", ts(5), "@BrandA e", "5"),
    ]
    # A 600-tweet thread: pointer doubling needs ~10 rounds.
    rows.append((1000, "104", "True", ts(0), "@BrandA long story", ""))
    for k in range(1, 600):
        inbound = k % 2 == 0
        rows.append(
            (
                1000 + k,
                "104" if inbound else "BrandA",
                str(inbound),
                ts(k),
                "@BrandA more" if inbound else "@104 go on ^AB",
                str(999 + k),
            )
        )
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(rows)), db, Config())
    got = cases(db)
    assert set(got) == {"twcs:1000"}  # cycles have no root: their tweets are in no case
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select count(*), max(seq) from messages where interaction_id = 'twcs:1000'"
    ).fetchone() == (600, 600)
    con.close()


def test_ids_written_as_floats_and_an_index_column(make_twcs, tmp_path):
    rows = [
        ("1.0", "101", "True", ts(0), "@BrandA help", ""),
        ("2.0", "BrandA", "False", ts(3), "@101 on it -Sam", "1.0"),
        ("3e0", "101", "True", ts(4), "@BrandA thanks, sorted", "2.00"),
    ]
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(rows, index_column=True)), db, Config())
    assert cases(db)["twcs:1"][:3] == ("BrandA", "resolved", 180.0)
    assert [m[:3] for m in messages(db)] == [
        ("twcs:1", "twcs:1", 1),
        ("twcs:2", "twcs:1", 2),
        ("twcs:3", "twcs:1", 3),
    ]


def test_parent_missing_starts_a_case_and_a_late_parent_joins_it(make_twcs, tmp_path):
    db = tmp_path / "w.duckdb"
    later = [
        (2, "101", "True", ts(10), "@BrandA still waiting", "1"),
        (3, "BrandA", "False", ts(20), "@101 sorry! ^AB", "2"),
    ]
    load_file("twcs", str(make_twcs(later, name="later.csv")), db, Config())
    assert set(cases(db)) == {"twcs:2"}  # parent 1 is absent: tweet 2 opens the case
    earlier = [(1, "101", "True", ts(0), "@BrandA my order is late", "")]
    load_file("twcs", str(make_twcs(earlier, name="earlier.csv")), db, Config())
    got = cases(db)
    assert set(got) == {"twcs:1"} and got["twcs:1"][2] == 20 * 60.0  # rebuilt from all tweets
