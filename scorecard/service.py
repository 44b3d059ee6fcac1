"""The dashboard's access to scores: a read-only reader that follows published snapshots,
and a per-snapshot memo so that repeated views of the same data are computed once."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from etl.settings.config import Config, load_config
from warehouse.db import WarehouseError, db_path
from warehouse.queries import named_sql

T = TypeVar("T")


SNAPSHOT = "snapshot"  # catalog name of the attached warehouse file
SCOPED = "memory"  # catalog of the brand-scoped views over the snapshot (the in-memory database)
# Tables a brand scope shows whole: settings and calendars, no customer data in them.
SCOPE_PASS = frozenset({"business_calendar", "model_settings", "etl_state"})
_SCOPE: ContextVar[tuple[str, ...]] = ContextVar("socialcare_brand_scope", default=())


def open_snapshot(path: Path, brands: tuple[str, ...] = ()) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB with the published file attached read-only.

    Not `duckdb.connect(path)`: DuckDB caches one database instance per path, so while any
    connection to the old snapshot is alive, connecting again returns the replaced file's data.
    With `brands`, every table is shadowed by a view of the in-memory database that keeps only
    those brands' rows (by brand, by case, or by agent); tables with neither are empty, apart from
    settings and calendars; every query then reads the scoped views under the same names.
    """
    if not path.exists():
        raise WarehouseError(
            f"no warehouse at {path}; load data first (socialcare load ...) or run socialcare demo."
        )
    con = duckdb.connect(":memory:")
    con.execute(f"attach $path as {SNAPSHOT} (read_only)", {"path": str(path)})
    if not brands:
        con.execute(f"use {SNAPSHOT}")
        return con
    con.execute(named_sql("scope_brands"), {"b": list(brands)})
    con.execute(named_sql("scope_cases"))
    for name, has_brand, has_case, has_agent in con.execute(named_sql("scope_tables")).fetchall():
        source = f'{SNAPSHOT}.main."{name}"'  # names from the warehouse's own catalogue
        if has_brand:
            keep = "brand in (select brand from scope_brands)"
        elif has_case:
            keep = "interaction_id in (select interaction_id from scope_cases)"
        elif has_agent:
            keep = "agent_id in (select agent_id from scope_cases)"
        else:
            keep = "true" if name in SCOPE_PASS else "false"
        con.execute(named_sql("scoped_view").format(name=name, source=source, keep=keep))
    con.execute(f"use {SCOPED}")
    return con


class SnapshotReader:
    """Read-only DuckDB access that reopens when a load publishes a new snapshot file.

    A load replaces the warehouse file atomically; connections opened before keep reading the
    previous snapshot, so the dashboard never sees a half-written load or a lock error.
    """

    def __init__(self, path: Path, brands: tuple[str, ...] = ()):
        self.path = path
        self.brands = brands
        self.catalog = SCOPED if brands else SNAPSHOT
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._key: tuple[int, int] | None = None

    def version(self) -> tuple[int, int]:
        """Identity of the published snapshot file (inode, mtime): changes with every load."""
        st = os.stat(self.path)
        return st.st_ino, st.st_mtime_ns

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published snapshot (one per request; cursors are thread-safe)."""
        key = self.version()
        with self._lock:
            if self._con is None or key != self._key:
                self._con = open_snapshot(self.path, self.brands)
                self._key = key
            cur = self._con.cursor()
        cur.execute(f"use {self.catalog}")
        return cur

    def modified(self) -> float:
        """When the current snapshot was published (epoch seconds)."""
        return os.stat(self.path).st_mtime


def _frozen(value: Any) -> Any:
    """A hashable stand-in for call arguments (dicts and lists become sorted tuples)."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_frozen(v) for v in value]
        return (
            tuple(sorted(items, key=repr)) if isinstance(value, (set, frozenset)) else tuple(items)
        )
    return value


@dataclass
class _Memo:
    """A bounded LRU of results for one snapshot version, with one computation per key."""

    size: int = 512
    version: tuple[int, int] | None = None
    items: OrderedDict = field(default_factory=OrderedDict)
    running: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Service:
    """What the pages need: the warehouse reader and the effective configuration."""

    reader: SnapshotReader
    config: Config
    memo: _Memo = field(default_factory=_Memo, compare=False)

    def cached(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """fn(cursor, config, *args, **kwargs), computed once per published snapshot.

        Results are shared between requests: callers must not mutate them (house rule anyway).
        Concurrent requests for the same key wait for the first computation instead of
        repeating it. A new snapshot empties the memo.
        """
        key = (fn.__module__, fn.__qualname__, _frozen(args), _frozen(kwargs))
        return self.remembered(key, lambda: fn(self.reader.cursor(), self.config, *args, **kwargs))

    def remembered(self, key: tuple, compute: Callable[[], T]) -> T:
        """compute() once per key and published snapshot (the memo behind `cached`)."""
        version = self.reader.version()
        memo = self.memo
        with memo.lock:
            if memo.version != version:
                memo.items.clear()
                memo.version = version
            if key in memo.items:
                memo.items.move_to_end(key)
                return memo.items[key]
            event = memo.running.get(key)
            owner = event is None
            if owner:
                event = memo.running[key] = threading.Event()
        if not owner:
            event.wait(timeout=300)
            with memo.lock:
                if key in memo.items:
                    return memo.items[key]
            return compute()
        try:
            result = compute()
            with memo.lock:
                if memo.version == version:
                    memo.items[key] = result
                    while len(memo.items) > memo.size:
                        memo.items.popitem(last=False)
            return result
        finally:
            with memo.lock:
                memo.running.pop(key, None)
            event.set()


def per_snapshot(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator for dashboard callbacks: the same inputs on the same snapshot give the
    remembered outputs (figures and tables are built once, not on every request)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        key = ("per_snapshot", fn.__module__, fn.__qualname__, _frozen(args), _frozen(kwargs))
        return service().remembered(key, lambda: fn(*args, **kwargs))

    return wrapper


def set_brand_scope(brands: tuple[str, ...]) -> None:
    """The brands the current request may see (empty: all); set by the web server per request."""
    _SCOPE.set(tuple(sorted(brands)))


@lru_cache(maxsize=64)
def _service_for(brands: tuple[str, ...]) -> Service:
    return Service(SnapshotReader(db_path(), brands), load_config())


def service() -> Service:
    """The service of the current brand scope (one per scope, each with its own memo, so nothing
    computed for one scope is served to another), from $SOCIALCARE_DB and $SOCIALCARE_CONFIG."""
    return _service_for(_SCOPE.get())


service.cache_clear = _service_for.cache_clear  # type: ignore[attr-defined]  (tests reset it)


def published_age_s() -> float | None:
    """Seconds since the current snapshot was published, or None without a warehouse."""
    try:
        return time.time() - service().reader.modified()
    except OSError:
        return None
