"""Load semantics: idempotent, merge by natural key (later record wins), atomic even when killed,
and bad input quarantined (or refused in one sentence), never a traceback."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from warehouse.ingest import LoadRefused, load_file

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "sample_data" / "demo"
KEYS = {
    "interactions": "interaction_id",
    "messages": "message_id",
    "surveys": "survey_id",
    "raw_twcs": "tweet_id",
}


def _make_twcs_module():
    spec = importlib.util.spec_from_file_location("make_twcs", ROOT / "bench" / "make_twcs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_twcs = _make_twcs_module()


def table_digests(db: Path) -> dict[str, str]:
    """sha256 of each canonical table's rows ordered by key, without load ids."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        out = {}
        for table, key in KEYS.items():
            if table not in present:
                continue
            rows = con.execute(f"select * exclude (load_id) from {table} order by {key}").fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def file_digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def count(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


# --- idempotency and merge by key --------------------------------------------------------------
def test_split_twcs_load_equals_single_load(tmp_path):
    table = make_twcs.twcs_table(6000, seed=3)
    n = len(table)
    first, second = table.slice(0, int(n * 0.6)), table.slice(int(n * 0.4))
    # The overlap is a later version of those tweets in the second file: it must win.
    texts = second.column("text").to_pylist()
    edited = [t + " (edited)" if i < n * 0.2 else t for i, t in enumerate(texts)]
    second = second.set_column(
        second.column_names.index("text"), "text", make_twcs.pa.array(edited)
    )
    a, b, both = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "both.csv"
    make_twcs.write_table(a, first)
    make_twcs.write_table(b, second)
    make_twcs.write_table(both, make_twcs.pa.concat_tables([first, second]))
    split, single = tmp_path / "split.duckdb", tmp_path / "single.duckdb"
    load_file("twcs", str(a), split, Config())
    load_file("twcs", str(b), split, Config())
    load_file("twcs", str(both), single, Config())
    assert table_digests(split) == table_digests(single)
    assert count(split, "select count(*) from raw_twcs where text like '%(edited)'") > 500
    assert count(split, "select count(*) from interactions") > 1000


def test_same_file_twice_adds_nothing(tmp_path):
    path = tmp_path / "t.csv"
    make_twcs.write_table(path, make_twcs.twcs_table(800, seed=5))
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(path), db, Config())
    before = file_digest(db)
    assert load_file("twcs", str(path), db, Config()).status == "skipped"
    assert file_digest(db) == before


def _split_csv(src: Path, tmp_path: Path, key: str) -> tuple[Path, Path, Path]:
    """Two overlapping parts of a CSV (the second with edited overlap rows) and their union."""
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    n = len(frame)
    first, second = frame.iloc[: int(n * 0.6)], frame.iloc[int(n * 0.4) :].copy()
    text_col = next(
        c
        for c in frame.columns
        if c not in (key,)
        and frame[c].str.len().mean() > 3
        and not frame[c].str.match(r"^[\d.:\- TZ]*$").all()
    )
    second.iloc[: int(n * 0.1), second.columns.get_loc(text_col)] += " (edited)"
    paths = tmp_path / f"a_{src.name}", tmp_path / f"b_{src.name}", tmp_path / f"both_{src.name}"
    first.to_csv(paths[0], index=False)
    second.to_csv(paths[1], index=False)
    pd.concat([first, second]).drop_duplicates(key, keep="last").to_csv(paths[2], index=False)
    return paths


@pytest.mark.parametrize(
    "kind,name,key",
    [
        ("calls", "phone_calls.csv", "Call Id"),
        ("tickets", "tickets.csv", "Ticket ID"),
        ("surveys", "surveys.csv", "survey_id"),
    ],
)
def test_split_source_load_equals_single_load(tmp_path, kind, name, key):
    if not (DEMO / name).exists():
        pytest.skip(f"{DEMO / name} is not generated yet")
    a, b, both = _split_csv(DEMO / name, tmp_path, key)
    split, single = tmp_path / "split.duckdb", tmp_path / "single.duckdb"
    load_file(kind, str(a), split, Config())
    load_file(kind, str(b), split, Config())
    load_file(kind, str(both), single, Config())
    assert table_digests(split) == table_digests(single)


