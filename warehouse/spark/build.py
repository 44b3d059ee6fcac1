"""`socialcare build --engine spark`: the warehouse's tables built by Spark into a Parquet lake.

Order of work: side files (calls, tickets, surveys) parsed and merged on the driver by etl/;
TWCS files read, validated and enriched by Spark (warehouse/spark/twcs.py); Twitter cases
threaded by pointer jumping and built by the translated case SQL; the SQL models of
warehouse/sql/{stg,fct,agg} translated to Spark SQL (warehouse/spark/translate.py), each table
model written to the snapshot and read back from it; the snapshot published by CURRENT.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from etl.progress import stage
from etl.settings.config import Config
from etl.sources.io import SourceError, file_sha256
from etl.sources.twcs_brands import mention_handles_changed
from etl.sources.twcs_store import _playbook_sha
from etl.text.opportunities import rules_fingerprint
from warehouse.build import models
from warehouse.spark import lake as lk
from warehouse.spark.tables import (
    SIDE_KINDS,
    SPARK_KINDS,
    calendar_tables,
    driver_warehouse,
    load_id_of,
    load_side_file,
    record_load,
    record_quarantine,
    remember_brand_handles,
    spark_schema,
    to_spark,
)
from warehouse.spark.translate import TranslationError, missing_functions, spark_sql
from warehouse.spark.twcs import (
    SourceShape,
    local_shape,
    raw_twcs,
    read_tweets,
    thread_roots,
    twcs_cases,
    typed_tweets,
)

CANONICAL = (
    "interactions",
    "messages",
    "surveys",
    "identities",
    "loads",
    "quarantine",
    "brand_handles",
    "raw_twcs",
    "twcs_threads",
    "mapped_messages",
    "etl_state",
)
DAY_OF = {
    "interactions": "opened_at",
    "messages": "sent_at",
    "surveys": "responded_at",
    "raw_twcs": "created_at",
    "fct_cases": "opened_at",
    "agg_daily": "day",
}


@dataclass(frozen=True)
class LakeBuild:
    """What one Spark build wrote."""

    lake: str
    snapshot: str
    tables: dict[str, int]  # table -> rows

    def summary(self) -> str:
        """One line for the terminal."""
        facts = ", ".join(
            f"{t} {n}"
            for t, n in self.tables.items()
            if t in ("interactions", "messages", "surveys")
        )
        return f"{self.lake}: published snapshot {self.snapshot} ({facts})."


def unsupported_kind(kind: str) -> str | None:
    """One sentence when a kind cannot be built on Spark yet, else None."""
    if kind in SPARK_KINDS or kind in SIDE_KINDS:
        return None
    return (
        f"the {kind!r} source is not supported by socialcare build --engine spark yet "
        f"(supported: {', '.join(SPARK_KINDS + SIDE_KINDS)}); load it with socialcare load "
        f"{kind} PATH into a DuckDB warehouse instead."
    )


def _spark_functions(spark: SparkSession) -> set[str]:
    return {r[0].lower() for r in spark.sql("show functions").collect()}


def translated_models(spark: SparkSession) -> list[tuple[str, str, str]]:
    """(name, materialized, Spark SQL) of every model; fails naming any function Spark lacks."""
    available = _spark_functions(spark)
    out = []
    for m in models():
        sql = spark_sql(m.sql, m.name)
        missing = missing_functions(sql, available)
        if missing:
            raise TranslationError(
                f"model {m.name} calls {', '.join(missing)}, which Spark does "
                "not have; add a fix to warehouse/spark/translate.py."
            )
        out.append((m.name, m.materialized, sql))
    return out


def _conformed(frame: DataFrame, ddl: str) -> DataFrame:
    """`frame` with exactly the columns and types of a DuckDB table's DDL (missing ones NULL)."""
    cols = []
    for part in ddl.split(", `"):
        name, kind = part.strip("`").split("` ", 1)
        value = F.col(f"`{name}`") if name in frame.columns else F.lit(None)
        cols.append(value.cast(kind).alias(name))
    return frame.select(*cols)


def _day(frame: DataFrame, table: str) -> tuple[DataFrame, str | None]:
    """The frame with the partition column, and the column it comes from (None: no day)."""
    if "utc_day" in frame.columns:
        day = F.expr("cast(date_from_unix_date(cast(utc_day as int)) as string)")
        return frame.withColumn(lk.DAY_COLUMN, day), "utc_day"
    source = DAY_OF.get(table)
    if source is None:
        return frame, None
    return frame.withColumn(lk.DAY_COLUMN, F.col(source).cast("date").cast("string")), source


