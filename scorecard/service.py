"""The dashboard's access to scores: a read-only reader that follows published snapshots."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from etl.config import Config, load_config
from warehouse.db import connect_readonly, db_path


class SnapshotReader:
    """Read-only DuckDB access that reopens when a load publishes a new snapshot file.

    A load replaces the warehouse file atomically; connections opened before keep reading the
    previous snapshot, so the dashboard never sees a half-written load or a lock error.
    """

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._key: tuple[int, int] | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published snapshot (one per request; cursors are thread-safe)."""
        st = os.stat(self.path)
        key = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if self._con is None or key != self._key:
                self._con = connect_readonly(self.path)
                self._key = key
            return self._con.cursor()

    def modified(self) -> float:
        """When the current snapshot was published (epoch seconds)."""
        return os.stat(self.path).st_mtime


@dataclass(frozen=True)
class Service:
    """What the pages need: the warehouse reader and the effective configuration."""

    reader: SnapshotReader
    config: Config


@lru_cache(maxsize=1)
def service() -> Service:
    """The process-wide service, from $SOCIALCARE_DB and $SOCIALCARE_CONFIG (read on first use)."""
    return Service(SnapshotReader(db_path()), load_config())