# --- atomicity: SIGKILL at random points -------------------------------------------------------
@pytest.mark.slow
def test_killed_load_leaves_warehouse_unchanged_and_next_load_succeeds(tmp_path):
    base, big = tmp_path / "base.csv", tmp_path / "big.csv"
    make_twcs.write_table(base, make_twcs.twcs_table(500, seed=1))
    big_table = make_twcs.twcs_table(400_000, seed=2)
    make_twcs.write_table(big, big_table)
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(base), db, Config())
    before = file_digest(db)
    env = {**os.environ, "SOCIALCARE_PROGRESS": "0"}
    cmd = [sys.executable, "-m", "cli", "--db", str(db), "load", "twcs", str(big)]
    # how long the whole load takes here (on a copy), so that the kills land inside it on any
    # machine: one kill in each quarter of that time (random within it), the last one in the
    # publishing end where the work file is being written
    probe, probe_base = tmp_path / "probe.duckdb", db.read_bytes()
    probe.write_bytes(probe_base)
    t0 = time.perf_counter()
    subprocess.run(
        [*cmd[:4], str(probe), *cmd[5:]],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    full = time.perf_counter() - t0
    rng = random.Random(20240601)
    killed, in_writer = 0, 0
    for lo, hi in ((0.05, 0.25), (0.25, 0.5), (0.5, 0.7), (0.7, 0.85)):
        delay = full * rng.uniform(lo, hi)
        for _attempt in range(3):  # a busier or quieter machine may finish sooner than measured
            proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)  # the load and any worker processes it forked
            proc.wait()
            if proc.returncode != 0:
                break
            # it finished before the kill: then it is fully there; undo it and kill sooner
            assert count(db, "select count(*) from loads") == 2
            db.write_bytes(probe_base)
            delay /= 2
        else:
            pytest.fail(f"the load always finished before the kill ({full:.1f} s measured)")
        killed += 1
        in_writer += bool(list(tmp_path.glob(".w.duckdb.work-*")))  # killed while writing
        if file_digest(db) != before:
            # all or nothing: a kill that lands after the atomic rename (the load runs in a child
            # process, which returns its result to the command after publishing) finds the whole
            # load published, never a part of it
            assert count(db, "select count(*) from loads") == 2, (
                f"a partial load after {delay:.1f} s"
            )
            for table in ("raw_twcs", "interactions", "messages", "fct_cases"):
                whole = count(probe, f"select count(*) from {table}")  # the load run to its end
                assert count(db, f"select count(*) from {table}") == whole, (table, delay)
            db.write_bytes(probe_base)
    assert killed == 4 and in_writer >= 1, "some kills must hit the writing phase"
    small = tmp_path / "small.csv"
    make_twcs.write_table(small, make_twcs.twcs_table(300, seed=9))
    result = CliRunner().invoke(main, ["--db", str(db), "load", "twcs", str(small)])
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob(".w.duckdb.work-*")), "stale work files are cleaned"
    assert count(db, "select count(*) from loads") == 2


# --- quarantine and refusal --------------------------------------------------------------------
HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\r\n"


def _good_rows(n: int) -> str:
    """n valid tweets; their emoji and accents make the file unmistakably UTF-8."""
    return "".join(
        f"{i},{100 + i},True,Tue Oct 31 10:{i % 60:02d}:00 +0000 2017,@BrandA café {i} 😡,,\r\n"
        for i in range(1, n + 1)
    )


def _quarantine(db: Path) -> list[tuple[int, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select line, reason from quarantine order by line").fetchall()
    finally:
        con.close()


def test_each_kind_of_bad_row_is_quarantined_with_line_and_reason(tmp_path):
    bad = (
        "41,141,True,Tue Oct 31 10:00:00 +0000 2017,@BrandA extra,,,surplus\r\n"  # too many fields
        "42,142,True\r\n"  # too few fields
        ",143,True,Tue Oct 31 10:00:00 +0000 2017,@BrandA no id,,\r\n"  # missing key
        "44,144,True,31/10/2017 10:00,@BrandA when?,,\r\n"  # bad timestamp
        "45,145,maybe,Tue Oct 31 10:00:00 +0000 2017,@BrandA hmm,,\r\n"  # wrong type
        "46,146,True,Tue Oct 31 10:00:00 +0000 2017,@BrandA parent,,abc\r\n"  # wrong type
    )
    path = tmp_path / "t.csv"
    path.write_bytes(
        (HEADER + _good_rows(40) + bad).encode()
        + b"47,147,True,Tue Oct 31 10:00:00 +0000 2017,caf\xe9 \xff,,\r\n"
    )  # damage
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(path), db, replace(Config(), max_bad_share=0.2))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (47, 40, 7)
    reasons = dict(_quarantine(db))
    assert reasons[42].startswith("TOO MANY COLUMNS")
    assert reasons[43].startswith("MISSING COLUMNS")
    assert reasons[44] == "tweet_id is missing or not an integer"
    assert reasons[45] == "created_at is not a Twitter timestamp"
    assert reasons[46] == "inbound is not TRUE/FALSE"
    assert reasons[47] == "in_response_to_tweet_id is not an integer"
    assert reasons[48].startswith("INVALID ENCODING")
    assert set(result.quarantine_reasons) >= {"TOO MANY COLUMNS", "INVALID ENCODING"}


def test_too_many_bad_rows_refuse_the_file_in_one_sentence(tmp_path, twcs_db):
    db = tmp_path / "w.duckdb"
    db.write_bytes(twcs_db.read_bytes())
    before = file_digest(db)
    path = tmp_path / "t.csv"
    path.write_text(HEADER + _good_rows(10) + "11,111,perhaps,x,y,,\r\n" * 2, encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(db), "load", "twcs", str(path)])
    assert result.exit_code == 1
    assert "refused, 2 of 12 rows" in result.output and "line 12" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert file_digest(db) == before
    with pytest.raises(LoadRefused):
        load_file("twcs", str(path), db, Config())


