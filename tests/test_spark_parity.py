"""The warehouse built on Spark equals the DuckDB one (issue 23): model rows, scorecard JSON.

One SparkSession (local[2]) for the module. Each data set is built both ways through the CLI:
`socialcare load` into DuckDB, and `socialcare build --engine spark` then `socialcare publish
--from-lake`; every model table (and the canonical tables) must hold the same rows, and
`socialcare scorecard --format json` must print the same. Provenance of the awkward data set and
of the expected thread roots: tests/golden/spark.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip(
    "pyspark", reason="the spark extra is not installed (pip install -e '.[spark]')"
)

from cli import main  # noqa: E402
from etl.sources.io import SourceError  # noqa: E402
from etl.sources.twcs import case_roots  # noqa: E402
from warehouse.build import models  # noqa: E402
from warehouse.demo import DEMO_FILES, demo_folder  # noqa: E402
from warehouse.spark import lake as lk  # noqa: E402
from warehouse.spark.translate import (  # noqa: E402
    TranslationError,
    missing_functions,
    spark_sql,
)
from warehouse.spark.twcs import INVALID_BYTES  # noqa: E402

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark.*"),
]

REAL_TWCS = Path(__file__).parent / "data" / "real" / "twcs_head_sample.csv"
BOOKKEEPING = {"loads", "etl_state", "quarantine"}  # times and messages of the run itself
SESSION_SECONDS: dict[str, float] = {}


@pytest.fixture(scope="module")
def spark():
    from warehouse.spark.session import spark_session

    started = time.perf_counter()
    session = spark_session("local[2]", driver_memory="2g", shuffle_partitions=4)
    session.sparkContext.setLogLevel("ERROR")
    session.sql("select 1").collect()
    SESSION_SECONDS["setup"] = time.perf_counter() - started
    print(f"\nSpark session ready in {SESSION_SECONDS['setup']:.1f} s")
    yield session
    session.stop()


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _both(
    tmp: Path, sources: list[tuple[str, Path]], config: Path | None = None
) -> tuple[Path, Path]:
    """(DuckDB-loaded warehouse, Spark-built then published warehouse) of the same sources."""
    conf = ["--config", str(config)] if config else []
    duck, spark_db, lake = tmp / "duck.duckdb", tmp / "spark.duckdb", tmp / "lake"
    for kind, path in sources:
        _cli("--db", str(duck), *conf, "load", kind, str(path))
    _cli(
        "--db",
        str(spark_db),
        *conf,
        "build",
        "--engine",
        "spark",
        "--lake",
        str(lake),
        *[f"{k}={p}" for k, p in sources],
    )
    _cli("--db", str(spark_db), *conf, "publish", "--from-lake", str(lake))
    return duck, spark_db


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """The table's rows, comparable across engines: doubles to 9 decimals (sums in another
    order differ in the last bits), value lists sorted, load ids left out, sorted."""
    cols = [(r[0], r[1]) for r in con.execute(f"describe {table}").fetchall() if r[0] != "load_id"]
    exprs = []
    for name, kind in cols:
        if kind == "DOUBLE":
            exprs.append(f'round("{name}", 9)')
        elif kind == "DOUBLE[]":
            exprs.append(f'list_transform(list_sort("{name}"), lambda x: round(x, 9))')
        else:
            exprs.append(f'"{name}"')
    return con.execute(f"select {', '.join(exprs)} from {table} order by all").fetchall()


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = current_schema() order by 1"
        ).fetchall()
    ]


def _assert_same_rows(duck: Path, spark_db: Path) -> int:
    """Every model and canonical table of both warehouses holds the same rows; tables compared."""
    a, b = duckdb.connect(str(duck), read_only=True), duckdb.connect(str(spark_db), read_only=True)
    try:
        names = [t for t in _tables(a) if t not in BOOKKEEPING]
        assert set(names) <= set(_tables(b))
        for t in names:
            assert _rows(a, t) == _rows(b, t), f"table {t} differs"
        return len(names)
    finally:
        a.close()
        b.close()


def _scorecard(db: Path, config: Path | None = None) -> str:
    """The text `socialcare scorecard --format json` prints: both engines must print the same
    bytes (the CLI prints floats to 12 significant digits, so sums added in another order,
    96313.5000000007 on DuckDB and 96313.49999999946 from the Spark-built tables, print alike)."""
    conf = ["--config", str(config)] if config else []
    return _cli("--db", str(db), *conf, "scorecard", "--format", "json")


AWKWARD_TWEETS = [  # tweet_id, author_id, inbound, created_at, text, in_response_to
    # sub-second times (ISO, UTC): FRT 1.5 s; the customer's thanks resolves the case
    (1, "c1", "True", "2024-03-31T00:59:59.250Z", "@AirCo my bag is lost, flight AC12", ""),
    (2, "AirCo", "False", "2024-03-31T01:00:00.750Z", "@c1 Sorry! Please DM us the tag ^AB", "1"),
    (3, "c1", "True", "2024-03-31T01:30:00.125Z", "@AirCo found it, thanks for the help!", "2"),
    # naive times in the source zone (Europe/Amsterdam) across the DST jump: 1 s apart in UTC
    (10, "c2", "True", "2024-03-31 01:59:59.5", "@TelcoCo no signal since this morning", ""),
    (11, "TelcoCo", "False", "2024-03-31 03:00:00.5", "@c2 we are on it ^ZZ", "10"),
    (12, "TelcoCo", "False", "2024-03-31 03:00:00.5", "@c2 call us on 0800 123 ^YY", "10"),
    # reply cycles: 20 <-> 21 (and 22 replying into it), 23 replying to itself: no case
    (20, "c3", "True", "Sun Mar 31 10:00:00 +0000 2024", "@AirCo hello?", "21"),
    (21, "AirCo", "False", "Sun Mar 31 10:05:00 +0000 2024", "@c3 hi", "20"),
    (22, "c3", "True", "Sun Mar 31 10:06:00 +0000 2024", "@AirCo still there?", "20"),
    (23, "c4", "True", "Sun Mar 31 10:07:00 +0000 2024", "@AirCo me again", "23"),
    # a broadcast (no parent) and the customer reply to it, which opens the case
    (
        30,
        "TelcoCo",
        "False",
        "Sat Mar 30 23:00:00 +0000 2024",
        "We know of an outage in the north.",
        "",
    ),
    (31, "c5", "True", "Sun Mar 31 00:10:00 +0000 2024", "when will it be fixed??", "30"),
    (32, "TelcoCo", "False", "Sun Mar 31 02:10:00 +0000 2024", "@c5 by noon, sorry ^ZZ", "31"),
    # unanswered, brand by @mention; a duplicated id (the later row wins)
    (40, "c6", "True", "Sun Mar 31 12:00:00 +0000 2024", "@TelcoCo @AirCo anyone?", ""),
    (41, "c7", "True", "Sun Mar 31 12:00:01 +0000 2024", "first version", ""),
    (
        41,
        "c7",
        "True",
        "Sun Mar 31 12:00:02 +0000 2024",
        "@AirCo second version, I want a refund",
        "",
    ),
]
AWKWARD_SURVEYS = [  # survey_id, interaction_id, customer_id, channel, brand, responded_at, ...
    ("S1", "twcs:1", "c1", "social", "AirCo", "2024-03-31T02:00:00.500Z", "5", "9", "yes", "great"),
    ("S2", "twcs:999", "c9", "social", "AirCo", "2024-03-31T03:00:00Z", "1", "2", "no", "awful"),
    ("S3", "", "c5", "social", "TelcoCo", "2024-03-31T05:00:00Z", "3", "6", "no", "slow"),
]


def write_awkward(folder: Path) -> tuple[list[tuple[str, Path]], Path]:
    """The awkward sources (TWCS and surveys CSV) and a config with a DST source zone."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    tweets, surveys, config = folder / "tweets.csv", folder / "surveys.csv", folder / "c.toml"
    with open(tweets, "w", newline="", encoding="utf-8") as fh:
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
        for tid, author, inbound, at, text, parent in AWKWARD_TWEETS:
            w.writerow([tid, author, inbound, at, text, "", parent])
    with open(surveys, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "survey_id",
                "interaction_id",
                "customer_id",
                "channel",
                "brand",
                "responded_at",
                "csat",
                "nps",
                "would_recommend",
                "verbatim",
            ]
        )
        w.writerows(AWKWARD_SURVEYS)
    config.write_text('[sources]\ntimezone = "Europe/Amsterdam"\n', encoding="utf-8")
    return [("twcs", tweets), ("surveys", surveys)], config


