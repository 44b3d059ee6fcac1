"""Rebuild the models for what one load touched, not over all stored data (issue 23 item 1).

A table model declares in warehouse/models.toml the scope it is rebuilt by (`incremental`, a
column of the model: interaction_id, survey_id or utc_day) and the inputs whose rows of that
scope make its rows of that scope (`restrict`). The scopes, in order:

- cases (`scope_interaction_id`): the cases the load added, changed or removed (rows with its
  load id, the cases a loader lists in temp table touched_cases, built cases now gone) and every
  case of their (resolved) customers, since next contact (FCR) and follow-ups read the
  customer's other cases; fct_cases itself is rebuilt for fewer (`scope_fct_cases`): the touched
  cases and those of their customers' other cases whose next contact a touched case can move
  (warehouse/sql/incremental/scope_fct_cases.sql);
- surveys (`scope_survey_id`): responses of the load or gone since, and those linked to, naming,
  or (without a case id) from the customer of a case whose fct_cases row changed;
- days (`scope_day`, per daily model): the UTC days of opening whose inputs changed for that
  model: fct_cases rows whose columns the model's SQL names differ (an earlier case whose next
  contact moved changes only the models that read next_contact_at), the touched cases' days for
  stg_* inputs, the survey scope's days for fct_surveys; for a model with `day_groups`, the
  (day, channel, brand) of those rows instead (`scope_group`: a late reply on an old day rewrites
  its brand's rows of that day, not the day); a model whose counts are `additive` is updated by
  difference for the changed cases alone (its rows over them as they are, less as they were);
- agent-hours (`scope_agent_hour`, agg_agent_hours alone): the agent-hours of cases whose
  agent-hour columns changed, the agent-days of their cases and all those agent-days' hours
  (warehouse/sql/incremental/scope_agent_hours.sql).

While a model runs, temp views of the same names hide its inputs behind their rows in the scope
(DuckDB resolves temp objects first), so each model stays one SELECT in its .sql file. A model
keyed by its scope column alone has only its changed rows rewritten; a daily model has its days
deleted and inserted again when they are few of its days, else it is written back whole
(warehouse/build.py). A model without `incremental` is rebuilt in full (models.toml says why).
The result equals a full rebuild (tests/test_incremental.py).

A full rebuild runs instead when there is nothing to build on (a first load, a model table
missing), when what the models bake in changed (the model SQL and contract, the business
calendar, its first day and the first-response clock, the identities: a fingerprint kept in
etl_state), or when the case scope holds more than FULL_SHARE of all cases (rebuilding
everything is then cheaper).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources

import duckdb

from etl.sql_files import sql_file
from warehouse.checks import model_specs

FULL_SHARE = 0.3
FEW_DAYS_SHARE = 0.5
FINGERPRINT_KEY = "models_fingerprint"
MARK = "incremental_build"  # temp table: present while the connection's last build was incremental

# How an input is restricted to a scope: the expression compared with the scope's column (or
# the row of its columns, SCOPE_KEYS).
EXPRESSIONS = {
    "utc_day": "floor(epoch(opened_at) / 86400)::bigint",
    "agent_hour": "row(agent_id, floor(epoch(first_response_at) / 3600)::bigint)",
}
SCOPE_KEYS = {"agent_hour": "row(agent_id, response_hour)"}
# Models rebuilt for a narrower scope than their column's (scope_fct_cases.sql: of the touched
# customers' other cases, those whose next contact a touched case can move).
MODEL_SCOPES = {"fct_cases": "scope_fct_cases", "agg_agent_frt": "changed_fct_cases"}
# Inputs read once into a temp table while a model naming them more than once is rebuilt
# (restricted): stg_interactions, a view over interactions without its texts. Of the others,
# copying fct_cases (every column of the days or cases in scope) cost more than the scans it saved:
# 1.3 CPU s for the seven restricted inputs of a 3M + 100k load against 0.3 s saved.
READ_ONCE = {"stg_interactions"}
# The temp table holding each scope while a model is rebuilt (scope_utc_day: the union of every
# daily model's days, for the checks at publish).
SCOPE_TABLES = {
    "interaction_id": "scope_interaction_id",
    "survey_id": "scope_survey_id",
    "utc_day": "scope_day",
    "agent_hour": "scope_agent_hour",  # agg_agent_hours (scope_agent_hours.sql)
}


def _sql(name: str) -> str:
    """The text of warehouse/sql/incremental/<name>.sql."""
    return sql_file("warehouse", f"incremental/{name}")


def models_fingerprint(con: duckdb.DuckDBPyConnection, model_sql: list[str]) -> str:
    """Identity of what the models bake in: their SQL and contract, the business calendar's first
    day and settings, and the identities (run after warehouse/calendar.py has written them)."""
    contract = resources.files("warehouse").joinpath("models.toml").read_text("utf-8")
    inputs = con.execute(_sql("inputs_fingerprint")).fetchall()[0]
    raw = "\0".join([*model_sql, contract, repr(inputs)])
    return hashlib.sha256(raw.encode()).hexdigest()


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the stored models were built with (None: unknown)."""
    rows = con.execute(sql_file("etl.sources", "etl_state_value"), [FINGERPRINT_KEY]).fetchall()
    return rows[0][0] if rows else None


