"""Incremental model builds (issue 23 item 1, warehouse/incremental.py): after each load of a
sequence, every stored table and every model table equals what a full rebuild of the same
warehouse gives (tests/test_twcs_daily.py digests: all rows in a total order, load ids left
out), and the loads after the first really were incremental. Hand-made cases (tests/golden/
incremental.md) check the dependencies a rebuild must follow: a later case of the customer moves
an earlier case's next contact (FCR) on another day, a late reply answers and resolves a case,
a survey arrives after its case and a case after its survey."""

from __future__ import annotations

import csv
import math
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.settings.config import Config, config_from_dict
from sample_data.generator import generate
from tests.rc_fixtures import case, survey
from tests.test_twcs_daily import day_files, digests
from warehouse import incremental as inc
from warehouse.build import build
from warehouse.db import WarehouseError, snapshot_writer
from warehouse.ingest import load_file

SIGNIFICANT = 12
REAL_TWCS = Path(__file__).parent / "data" / "real" / "twcs_head_sample.csv"


@pytest.fixture
def incremental_builds(monkeypatch) -> list[int]:
    """Counts the builds that ended incrementally (a spy around warehouse.incremental.finish).
    Small test data gives every customer cases on most days, so the case scope of a load often
    holds more than FULL_SHARE of the cases: the share is lifted so that every load whose
    fingerprint matches builds incrementally (the mechanism under test)."""
    monkeypatch.setattr(inc, "FULL_SHARE", math.inf)
    calls: list[int] = []
    real = inc.finish

    def spy(con):
        calls.append(1)
        real(con)

    monkeypatch.setattr(inc, "finish", spy)
    return calls


def full_rebuild_digests(db: Path, tmp: Path, config: Config | None = None) -> dict[str, str]:
    """Digests of a copy of the warehouse whose models were all rebuilt from scratch."""
    copy = tmp / f"full-{db.name}"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    try:
        build(con, config)
        con.execute("checkpoint")
    finally:
        con.close()
    return digests(copy, SIGNIFICANT)


def assert_equals_full_rebuild(db: Path, tmp: Path, config: Config | None = None) -> None:
    """Every table equal to the full rebuild's, doubles to 12 significant digits: a model's sum
    of doubles (sentiment_sum, total) adds the same values in another order when only some days
    are rebuilt (0.3772 vs 0.37720000000000004), as two full builds of rows stored in another
    order do; every other value is compared exactly."""
    got, want = digests(db, SIGNIFICANT), full_rebuild_digests(db, tmp, config)
    assert set(got) == set(want) and len(got) > 10
    assert [k for k in want if got[k] != want[k]] == []


def split_csv(path: Path, parts: int, out: Path) -> list[Path]:
    """The rows of a CSV dealt round-robin into `parts` files (every part spans every day)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    files = []
    for p in range(parts):
        target = out / f"{path.stem}.{p}.csv"
        with open(target, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([rows[0], *rows[1 + p :: parts]])
        files.append(target)
    return files


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, list[Path]]:
    """The generator's four sources (3,000 cases over 30 days), each cut into two files."""
    tmp = tmp_path_factory.mktemp("generated")
    result = generate(tmp / "src", interactions=3000, days=30, seed=5)
    kinds = {"twcs": "social", "calls": "phone", "tickets": "tickets", "surveys": "surveys"}
    return {kind: split_csv(result.paths[key], 2, tmp) for kind, key in kinds.items()}


ORDERS = {
    # cases first, surveys last; then surveys before their cases; then interleaved halves
    "cases_then_surveys": [
        ("twcs", 0), ("calls", 0), ("tickets", 0), ("twcs", 1), ("calls", 1), ("tickets", 1),
        ("surveys", 0), ("surveys", 1),
    ],
    "surveys_first": [
        ("surveys", 1), ("surveys", 0), ("tickets", 1), ("calls", 1), ("twcs", 1),
        ("tickets", 0), ("calls", 0), ("twcs", 0),
    ],
    "interleaved": [
        ("calls", 1), ("twcs", 0), ("surveys", 0), ("tickets", 0), ("calls", 0),
        ("surveys", 1), ("twcs", 1), ("tickets", 1),
    ],
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("order", sorted(ORDERS))
def test_loads_of_every_source_in_any_order_equal_a_full_rebuild(
    generated, tmp_path, order, incremental_builds
):
    db = tmp_path / "w.duckdb"
    for step, (kind, part) in enumerate(ORDERS[order]):
        load_file(kind, str(generated[kind][part]), db, Config())
        if step in (1, 4, 7):  # after a few of the loads, and after the last
            assert_equals_full_rebuild(db, tmp_path)
    # the first load builds in full; each later one incrementally, except where the business
    # calendar's first day moved earlier (a load of earlier days) or identities changed
    assert len(incremental_builds) >= 4


def test_twcs_days_in_order_build_incrementally_and_equal_a_full_rebuild(
    tmp_path, incremental_builds
):
    files, _ = day_files(tmp_path, 3000, 5, seed=3)
    db = tmp_path / "w.duckdb"
    for f in files:
        load_file("twcs", str(f), db, Config())
    assert len(incremental_builds) == 4  # every load after the first
    assert_equals_full_rebuild(db, tmp_path)


def test_the_real_twcs_sample_loaded_in_parts_equals_a_full_rebuild(tmp_path, incremental_builds):
    """The real sample (tests/data/real/twcs_head_sample.csv) in three round-robin parts: a
    reply in one part to a tweet of another moves tweets between threads at each load."""
    db = tmp_path / "w.duckdb"
    for part in split_csv(REAL_TWCS, 3, tmp_path):
        load_file("twcs", str(part), db, Config())
        assert_equals_full_rebuild(db, tmp_path)
    assert len(incremental_builds) >= 1


def test_a_changed_business_calendar_rebuilds_in_full(tmp_path, incremental_builds):
    files, _ = day_files(tmp_path, 1500, 2, seed=4)
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(files[0]), db, Config())
    config = config_from_dict({"business_hours": {"timezone": "Europe/Paris"}})
    load_file("twcs", str(files[1]), db, config)
    assert incremental_builds == []  # the calendar the models bake in changed
    assert_equals_full_rebuild(db, tmp_path, config)


