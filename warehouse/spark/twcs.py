"""TWCS tweets on Spark: read and validate, enrich (etl/ text functions in mapInPandas), thread.

The rules are those of etl/sources/twcs.py (validation, later duplicate wins), etl/sources/
twcs_store.py (mojibake repair, PII masking, enrichment of each distinct text and direction) and
etl/sources/twcs_cases.py (case roots, positions, then the cases and messages of
etl/sources/twcs_sql.py, translated to Spark SQL by warehouse/spark/translate.py).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from etl.settings.config import Config
from etl.sources.csv_shape import canonical_names, compression_of, sniffed_delimiter
from etl.sources.io import LEGACY, SourceError, detect_encoding, has_invalid_utf8
from etl.sources.twcs import NEW_CASE_AFTER_US, REQUIRED
from etl.sources.twcs_sql import _ORDER_KEY, CASES_SQL, MESSAGES_SQL
from etl.sql_files import sql_file
from warehouse.spark.translate import spark_sql

# etl/sources/io.py's encodings by the names Spark's CSV reader takes. It takes no
# Windows-1252: such a file is read as Latin-1 and the 27 characters Windows-1252 puts at bytes
# 0x80-0x9F are then translated (its five undefined bytes stay Latin-1, as in etl/sources/io.py).
JAVA_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    LEGACY: "ISO-8859-1",
}
_C1 = [b for b in range(0x80, 0xA0) if bytes([b]).decode(LEGACY, errors="ignore")]
LATIN1_TO_LEGACY = ("".join(map(chr, _C1)), bytes(_C1).decode(LEGACY))
INVALID_BYTES = "INVALID ENCODING: bytes that are not UTF-8 in an otherwise UTF-8 file"
ENRICHED_SCHEMA = (
    "raw string, inbound boolean, text string, repaired string, sentiment double, "
    "signature string, asks_private boolean, is_runaround boolean, resolves boolean, "
    "category string, language string, opportunity string"
)
_ENRICHED = (
    "sentiment",
    "signature",
    "asks_private",
    "is_runaround",
    "resolves",
    "category",
    "language",
    "opportunity",
)


def _integer(col: str) -> str:
    """Spark SQL for an integer id written as `42`, `42.0` or `4.2e1` (etl/sources/twcs.py)."""
    t = f"trim({col})"
    return (
        f"coalesce(try_cast({t} as bigint), "
        f"try_cast(nullif(regexp_extract({t}, '^(\\\\d+)\\\\.0*$', 1), '') as bigint), "
        f"case when try_cast({t} as double) = floor(try_cast({t} as double)) "
        f"and abs(try_cast({t} as double)) < 9.0e15 "
        f"then cast(try_cast({t} as double) as bigint) end)"
    )


def _created_at(col: str, source_tz: str) -> str:
    """Spark SQL for the tweet time: the Twitter format (its weekday is not parsed: Spark parses
    no day-of-week text), else an ISO time, naive ones in the source time zone."""
    t = f"trim({col})"
    iso = f"try_to_timestamp({t})"
    naive = f"not {t} rlike '([+-][0-9][0-9]:?[0-9][0-9]|Z)$'"
    return (
        f"coalesce(try_to_timestamp(substr({t}, 5), 'MMM dd HH:mm:ss Z yyyy'), "
        f"case when {naive} then to_utc_timestamp({iso}, '{source_tz}') else {iso} end)"
    )


@dataclass(frozen=True)
class SourceShape:
    """How Spark reads one TWCS file: its encoding (Java's name), whether it is UTF-8 with bytes
    that are not (records holding the U+FFFD they decode to are quarantined, as DuckDB's reader
    quarantines them), and its header line when known beforehand."""

    encoding: str = "UTF-8"
    damaged: bool = False
    header: str | None = None
    legacy: bool = False  # Windows-1252, read as Latin-1 (JAVA_ENCODINGS)


def local_shape(path: Path) -> SourceShape:
    """The shape of a local file, found as etl/sources/io.py finds it; a compressed file Hadoop
    would not decompress (it goes by the name: .gz, .bz2) is a one-sentence error."""
    kind = compression_of(path)
    readable = {"gzip": ".gz", "bzip2": ".bz2"}
    if kind is not None:
        if readable.get(kind) != path.suffix.lower():
            raise SourceError(
                f"{path}: a {kind} file Spark reads only as a gzip file named .gz or a bzip2 file "
                "named .bz2; decompress it (or rename it so) and build again."
            )
        return SourceShape()
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        header = fh.readline().rstrip("\r\n").removeprefix("\ufeff")
    return SourceShape(
        JAVA_ENCODINGS[encoding],
        encoding in ("utf-8", "utf-8-sig") and has_invalid_utf8(path),
        header,
        encoding == LEGACY,
    )


def _delimiter(spark: SparkSession, path: str, header: str | None) -> str:
    """The delimiter of the file's header line, as etl/sources/csv_shape.py finds it (Spark's
    reader decompresses .gz and .bz2 files by their name)."""
    if header is None:
        first = spark.read.text(path).first()
        header = (first[0] if first else "").removeprefix("\ufeff")
    return sniffed_delimiter(
        lambda d: next(csv.reader([header], delimiter=d), []), (*REQUIRED, "response_tweet_id")
    )


def read_tweets(spark: SparkSession, path: str, shape: SourceShape | None = None) -> DataFrame:
    """The TWCS file as text columns plus `_line` (record order), by Spark's CSV reader; its
    encoding, delimiter and header spelling taken as the DuckDB path takes them."""
    shape = shape or SourceShape()
    raw = (
        spark.read.option("header", True)
        .option("multiLine", True)
        .option("escape", '"')
        .option("encoding", shape.encoding)
        .option("sep", _delimiter(spark, path, shape.header))
        .option("mode", "PERMISSIVE")
        .csv(path)
    )
    names, _ = canonical_names([c.strip().removeprefix("\ufeff") for c in raw.columns], REQUIRED)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise SourceError(
            f"{path}, line 1: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(names) or 'no header'}; correct the header and build again."
        )
    cols = [F.col(f"`{raw.columns[names.index(c)]}`") for c in REQUIRED]
    if shape.legacy:
        cols = [F.translate(c, *LATIN1_TO_LEGACY) for c in cols]
    named = [c.alias(name) for c, name in zip(cols, REQUIRED, strict=True)]
    return raw.select(*named, (F.monotonically_increasing_id() + 2).alias("_line"))


def typed_tweets(text: DataFrame, config: Config, damaged: bool = False) -> DataFrame:
    """Typed tweets with `reason` (NULL when valid), the checks of etl/sources/twcs.py; in a
    `damaged` UTF-8 file, a record holding U+FFFD held bytes that are not UTF-8 (local_shape)."""
    parent = "in_response_to_tweet_id"
    has_parent = f"nullif(trim({parent}), '') is not null"
    fields = ", ".join(f"coalesce({c}, '')" for c in REQUIRED)
    undecoded = f"instr(concat({fields}), '\ufffd') > 0" if damaged else "false"
    typed = text.selectExpr(
        f"{undecoded} as undecoded",
        "_line",
        f"{_integer('tweet_id')} as tweet_id",
        "trim(author_id) as author_id",
        "case lower(trim(inbound)) when 'true' then true when 'false' then false end as inbound",
        f"{_created_at('created_at', config.source_timezone)} as created_at",
        "coalesce(text, '') as text",
        f"case when {has_parent} then {_integer(parent)} end as in_response_to",
        f"{has_parent} as has_parent",
    )
    return typed.withColumn(
        "reason",
        F.expr(f"""case
        when undecoded then '{INVALID_BYTES}'
        when tweet_id is null then 'tweet_id is missing or not an integer'
        when author_id is null or author_id = '' then 'author_id is missing'
        when inbound is null then 'inbound is not TRUE/FALSE'
        when created_at is null then 'created_at is not a Twitter timestamp'
        when has_parent and in_response_to is null then 'in_response_to_tweet_id is not an integer'
        end"""),
    )


def good_tweets(typed: DataFrame) -> DataFrame:
    """The valid tweets; of duplicated ids the later row wins (a later version of the tweet)."""
    last = Window.partitionBy("tweet_id").orderBy(F.col("_line").desc())
    return (
        typed.where("reason is null")
        .withColumn("_n", F.row_number().over(last))
        .where("_n = 1")
        .drop("_n", "reason", "has_parent", "undecoded")
    )


def enriched_batch(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Distinct (raw, inbound) texts with their repaired, masked text and enrichment, by the
    etl/ functions a DuckDB load runs (in an in-memory DuckDB, as there)."""
    from etl.sources.twcs_store import _enrich_texts
    from etl.text.text_sql import masking_candidates, mojibake_fixes

    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        con.register("batch", frame[["raw", "inbound"]])
        fixes = mojibake_fixes(con, sql_file(__package__, "batch_texts"))
        con.register(
            "fixes",
            fixes
            if len(fixes)
            else pd.DataFrame(
                {
                    "raw": pd.Series(dtype=object),
                    "text": pd.Series(dtype=object),
                    "kinds": pd.Series(dtype=object),
                }
            ),
        )
        con.execute(sql_file(__package__, "repaired"))
        pii = masking_candidates(con, sql_file(__package__, "repaired_texts"))
        con.register(
            "pii",
            pii
            if len(pii)
            else pd.DataFrame({"raw": pd.Series(dtype=object), "text": pd.Series(dtype=object)}),
        )
        con.execute(sql_file(__package__, "masked"))
        con.execute(sql_file(__package__, "distinct_texts"))
        _enrich_texts(con, config)
        cols = ", ".join(f"x.{c}" for c in _ENRICHED if c != "is_runaround")
        return con.execute(sql_file(__package__, "enriched").format(cols=cols)).df()
    finally:
        con.close()