def _write(spark: SparkSession, frame: DataFrame, uri: str, table: str) -> str | None:
    """Write one table of the snapshot (day-partitioned where it has a day) and make it the
    temp view `table` (kept, so later models do not compute it again); its day column."""
    frame = frame.persist(StorageLevel.MEMORY_AND_DISK)  # computed once: written, then read on
    framed, day = _day(frame, table)
    if day is None:
        framed.coalesce(1).write.mode("overwrite").parquet(f"{uri}/{table}")
    else:
        (
            framed.repartition(lk.DAY_COLUMN)
            .write.mode("overwrite")
            .partitionBy(lk.DAY_COLUMN)
            .parquet(f"{uri}/{table}")
        )
    frame.createOrReplaceTempView(table)
    return day


def _tweets(spark: SparkSession, files: list[str], config: Config, con) -> DataFrame | None:
    """raw_twcs of every TWCS file (a later file's tweet replaces an earlier one's); bookkeeping
    (loads, quarantine) into the driver warehouse."""
    parts = []
    for order, path in enumerate(files):
        if lk.is_local(path) and not lk.local_path(path).exists():  # a path or a file:// URI
            raise SourceError(f"{path}: file not found.")
        started = datetime.now(UTC)
        sha = (
            file_sha256(lk.local_path(path))
            if lk.is_local(path)
            else hashlib.sha256(path.encode()).hexdigest()
        )
        load_id = load_id_of("twcs", sha, started)
        shape = local_shape(lk.local_path(path)) if lk.is_local(path) else SourceShape()
        typed = typed_tweets(read_tweets(spark, path, shape), config, shape.damaged).cache()
        bad = typed.where("reason is not null").select(
            F.col("_line").alias("line"),
            F.col("reason"),
            F.concat_ws(
                ",",
                *[
                    F.coalesce(F.col(c).cast("string"), F.lit(""))
                    for c in ("tweet_id", "author_id", "inbound", "created_at")
                ],
            ).alias("raw"),
        )
        quarantined = bad.toPandas().assign(load_id=load_id, path=path)
        rows_read = typed.count()
        if rows_read and len(quarantined) / rows_read > config.max_bad_share:
            first = quarantined.sort_values("line").iloc[0]
            raise SourceError(
                f"{path}: refused, {len(quarantined)} of {rows_read} rows failed "
                f"validation, above the {config.max_bad_share:.0%} limit; first: "
                f"{first.reason}. Nothing was built; check it with socialcare load "
                f"twcs {path}."
            )
        good = typed.where("reason is null").withColumn("_file", F.lit(order))
        raw = raw_twcs(good.drop("reason"), config, load_id).withColumn("_file", F.lit(order))
        parts.append(raw)
        record_quarantine(con, quarantined)
        record_load(
            con,
            {
                "load_id": load_id,
                "source": "twcs",
                "kind": "twcs",
                "path": path,
                "sha256": sha,
                "started_at": started,
                "rows_read": rows_read,
                "rows_loaded": rows_read - len(quarantined),
                "rows_quarantined": len(quarantined),
                "message": "built on Spark",
            },
        )
        remember_brand_handles(con, config, load_id)
    if not parts:
        return None
    from pyspark.sql import Window

    union = parts[0]
    for p in parts[1:]:
        union = union.unionByName(p)
    last = Window.partitionBy("tweet_id").orderBy(F.col("_file").desc(), F.col("_line").desc())
    return (
        union.withColumn("_n", F.row_number().over(last))
        .where("_n = 1")
        .drop("_n", "_file", "_line", "repaired")
    )


def _etl_state(con, config: Config) -> None:
    """What a DuckDB load records once its stored tweets are enriched with this configuration."""
    for key, value in (
        ("twcs_playbook", _playbook_sha(config)),
        ("twcs_language", "1"),
        ("twcs_opportunities", rules_fingerprint(config.opportunities)),
    ):
        con.execute("insert or replace into etl_state values (?, ?)", [key, value])
    mention_handles_changed(con)  # records the @mention handles the cases were built with


