"""Canonical tables between DuckDB and Spark: schemas, side files parsed on the driver, calendar.

Side files (calls, tickets, surveys: small next to the tweets) are parsed and merged by the very
etl/ code a DuckDB load runs (etl.load.write_parsed) into an in-memory DuckDB warehouse on the
driver, whose tables then join the Spark build.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from etl.load import LoadRecord, write_parsed
from etl.settings.config import Config
from etl.sources.io import SourceError, file_sha256
from etl.sources.registry import parse_source
from etl.sources.twcs_brands import remember_handles
from etl.sql_files import sql_file
from warehouse.calendar import write_business_calendar
from warehouse.db import schema_sql

SIDE_KINDS = ("calls", "tickets", "surveys")  # parsed on the driver by etl/
SPARK_KINDS = ("twcs",)  # read by Spark
_SIMPLE = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "DOUBLE": "double",
    "FLOAT": "float",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "TIMESTAMP": "timestamp_ntz",
    "HUGEINT": "decimal(38,0)",
    "UBIGINT": "decimal(20,0)",
    "UINTEGER": "bigint",
}


def spark_type(duck: str) -> str:
    """The Spark SQL type of a DuckDB column type."""
    if duck.endswith("[]"):
        return f"array<{spark_type(duck[:-2])}>"
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duck)
    if m:
        return f"decimal({m.group(1)},{m.group(2)})"
    if duck not in _SIMPLE:
        raise ValueError(
            f"no Spark type for the DuckDB type {duck}; extend warehouse/spark/tables.py."
        )
    return _SIMPLE[duck]


def spark_schema(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """DDL (`name type, ...`) of a DuckDB table for spark.createDataFrame."""
    rows = con.execute(f"describe {table}").fetchall()
    return ", ".join(f"`{name}` {spark_type(kind)}" for name, kind, *_ in rows)


def to_spark(spark: SparkSession, con: duckdb.DuckDBPyConnection, table: str) -> DataFrame:
    """A (small) DuckDB table as a Spark DataFrame with the matching types."""
    rows = con.table(table).to_arrow_table()
    return spark.createDataFrame(rows, schema=spark_schema(con, table))


def driver_warehouse() -> duckdb.DuckDBPyConnection:
    """An empty in-memory warehouse (the canonical tables) on the driver."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(schema_sql())
    return con


def load_id_of(kind: str, sha: str, started: datetime) -> str:
    """The load id a DuckDB load would give (warehouse/ingest.py)."""
    return f"{kind}-{started:%Y%m%dT%H%M%S%f}-{sha[-8:]}"


def load_side_file(con: duckdb.DuckDBPyConnection, kind: str, path: str, config: Config) -> str:
    """Parse and merge one side file into the driver warehouse as a load does; its load id."""
    if not Path(path).exists():
        raise SourceError(f"{path}: file not found.")
    started = datetime.now(UTC)
    sha = file_sha256(Path(path))
    parsed = parse_source(kind, path, config)
    if parsed.rows_read and parsed.bad_share > config.max_bad_share:
        raise SourceError(
            f"{path}: refused, {parsed.rows_quarantined} of {parsed.rows_read} rows "
            f"failed validation, above the {config.max_bad_share:.0%} limit; check "
            f"it with socialcare load {kind} {path}."
        )
    record = LoadRecord(load_id_of(kind, sha, started), kind, path, sha, started)
    write_parsed(con, parsed, record, config)
    return record.load_id


def remember_brand_handles(con: duckdb.DuckDBPyConnection, config: Config, load_id: str) -> None:
    """The configured brand handles in brand_handles, as a TWCS load remembers them."""
    remember_handles(con, config.brand_handles, load_id)


def record_load(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """One `loads` row (the columns of etl/load.py's insert)."""
    con.execute(
        "insert into loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?)",
        [
            row["load_id"],
            row["source"],
            row["kind"],
            row["path"],
            row["sha256"],
            row["started_at"],
            datetime.now(UTC),
            row["rows_read"],
            row["rows_loaded"],
            row["rows_quarantined"],
            row.get("message"),
        ],
    )


def record_quarantine(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    """Rejected rows (load_id, path, line, raw, reason) into `quarantine`."""
    if frame.empty:
        return
    con.register("_q", frame[["load_id", "path", "line", "raw", "reason"]])
    con.execute(sql_file(__package__, "quarantine_rows"))
    con.unregister("_q")


def calendar_tables(config: Config, bounds: tuple) -> dict[str, pd.DataFrame]:
    """business_calendar and model_settings for cases spanning `bounds` (min and max of the
    times warehouse/calendar.py reads), computed by warehouse/calendar.py itself."""
    con = duckdb.connect()
    try:
        con.execute(
            "create table interactions (opened_at timestamptz, first_customer_at "
            "timestamptz, first_response_at timestamptz)"
        )
        lo, hi = bounds
        if lo is not None:
            con.execute(
                "insert into interactions values (?, ?, ?), (?, ?, ?)", [lo, lo, None, hi, hi, hi]
            )
        write_business_calendar(con, config)
        return {t: con.table(t).df() for t in ("business_calendar", "model_settings")}
    finally:
        con.close()