# -- translation ------------------------------------------------------------------------------


def test_epoch_keeps_fractional_seconds_where_sqlglot_alone_drops_them(spark):
    import sqlglot

    duck_sql = "select epoch(ts) as s from t"
    assert "UNIX_TIMESTAMP" in sqlglot.transpile(duck_sql, read="duckdb", write="spark")[0]
    spark.sql("select timestamp'2024-03-31 00:59:59.250' as ts").createOrReplaceTempView("t")
    plain = spark.sql(sqlglot.transpile(duck_sql, read="duckdb", write="spark")[0]).first()[0]
    fixed = spark.sql(spark_sql(duck_sql)).first()[0]
    expected = duckdb.execute("select epoch(timestamptz '2024-03-31 00:59:59.250+00')").fetchone()[
        0
    ]
    assert expected == 1711846799.25  # 2024-03-31 00:59:59 UTC = 1711846799 s since 1970
    assert fixed == expected
    assert plain == 1711846799  # what the unfixed translation gives: the quarter second lost


def test_arg_min_skips_null_values_as_duckdb_does(spark):
    duck_sql = "select arg_min(x, k) as a, arg_max(x, k) as b from (values (null, 1), ('b', 2), ('c', 3), (null, 4)) v(x, k)"
    assert duckdb.execute(duck_sql).fetchone() == ("b", "c")
    assert tuple(spark.sql(spark_sql(duck_sql)).first()) == ("b", "c")