# Hand-made loads written straight into the canonical tables (as etl/load.py merges rows: by
# key, with the load's id), then built with that load id. Times UTC, 2024-03.
def _at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute)


def _write(db: Path, load_id: str, cases=(), messages=(), surveys=()) -> None:
    with snapshot_writer(db) as con:
        for table, key, rows in (
            ("interactions", "interaction_id", cases),
            ("messages", "message_id", messages),
            ("surveys", "survey_id", surveys),
        ):
            if not rows:
                continue
            frame = pd.DataFrame(list(rows)).assign(load_id=load_id)
            con.register("incoming", frame)
            cols = ", ".join(frame.columns)
            con.execute(f"delete from {table} where {key} in (select {key} from incoming)")
            con.execute(f"insert into {table} ({cols}) select {cols} from incoming")
            con.unregister("incoming")
        build(con, Config(), load_id)


def _msg(mid: str, iid: str, role: str, sent: datetime, sentiment: float = 0.0) -> dict:
    return {
        "message_id": mid,
        "interaction_id": iid,
        "seq": int(mid.rsplit("-", 1)[1]),
        "author_role": role,
        "author_id": "AB" if role == "agent" else "cust",
        "sent_at": pd.Timestamp(sent, tz=UTC),
        "text": "x",
        "sentiment": sentiment,
        "asks_private": False,
        "is_runaround": False,
    }