@pytest.mark.parametrize(
    "tail,reason",
    [
        (
            b'41,141,True,Tue Oct 31 10:00:00 +0000 2017,"@BrandA cut in the mid',
            "UNTERMINATED QUOTE",
        ),
        (b"41,141,True,Tue Oct 31 10:0", "MISSING COLUMNS"),
    ],
)
def test_truncated_file_quarantines_its_last_record(tmp_path, tail, reason):
    path = tmp_path / "t.csv"
    path.write_bytes((HEADER + _good_rows(40)).encode() + tail)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(main, ["--db", str(db), "load", "twcs", str(path)])
    assert result.exit_code == 0, result.output
    assert "loaded 40 of 41 rows" in result.output
    [(line, why)] = _quarantine(db)
    assert line == 42 and why.startswith(reason)


def test_file_that_is_not_csv_fails_in_one_sentence(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary" * 50)
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "w.duckdb"), "load", "twcs", str(path)]
    )
    assert result.exit_code == 1
    assert str(path) in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_lock_is_released_when_the_loading_process_dies_but_its_workers_live(tmp_path):
    db = tmp_path / "w.duckdb"
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from warehouse.db import writer_lock\n"
        "with writer_lock(Path(sys.argv[1])):\n"
        "    if os.fork() == 0:\n"  # a worker that outlives its parent, holding the fd
        "        null = os.open(os.devnull, os.O_WRONLY); os.dup2(null, 1); os.dup2(null, 2)\n"
        "        time.sleep(30); os._exit(0)\n"
        "    print(os.getpid(), flush=True)\n"
        "    os._exit(0)\n"  # the load dies without releasing anything
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert proc.returncode == 0, proc.stderr
    try:
        from warehouse.db import writer_lock

        with writer_lock(db):
            pass
    finally:
        try:  # the forked worker is still in the dead loader's process group
            os.killpg(int(proc.stdout.split()[0]), signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_small_load_rewrites_only_the_cases_it_touches(tmp_path):
    from etl.sources.twcs import parse_twcs
    from etl.sources.twcs_cases import rebuild_cases
    from etl.sources.twcs_store import merge_tweets
    from warehouse.db import snapshot_writer

    base_table = make_twcs.twcs_table(3000, seed=4)
    base, small = tmp_path / "base.csv", tmp_path / "small.csv"
    make_twcs.write_table(base, base_table)
    rows = base_table.to_pylist()
    root = next(r for r in rows if r["inbound"] == "True" and r["in_response_to_tweet_id"] is None)
    brand = next(r["author_id"] for r in rows if r["inbound"] == "False")
    small.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        f"900001,{root['author_id']},True,Fri Dec 01 10:00:00 +0000 2017,@{brand} any news?,,"
        f"{root['tweet_id']}\n"
        f"900002,555555,True,Fri Dec 01 11:00:00 +0000 2017,@{brand} my bill is wrong,,\n",
        encoding="utf-8",
    )
    db, single = tmp_path / "w.duckdb", tmp_path / "single.duckdb"
    load_file("twcs", str(base), db, Config())
    parsed = parse_twcs(small, Config())
    with snapshot_writer(db) as con:
        merged = merge_tweets(con, parsed.tables["raw_twcs"], "small", Config())
        assert not merged.rebuild_all
        assert rebuild_cases(con, merged.rebuild_all) == 2  # the thread replied to + the new one
        from warehouse.build import build

        con.execute(
            "insert into loads values ('small', 'twcs', 'twcs', ?, 'x', now(), now(), "
            "2, 2, 0, 'loaded', null)",
            [str(small)],
        )
        build(con)
    both = tmp_path / "both.csv"  # the same rows in one file: one load, every case built afresh
    both.write_bytes(base.read_bytes() + small.read_bytes().split(b"\n", 1)[1])
    load_file("twcs", str(both), single, Config())
    assert table_digests(db) == table_digests(single)


def test_a_work_copy_made_while_a_file_is_parsed_is_the_warehouse_and_goes_away(tmp_path):
    # warehouse/db.py WorkCopy: a Twitter load copies the warehouse in a thread while it parses
    from warehouse.db import WarehouseError, work_copy, writer_lock

    db = tmp_path / "w.duckdb"
    db.write_bytes(random.Random(5).randbytes(3 << 20))  # 3 MB: several copy chunks
    with work_copy(db, background=True) as work:
        with pytest.raises(WarehouseError, match="another load is writing"), writer_lock(db):
            pass  # the lock is held from the start of the copy, before the file is parsed
        copy = work.ready()
        assert copy.read_bytes() == db.read_bytes() and copy.name.startswith(".w.duckdb.work-")
    assert not copy.exists() and not list(tmp_path.glob(".w.duckdb.work-*"))


def test_a_failed_work_copy_is_raised_where_the_copy_is_needed_and_leaves_nothing(tmp_path):
    from warehouse.db import work_copy

    db = tmp_path / "w.duckdb"
    db.mkdir()  # not a file: the copy fails in its thread with IsADirectoryError
    with pytest.raises(IsADirectoryError), work_copy(db, background=True) as work:
        work.ready()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".w.duckdb.lock", "w.duckdb"]