def test_regexp_full_match_becomes_an_anchored_rlike(spark):
    sql = spark_sql("select regexp_full_match(x, '[0-9]+') as m from values ('12'), ('12a') v(x)")
    assert [r[0] for r in spark.sql(sql).collect()] == [True, False]


def test_a_function_spark_lacks_is_named(spark):
    available = {r[0].lower() for r in spark.sql("show functions").collect()}
    sql = spark_sql("select damerau_levenshtein(a, b), lower(a) from t")
    assert missing_functions(sql, available) == ["damerau_levenshtein"]
    assert all(not missing_functions(spark_sql(m.sql, m.name), available) for m in models())


def test_constructs_spark_cannot_express_are_refused():
    with pytest.raises(TranslationError, match="exclude"):
        spark_sql("select t.* exclude (a) from t", "m1")
    with pytest.raises(TranslationError, match="HUGEINT"):
        spark_sql("select a::hugeint from t", "m2")
    with pytest.raises(TranslationError, match="'g'"):
        spark_sql("select regexp_replace(a, 'x', 'y') from t", "m3")
    assert "REGEXP_REPLACE" in spark_sql("select regexp_replace(a, '^x', 'y') from t", "m4")


# -- threads ----------------------------------------------------------------------------------


def test_pointer_jumping_finds_the_roots_numpy_finds(spark):
    """Random reply forests with broadcasts, cycles and self-replies: the same case of every
    tweet as etl/sources/twcs.py case_roots, and a 3-cycle ends in no case."""
    from warehouse.spark.twcs import thread_roots

    rng = np.random.default_rng(23)
    n = 400
    ids = np.arange(1, n + 1, dtype=np.int64) * 7
    parent = np.where(rng.random(n) < 0.25, -1, ids[rng.integers(0, n, n)])
    parent[:3] = [ids[1], ids[2], ids[0]]  # a reply cycle 7 -> 14 -> 21 -> 7
    parent[3] = ids[3]  # a tweet replying to itself
    parent[4] = 999_999  # a parent absent from the data
    inbound = rng.random(n) < 0.6
    inbound[:5] = True
    # tweets three days apart in row order: a customer reply more than ten rows after its parent
    # is over 30 days later and starts a case of its own (the month-gap rule)
    seconds = np.arange(n, dtype=np.int64) * 3 * 86_400
    seconds[:3] = 0  # the cycle has no gap to break it
    expected = case_roots(ids, parent, inbound, seconds * 1_000_000)
    assert (expected[:4] == -1).all() and expected[4] == ids[4]
    late = sum(
        1
        for k in range(n)
        if inbound[k]
        and parent[k] in ids
        and seconds[k] - seconds[ids.tolist().index(parent[k])] > 30 * 86_400
    )
    assert late >= 20  # the rule is exercised
    frame = spark.createDataFrame(
        [
            (int(i), None if p < 0 else int(p), bool(b), int(t))
            for i, p, b, t in zip(ids, parent, inbound, seconds, strict=True)
        ],
        "tweet_id bigint, in_response_to bigint, inbound boolean, t bigint",
    ).selectExpr("*", "timestamp_seconds(t) as created_at")
    got = {r.tweet_id: r.root_id for r in thread_roots(spark, frame).collect()}
    want = {int(i): int(r) for i, r in zip(ids, expected, strict=True) if r >= 0}
    assert got == want
    assert len(want) > n / 3