def _facts(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_hand_made_dependencies_follow_each_load(tmp_path, incremental_builds):
    db = tmp_path / "w.duckdb"
    # load 1: customer k's resolved phone case on 1 March (no next contact yet), an open social
    # case on 5 March with only the customer's tweet, and a response naming case e-9 (not here)
    p1 = case("p-1", _at(1), "phone", True, 60, customer_id="k")
    s1 = case("s-1", _at(5), "social", False, None, customer_id="k2", status="unanswered")
    first = [_msg("s-1-1", "s-1", "customer", _at(5), -0.5)]
    early = survey("v-1", "e-9", _at(10, 12), "email", csat=5.0)
    # and a response without case id from k4 by phone on 12 March, before k4's case is loaded
    before_case = {**survey("v-3", None, _at(12, 11), "phone", csat=3.0), "customer_id": "k4"}
    _write(db, "l1", [p1, s1], first, [early, before_case])
    assert _facts(db, "select link_method from fct_surveys") == [(None,), (None,)]
    # load 2: k calls again on 3 March (an earlier case's next contact, on another day), the
    # agent replies to s-1 a day later and resolves it, case e-9 arrives after its survey, and
    # a response without case id from k on the phone channel on 3 March 11:00
    p2 = case("p-2", _at(3), "phone", True, 30, customer_id="k")
    s1b = case(
        "s-1",
        _at(5),
        "social",
        True,
        86400,
        customer_id="k2",
        resolved_at=pd.Timestamp(_at(6), tz=UTC),
    )
    reply = [
        _msg("s-1-2", "s-1", "agent", _at(6)),
        _msg("s-1-3", "s-1", "customer", _at(6, 11), 0.6),
    ]
    e9 = case("e-9", _at(9), "email", True, 600, customer_id="k3")
    late = {**survey("v-2", None, _at(3, 11), "phone", csat=2.0), "customer_id": "k"}
    p4 = case("p-4", _at(11), "phone", False, 90, customer_id="k4")  # v-3's case, a day before
    _write(db, "l2", [p2, s1b, e9, p4], reply, [late])
    assert incremental_builds == [1]
    assert _facts(
        db,
        "select interaction_id, next_contact_at is not null, answered, resolved, n_messages,"
        " sentiment_recovery from fct_cases order by 1",
    ) == [
        ("e-9", False, True, True, 0, None),
        ("p-1", True, True, True, 0, None),  # k's next contact: p-2, two days later
        ("p-2", False, True, True, 0, None),
        ("p-4", False, True, False, 0, None),
        ("s-1", False, True, True, 3, pytest.approx(1.1)),
    ]
    assert _facts(
        db, "select survey_id, interaction_id, link_method from fct_surveys order by 1"
    ) == [
        ("v-1", "e-9", "id"),
        ("v-2", "p-2", "customer_channel_date"),
        ("v-3", "p-4", "customer_channel_date"),  # linked by a case loaded after it
    ]
    # 1 March's outcome row: p-1 resolved, recontacted after 2 days (was: no recontact)
    assert _facts(
        db,
        "select recontact_days, cases from agg_case_outcomes_daily "
        "where utc_day = 19783 and channel = 'phone'",
    ) == [(2, 1)]
    assert_equals_full_rebuild(db, tmp_path)
    # load 3: p-2 goes (re-keyed by its source): p-1 has no next contact again, v-2 moves
    _write(db, "l3", [case("p-2b", _at(20), "phone", False, None, customer_id="k9")])
    with snapshot_writer(db) as con:
        con.execute("delete from interactions where interaction_id = 'p-2'")
        build(con, Config(), "l3")
    assert _facts(db, "select next_contact_at from fct_cases where interaction_id = 'p-1'") == [
        (None,)
    ]
    assert _facts(db, "select interaction_id from fct_surveys where survey_id = 'v-2'") == [
        ("p-1",)  # k's latest phone case up to 7 days before the answer is now p-1
    ]
    assert len(incremental_builds) == 3
    assert_equals_full_rebuild(db, tmp_path)


def test_checks_after_an_incremental_build_catch_a_repeated_key_and_a_stale_row(tmp_path):
    db = tmp_path / "w.duckdb"
    cases = [case(f"c-{i}", _at(1 + i % 9), "phone", True, 60) for i in range(40)]
    _write(db, "l1", cases)
    before = db.read_bytes()
    # a repeated key inside the scope of the load (its own case)
    with pytest.raises(WarehouseError, match=r"fct_cases: key \(interaction_id\) unique"):
        with snapshot_writer(db) as con:
            con.execute(
                "insert into interactions (interaction_id, source, channel, opened_at, status, "
                "load_id) values ('n-1', 'test', 'phone', timestamptz '2024-03-02 10:00', 'open', 'l2')"
            )
            build(con, Config(), "l2")
            con.execute(
                "insert into fct_cases select * from fct_cases where interaction_id = 'n-1'"
            )
    # a row outside every scope left stale (a case gone without the build seeing it)
    with pytest.raises(WarehouseError, match="one row per interaction"):
        with snapshot_writer(db) as con:
            con.execute(
                "insert into interactions (interaction_id, source, channel, opened_at, status, "
                "load_id) values ('n-2', 'test', 'phone', timestamptz '2024-03-02 10:00', 'open', 'l3')"
            )
            build(con, Config(), "l3")
            con.execute("delete from fct_cases where interaction_id = 'c-5'")
    assert db.read_bytes() == before  # neither candidate was published


def test_every_table_model_says_how_a_load_rebuilds_it():
    """A table model is rebuilt by a scope its own key holds (so the bounded checks at publish
    stay sound) from inputs it reads, or says why it is rebuilt in full (models.toml)."""
    from warehouse.build import models
    from warehouse.checks import CHECKED_WHOLE, model_specs

    specs = model_specs()
    for m in models():
        spec = specs[m.name]
        if m.materialized == "view":
            assert "incremental" not in spec, m.name
            continue
        column = spec.get("incremental")
        if column is None:
            assert len(spec.get("full_rebuild", "")) > 20, f"{m.name}: no incremental, no reason"
            continue
        assert column in inc.SCOPE_TABLES, m.name
        # what the bounded key check relies on (a keyless model is counted whole: rows_of; a
        # scope that is no column of the model, agg_agent_hours', is checked whole)
        assert (
            column in spec["key"]
            or (not spec["key"] and spec["rows_of"])
            or column in CHECKED_WHOLE
        ), m.name
        # inputs it reads, directly or through a view (agg_messages_daily: fct_messages)
        assert spec["restrict"] and all(r in specs for r in spec["restrict"]), m.name
    # the one rebuilt in full, by name: one row per agent (keys numbered over all agents)
    assert sorted(n for n, s in specs.items() if "full_rebuild" in s) == ["fct_agents"]


def test_day_groups_and_additive_models_keep_their_contract(tmp_path):
    """A daily model rebuilt by groups of a day names columns of its rows (in its key, or its
    rows' columns for a keyless one) that each input it is restricted by holds under the same
    name (that they hold the same values, the equality with a full rebuild tests); an additive model counts fct_cases rows in integers only, the column it
    names counting them all (warehouse/models.toml)."""
    from warehouse.checks import model_specs

    db = tmp_path / "w.duckdb"
    _write(db, "l1", [case(f"c-{i}", _at(1 + i % 5), "phone", True, 60) for i in range(10)])
    con = duckdb.connect(str(db), read_only=True)
    try:

        def columns(name: str) -> dict[str, str]:
            return dict(
                con.execute(f"select name, type from pragma_table_info('{name}')").fetchall()
            )

        grouped, additive = [], []
        for name, spec in model_specs().items():
            if spec.get("day_groups"):
                grouped.append(name)
                assert spec["incremental"] == "utc_day", name
                own = spec["key"] or list(columns(name))
                assert set(spec["day_groups"]) <= set(own), name
                for source in spec["restrict"]:
                    assert set(spec["day_groups"]) <= set(columns(source)), (name, source)
            if spec.get("additive"):
                additive.append(name)
                assert spec["restrict"] == ["fct_cases"] and spec["incremental"] == "utc_day"
                values = {c: t for c, t in columns(name).items() if c not in spec["key"]}
                assert set(values.values()) == {"BIGINT"} and spec["additive"] in values, name
    finally:
        con.close()
    assert sorted(grouped) == [
        "agg_case_values",
        "agg_cases_daily",
        "agg_messages_daily",
    ]
    assert additive == ["agg_case_outcomes_daily"]


def test_a_warehouse_file_named_with_quotes_and_spaces_builds_incrementally(
    tmp_path, incremental_builds
):
    """The restricted inputs name the stored relations through the file's catalog name."""
    db = tmp_path / 'my "odd" warehouse.duckdb'
    _write(db, "l1", [case(f"c-{i}", _at(1 + i % 5), "phone", True, 60) for i in range(10)])
    _write(db, "l2", [case("c-new", _at(3), "email", False, None, customer_id="c-c-1")])
    assert incremental_builds == [1]
    assert _facts(db, "select count(*) from fct_cases") == [(11,)]
    assert_equals_full_rebuild(db, tmp_path)


# Threads a daily load can touch (etl/sources/twcs_cases.py _scoped_threads): tweets loaded in
# parts leave the same threads, cases and messages as all of them loaded at once, and the later
# loads took the scoped path. Hand-made threads (tests/golden/incremental.md, "Threads").
TWCS_HEADER = (
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
)


def _tweet(tid: int, inbound: bool, minute: int, parent: int | None = None) -> str:
    author = f"cust{tid % 7}" if inbound else "AcmeHelp"
    text = "@AcmeHelp my order is late" if inbound else f"@cust{tid % 7} sorry we are on it"
    when = datetime(2024, 3, 1, 9, 0) + pd.Timedelta(minutes=minute)
    stamp = when.strftime("%a %b %d %H:%M:%S +0000 %Y")
    up = "" if parent is None else str(parent)
    return f"{tid},{author},{'TRUE' if inbound else 'FALSE'},{stamp},{text},,{up}\n"


DAY = 24 * 60  # minutes
MONTH_GAP = 31 * DAY  # more than the 30 days after which a customer's reply opens a new case


def _thread_parts() -> list[list[str]]:
    """Three loads. Load 1: a 40-tweet chain 1..40 rooted at 1 (its root far back in time and in
    depth); thread 100 <- 101; tweet 201 replying to 200, which is missing (201 is a root), with
    its reply 202; a brand broadcast 300 (no parent) with a customer reply 301 (a root); a reply
    cycle 400 <-> 401 (in no case). Load 2: 41 replies to the chain's last tweet at a time before
    the chain's end (positions move), 200 arrives replying to 101 (joining thread 201 into
    thread 100), 300 arrives again replying to a new customer tweet 299 (no longer a broadcast:
    the stored root 301, two links below the new tweet, joins case 299 with 300). Load 3: 102 replies to
    101 again, 402 replies into the cycle. A month's gap (more than 30 days: a new case): load 1
    holds thread 500 <- 501 and 602, a customer reply to 601 sent 40 days after it; load 2 adds
    502, a customer reply to 501 31 days later, with the brand's answer 503 (a case of its own),
    and the missing 600 <- 601 (602 stays a case of its own under the parent that arrived)."""
    chain = [_tweet(i, i % 2 == 1, i, i - 1 if i > 1 else None) for i in range(1, 41)]
    load1 = [
        *chain,
        _tweet(100, True, 5),
        _tweet(101, False, 6, 100),
        _tweet(201, True, 7, 200),
        _tweet(202, False, 8, 201),
        _tweet(300, False, 9),
        _tweet(301, True, 10, 300),
        _tweet(400, True, 11, 401),
        _tweet(401, False, 12, 400),
        _tweet(500, True, 14),
        _tweet(501, False, 15, 500),
        _tweet(602, True, 17 + MONTH_GAP + 9 * DAY, 601),
    ]
    # 300's record arrives again, now replying to 299 (an inbound tweet with no parent)
    load2 = [
        _tweet(41, True, 30, 40),
        _tweet(200, True, 6, 101),
        _tweet(299, True, 1),
        _tweet(300, False, 9, 299),
        _tweet(502, True, 15 + MONTH_GAP, 501),
        _tweet(503, False, 16 + MONTH_GAP, 502),
        _tweet(600, True, 16),
        _tweet(601, False, 17, 600),
    ]
    load3 = [_tweet(102, True, 3, 101), _tweet(402, True, 13, 401)]
    return [load1, load2, load3]


def _write_tweets(path: Path, lines: list[str]) -> Path:
    path.write_text(TWCS_HEADER + "".join(lines), encoding="utf-8")
    return path


THREAD_TABLES = ("raw_twcs", "twcs_threads", "interactions", "messages")


def test_threads_a_load_touches_equal_the_whole_computation(tmp_path, monkeypatch):
    from etl.sources import twcs_cases

    monkeypatch.setattr(twcs_cases, "FULL_SHARE", math.inf)
    scoped: list[int] = []
    real = twcs_cases._scoped_threads
    monkeypatch.setattr(twcs_cases, "_scoped_threads", lambda con: scoped.append(1) or real(con))
    parts = _thread_parts()
    db = tmp_path / "parts.duckdb"
    for i, lines in enumerate(parts):
        load_file("twcs", str(_write_tweets(tmp_path / f"p{i}.csv", lines)), db, Config())
    assert scoped == [1, 1]  # loads 2 and 3 computed only the threads they touch
    whole = tmp_path / "whole.duckdb"
    every = [line for lines in parts for line in lines]
    latest = list({line.split(",")[0]: line for line in every}.values())  # the later record wins
    load_file("twcs", str(_write_tweets(tmp_path / "all.csv", latest)), whole, Config())
    got, want = digests(db), digests(whole)
    assert [t for t in THREAD_TABLES if got[t] != want[t]] == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        roots = dict(con.execute("select tweet_id, root_id from twcs_threads").fetchall())
    finally:
        con.close()
    # hand-derived (docstring of _thread_parts)
    assert roots[41] == 1 and roots[40] == 1  # the far-back root
    assert roots[200] == roots[201] == roots[202] == roots[102] == 100  # two threads joined
    assert roots[299] == roots[300] == roots[301] == 299  # re-rooted from two links up
    assert 400 not in roots and 401 not in roots and 402 not in roots  # the cycle stays out
    assert roots[500] == roots[501] == 500 and roots[502] == roots[503] == 502  # a month later
    assert roots[600] == roots[601] == 600 and roots[602] == 602  # 40 days after its parent


def test_descendants_and_ancestors_by_pointer_doubling():
    from etl.sources.twcs_cases import ancestors, descendants

    # rows: 0 <- 1 <- 2 <- 3, 4 <- 5, a cycle 6 <-> 7, 8 alone
    parent_idx = np.array([-1, 0, 1, 2, -1, 4, 7, 6, -1])
    marked = np.zeros(9, dtype=bool)
    marked[[1, 7]] = True
    assert np.flatnonzero(descendants(parent_idx, marked)).tolist() == [1, 2, 3, 6, 7]
    assert np.flatnonzero(ancestors(parent_idx, marked)).tolist() == [0, 1, 6, 7]
    long = np.arange(-1, 999)  # a 1000-deep chain, its first tweet marked
    first = np.zeros(1000, dtype=bool)
    first[0] = True
    assert descendants(long, first).all()
    assert np.flatnonzero(ancestors(long, ~first)).tolist() == list(range(1000))


def test_checks_of_what_a_load_writes_read_the_cases_it_touched(tmp_path, incremental_builds):
    """interactions, messages and their views (`touched`, no `incremental`) are checked over the
    cases the load touched, not their customers' other cases (warehouse/checks.py TOUCHED): an
    old message of customer k's earlier case is outside what a load of k's new case writes."""
    db = tmp_path / "w.duckdb"
    others = [case(f"o-{i}", _at(1 + i % 9), "phone", True, 60) for i in range(10)]
    k1 = case("k-1", _at(2), "social", True, 60, customer_id="k")
    _write(db, "l1", [*others, k1], [_msg("k-1-1", "k-1", "customer", _at(2))])
    insert_case = (
        "insert into interactions (interaction_id, source, channel, customer_id, opened_at, "
        "status, load_id) values (?, 'test', 'social', 'k', timestamptz '2024-03-04 10:00', "
        "'open', ?)"
    )
    insert_message = (
        "insert into messages (message_id, interaction_id, seq, author_role, sent_at, load_id) "
        "values (?, ?, 1, ?, timestamptz '2024-03-04 10:00', ?)"
    )
    # k's earlier case (in the case scope of the load, not touched by it) holds a bad role
    with snapshot_writer(db) as con:
        con.execute(insert_case, ["k-2", "l2"])
        con.execute(insert_message, ["k-2-1", "k-2", "customer", "l2"])
        con.execute("update messages set author_role = 'robot' where message_id = 'k-1-1'")
        build(con, Config(), "l2")
        scope = {r[0] for r in con.execute("select * from scope_interaction_id").fetchall()}
        touched = {r[0] for r in con.execute("select * from touched").fetchall()}
    assert scope == {"k-1", "k-2"} and touched == {"k-2"}
    assert len(incremental_builds) == 1
    before = db.read_bytes()
    # the same defect in a message the load writes is caught
    with pytest.raises(WarehouseError, match=r"messages: author_role in"):
        with snapshot_writer(db) as con:
            con.execute(insert_case, ["k-3", "l3"])
            con.execute(insert_message, ["k-3-1", "k-3", "robot", "l3"])
            build(con, Config(), "l3")
    # a message the load writes repeating the id of one of an untouched case is caught
    with pytest.raises(WarehouseError, match=r"messages: key \(message_id\) unique"):
        with snapshot_writer(db) as con:
            con.execute(insert_case, ["k-4", "l4"])
            con.execute(insert_message, ["o-1-1", "k-4", "customer", "l4"])
            con.execute(insert_message, ["o-1-1", "o-1", "customer", "l0"])
            build(con, Config(), "l4")
    assert db.read_bytes() == before


# Sixth round (tests/golden/incremental.md, "Daily models in place"): a daily model whose day
# scope is a small share of its days has those days deleted and inserted in place; the others
# are written back whole; fct_agents is written only when a row of it changed; the key checks of
# views that repeat a checked table's key are skipped.
def _spy_writes(monkeypatch) -> dict[str, list[str]]:
    """Names of the models rebuilt in place (inc.rebuild_in_scope), updated by difference
    (inc.update_by_difference) and created whole (build._create) by each build."""
    import warehouse.build as build_module

    seen: dict[str, list[str]] = {"in_place": [], "created": [], "by_difference": []}
    real_scope, real_create = inc.rebuild_in_scope, build_module._create
    real_difference = inc.update_by_difference

    def in_place(con, name, sql):
        seen["in_place"].append(name)
        real_scope(con, name, sql)

    def created(con, m, rows=None):
        seen["created"].append(m.name)
        real_create(con, m, rows)

    def by_difference(con, name, sql):
        seen["by_difference"].append(name)
        real_difference(con, name, sql)

    monkeypatch.setattr(inc, "rebuild_in_scope", in_place)
    monkeypatch.setattr(inc, "update_by_difference", by_difference)
    monkeypatch.setattr(build_module, "_create", created)
    return seen


DAILY = {
    "agg_cases_daily",
    "agg_messages_daily",
    "agg_surveys_daily",
    "agg_case_outcomes_daily",
    "agg_case_values",
}


@pytest.mark.parametrize("share", [0.0, math.inf])
def test_daily_models_in_place_or_written_back_equal_a_full_rebuild(
    tmp_path, incremental_builds, monkeypatch, share
):
    """Both ways of storing a daily model's rebuilt days give the full rebuild's rows: always
    in place (share inf) and always written back (share 0: only a model with no day to rebuild
    takes the in-place path, where it deletes and inserts nothing)."""
    monkeypatch.setattr(inc, "FEW_DAYS_SHARE", share)
    files, _ = day_files(tmp_path, 3000, 5, seed=3)
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(files[0]), db, Config())
    seen = _spy_writes(monkeypatch)
    for f in files[1:]:
        load_file("twcs", str(f), db, Config())
    assert len(incremental_builds) == 4
    in_place = set(seen["in_place"]) & DAILY
    # agg_case_outcomes_daily (additive in models.toml) is updated by difference whatever its
    # day scope
    assert set(seen["by_difference"]) == {"agg_case_outcomes_daily"}
    assert "agg_case_outcomes_daily" not in seen["created"]
    if share:
        assert in_place - {"agg_surveys_daily"} == DAILY - {
            "agg_surveys_daily",
            "agg_case_outcomes_daily",
        }
    else:
        assert in_place <= {"agg_surveys_daily"}  # TWCS holds no survey: no day to rebuild
    assert_equals_full_rebuild(db, tmp_path)


