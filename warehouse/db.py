"""DuckDB connections and atomic snapshots: one writer builds a copy, readers open read-only."""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from etl.progress import stage
from warehouse.checks import CheckFailure, check_failures

DEFAULT_DB = "socialcare.duckdb"


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or written; the message says what to do."""


def refusal(failures: list[CheckFailure]) -> str:
    """One sentence for a candidate that breaks the model checks (at most three named)."""
    named = "; ".join(f.sentence() for f in failures[:3])
    more = f" and {len(failures) - 3} more checks" if len(failures) > 3 else ""
    return (
        f"the new warehouse breaks its model checks ({named}{more}), so it was not published and "
        "the previous warehouse is unchanged; report this with the file you loaded."
    )


def db_path(explicit: str | None = None) -> Path:
    """The warehouse file: --db, else $SOCIALCARE_DB, else ./socialcare.duckdb."""
    return Path(explicit or os.environ.get("SOCIALCARE_DB") or DEFAULT_DB)


def schema_sql() -> str:
    """DDL of the canonical tables."""
    return resources.files("warehouse").joinpath("sql/schema.sql").read_text(encoding="utf-8")


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published snapshot (what the dashboard and reports use)."""
    if not path.exists():
        raise WarehouseError(
            f"no warehouse at {path}; load data first (socialcare load ...) or run socialcare demo."
        )
    return duckdb.connect(str(path), read_only=True)


def sidecar(path: Path, suffix: str) -> Path:
    """A hidden file or folder beside the warehouse that belongs to it (`.<name>.<suffix>`): its
    lock, a load's work copy, what the reports keep (`kept`, scorecard/reports/kept.py)."""
    return path.with_name(f".{path.name}.{suffix}")


_IN_PROCESS: dict[str, threading.Lock] = {}


@contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Exclusive lock so that only one load writes at a time, released when the process dies.

    A POSIX record lock (lockf), not flock: worker processes forked during a load (the sentiment
    pool) inherit open files, and an inherited flock would outlive a killed load. Record locks
    belong to the process; a threading lock excludes a second load in the same process.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = sidecar(path, "lock")
    local = _IN_PROCESS.setdefault(str(lock_file.resolve()), threading.Lock())
    busy = WarehouseError(f"another load is writing {path}; wait for it to finish.")
    if not local.acquire(blocking=False):
        raise busy
    try:
        with open(lock_file, "a+") as fh:
            try:
                fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise busy from None
            try:
                yield
            finally:
                fcntl.lockf(fh, fcntl.LOCK_UN)
    finally:
        local.release()


def _remove_stale_work_files(path: Path) -> None:
    for stale in path.parent.glob(f".{path.name}.work-*"):
        stale.unlink(missing_ok=True)


@contextmanager
def snapshot_writer(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a private copy of the warehouse; publish it atomically on success.

    The published file is replaced with os.replace only after the copy is complete and
    checkpointed, so a failed or killed load leaves the warehouse exactly as before, and
    readers holding the old file keep reading the previous snapshot.
    """
    with writer_lock(path):
        _remove_stale_work_files(path)
        work = sidecar(path, f"work-{uuid.uuid4().hex[:8]}")
        try:
            if path.exists():
                shutil.copyfile(path, work)
            con = duckdb.connect(str(work))
        except BaseException:  # e.g. a full disk during the copy: leave nothing behind
            work.unlink(missing_ok=True)
            raise
        try:
            con.execute(schema_sql())
            yield con
            with stage("check models"):
                failures = check_failures(con)
            if failures:
                raise WarehouseError(refusal(failures))
            with stage("publish snapshot"):
                con.execute("checkpoint")
                con.close()
                with open(work, "rb") as fh:
                    os.fsync(fh.fileno())
                os.replace(work, path)
        except BaseException:
            con.close()
            work.unlink(missing_ok=True)
            Path(f"{work}.wal").unlink(missing_ok=True)
            raise