# -- the same warehouse both ways -------------------------------------------------------------


def test_demo_builds_the_same_warehouse_and_scorecard(spark, tmp_path):
    sources = [(kind, demo_folder() / name) for kind, name in DEMO_FILES]
    duck, spark_db = _both(tmp_path, sources)
    assert _assert_same_rows(duck, spark_db) >= 20
    card = _scorecard(spark_db)
    assert card == _scorecard(duck)
    assert json.loads(card)["rows"]  # a scorecard with content, not two empty ones


def _shaped_sample(folder: Path) -> Path:
    """The real TWCS sample saved with a European locale (`;`), its header in capitals, gzipped."""
    import csv
    import gzip
    import io

    with open(REAL_TWCS, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(
        [[h.upper() for h in rows[0]], *rows[1:]]
    )
    shaped = folder / "twcs.csv.gz"
    shaped.write_bytes(gzip.compress(out.getvalue().encode("utf-8")))
    return shaped


def _sample_with_gaps(folder: Path) -> Path:
    """The real TWCS sample without every fifth tweet (ids 1, 6, 11, ...), as a random sample of
    the full export is: agent replies whose tweet is missing, and customers answering them (tweet
    44 answers 43, which answers the missing 41: 44 starts a case, as case_roots says)."""
    import csv

    with open(REAL_TWCS, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    gaps = folder / "gaps.csv"
    with open(gaps, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *(r for r in rows[1:] if int(r[0]) % 5 != 1)])
    return gaps


def _encoded_sample(encoding: str, damage: bytes | None = None):
    """The real TWCS sample in another encoding, or with `damage` (bytes that are not UTF-8)
    written into the text of tweet 27."""

    def write(folder: Path) -> Path:
        data = REAL_TWCS.read_text(encoding="utf-8").encode(encoding, errors="replace")
        if damage:
            data = data.replace(b"@115716 No thank you", b"@" + damage + b"115716 No thank you")
        out = folder / f"{encoding}.csv"
        out.write_bytes(data)
        return out

    return write


SAMPLE_SHAPES = {
    "published": lambda folder: REAL_TWCS,
    "gzipped, semicolons, capitals": _shaped_sample,
    "every fifth tweet missing": _sample_with_gaps,
    "Windows-1252": _encoded_sample("cp1252"),
    "UTF-16": _encoded_sample("utf-16"),
    "a byte that is not UTF-8": _encoded_sample("utf-8", b"\xff"),
}


@pytest.mark.parametrize("shape", list(SAMPLE_SHAPES))
def test_real_twcs_sample_builds_the_same_warehouse_and_scorecard(spark, tmp_path, shape):
    # both engines read the sample in another shape as the published file
    # (tests/test_csv_shape.py for the DuckDB path), and thread a sample with gaps alike
    duck, spark_db = _both(tmp_path, [("twcs", SAMPLE_SHAPES[shape](tmp_path))])
    _assert_same_rows(duck, spark_db)
    con = duckdb.connect(str(spark_db), read_only=True)
    counts = [
        con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("interactions", "messages")
    ]
    roots = {r[0] for r in con.execute("select interaction_id from interactions").fetchall()}
    con.close()
    if shape == "every fifth tweet missing":
        assert "twcs:44" in roots
    elif shape == "a byte that is not UTF-8":  # tweet 27 quarantined by both, as DuckDB reads it
        assert _quarantine_reasons(spark_db) == _quarantine_reasons(duck) == [INVALID_BYTES]
    else:  # tests/golden/README.md: 121 tweets - 2 outside any case = 119 messages in 34 cases
        assert counts == [34, 119]
    assert _scorecard(spark_db) == _scorecard(duck)


def test_a_compressed_file_spark_cannot_read_is_one_sentence(tmp_path):
    # Hadoop decompresses by the name: gzip named .gz and bzip2 named .bz2 are read as they are
    import gzip
    import lzma

    from warehouse.spark.twcs import local_shape

    data = REAL_TWCS.read_bytes()
    named = tmp_path / "t.csv.gz"
    named.write_bytes(gzip.compress(data))
    assert local_shape(named).encoding == "UTF-8"
    for name, packed, kind in [
        ("t.csv", gzip.compress(data), "gzip"),
        ("t.xz", lzma.compress(data), "xz"),
    ]:
        path = tmp_path / name
        path.write_bytes(packed)
        with pytest.raises(SourceError) as e:
            local_shape(path)
        assert str(e.value) == (
            f"{path}: a {kind} file Spark reads only as a gzip file named .gz or a bzip2 file "
            "named .bz2; decompress it (or rename it so) and build again."
        )


def _quarantine_reasons(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("select reason from quarantine").fetchall())
    finally:
        con.close()


def test_awkward_data_builds_the_same_warehouse(spark, tmp_path):
    files, config = write_awkward(tmp_path / "src")
    duck, spark_db = _both(tmp_path, files, config)
    _assert_same_rows(duck, spark_db)
    con = duckdb.connect(str(spark_db), read_only=True)
    frt = dict(con.execute("select interaction_id, frt_s from fct_cases").fetchall())
    cases = {r[0] for r in con.execute("select interaction_id from interactions").fetchall()}
    linked = con.execute(
        "select count(*) filter (where link_method is null), count(*) from fct_surveys"
    ).fetchone()
    con.close()
    assert frt["twcs:1"] == 1.5  # 00:59:59.250 -> 01:00:00.750 UTC (tests/golden/spark.md)
    assert frt["twcs:10"] == 1.0  # 01:59:59.5 CET -> 03:00:00.5 CEST: one second across DST
    assert not cases & {"twcs:20", "twcs:21", "twcs:22", "twcs:23"}  # reply cycles: no case
    assert "twcs:31" in cases and "twcs:30" not in cases  # the reply to a broadcast is the root
    assert linked == (1, 3)  # S2 names a case that does not exist: kept, unlinked
    assert _scorecard(spark_db, config) == _scorecard(duck, config)


def test_a_kind_spark_cannot_build_is_one_sentence(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(tmp_path / "w.duckdb"),
            "build",
            "--engine",
            "spark",
            "--lake",
            str(tmp_path / "lake"),
            "csv=whatever.csv",
        ],
    )
    assert result.exit_code != 0
    message = result.output.strip().splitlines()[-1]
    assert "'csv'" in message and "socialcare load" in message and "Traceback" not in result.output
    assert not (tmp_path / "lake" / lk.POINTER).exists()


def test_a_new_snapshot_replaces_the_pointer_only_when_complete(spark, tmp_path):
    from etl.settings.config import Config
    from warehouse.spark.build import build_lake

    lake = str(tmp_path / "lake")
    first = build_lake(spark, [("twcs", str(REAL_TWCS))], lake, Config())
    assert lk.current_snapshot(lake) == first.snapshot
    with pytest.raises(Exception):  # noqa: B017  (a source Spark cannot read: any failure)
        build_lake(spark, [("twcs", str(tmp_path / "missing.csv"))], lake, Config())
    assert lk.current_snapshot(lake) == first.snapshot  # the failed build published nothing
    assert not list((tmp_path / "lake").glob(f".{lk.POINTER}.*"))