def build_lake(
    spark: SparkSession, sources: list[tuple[str, str]], lake: str, config: Config
) -> LakeBuild:
    """Build every table from `sources` ((kind, path), in load order) into a new snapshot of
    `lake` and publish it; the previous snapshot stays current until the new one is complete."""
    for kind, _ in sources:
        why = unsupported_kind(kind)
        if why:
            raise SourceError(why)
    model_sql = translated_models(spark)  # fails before any work on a function Spark lacks
    con = driver_warehouse()
    with stage("side files"):
        for kind, path in sources:
            if kind in SIDE_KINDS:
                load_side_file(con, kind, path, config)
    with stage("read and enrich tweets"):
        tweets = _tweets(spark, [p for k, p in sources if k == "twcs"], config, con)
    side = {
        t: to_spark(spark, con, t)
        for t in ("interactions", "messages", "surveys", "identities", "brand_handles")
    }
    frames: dict[str, DataFrame] = {}
    if tweets is not None:
        _etl_state(con, config)
        with stage("enrich tweets"):
            raw = _conformed(tweets, spark_schema(con, "raw_twcs")).localCheckpoint()
        raw.createOrReplaceTempView("raw_twcs")
        with stage("thread tweets"):
            roots = thread_roots(spark, raw).localCheckpoint()
        roots.createOrReplaceTempView("roots")
        side["brand_handles"].createOrReplaceTempView("brand_handles")
        side["interactions"].createOrReplaceTempView("interactions")
        cases, messages = twcs_cases(spark)
        frames["interactions"] = side["interactions"].unionByName(
            _conformed(cases, spark_schema(con, "interactions"))
        )
        frames["messages"] = side["messages"].unionByName(
            _conformed(messages, spark_schema(con, "messages"))
        )
        frames["raw_twcs"] = raw
        frames["twcs_threads"] = _conformed(roots, spark_schema(con, "twcs_threads"))
    else:
        frames["interactions"], frames["messages"] = side["interactions"], side["messages"]
    for t in ("surveys", "identities", "brand_handles"):
        frames[t] = side[t]
    for t in ("loads", "quarantine", "mapped_messages", "etl_state"):
        frames[t] = to_spark(spark, con, t)
    for t in ("interactions", "messages"):
        frames[t] = frames[t].cache()
    bounds = (
        frames["interactions"]
        .agg(
            F.least(F.min("opened_at"), F.min("first_customer_at")),
            F.greatest(F.max("opened_at"), F.max("first_customer_at"), F.max("first_response_at")),
        )
        .first()
    )
    for name, frame in calendar_tables(config, (bounds[0], bounds[1])).items():
        con.register("_frame", frame)
        con.execute(f"drop table if exists {name}")  # name: business_calendar or model_settings
        con.table("_frame").create(name)
        con.unregister("_frame")
        frames[name] = to_spark(spark, con, name)
    con.close()
    return _publish(spark, lake, frames, model_sql, sources)


def _publish(
    spark: SparkSession,
    lake: str,
    frames: dict[str, DataFrame],
    model_sql: list[tuple[str, str, str]],
    sources: list[tuple[str, str]],
) -> LakeBuild:
    """Write the canonical tables and the models into a new snapshot; swap CURRENT to it."""
    snapshot = lk.new_snapshot_id()
    uri = lk.snapshot_uri(lake, snapshot)
    days: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    for name, frame in frames.items():
        with stage(f"write {name}"):
            days[name] = _write(spark, frame, uri, name)
    for name, materialized, sql in model_sql:
        frame = spark.sql(sql)
        if materialized == "view":
            frame.createOrReplaceTempView(name)
            continue
        with stage(f"model {name}"):
            days[name] = _write(spark, frame, uri, name)
    for name in ("interactions", "messages", "surveys"):
        counts[name] = spark.table(name).count()
    _write_manifest(spark, lake, snapshot, days, sources)
    _swap(spark, lake, snapshot)
    return LakeBuild(lake, snapshot, counts)


def _write_manifest(
    spark: SparkSession,
    lake: str,
    snapshot: str,
    days: dict[str, str | None],
    sources: list[tuple[str, str]],
) -> None:
    text = lk.manifest_text(days, sources)
    if lk.is_local(lake):
        (lk.local_path(lake) / "snapshots" / snapshot / lk.MANIFEST).write_text(
            text, encoding="utf-8"
        )
        return
    _hadoop_write(spark, f"{lk.snapshot_uri(lake, snapshot)}/{lk.MANIFEST}", text)


def _hadoop_write(spark: SparkSession, uri: str, text: str) -> None:
    """Write a small text file through Hadoop's FileSystem (hdfs://, s3a://)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    out = fs.create(path, True)
    out.write(bytearray(text.encode("utf-8")))
    out.close()


def _swap(spark: SparkSession, lake: str, snapshot: str) -> None:
    """Point CURRENT at the complete snapshot, atomically."""
    if lk.is_local(lake):
        lk.swap_pointer_local(lk.local_path(lake), snapshot)
        return
    jvm = spark.sparkContext._jvm
    tmp = f"{lake.rstrip('/')}/.{lk.POINTER}.{snapshot}"
    _hadoop_write(spark, tmp, snapshot + "\n")
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    src = jvm.org.apache.hadoop.fs.Path(tmp)
    context = jvm.org.apache.hadoop.fs.FileContext.getFileContext(src.toUri(), conf)
    rename = jvm.org.apache.hadoop.fs.Options.Rename
    opts = spark.sparkContext._gateway.new_array(rename, 1)
    opts[0] = rename.OVERWRITE
    context.rename(src, jvm.org.apache.hadoop.fs.Path(f"{lake.rstrip('/')}/{lk.POINTER}"), opts)
