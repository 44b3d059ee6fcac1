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
from warehouse import incremental as inc
from warehouse.calendar import write_business_calendar
from warehouse.checks import model_specs
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


def _create(con: duckdb.DuckDBPyConnection, m: Model, rows: str | None = None) -> None:
    """Create the model's table or view (replacing the previous one, of either kind), from its
    SQL or from `rows` (a query of rows assembled elsewhere, with the model's columns)."""
    sql = rows or m.sql
    if m.materialized == "view" or not m.compression:
        con.execute(f"create or replace {m.materialized} {m.name} as\n{sql}")
        return
    columns = con.execute(f"describe {sql}").fetchall()
    defs = ", ".join(
        f'"{name}" {kind}'
        + (f" using compression {m.compression[name]}" if name in m.compression else "")
        for name, kind, *_ in columns
    )
    con.execute(f"create or replace table {m.name} ({defs})")
    con.execute(f"insert into {m.name}\n{sql}")


def _free_model_tables(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Drop the stored model tables and checkpoint, so that their blocks are free before the
    models are written again: a rebuild then reuses that space instead of growing the file by
    every model's size (DuckDB frees a replaced table's blocks only at a checkpoint). Inside an
    open transaction (no checkpoint possible) the tables are replaced as they are rebuilt."""
    if not tables or not inc.checkpoint(con):
        return
    for name in tables:
        con.execute(f"drop table {name}")
    con.execute("checkpoint")


def _can_build_on(existing: dict[str, str], all_models: list[Model]) -> bool:
    """Whether every model is stored as what it is (a table as a table, a view as a view)."""
    kinds = {"table": "BASE TABLE", "view": "VIEW"}
    return all(existing.get(m.name) == kinds[m.materialized] for m in all_models)


def _replace(con: duckdb.DuckDBPyConnection, m: Model, existing: dict[str, str]) -> None:
    """Build one model in full, replacing what is stored under its name."""
    if existing.get(m.name) == "VIEW" and m.materialized == "table":
        con.execute(f"drop view {m.name}")
    _create(con, m)


def _incremental(con: duckdb.DuckDBPyConnection, all_models: list[Model], load_id: str) -> bool:
    """Rebuild the table models for what load `load_id` touched (warehouse/incremental.py);
    False (nothing rebuilt) when the load touched too large a share of the cases. Case- and
    response-keyed models are rewritten in place where a row changed, a daily model's days in
    place when they are few of its days (inc.few_days); the other aggregates (rebuilt in full or
    for most of their days) are assembled in temp tables, then all written back at once after
    their old tables are dropped and checkpointed, so that they take the blocks they freed and
    the file grows by the new data only (rows deleted in place keep their blocks until their row
    group empties: rewriting a few days in place grows the file by about those days' rows)."""
    sql = {m.name: m.sql for m in all_models}
    if inc.case_scope(con, load_id, sql["fct_cases"]) > inc.FULL_SHARE:
        return False
    specs, changed, written_back, in_full = model_specs(), set[str](), {}, set[str]()
    for m in all_models:  # in run order: the survey scope needs the cases rebuilt, days both
        if m.materialized == "view":
            continue  # a view reads its tables as they are now
        column = specs[m.name].get("incremental")
        full = column is None or any(name in m.sql for name in changed)
        if full:
            inc.rebuilt_in_full(con, m.name)
            in_full.add(m.name)
        if m.layer == "agg" and (full or column == "utc_day"):
            if not full and inc.additive(m.name, "fct_cases" not in in_full):
                inc.update_by_difference(con, m.name, m.sql)
                continue
            if not full:
                inc.model_days(con, m.name, m.sql)
                if inc.few_days(con, m.name):
                    inc.rebuild_in_scope(con, m.name, m.sql)
                    continue
            written_back[m.name] = inc.next_rows(con, m.name, m.sql, full)
            continue
        if full:  # fct_agents: written only when a row changed (an agent key moved or is new)
            rows = inc.next_rows(con, m.name, m.sql, True)
            if not inc.unchanged(con, m.name):
                _free_model_tables(con, [m.name])
                _create(con, m, rows)
                changed.add(m.name)  # models reading it are rebuilt in full
            continue
        if column == "survey_id":
            inc.survey_scope(con, load_id)
        inc.rebuild_in_scope(con, m.name, m.sql)
        if column == "survey_id":
            inc.surveys_rebuilt(con)
    _free_model_tables(con, list(written_back))
    for m in all_models:
        if m.name in written_back:
            _create(con, m, written_back[m.name])
    inc.finish(con)
    return True


def build(
    con: duckdb.DuckDBPyConnection, config: Config | None = None, load_id: str | None = None
) -> list[str]:
    """(Re)build every model from the canonical tables; returns the model names in order. The
    business-hours figures of the models use the calendar of `config` (default settings when
    None; see warehouse/calendar.py). With `load_id` (the load just written), the table models
    are rebuilt only for what that load touched where the stored models allow it
    (warehouse/incremental.py); the result is the same."""
    write_business_calendar(con, config or Config())
    all_models = models()
    fingerprint = inc.models_fingerprint(con, [m.sql for m in all_models])
    existing = dict(con.execute(named_sql("existing_tables")).fetchall())
    stored = inc.stored_fingerprint(con)
    if load_id is not None and _can_build_on(existing, all_models) and stored == fingerprint:
        inc.prepare_touched(con)
        inc.checkpoint(con)  # the blocks the load's own rewrites freed, reused by the models
        if _incremental(con, all_models, load_id):
            return [m.name for m in all_models]
    inc.drop_scopes(con)
    _free_model_tables(con, [m.name for m in all_models if existing.get(m.name) == "BASE TABLE"])
    built = []
    for m in all_models:
        _replace(con, m, existing)
        built.append(m.name)
    if stored != fingerprint:
        inc.store_fingerprint(con, fingerprint)
    return built
