"""`socialcare publish --from-lake DIR`: the DuckDB warehouse the dashboard and CLI read, made from
the lake's current snapshot (DuckDB only: no pyspark needed to serve).

The canonical tables and every table model are read from the snapshot's Parquet into tables of
the DuckDB types a DuckDB build gives them (found by building the models over empty tables);
view models are created from their SQL as a build does. The result is published like a load:
a private copy, the model checks, then an atomic rename, so readers never see half of it.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.progress import stage
from etl.settings.config import Config
from etl.sql_files import sql_file
from warehouse.build import build, models
from warehouse.db import schema_sql, snapshot_writer
from warehouse.spark import lake as lk

_SIDE_TABLES = ("business_calendar", "model_settings")  # written by a build beside the models


@dataclass(frozen=True)
class Published:
    """What publish_from_lake made."""

    db: Path
    lake: str
    snapshot: str
    rows: dict[str, int]

    def summary(self) -> str:
        """One line for the terminal."""
        facts = ", ".join(
            f"{t} {self.rows[t]}" for t in ("interactions", "messages", "surveys") if t in self.rows
        )
        return f"{self.db}: published snapshot {self.snapshot} of {self.lake} ({facts})."


def model_columns(config: Config) -> dict[str, list[tuple[str, str]]]:
    """(column, DuckDB type) of every table a DuckDB build makes, from a build over empty tables."""
    con = duckdb.connect()
    try:
        con.execute(schema_sql())
        build(con, config)
        names = [m.name for m in models() if m.materialized == "table"] + list(_SIDE_TABLES)
        return {n: [(r[0], r[1]) for r in con.execute(f"describe {n}").fetchall()] for n in names}
    finally:
        con.close()


def _parquet(lake: str, snapshot: str, table: str, day: str | None) -> str | None:
    """read_parquet(...) of a snapshot table, or None when it holds no file (no rows)."""
    pattern = lk.table_glob(lake, snapshot, table, day is not None)
    if not glob.glob(pattern):
        return None
    return f"read_parquet('{pattern}', hive_partitioning = false)"


def _create_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    columns: list[tuple[str, str]],
    compression: dict[str, str],
) -> None:
    defs = ", ".join(
        f'"{c}" {t}' + (f" using compression {compression[c]}" if c in compression else "")
        for c, t in columns
    )
    con.execute(f"drop view if exists {name}")
    con.execute(f"create or replace table {name} ({defs})")


def publish_from_lake(lake: str, db: Path, config: Config) -> Published:
    """Replace the warehouse at `db` with the lake's current snapshot, atomically."""
    if not lk.is_local(lake):
        raise lk.LakeError(
            f"{lake}: publish reads a lake on a local or mounted path; mount it "
            "(or copy its current snapshot) and pass that path."
        )
    snapshot = lk.current_snapshot(lake)
    tables = lk.snapshot_tables(lake, snapshot)
    typed = model_columns(config)
    rows: dict[str, int] = {}
    with snapshot_writer(db) as con:
        model_list = models()
        modelled = {m.name for m in model_list} | set(_SIDE_TABLES)
        stored = {r[0] for r in con.execute(sql_file(__package__, "base_tables")).fetchall()}
        with stage("canonical tables"):
            for table, day in tables.items():
                if table in modelled or table not in stored:  # a model dropped since the build
                    continue
                con.execute(f"delete from {table}")
                source = _parquet(lake, snapshot, table, day)
                if source is not None:
                    con.execute(f"insert into {table} by name select * from {source}")
                rows[table] = con.table(table).shape[0]
        with stage("models"):
            for m in [*_SIDE_TABLES, *model_list]:
                name = m if isinstance(m, str) else m.name
                if not isinstance(m, str) and m.materialized == "view":
                    con.execute(f"drop table if exists {name}")
                    con.execute(f"create or replace view {name} as\n{m.sql}")
                    continue
                if name not in tables:
                    raise lk.LakeError(
                        f"snapshot {snapshot} of {lake} lacks table {name}; "
                        "rebuild it with this version's socialcare build --engine spark."
                    )
                _create_table(con, name, typed[name], {} if isinstance(m, str) else m.compression)
                source = _parquet(lake, snapshot, name, tables[name])
                if source is not None:
                    con.execute(f"insert into {name} by name select * from {source}")
    return Published(db, lake, snapshot, rows)
