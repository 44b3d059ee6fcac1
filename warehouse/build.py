"""Run the SQL models in layer order (stg -> fct -> agg), each into a table (or view) of its name.

A model may start with settings in comments, dbt-style:
    -- materialized: view            (default: table)
    -- compression: text=zstd        (storage of columns of a table; zstd writes long texts
                                      several times faster than the default dictionary + FSST)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

import duckdb

from etl.settings.config import Config
from warehouse.calendar import write_business_calendar
from warehouse.queries import named_sql

LAYERS = ("stg", "fct", "agg")
_SETTING = re.compile(r"^--\s*(materialized|compression)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class Model:
    """One SQL model file."""

    name: str
    layer: str
    sql: str

    @cached_property
    def settings(self) -> dict[str, str]:
        """The `-- key: value` settings on the model's first lines."""
        out = {}
        for line in self.sql.lstrip().splitlines():
            m = _SETTING.match(line.strip())
            if not m:
                break
            out[m.group(1)] = m.group(2)
        return out

    @property
    def materialized(self) -> str:
        """'view' or 'table'."""
        return "view" if self.settings.get("materialized", "table").lower() == "view" else "table"

    @property
    def compression(self) -> dict[str, str]:
        """Column -> compression method for a table model."""
        spec = self.settings.get("compression", "")
        pairs = (p.split("=", 1) for p in spec.split(",") if "=" in p)
        out = {c.strip(): m.strip() for c, m in pairs}
        bad = [v for v in out.values() if not re.fullmatch(r"[a-z_]+", v)]
        if bad:
            raise ValueError(f"model {self.name}: unknown compression {bad[0]!r}.")
        return out


def models() -> list[Model]:
    """All models in run order: by layer, then by file name."""
    root = resources.files("warehouse").joinpath("sql")
    out = []
    for layer in LAYERS:
        files = sorted(
            (f for f in root.joinpath(layer).iterdir() if f.name.endswith(".sql")),
            key=lambda f: f.name,
        )
        out += [Model(f.name[:-4], layer, f.read_text(encoding="utf-8")) for f in files]
    return out


def _create(con: duckdb.DuckDBPyConnection, m: Model) -> None:
    """Create the model's table or view (replacing the previous one, of either kind)."""
    if m.materialized == "view" or not m.compression:
        con.execute(f"create or replace {m.materialized} {m.name} as\n{m.sql}")
        return
    columns = con.execute(f"describe {m.sql}").fetchall()
    defs = ", ".join(
        f'"{name}" {kind}'
        + (f" using compression {m.compression[name]}" if name in m.compression else "")
        for name, kind, *_ in columns
    )
    con.execute(f"create or replace table {m.name} ({defs})")
    con.execute(f"insert into {m.name}\n{m.sql}")


def _free_model_tables(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Drop the stored model tables and checkpoint, so that their blocks are free before the
    models are written again: a rebuild then reuses that space instead of growing the file by
    every model's size (DuckDB frees a replaced table's blocks only at a checkpoint). Inside an
    open transaction (no checkpoint possible) the tables are replaced as they are rebuilt."""
    if not tables:
        return
    try:
        con.execute("checkpoint")
    except duckdb.TransactionException:
        return
    for name in tables:
        con.execute(f"drop table {name}")
    con.execute("checkpoint")


def build(con: duckdb.DuckDBPyConnection, config: Config | None = None) -> list[str]:
    """(Re)build every model from the canonical tables; returns the model names in order. The
    business-hours figures of the models use the calendar of `config` (default settings when
    None; see warehouse/calendar.py)."""
    write_business_calendar(con, config or Config())
    existing = dict(con.execute(named_sql("existing_tables")).fetchall())
    _free_model_tables(con, [m.name for m in models() if existing.get(m.name) == "BASE TABLE"])
    built = []
    for m in models():
        if existing.get(m.name) == "VIEW" and m.materialized == "table":
            con.execute(f"drop view {m.name}")
        _create(con, m)
        built.append(m.name)
    return built
