"""The thread stage of a daily load reads only the links it needs (issue 23 item 1).

etl/sources/twcs_cases.py `_walked_roots` finds the load's tweets' descendants and everything
their roots depend on by rounds of SQL over raw_twcs and the stored case membership
(twcs_threads), instead of reading every stored link into numpy (`_all_links_roots`, kept for
walks deeper than MAX_ROUNDS). Hand-made threads; provenance in tests/golden/incremental.md
("Threads walked in SQL").
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pytest

from etl.settings.config import Config
from etl.sources import twcs_cases
from etl.sources.twcs import case_roots
from tests.test_twcs_daily import digests
from warehouse.ingest import load_file

# tweet_id: (parent, inbound) stored before the load
STORED: dict[int, tuple[int | None, bool]] = {
    **{i: (i - 1 if i > 1 else None, i % 2 == 1) for i in range(1, 41)},  # chain 1 <- ... <- 40
    100: (None, True),
    101: (100, False),
    201: (200, True),  # replies to 200, missing: a root
    202: (201, False),
    300: (None, False),  # a brand broadcast
    301: (300, True),  # a customer's reply to it: a root
    400: (401, True),  # a reply cycle, in no case
    401: (400, False),
}
# the load: 41 answers the chain's end; 200 arrives (joining 201's thread into 100's); 300 again,
# now replying to a new customer tweet 299 (re-rooting 301 two links down); 400 again and 402,
# both in the cycle
LOAD: dict[int, tuple[int | None, bool]] = {
    41: (40, True),
    200: (101, True),
    299: (None, True),
    300: (299, False),
    400: (401, True),
    402: (401, True),
}
# hand-derived roots of the load's tweets and their descendants (-1: in no case)
EXPECTED = {41: 1, 200: 100, 201: 100, 202: 100, 299: 299, 300: 299, 301: 299}
EXPECTED |= {400: -1, 401: -1, 402: -1}


T0_US = 1_709_251_200_000_000  # 2024-03-01 00:00 UTC in epoch microseconds


def _roots_of(tweets: dict[int, tuple[int | None, bool]]) -> dict[int, int]:
    """Every tweet's root by the root rule over all of them (etl/sources/twcs.py)."""
    ids = np.array(sorted(tweets), dtype=np.int64)
    parent = np.array([-1 if tweets[t][0] is None else tweets[t][0] for t in ids], dtype=np.int64)
    inbound = np.array([tweets[t][1] for t in ids], dtype=bool)
    created = T0_US + ids * 60_000_000  # as _warehouse stores them: a minute per id, no month gap
    return dict(zip(ids.tolist(), case_roots(ids, parent, inbound, created).tolist(), strict=True))


def _warehouse(
    stored: dict[int, tuple[int | None, bool]], load: dict[int, tuple[int | None, bool]]
) -> duckdb.DuckDBPyConnection:
    """raw_twcs after the load, twcs_threads as the stored tweets gave it, twcs_changed the load."""
    con = duckdb.connect()
    now = stored | load
    con.execute("create table raw_twcs (tweet_id bigint, in_response_to bigint, inbound boolean)")
    con.executemany("insert into raw_twcs values (?, ?, ?)", [(t, *now[t]) for t in now])
    con.execute("alter table raw_twcs add column created_at timestamptz")
    con.execute(
        "update raw_twcs set created_at = timestamptz '2024-03-01' + tweet_id * interval 1 minute"
    )
    con.execute("create table twcs_threads (tweet_id bigint, root_id bigint, seq integer)")
    old = [(t, r) for t, r in _roots_of(stored).items() if r >= 0]
    con.executemany("insert into twcs_threads values (?, ?, 0)", old)
    con.execute("create temp table twcs_changed (tweet_id bigint)")
    con.executemany("insert into twcs_changed values (?)", [(t,) for t in load])
    return con


def _as_dict(found: tuple[np.ndarray, np.ndarray] | None) -> dict[int, int]:
    assert found is not None
    return dict(zip(found[0].tolist(), found[1].tolist(), strict=True))


def test_walked_roots_are_the_whole_computations(monkeypatch):
    # the root rule over every tweet agrees with the hand-derived roots
    assert {t: _roots_of(STORED | LOAD)[t] for t in EXPECTED} == EXPECTED
    # 3 rounds: down 200 -> 201 -> 202 (and 300 -> 301, 400 -> 401) ends in the third; up,
    # 41's parent 40 brings the whole stored case 1..40 in one round, 200's parent 101 case 100.
    # A walk one parent at a time would need 40 rounds up the chain.
    monkeypatch.setattr(twcs_cases, "MAX_ROUNDS", 3)
    con = _warehouse(STORED, LOAD)
    assert _as_dict(twcs_cases._walked_roots(con)) == EXPECTED
    assert _as_dict(twcs_cases._all_links_roots(con)) == EXPECTED
    closed = {r[0] for r in con.execute("select tweet_id from thread_closed").fetchall()}
    assert set(range(1, 42)) <= closed  # the far-back root and the chain to it
    assert {100, 101} <= closed


