"""What `socialcare build --engine spark` runs: arguments checked, one session, errors in one sentence."""

from __future__ import annotations

from etl.settings.config import Config
from etl.sources.io import SourceError
from etl.sources.registry import KINDS


def kind_paths(args: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(kind, path) of each KIND=PATH argument, in order; a malformed one raises SourceError."""
    out = []
    for arg in args:
        kind, sep, path = arg.partition("=")
        if not sep or not path:
            raise SourceError(
                f"{arg!r} is not KIND=PATH; write e.g. twcs=tweets.csv calls=calls.xlsx."
            )
        if kind not in KINDS:
            raise SourceError(
                f"unknown source kind {kind!r} in {arg!r}; use one of {', '.join(KINDS)}."
            )
        out.append((kind, path))
    return out


def build_with_spark(args: tuple[str, ...], lake: str, master: str, config: Config):
    """Build the lake on Spark at `master`; returns warehouse.spark.build.LakeBuild."""
    sources = kind_paths(args)
    try:
        from pyspark.errors import PySparkException
    except ModuleNotFoundError:
        raise SourceError(
            "pyspark is not installed; install the Spark extra "
            "(pip install 'socialcare[spark]', Java 17 needed) or use socialcare load."
        ) from None
    from warehouse.spark.build import build_lake, unsupported_kind
    from warehouse.spark.session import spark_session

    for kind, _ in sources:  # before a session starts (tens of seconds)
        why = unsupported_kind(kind)
        if why:
            raise SourceError(why)
    from pyspark.sql import SparkSession

    shared = SparkSession.getActiveSession()  # a caller's session (tests) is left running
    spark = shared or spark_session(master)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        return build_lake(spark, sources, lake, config)
    except PySparkException as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SourceError(
            f"Spark could not build the lake {lake} ({first}); the current "
            "snapshot is unchanged: fix the source or the path and run again."
        ) from None
    finally:
        if shared is None:
            spark.stop()