def test_a_load_of_one_day_rewrites_that_day_in_place(tmp_path, incremental_builds, monkeypatch):
    db = tmp_path / "w.duckdb"
    # 40 phone cases on 1-9 March, agent AB; then one case on 4 March (same agent)
    _write(db, "l1", [case(f"c-{i}", _at(1 + i % 9), "phone", True, 60) for i in range(40)])
    seen = _spy_writes(monkeypatch)
    _write(db, "l2", [case("n-1", _at(4), "phone", True, 60)])
    # the daily models in place (1 of 9 stored days; agg_surveys_daily 0 of 0), but
    # agg_messages_daily (no message: 0 stored days, 1 to rebuild) written back whole;
    # agg_agent_hours in place, agg_agent_frt for the changed case (n-1); agg_case_outcomes_daily
    # by difference (the new case's key: 4 March, phone, TelcoCo, billing, recontact_days NULL:
    # resolved, no later contact of its customer); fct_agents unchanged (AB known)
    assert set(seen["in_place"]) == DAILY - {"agg_messages_daily", "agg_case_outcomes_daily"} | {
        "fct_cases",
        "fct_surveys",
        "agg_social_followups",
        "agg_agent_hours",
        "agg_agent_frt",
    }
    assert seen["by_difference"] == ["agg_case_outcomes_daily"]
    assert seen["created"] == ["agg_messages_daily"]
    assert _facts(
        db,
        "select interaction_id, agent_key, frt_s from agg_agent_frt where utc_day = 19786 order by 1",
    ) == [
        ("c-12", 1, 60.0),
        ("c-21", 1, 60.0),
        ("c-3", 1, 60.0),
        ("c-30", 1, 60.0),
        ("c-39", 1, 60.0),
        ("n-1", 1, 60.0),
    ]
    assert _facts(db, "select utc_day, cases from agg_cases_daily where utc_day = 19786") == [
        (19786, 6)  # 4 March: c-3, c-12, c-21, c-30, c-39 and n-1
    ]
    # the stored key with a NULL in it (recontact_days) takes the new case: one row, not two
    assert _facts(
        db,
        "select utc_day, recontact_days, cases from agg_case_outcomes_daily where utc_day = 19786",
    ) == [(19786, None, 6)]
    assert_equals_full_rebuild(db, tmp_path)
    # a new agent (AA sorts before AB): fct_agents' keys move, so it is written and
    # agg_agent_frt (which reads the keys) is rebuilt in full and written back
    seen["in_place"].clear()
    seen["created"].clear()
    _write(db, "l3", [case("n-2", _at(5), "phone", True, 60, agent="AA")])
    assert seen["created"] == ["fct_agents", "agg_agent_frt", "agg_messages_daily"]
    assert "agg_agent_frt" not in seen["in_place"]
    assert _facts(db, "select agent_key, agent_id from fct_agents order by 1") == [
        (1, "AA"),
        (2, "AB"),
    ]
    assert len(incremental_builds) == 2  # l2 and l3
    assert_equals_full_rebuild(db, tmp_path)