def test_a_walk_deeper_than_its_rounds_reads_every_link(monkeypatch):
    # a brand's chain of 30 replies to itself (in no case: its top is a brand tweet with no
    # parent) answered by a customer: the walk up climbs one tweet a round (no stored case)
    chain = {500: (None, False), **{i: (i - 1, False) for i in range(501, 531)}}
    load = {531: (530, True)}
    con = _warehouse(STORED | chain, load)
    assert twcs_cases.MAX_ROUNDS < 31
    assert twcs_cases._walked_roots(con) is None
    assert _as_dict(twcs_cases._all_links_roots(con)) == {531: -1}
    monkeypatch.setattr(twcs_cases, "MAX_ROUNDS", 40)
    assert _as_dict(twcs_cases._walked_roots(con)) == {531: -1}


@pytest.mark.parametrize("rounds", [0, 16])
def test_the_load_after_either_way_is_the_same(rounds, monkeypatch):
    """_scoped_threads gives the same threads_new and thread_scope walked (16 rounds) or from
    every link (0 rounds: the walk gives up at once)."""
    monkeypatch.setattr(twcs_cases, "MAX_ROUNDS", rounds)
    con = _warehouse(STORED, LOAD)
    con.execute("update twcs_threads set seq = 1")
    twcs_cases._scoped_threads(con)
    new = con.execute("select tweet_id, root_id, seq from threads_new order by all").fetchall()
    scope = con.execute("select tweet_id from thread_scope order by all").fetchall()
    # cases 1 (41 joins it: all 41 positions), 100 (200, 201, 202 join), 299 (299, 300, 301)
    assert [t for t, _, _ in new] == [*range(1, 42), 100, 101, 200, 201, 202, 299, 300, 301]
    assert {(t, r) for t, r, _ in new} == {(t, _roots_of(STORED | LOAD)[t]) for t, _, _ in new}
    # and every tweet looked at: the cycle's three too
    assert [s for (s,) in scope] == [
        *range(1, 42),
        100,
        101,
        200,
        201,
        202,
        299,
        300,
        301,
        400,
        401,
        402,
    ]


def _line(tid: int, author: str, inbound: bool, minute: int, text: str, parent: int | None) -> str:
    when = datetime(2024, 3, 1, 9, 0) + timedelta(minutes=minute)
    stamp = when.strftime("%a %b %d %H:%M:%S +0000 %Y")
    up = "" if parent is None else str(parent)
    return f"{tid},{author},{'TRUE' if inbound else 'FALSE'},{stamp},{text},,{up}\n"


def test_a_stored_unanswered_root_keeps_its_first_mentioned_brand(tmp_path, monkeypatch):
    """The case insert reads a root's text only for unanswered roots (twcs_cases.sql
    `mentioned`); a stored one rewritten by a later load still gets the brand it @mentions
    first: BetaCare (mentioned before AcmeHelp), both known as agents from answered cases."""
    header = (
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    )
    day1 = [
        _line(1, "c1", True, 0, "@AcmeHelp hello", None),
        _line(2, "AcmeHelp", False, 1, "@c1 hi", 1),
        _line(3, "c2", True, 2, "@BetaCare hello", None),
        _line(4, "BetaCare", False, 3, "@c2 hi", 3),
        _line(10, "c3", True, 5, "hey @betacare and @AcmeHelp my parcel is lost", None),
        # more answered cases: one case rewritten of 8 stays under FULL_SHARE (the scoped path)
        *(
            _line(20 + i, f"c{20 + i}", True, 6 + i, "@AcmeHelp help", None)
            for i in range(0, 10, 2)
        ),
        *(_line(21 + i, "AcmeHelp", False, 7 + i, "sure", 20 + i) for i in range(0, 10, 2)),
    ]
    day2 = [_line(11, "c3", True, 30, "anyone there?", 10)]  # rewrites case 10, still unanswered
    scoped: list[int] = []
    real = twcs_cases._scoped_threads
    monkeypatch.setattr(twcs_cases, "_scoped_threads", lambda con: scoped.append(1) or real(con))
    db = tmp_path / "w.duckdb"
    for i, lines in enumerate([day1, day2]):
        path = tmp_path / f"d{i}.csv"
        path.write_text(header + "".join(lines), encoding="utf-8")
        load_file("twcs", str(path), db, Config())
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select interaction_id, brand, status from interactions order by interaction_id"
        ).fetchall()
    finally:
        con.close()
    assert rows[:3] == [
        ("twcs:1", "AcmeHelp", "open"),
        ("twcs:10", "BetaCare", "unanswered"),
        ("twcs:20", "AcmeHelp", "open"),
    ]
    assert len(rows) == 8 and ("twcs:3", "BetaCare", "open") in rows
    assert scoped == [1]  # the second load rewrote case 10 alone


