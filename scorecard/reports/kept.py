"""Results of the reports' expensive computations kept per published snapshot, beside the warehouse.

The daily report runs the incident scan (four weeks of KPIs by slice), the day's scorecard with
one shortfall analysis per red KPI, and the backlog: about 17 CPU s at 10M interactions. Their results change only when a load publishes a new
snapshot (a new file: another inode, mtime and size) or the configuration changes, so each is
kept as JSON in `.<warehouse file name>.kept/` beside it (hidden, like the load's lock and work
files), named by the snapshot's identity and a digest of the
configuration, the computation and its arguments. A load of a warehouse whose daily report has
been made before computes them right after publishing (`prepared_daily`,
scorecard/reports/daily.py); otherwise the first report of a snapshot computes and writes them.
Any later one (the HTML and then the PDF, the e-mail, a re-run from cron) reads them.

Never served for another snapshot: the identity is that of the file the connection has open
(a connection opened before a load published reads the replaced file, and so does a new
connection of a process that still holds one: DuckDB shares the instance), found through the
process's open descriptors (/proc/self/fd; elsewhere the published file's). A process that holds
two snapshots of the same path keeps nothing (which one a connection reads cannot be told). Only
the published snapshot's results are written (a slower reader of an older one computes without
keeping), each file atomically (a temporary file renamed, so a reader never sees half of one),
and files of other snapshots are removed whenever the folder is used. Nothing is kept for a
connection without a warehouse file (in memory, a brand scope's views) or where the folder
cannot be written: the computation then simply runs. No lock: concurrent reports of one snapshot
may both compute, and write the same result.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from etl.settings.config import Config
from etl.sql_files import sql_file

T = TypeVar("T")
PROC_FDS = Path("/proc/self/fd")
STALE_TMP_S = 3600  # a temporary file older than this was left by a killed writer


def snapshot_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The warehouse file the connection reads (None: an in-memory database or a brand scope)."""
    row = con.execute(sql_file(__package__, "database_path")).fetchone()
    return Path(row[0]) if row and row[0] else None


def _identity(st: os.stat_result) -> str:
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def snapshot_id(path: Path) -> str:
    """The published snapshot's identity: inode, mtime and size of its file (a load replaces it)."""
    return _identity(os.stat(path))


def open_snapshot_ids(path: Path) -> set[str] | None:
    """The identities of the files at `path` (published or since replaced) this process has
    open, or None where open descriptors cannot be listed (no /proc/self/fd)."""
    if not PROC_FDS.is_dir():
        return None
    wanted = os.path.realpath(path)
    found = set()
    for fd in os.listdir(PROC_FDS):
        try:
            target = os.readlink(PROC_FDS / fd)
            if target.removesuffix(" (deleted)") == wanted:
                found.add(_identity(os.fstat(int(fd))))
        except (OSError, ValueError):
            continue  # closed meanwhile (the listing's own descriptor among them)
    return found


def connection_snapshot_id(path: Path) -> str | None:
    """The identity of the snapshot a connection to `path` reads: the one file at that path this
    process has open, the published file's where open files cannot be listed, or None when the
    process holds several snapshots of the path."""
    ids = open_snapshot_ids(path)
    if not ids:  # not listable, or DuckDB holds no descriptor: the published file
        return snapshot_id(path)
    return ids.pop() if len(ids) == 1 else None


def kept_path(con: duckdb.DuckDBPyConnection, config: Config, name: str, args: Any) -> Path | None:
    """Where the result of `name`(args) on this snapshot and configuration is kept, or None."""
    path = snapshot_file(con)
    if path is None or not path.exists():
        return None
    snapshot = connection_snapshot_id(path)
    if snapshot is None:
        return None
    settings = repr(replace(config, path=None))  # where the file lies is not a setting
    key = json.dumps([settings, name, args], default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return kept_dir(path) / f"{snapshot}.{name}.{digest}.json"


def kept_dir(warehouse: Path) -> Path:
    """The folder of what is kept for the snapshots of `warehouse`."""
    return warehouse.with_name(f".{warehouse.name}.kept")


def _published(folder: Path) -> str | None:
    """The identity of the snapshot now published beside `folder` (None: no file there)."""
    try:
        return snapshot_id(folder.with_name(folder.name[1:].removesuffix(".kept")))
    except OSError:
        return None


def _drop_others(folder: Path) -> None:
    """Remove the files kept for other snapshots than the published one, and temporary files a
    killed writer left."""
    current = _published(folder)
    for old in folder.glob("*.json"):
        if old.name.split(".", 1)[0] != current:
            old.unlink(missing_ok=True)
    for tmp in folder.glob("*.tmp"):
        try:
            if time.time() - tmp.stat().st_mtime > STALE_TMP_S:
                tmp.unlink(missing_ok=True)
        except OSError:
            continue


def _write(target: Path, value: Any) -> None:
    """Write atomically (a temporary file renamed), only while its snapshot is the published one."""
    if target.name.split(".", 1)[0] != _published(target.parent):
        return  # an older snapshot (a load published meanwhile): nobody will ask for it again
    target.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, default=str)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)  # only left when the write or rename failed
    _drop_others(target.parent)


def kept(
    con: duckdb.DuckDBPyConnection, config: Config, name: str, args: Any, compute: Callable[[], T]
) -> T:
    """compute()'s JSON-able result, read from beside the warehouse when this snapshot and
    configuration already have it, else computed and (where the folder is writable and the
    snapshot still the published one) kept."""
    target = kept_path(con, config, name, args)
    if target is not None and target.parent.is_dir():
        try:
            _drop_others(target.parent)
        except OSError:
            pass
    if target is not None and target.exists():
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # unreadable or removed meanwhile: compute again
    value = json.loads(json.dumps(compute(), default=str))  # the same types, computed or read
    if target is not None:
        try:
            _write(target, value)
        except OSError:
            pass  # a read-only place: the next report computes again
    return value