def test_key_checks_implied_by_a_base_table_run_once(tmp_path):
    """A repeated message id is named once, by messages (stg_messages and fct_messages are views
    that repeat it only because messages does); a repeated case by interactions and fct_cases,
    not by stg_interactions; stored as a table, fct_messages is checked itself."""
    from warehouse.checks import check_failures

    db = tmp_path / "w.duckdb"
    c1 = case("c-1", _at(2), "social", True, 60)
    _write(
        db,
        "l1",
        [c1, case("c-2", _at(3), "phone", True, 60)],
        [_msg("c-1-1", "c-1", "customer", _at(2))],
    )
    con = duckdb.connect(str(db))
    try:
        con.execute("insert into messages select * from messages where message_id = 'c-1-1'")
        con.execute(
            "insert into interactions select * from interactions where interaction_id = 'c-2'"
        )
        keys = sorted(f.model for f in check_failures(con) if f.check.startswith("key"))
        assert keys == ["interactions", "messages"]
        con.execute("create table fct_messages_t as select * from fct_messages")
        con.execute("drop view fct_messages")
        con.execute("alter table fct_messages_t rename to fct_messages")
        keys = sorted(f.model for f in check_failures(con) if f.check.startswith("key"))
        assert keys == ["fct_messages", "interactions", "messages"]
    finally:
        con.close()


