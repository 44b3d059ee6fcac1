"""Results of the reports' expensive computations kept per published snapshot, beside the warehouse.

The daily report runs the incident scan (four weeks of KPIs by slice) and one shortfall analysis
per red KPI: minutes at 10M interactions. Their results change only when a load publishes a new
snapshot (a new file: another inode, mtime and size) or the configuration changes, so each is
kept as JSON in `.<warehouse file name>.kept/` beside it (hidden, like the load's lock and work
files), named by the snapshot's identity and a digest of the
configuration, the computation and its arguments. The first report of a snapshot computes and
writes them; any later one (the HTML and then the PDF, the e-mail, a re-run from cron, the
dashboard's download) reads them. Files of older snapshots are removed whenever the folder is
used for a newer one.
Nothing is kept for a connection without a warehouse file (in memory, a brand scope's views) or
where the folder cannot be written: the computation then simply runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from etl.settings.config import Config
from etl.sql_files import sql_file

T = TypeVar("T")


def snapshot_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The warehouse file the connection reads (None: an in-memory database or a brand scope)."""
    row = con.execute(sql_file(__package__, "database_path")).fetchone()
    return Path(row[0]) if row and row[0] else None


def snapshot_id(path: Path) -> str:
    """The published snapshot's identity: inode, mtime and size of its file (a load replaces it)."""
    st = os.stat(path)
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def kept_path(con: duckdb.DuckDBPyConnection, config: Config, name: str, args: Any) -> Path | None:
    """Where the result of `name`(args) on this snapshot and configuration is kept, or None."""
    path = snapshot_file(con)
    if path is None or not path.exists():
        return None
    digest = hashlib.sha256(
        json.dumps([repr(config), name, args], default=str).encode()
    ).hexdigest()[:24]
    return kept_dir(path) / f"{snapshot_id(path)}.{name}.{digest}.json"


def kept_dir(warehouse: Path) -> Path:
    """The folder of what is kept for the snapshots of `warehouse`."""
    return warehouse.with_name(f".{warehouse.name}.kept")


def _drop_older(folder: Path, current: str) -> None:
    """Remove the files kept for other snapshots than `current`."""
    for old in folder.glob("*.json"):
        if old.name.split(".", 1)[0] != current:
            old.unlink(missing_ok=True)


def _write(target: Path, value: Any) -> None:
    """Write atomically (a temporary file renamed) and drop the files of other snapshots."""
    target.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(value, f, default=str)
    os.replace(tmp, target)
    _drop_older(target.parent, target.name.split(".", 1)[0])


def kept(
    con: duckdb.DuckDBPyConnection, config: Config, name: str, args: Any, compute: Callable[[], T]
) -> T:
    """compute()'s JSON-able result, read from beside the warehouse when this snapshot and
    configuration already have it, else computed and (where the folder is writable) kept."""
    target = kept_path(con, config, name, args)
    if target is not None and target.parent.is_dir():
        try:
            _drop_older(target.parent, target.name.split(".", 1)[0])
        except OSError:
            pass
    if target is not None and target.exists():
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # unreadable or half-written by an older version: compute again
    value = json.loads(json.dumps(compute(), default=str))  # the same types, computed or read
    if target is not None:
        try:
            _write(target, value)
        except OSError:
            pass  # a read-only place: the next report computes again
    return value