def store_fingerprint(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Remember the fingerprint of the models just built."""
    con.execute(sql_file("etl.sources", "etl_state_set"), [FINGERPRINT_KEY, fingerprint])


def checkpoint(con: duckdb.DuckDBPyConnection) -> bool:
    """Checkpoint, so that blocks freed since are reused by what is written next (DuckDB frees a
    deleted row group's blocks only at a checkpoint); False inside an open transaction."""
    try:
        con.execute("checkpoint")
    except duckdb.TransactionException:
        return False
    return True


def prepare_touched(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp table a loader lists the cases it rewrote in (twcs_cases.py)."""
    con.execute(_sql("touched_cases_table"))


def drop_scopes(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the scopes of an earlier build on this connection (a full build checks all)."""
    for name in (
        MARK,
        *SCOPE_TABLES.values(),
        *MODEL_SCOPES.values(),
        "scope_utc_day",
        "scope_group",
        "scope_agent_day",
        "full_rebuilt",
    ):
        # composition: temp tables named in code (a closed set), dropped by name
        con.execute(f"drop table if exists {name}")


def is_incremental(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's last build was incremental (its scopes are then current)."""
    return bool(con.execute(_sql("is_marked")).fetchall()[0][0])


def named_more_than_once(name: str, sql: str) -> bool:
    """Whether a model's SQL names an input more than once (fct_cases: stg_interactions, three
    times), each a scan of the whole stored relation with the scope's semi-join."""
    return len(re.findall(rf"\b{re.escape(name)}\b", sql)) > 1


@contextmanager
def restricted(
    con: duckdb.DuckDBPyConnection,
    inputs: list[str],
    column: str,
    scope: str,
    sql: str = "",
    day_key: DayKey | None = None,
) -> Iterator[None]:
    """Hide each input behind a temp view of its rows in the scope (table `scope`, `column`; a
    daily model's `day_key` when it is rebuilt by groups of a day).
    An input the model's `sql` names more than once is read once, into temp table
    restricted_<input>, which the view then reads (stg_interactions for fct_cases: one scan of
    the interactions instead of three, 0.34 -> 0.21 CPU s for 30k cases of 900k; stg_messages,
    named once and holding the texts, stays a view: copying it cost more than it saved)."""
    catalog = con.execute(_sql("catalog")).fetchall()[0][0]
    quoted = '"' + catalog.replace('"', '""') + '"'  # the file's stem, as an identifier
    expr, key = EXPRESSIONS.get(column, column), SCOPE_KEYS.get(column, column)
    if day_key is not None:
        expr, key = day_key.of_input, day_key.of_model
    try:
        for name in inputs:
            source = f"{quoted}.main.{name}"
            read_once = name in READ_ONCE and named_more_than_once(name, sql)
            query = "restrict_input_table" if read_once else "restrict_input"
            con.execute(
                _sql(query).format(name=name, source=source, expr=expr, column=key, scope=scope)
            )
        yield
    finally:
        for name in inputs:
            # composition: views and tables named in code (models.toml), dropped by name
            con.execute(f"drop view if exists temp.main.{name}")
            con.execute(f"drop table if exists temp.main.restricted_{name}")


def rebuild_in_scope(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    """Rebuild the model's rows in its scope from its restricted inputs. A model keyed by its
    scope column alone (a case, a response) has only its changed rows rewritten (temp tables
    rebuilt_<model>, before_<model>, changed_<model>); a daily model has its days (or its
    (day, groups): day_groups) deleted and inserted again."""
    spec = model_specs()[name]
    column = spec["incremental"]
    scope = MODEL_SCOPES.get(name, SCOPE_TABLES[column])
    names = {"model": name, "column": column, "scope": scope}
    if column == "agent_hour":  # agg_agent_hours: its hours and agent-days of changed cases
        con.execute(_sql("scope_agent_hours"))
        con.execute(_sql("delete_agent_hours").format(model=name))
        with restricted(con, list(spec.get("restrict", [])), column, scope, sql):
            con.execute(_sql("insert_agent_hours").format(model=name, sql=sql))
        return
    if spec.get("key") == [column]:
        with restricted(con, list(spec.get("restrict", [])), column, scope, sql):
            con.execute(_sql("rebuilt_rows").format(sql=sql, **names))
        con.execute(_sql("rewrite_changed").format(**names))
        return
    day = day_key(name)
    names = {"model": name, "column": day.of_model, "scope": day.scope}
    con.execute(_sql("delete_scope").format(**names))
    with restricted(con, list(spec.get("restrict", [])), column, day.scope, sql, day):
        con.execute(_sql("insert_scope").format(sql=sql, **names))


def case_scope(con: duckdb.DuckDBPyConnection, load_id: str, fct_cases_sql: str) -> float:
    """Compute the case scope; returns its share of all cases."""
    con.execute(_sql("touched"), {"load": load_id})
    if con.execute(_sql("gone_possible")).fetchall()[0][0]:  # else skip comparing all ids
        con.execute(_sql("touched_gone"))
    con.execute(_sql("scope_touched"))
    # the customers only: the touched cases without their messages (an empty scope)
    con.execute(_sql("scope_none"))
    with (
        restricted(
            con, ["stg_interactions"], "interaction_id", "scope_interaction_id", fct_cases_sql
        ),
        restricted(con, ["stg_messages"], "interaction_id", "scope_none"),
    ):
        con.execute(_sql("touched_facts").format(sql=fct_cases_sql))
    con.execute(_sql("scope_cases"))
    con.execute(_sql("scope_fct_cases"))
    n, total = con.execute(_sql("scope_sizes")).fetchall()[0]
    return n / max(total, 1)


def survey_scope(con: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """Compute the survey scope (after fct_cases is rebuilt: from its changed rows) and the days
    its built rows held."""
    con.execute(_sql("scope_surveys"), {"load": load_id})
    con.execute(_sql("surveys_before"))


def surveys_rebuilt(con: duckdb.DuckDBPyConnection) -> None:
    """Add the days of the survey scope's rebuilt rows to days_surveys."""
    con.execute(_sql("days_surveys_after"))


def _columns_read(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The fct_cases columns a model's SQL names (with the key and the day of opening)."""
    cols = [r[0] for r in con.execute(_sql("fct_cases_columns")).fetchall()]
    named = [c for c in cols if re.search(rf"\b{re.escape(c)}\b", sql)]
    return list(dict.fromkeys(["interaction_id", "opened_at", *named]))


def model_days(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    """Temp table scope_day: the days a daily model is rebuilt for, from what changed in each
    input it is restricted by: fct_cases rows of the case scope whose columns the model reads
    differ (a previous case whose next contact moved changes only the models that read it), the
    touched cases' days for the stg_* inputs (their messages), the survey scope's days. A model
    with `day_groups` is rebuilt for the (day, groups) of those rows (temp table scope_group),
    whose days scope_day then holds."""
    con.execute(_sql("scope_day_reset"))
    groups = day_groups(name)
    beside = "".join(f", {g}" for g in groups)  # composition: column names from models.toml
    kind = "groups" if groups else "days"
    if groups:
        con.execute(_sql("scope_group_reset").format(groups=", ".join(groups)))
    for source in model_specs()[name].get("restrict", []):
        if source == "fct_cases":
            columns = ", ".join(f'"{c}"' for c in _columns_read(con, sql))
            table = f"{kind}_changed_cases"
            con.execute(
                _sql("changed_case_keys").format(table=table, columns=columns, groups=beside)
            )
        elif source == "fct_surveys":  # no model restricted by it has day groups
            table = "days_surveys"
        else:  # stg_interactions, stg_messages: the touched cases
            table = f"{kind}_touched"
            con.execute(_sql("touched_case_keys").format(table=table, groups=beside))
        con.execute(_sql("scope_group_add" if groups else "scope_day_add").format(table=table))
    if groups:
        con.execute(_sql("scope_day_of_groups"))
    con.execute(_sql("scope_days"))


@dataclass(frozen=True)
class DayKey:
    """How a daily model's scope is matched: the expression over an input's row, the one over
    the model's row, and the temp table holding the scope's keys."""

    of_input: str
    of_model: str
    scope: str


def day_groups(name: str) -> list[str]:
    """The columns beside the day a daily model is rebuilt by (`day_groups` in models.toml)."""
    return list(model_specs()[name].get("day_groups", []))


def day_key(name: str) -> DayKey:
    """A daily model's scope key: its UTC day, or the row of its day and its `day_groups` (a case
    that changed on an old day then rewrites its channel and brand of that day, not the day)."""
    groups = day_groups(name)
    if not groups:
        return DayKey(EXPRESSIONS["utc_day"], "utc_day", SCOPE_TABLES["utc_day"])
    listed = ", ".join(groups)
    return DayKey(
        f"row({EXPRESSIONS['utc_day']}, {listed})", f"row(utc_day, {listed})", "scope_group"
    )


def few_days(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a daily model's day scope (temp table scope_day) holds at most FEW_DAYS_SHARE of
    the days it stores (of a model with day groups: of its groups): they are then deleted and
    inserted in place (cheaper than writing the whole table back, and the file grows by about
    those rows); else it is written back."""
    day = day_key(name)
    query = "group_shares" if day.scope == "scope_group" else "day_shares"
    scoped, stored = con.execute(_sql(query).format(model=name, key=day.of_model)).fetchall()[0]
    return scoped <= FEW_DAYS_SHARE * stored


def additive(name: str, fct_cases_in_scope: bool) -> bool:
    """Whether a daily model is updated by difference (`additive` in models.toml: every column
    outside its key counts fct_cases rows, the one named counting them all): possible while
    fct_cases was rebuilt for its scope in this build (its temp tables before_fct_cases,
    rebuilt_fct_cases and changed_fct_cases hold what changed)."""
    spec = model_specs()[name]
    return (
        fct_cases_in_scope
        and bool(spec.get("additive"))
        and spec.get("incremental") == "utc_day"
        and spec.get("restrict") == ["fct_cases"]
    )


def update_by_difference(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    """Update an additive daily model in place for the changed cases alone: its SQL over their
    rows as they are now and as they were, added to and taken from the stored counts of the keys
    they fall in (warehouse/sql/incremental/delta_apply.sql). A case whose next contact moved
    changes one key of its day, not the whole day: agg_case_outcomes_daily, which reads
    next_contact_at, had most of its days rewritten after every daily load."""
    spec = model_specs()[name]
    key, count = list(spec["key"]), str(spec["additive"])
    values = [c for c in _model_columns(con, name) if c not in key]
    for side, table in (("plus", "rebuilt_fct_cases"), ("minus", "before_fct_cases")):
        con.execute(_sql("changed_cases_view").format(table=table))
        try:
            con.execute(_sql("delta_side").format(side=side, model=name, sql=sql))
        finally:
            con.execute("drop view if exists temp.main.fct_cases")
    # composition: column names from models.toml and the model's table (code), never from data
    con.execute(
        _sql("delta_apply").format(
            model=name,
            count=count,
            keys=", ".join(key),
            on=" and ".join(f"m.{c} is not distinct from d.{c}" for c in key),
            sums=", ".join(f"sum({c})::bigint as {c}" for c in values),
            negated=", ".join(f"-{c} as {c}" for c in values),
        )
    )
    con.execute(_sql("scope_day_reset"))
    con.execute(_sql("scope_day_delta").format(model=name))
    con.execute(_sql("scope_days"))


def _model_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The columns of a stored model table, in order."""
    return [r[0] for r in con.execute(_sql("model_columns"), [name]).fetchall()]


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """Record that this connection's build was incremental (warehouse/checks.py reads the
    scopes then): every scope table exists, if empty."""
    con.execute(_sql("scope_day_reset"))
    con.execute(_sql("scope_days"))
    con.execute(_sql("mark"))


def next_rows(con: duckdb.DuckDBPyConnection, name: str, sql: str, full: bool) -> str:
    """Temp table next_<name>: the rows a daily model is to hold (its stored rows outside the
    day scope and its rebuilt rows in it), or all its rows rebuilt (`full`); returns the query
    of those rows, to write them back as the model's table."""
    if full:
        con.execute(_sql("next_full_rows").format(model=name, sql=sql))
    else:
        spec, day = model_specs()[name], day_key(name)
        with restricted(con, list(spec.get("restrict", [])), "utc_day", day.scope, sql, day):
            con.execute(
                _sql("next_day_rows").format(model=name, sql=sql, key=day.of_model, scope=day.scope)
            )
    return _sql("next_rows").format(model=name)


def rebuilt_in_full(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Record that a model was rebuilt in full (its checks at publish then read every row)."""
    con.execute(_sql("full_rebuilt_add"), {"name": name})


def unchanged(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether temp table next_<name> holds the rows the model's table holds (then the table
    need not be written again)."""
    return bool(con.execute(_sql("same_rows").format(model=name)).fetchall()[0][0])