def test_agent_hours_shared_across_days_follow_each_load(tmp_path, incremental_builds):
    """agg_agent_hours in place (scope_agent_hours.sql): an agent-hour whose cases open on two
    days keeps one row per day; when a later load moves one case out of it, both days' single
    hours change (tests/golden/incremental.md, "Agent-hours")."""
    db = tmp_path / "w.duckdb"
    rows = "select utc_day, agent_id, response_hour, cases, single_hours from agg_agent_hours"
    a1 = case("a1", _at(1, 23, 30), "phone", True, 2400)  # answered 2 March 00:10
    a2 = case("a2", _at(2, 0, 5), "phone", True, 900)  # answered 2 March 00:20
    a3 = case("a3", _at(2, 9, 0), "phone", True, 60)  # answered 2 March 09:01
    _write(db, "l1", [a1, a2, a3])
    assert sorted(_facts(db, rows), key=str) == [
        (19783, "AB", 474816, 1, 0),  # hour 2 March 00 shared by 1 and 2 March
        (19784, "AB", 474816, 1, 0),
        (19784, "AB", None, 1, 1),  # 2 March: hour 09 alone
    ]
    _write(db, "l2", [case("a2", _at(2, 0, 5), "phone", True, 5100)])  # now answered 01:30
    assert sorted(_facts(db, rows), key=str) == [
        (19783, "AB", None, 1, 1),  # hour 00: a1 alone
        (19784, "AB", None, 2, 2),  # hours 01 and 09
    ]
    assert_equals_full_rebuild(db, tmp_path)
    _write(db, "l3", [case("a4", _at(1, 22, 0), "phone", True, 13200)])  # answered 2 March 01:40
    assert sorted(_facts(db, rows), key=str) == [
        (19783, "AB", 474817, 1, 0),  # hour 01 shared by a4 (1 March) and a2 (2 March)
        (19783, "AB", None, 1, 1),  # hour 00: a1
        (19784, "AB", 474817, 1, 0),
        (19784, "AB", None, 1, 1),  # hour 09: a3
    ]
    assert len(incremental_builds) == 2
    assert_equals_full_rebuild(db, tmp_path)