def test_a_tweet_sent_again_with_a_new_text_rewrites_its_message(tmp_path, monkeypatch):
    """A daily load rewrites only the messages that change (twcs_messages_changed.sql): those of
    tweets that joined, left or moved and of the load's own tweets. Tweet 3 arrives again in
    the same place of its case with a new text: its message (and its case, now resolved) must
    change though it did not move; the warehouse equals one load of the latest records."""
    header = (
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    )
    others = [  # answered cases, so that one case rewritten stays under FULL_SHARE
        line
        for i in range(20, 30, 2)
        for line in (
            _line(i, f"c{i}", True, i, "@AcmeHelp help", None),
            _line(i + 1, "AcmeHelp", False, i + 1, "sure", i),
        )
    ]
    day1 = [
        _line(1, "c1", True, 0, "@AcmeHelp my card was charged twice", None),
        _line(2, "AcmeHelp", False, 1, "@c1 sorry we are looking into it", 1),
        _line(3, "c1", True, 2, "still waiting", 2),
        _line(4, "AcmeHelp", False, 3, "@c1 refunded now", 3),
        *others,
    ]
    day2 = [_line(3, "c1", True, 2, "thanks that fixed it", 2), _line(5, "c1", True, 9, "ok", 4)]
    scoped: list[int] = []
    real = twcs_cases._scoped_threads
    monkeypatch.setattr(twcs_cases, "_scoped_threads", lambda con: scoped.append(1) or real(con))
    db, whole = tmp_path / "days.duckdb", tmp_path / "whole.duckdb"
    for i, lines in enumerate([day1, day2]):
        path = tmp_path / f"d{i}.csv"
        path.write_text(header + "".join(lines), encoding="utf-8")
        load_file("twcs", str(path), db, Config())
    latest = list({line.split(",")[0]: line for line in day1 + day2}.values())
    (tmp_path / "all.csv").write_text(header + "".join(latest), encoding="utf-8")
    load_file("twcs", str(tmp_path / "all.csv"), whole, Config())
    assert scoped == [1]
    got, want = digests(db), digests(whole)
    assert [
        t for t in ("raw_twcs", "twcs_threads", "interactions", "messages") if got[t] != want[t]
    ] == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        text = con.execute("select text from messages where message_id = 'twcs:3'").fetchall()
    finally:
        con.close()
    assert text == [("thanks that fixed it",)]


@pytest.mark.parametrize("seed", range(6))
def test_walked_roots_on_random_threads(seed, monkeypatch):
    """Random reply graphs (missing parents, broadcasts, chains, cycles, tweets sent again with
    another parent or direction): the walk in SQL, reading every link, and the root rule over
    all tweets give the same roots for the load's tweets and their descendants."""
    rng = np.random.default_rng(seed)
    n = 600
    tweets: dict[int, tuple[int | None, bool]] = {}
    for t in range(1, n + 1):
        kind = rng.random()
        if kind < 0.15:
            parent = None
        elif kind < 0.2:
            parent = n + 1 + int(rng.integers(50))  # never loaded
        elif kind < 0.25:
            parent = int(rng.integers(1, n + 1))  # anywhere: cycles
        else:
            parent = int(rng.integers(max(1, t - 8), t)) if t > 1 else None  # a recent tweet
        tweets[t] = (parent, bool(rng.random() < 0.55))
    order = rng.permutation(np.arange(1, n + 1)).tolist()
    stored = {t: tweets[t] for t in order[: int(0.8 * n)]}
    load = {t: tweets[t] for t in order[int(0.8 * n) :]}
    for t in rng.choice(sorted(stored), size=20, replace=False).tolist():  # sent again, changed
        load[t] = (int(rng.integers(1, n + 1)), not stored[t][1])
    monkeypatch.setattr(twcs_cases, "MAX_ROUNDS", 10_000)
    con = _warehouse(stored, load)
    walked = _as_dict(twcs_cases._walked_roots(con))
    every = _as_dict(twcs_cases._all_links_roots(con))
    truth = _roots_of(stored | load)
    assert walked == every == {t: truth[t] for t in every}
    assert set(load) <= set(walked)
