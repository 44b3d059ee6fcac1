"""The Spark session of a build: UTC session time zone, workers on this Python."""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession


def spark_session(
    master: str = "local[*]", driver_memory: str = "4g", shuffle_partitions: int = 8
) -> SparkSession:
    """A (shared) SparkSession on `master` whose workers run this interpreter and whose SQL
    reads and writes times in UTC, as the DuckDB warehouse stores them."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("socialcare-build")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.files.openCostInBytes", str(32 * 1024 * 1024))
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