def test_fct_cases_is_rebuilt_for_the_cases_whose_next_contact_can_move(
    tmp_path, incremental_builds, monkeypatch
):
    """Of a touched customer's other cases, fct_cases is rebuilt only for those whose stored
    next contact is none or at or after the earliest touched case of their brand (of the
    customer, when a case of theirs has no brand): scope_fct_cases.sql, hand-computed in
    tests/golden/incremental.md ("The fct_cases scope")."""
    scopes: list[list[str]] = []
    real = inc.case_scope

    def spy(con, load_id, sql):
        share = real(con, load_id, sql)
        scopes.append(
            [r[0] for r in con.execute("select * from scope_fct_cases order by 1").fetchall()]
        )
        return share

    monkeypatch.setattr(inc, "case_scope", spy)
    db = tmp_path / "w.duckdb"

    def phone(iid: str, day: int, customer: str, brand: str | None) -> dict:
        return case(iid, _at(day), "phone", True, 60, brand=brand, customer_id=customer)

    _write(
        db,
        "l1",
        [
            # k: every case branded; Acme on 1 and 4 March, B on 2 and 6 March
            phone("a1", 1, "k", "Acme"), phone("b1", 2, "k", "B"),
            phone("a2", 4, "k", "Acme"), phone("b2", 6, "k", "B"),
            # m: a case without a brand on 1 March, one of brand A on 5 March
            phone("m1", 1, "m", None), phone("m2", 5, "m", "A"),
            # u: one case of brand A on 1 March
            phone("u1", 1, "u", "A"),
            # w: untouched by load 2
            phone("w1", 1, "w", None),
        ],
    )  # fmt: skip
    nxt = "select interaction_id, day(next_contact_at) from fct_cases order by 1"
    assert _facts(db, nxt) == [
        ("a1", 4), ("a2", None), ("b1", 6), ("b2", None),
        ("m1", 5), ("m2", None), ("u1", None), ("w1", None),
    ]  # fmt: skip
    _write(
        db,
        "l2",
        [
            phone("a3", 8, "k", "ACME"),  # Acme written another way (compared lower-cased)
            phone("m3", 3, "m", "B"),
            phone("u2", 2, "u", None),  # no brand: a next contact of any earlier case of u
        ],
    )
    assert incremental_builds == [1]
    # k: a2 (no next contact, brand Acme) and a3; not a1 (next contact 4 March, before 8 March),
    # nor b1, b2 (no touched case of brand B). m has a case without a brand: m1 (next contact
    # 5 March, after 3 March) and m2 (none). u: u1 (none). w: not a touched customer.
    assert scopes[-1] == ["a2", "a3", "m1", "m2", "m3", "u1", "u2"]
    assert _facts(db, nxt) == [
        ("a1", 4), ("a2", 8), ("a3", None), ("b1", 6), ("b2", None),
        ("m1", 3), ("m2", None), ("m3", None), ("u1", 2), ("u2", None), ("w1", None),
    ]  # fmt: skip
    assert_equals_full_rebuild(db, tmp_path)