def raw_twcs(tweets: DataFrame, config: Config, load_id: str) -> DataFrame:
    """The `raw_twcs` rows of the valid tweets: texts repaired, masked and enriched."""
    pairs = tweets.select(F.col("text").alias("raw"), "inbound").distinct()

    def enrich(batches):
        for frame in batches:
            yield enriched_batch(frame, config)

    enriched = pairs.mapInPandas(enrich, ENRICHED_SCHEMA)
    t = tweets.withColumnRenamed("text", "raw")
    return t.join(enriched, ["raw", "inbound"], "left").select(
        "tweet_id",
        "author_id",
        "inbound",
        "created_at",
        "text",
        "in_response_to",
        *_ENRICHED,
        F.lit(load_id).alias("load_id"),
        "repaired",
        "_line",
    )


def _rounds(n: int) -> int:
    """Pointer-jumping rounds that resolve any chain of n tweets: after k rounds each tweet
    points 2**k steps up, so ceil(log2(n)) + 1 rounds reach every root."""
    return max(1, math.ceil(math.log2(max(n, 2)))) + 1


def thread_roots(spark: SparkSession, tweets: DataFrame) -> DataFrame:
    """(tweet_id, root_id, seq) of every tweet in a case: the rules of etl/sources/twcs.py
    case_roots by pointer jumping in log2(depth) rounds of joins; a reply cycle (no root) ends
    in no case when the pointers stop changing or the round limit is reached."""
    t = tweets.select("tweet_id", "in_response_to", "inbound", "created_at")
    p = t.select(
        F.col("tweet_id").alias("p_id"),
        F.col("inbound").alias("p_inbound"),
        F.col("in_response_to").alias("p_parent"),
        F.col("created_at").alias("p_created"),
    )
    # the parent's own parent must be in the data, not merely named: an agent reply to a tweet
    # that is missing (quarantined, or outside the export) starts no chain, so the customer's
    # answer to it is a root as in case_roots
    present = t.select(F.col("tweet_id").alias("pp_id"))
    linked = t.join(p, F.col("in_response_to") == F.col("p_id"), "left").join(
        present, F.col("p_parent") == F.col("pp_id"), "left"
    )
    # a customer's reply sent more than NEW_CASE_AFTER_US after its parent opens a new case
    late = (F.unix_micros(F.col("created_at")) - F.unix_micros(F.col("p_created"))) > F.lit(
        NEW_CASE_AFTER_US
    )
    is_root = F.col("inbound") & (
        F.col("p_id").isNull()
        | (~F.col("p_inbound") & F.col("pp_id").isNull())
        | F.coalesce(late, F.lit(False))
    )
    state = linked.select(
        "tweet_id",
        is_root.alias("is_root"),
        F.when(is_root, F.col("tweet_id")).otherwise(F.col("p_id")).alias("nxt"),
    )
    state = state.localCheckpoint()
    n = state.count()
    for _ in range(_rounds(n)):
        hop = state.select(F.col("tweet_id").alias("j"), F.col("nxt").alias("nn"))
        moved = (
            state.join(hop, F.col("nxt") == F.col("j"), "left")
            .select("tweet_id", "is_root", F.col("nn").alias("nxt"), F.col("nxt").alias("was"))
            .localCheckpoint()
        )
        changed = moved.where(~F.col("nxt").eqNullSafe(F.col("was"))).limit(1).count()
        state = moved.drop("was")
        if not changed:
            break
    roots = state.select(F.col("tweet_id").alias("r_id"), F.col("is_root").alias("r_root"))
    cased = (
        state.join(roots, F.col("nxt") == F.col("r_id"))
        .where("r_root")
        .select("tweet_id", F.col("nxt").alias("root_id"))
    )
    order = Window.partitionBy("root_id").orderBy("created_at", "tweet_id")
    return (
        cased.join(t.select("tweet_id", "created_at"), "tweet_id")
        .withColumn("seq", F.row_number().over(order).cast("int"))
        .drop("created_at")
    )


def _cases_sql() -> str:
    """CASES_SQL with what Spark cannot express rewritten: the HUGEINT (time, id) ordering key
    as a struct (the same order), and `o.* exclude (root_id)` as its columns."""
    outs = (
        "first_response_at, first_brand, first_signature, n_signatures, asks_private, "
        "n_outbound, last_out_at"
    )
    sql = CASES_SQL
    for old, new in (
        (_ORDER_KEY, "(epoch_us(t.created_at), t.tweet_id)"),
        ("o.* exclude (root_id)", ", ".join(f"o.{c}" for c in outs.split(", "))),
    ):
        if old not in sql:
            raise RuntimeError(
                f"twcs case SQL changed: {old!r} not found; update warehouse/spark/twcs.py."
            )
        sql = sql.replace(old, new)
    return sql


def twcs_cases(spark: SparkSession) -> tuple[DataFrame, DataFrame]:
    """(interactions, messages) of the Twitter cases, from temp views raw_twcs, roots,
    brand_handles and interactions (the other sources' cases, for the @mention brands)."""
    cases = spark.sql(spark_sql(_cases_sql(), "twcs cases"))
    messages = spark.sql(spark_sql(MESSAGES_SQL, "twcs messages"))
    return cases, messages