def test_only_stg_interactions_is_read_once_and_only_where_named_more_than_once():
    """restricted() copies an input into a temp table only for stg_interactions in a model that
    names it more than once (fct_cases: three times, and the case scope's touched_facts, which
    runs fct_cases' SQL); every other restricted input stays a view (docs/performance.md,
    seventh round: copying fct_cases for the daily models cost 1.3 CPU s for 0.3 saved)."""
    from warehouse.build import models
    from warehouse.checks import model_specs

    specs = model_specs()
    read_once = sorted(
        (m.name, r)
        for m in models()
        for r in specs.get(m.name, {}).get("restrict", [])
        if r in inc.READ_ONCE and inc.named_more_than_once(r, m.sql)
    )
    assert read_once == [("fct_cases", "stg_interactions")]
    assert not inc.named_more_than_once(
        "stg_interactions", "from stg_interactions_x, stg_interactions"
    )
    assert inc.named_more_than_once("stg_interactions", "stg_interactions join stg_interactions")


def test_a_gone_case_is_found_when_the_load_also_adds_one(
    tmp_path, incremental_builds, monkeypatch
):
    """The built cases whose interaction is gone are looked for (all fct_cases ids against all
    interactions) only when the counts say one may be (gone_possible.sql): a load that deletes
    one case and adds another keeps the count of interactions, and must still find it."""
    names: list[str] = []
    real = inc._sql

    def spy(name: str) -> str:
        names.append(name)
        return real(name)

    monkeypatch.setattr(inc, "_sql", spy)
    db = tmp_path / "w.duckdb"
    k1 = case("k1", _at(1), "phone", True, 60, customer_id="k")
    k2 = case("k2", _at(3), "phone", True, 60, customer_id="k")
    _write(db, "l1", [k1, k2])
    assert _facts(db, "select day(next_contact_at) from fct_cases where interaction_id = 'k1'") == [
        (3,)
    ]
    names.clear()
    _write(db, "l2", [case("z1", _at(5), "phone", True, 60, customer_id="z")])
    assert "gone_possible" in names and "touched_gone" not in names  # nothing deleted
    names.clear()
    with snapshot_writer(db) as con:  # k2 deleted (as a loader or an erasure does), q1 added
        con.execute("delete from interactions where interaction_id = 'k2'")
        frame = pd.DataFrame([case("q1", _at(6), "phone", True, 60, customer_id="q")])
        con.register("incoming", frame.assign(load_id="l3"))
        con.execute("insert into interactions by name select * from incoming")
        build(con, Config(), "l3")
    assert "touched_gone" in names
    assert len(incremental_builds) == 2  # l2 and l3 (l1 is the first build)
    assert _facts(db, "select interaction_id, day(next_contact_at) from fct_cases order by 1") == [
        ("k1", None),  # its next contact k2 is gone
        ("q1", None),
        ("z1", None),
    ]
    assert_equals_full_rebuild(db, tmp_path)


def test_a_change_on_an_old_day_rebuilds_its_channel_and_brand_of_that_day(
    tmp_path, incremental_builds, monkeypatch
):
    """A daily model with day_groups (models.toml) is rebuilt for the (day, channel, brand) of
    what changed, not for the whole day: a new TelcoCo phone case on 4 March leaves AirCo's rows
    of 4 March and every other day as stored. Expected counts by hand: cases t-i and a-i open on
    day 1 + i % 9 of March, so 4 March holds t-3 and t-12 (and the new n-1), and a-3 and a-12."""
    db = tmp_path / "w.duckdb"
    telco = [case(f"t-{i}", _at(1 + i % 9), "phone", True, 60) for i in range(20)]
    air = [case(f"a-{i}", _at(1 + i % 9), "phone", True, 90, brand="AirCo") for i in range(20)]
    _write(db, "l1", telco + air)
    groups: dict[str, list[tuple]] = {}
    real = inc.rebuild_in_scope

    def spy(con, name, sql):
        if inc.day_groups(name):
            groups[name] = con.execute("select * from scope_group order by all").fetchall()
        real(con, name, sql)

    monkeypatch.setattr(inc, "rebuild_in_scope", spy)
    _write(db, "l2", [case("n-1", _at(4, 15), "phone", True, 30)])
    assert len(incremental_builds) == 1
    # 4 March 2024 is UTC day 19786. Written back whole instead: agg_messages_daily (no message
    # stored: none of its groups to keep)
    assert groups == {
        "agg_cases_daily": [(19786, "phone", "TelcoCo")],
        "agg_case_values": [(19786, "phone", "TelcoCo")],
    }
    assert _facts(
        db, "select brand, cases from agg_cases_daily where utc_day = 19786 order by brand"
    ) == [("AirCo", 2), ("TelcoCo", 3)]
    # first response times of 4 March by brand: AirCo 90, 90; TelcoCo 30, 60, 60
    assert _facts(
        db,
        "select brand, n, lo, hi from agg_case_values "
        "where utc_day = 19786 and measure = 'frt_s' order by brand, bin",
    ) == [("AirCo", 2, 90.0, 90.0), ("TelcoCo", 1, 30.0, 30.0), ("TelcoCo", 2, 60.0, 60.0)]
    assert_equals_full_rebuild(db, tmp_path)
