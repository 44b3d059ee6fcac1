"""The contract of every model (warehouse/models.toml: grain key, not-null and accepted values),
checked on a candidate warehouse before it is published (warehouse/db.py snapshot_writer) and by
tests/test_models.py. Table and column names come from models.toml (code), never from data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import duckdb

from etl.sql_files import sql_file

SAMPLE = 3  # offending keys or values named in a failure


@dataclass(frozen=True)
class CheckFailure:
    """One failed check: the model, the check and a sample of what breaks it."""

    model: str
    check: str
    count: int
    sample: tuple[str, ...]

    def sentence(self) -> str:
        shown = ", ".join(self.sample)
        return f"{self.model}: {self.check} fails for {self.count:,} rows (e.g. {shown})"


@lru_cache(maxsize=1)
def model_specs() -> dict[str, dict]:
    """models.toml as a dict: model -> {layer, grain, key, not_null, accepted, rows_of}."""
    return tomllib.loads(resources.files("warehouse").joinpath("models.toml").read_text("utf-8"))


def _existing(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The relations of the main schema: name -> table_type (BASE TABLE or VIEW)."""
    return dict(
        con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'main'"
        ).fetchall()
    )


# A view that projects the rows of stored tables without multiplying them repeats a key only
# where those tables repeat theirs, which their own checks (over the same scope) catch: its key
# check is skipped while it is stored as a view and those tables are present. stg_messages and
# stg_interactions select from messages and interactions one row per row; fct_messages joins
# each message to its case by interaction_id (one case per interaction_id: interactions' key);
# stg_surveys selects from surveys. Each of these read the same rows as the base table's check,
# a second and third time (about 0.3 s of a daily load into 3M tweets: docs/performance.md).
KEY_IMPLIED_BY = {
    "stg_interactions": ("interactions",),
    "stg_messages": ("messages",),
    "fct_messages": ("messages", "interactions"),
    "stg_surveys": ("surveys",),
}


def key_implied(name: str, present: dict[str, str]) -> bool:
    """Whether a relation's key check is implied by the key checks of the tables it reads."""
    bases = KEY_IMPLIED_BY.get(name)
    return (
        bases is not None
        and present.get(name) == "VIEW"
        and all(present.get(b) == "BASE TABLE" for b in bases)
    )


# After an incremental build (warehouse/incremental.py) the checks of a relation with a scope
# column read only its rows in that scope (temp table scope_<column>): the load wrote no row
# outside it, and every row outside it passed these checks when it was published. A relation
# the load writes (or a view over those) without a model rebuild (`touched = "interaction_id"`,
# no `incremental`: interactions, messages and their views) is checked over the cases the load
# touched (temp table touched: rows with its id, cases a loader rewrote, cases gone), not their
# customers' other cases, which the case scope adds for the models that read them.
TOUCHED = {"interaction_id": "touched"}
# Scopes that are no column of the model (agg_agent_hours: agent-hours and agent-days): checked
# whole (255,773 rows at 3M tweets: a few hundredths of a second).
CHECKED_WHOLE = {"agent_hour"}


def _in_scope(column: str | None, scope: str | None = None) -> str:
    if not column:
        return "true"
    return f"{column} in (select {column} from {scope or 'scope_' + column})"


def _key_failure(
    con, name: str, key: list[str], column: str | None, whole: bool, scope: str | None = None
) -> CheckFailure | None:
    cols = ", ".join(key)
    # A key holding the scope column repeats only inside the scope. A stored table's other key
    # (`whole`: messages by message_id) is counted over the whole table for the keys of its rows
    # in the scope, since a load could repeat one of another case; a model or view over such a
    # table repeats a key only where the table does, so its rows in the scope suffice.
    where = (
        f"({cols}) in (select ({cols}) from {name} where {_in_scope(column, scope)})"
        if column is not None and column not in key and whole
        else _in_scope(column, scope)
    )
    dups = f"select {cols} from {name} where {where} group by all having count(*) > 1"
    rows = con.execute(
        f"select {cols}, count(*) as n from {name} where {where} group by all "
        f"having count(*) > 1 order by n desc, {cols} limit {SAMPLE}"
    ).fetchall()
    if not rows:
        return None
    total = con.execute(f"select count(*) from ({dups})").fetchone()[0]
    sample = tuple("/".join(str(v) for v in r[:-1]) for r in rows)
    return CheckFailure(name, f"key ({cols}) unique", int(total), sample)


def _not_null_failure(
    con, name: str, col: str, column: str | None, scope: str | None = None
) -> CheckFailure | None:
    where = _in_scope(column if column != col else None, scope)
    n = con.execute(f"select count(*) from {name} where {where} and {col} is null").fetchone()[0]
    return CheckFailure(name, f"{col} not null", int(n), ("null",)) if n else None


def _accepted_failure(
    con, name: str, col: str, allowed: list[str], column: str | None, scope: str | None = None
) -> CheckFailure | None:
    bad = f"{_in_scope(column, scope)} and {col} is not null and not list_contains(?, {col})"
    rows = con.execute(
        f"select {col}, count(*) from {name} where {bad} group by all order by 2 desc "
        f"limit {SAMPLE}",
        [allowed],
    ).fetchall()
    if not rows:
        return None
    n = con.execute(f"select count(*) from {name} where {bad}", [allowed]).fetchone()[0]
    return CheckFailure(name, f"{col} in {allowed}", int(n), tuple(repr(r[0]) for r in rows))


def _rows_of_failure(con, name: str, rows_of: str) -> CheckFailure | None:
    n, expected = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in (name, rows_of))
    if n == expected:
        return None
    return CheckFailure(
        name, f"one row per row of {rows_of}", abs(n - expected), (f"{n} vs {expected}",)
    )


def model_failures(
    con: duckdb.DuckDBPyConnection, name: str, bounded: bool = False, key: bool = True
) -> list[CheckFailure]:
    """The failed checks of one model of models.toml; `bounded`: only its rows in the scope of
    the connection's incremental build, where models.toml gives it a scope column; `key`: False
    to leave out the key check (implied by other checks: KEY_IMPLIED_BY)."""
    spec = model_specs()[name]
    column = (spec.get("incremental") or spec.get("touched")) if bounded else None
    column = None if column in CHECKED_WHOLE else column
    scope = None if spec.get("incremental") or column is None else TOUCHED.get(column)
    found = [
        (
            _key_failure(con, name, spec["key"], column, spec.get("layer") == "raw", scope)
            if key
            else None
        )
        if spec.get("key")
        else (_rows_of_failure(con, name, spec["rows_of"]) if spec.get("rows_of") else None)
    ]
    found += [_not_null_failure(con, name, c, column, scope) for c in spec.get("not_null", [])]
    found += [
        _accepted_failure(con, name, c, list(a), column, scope)
        for c, a in spec.get("accepted", {}).items()
    ]
    return [f for f in found if f is not None]


def _invariant_failures(con: duckdb.DuckDBPyConnection) -> list[CheckFailure]:
    """Row counts an incremental build must keep whole (cases, responses, daily case sums):
    a stale or missing row outside the scopes shows here."""
    rows = con.execute(sql_file("warehouse", "incremental/invariants")).fetchall()
    return [CheckFailure(model, check, abs(int(n)), (detail,)) for model, check, n, detail in rows]


def check_failures(con: duckdb.DuckDBPyConnection) -> list[CheckFailure]:
    """Every failed check of the models present in the connection's database (after an
    incremental build: bounded to its scopes, plus whole-table count invariants)."""
    present = _existing(con)
    bounded = bool(con.execute(sql_file("warehouse", "incremental/is_marked")).fetchall()[0][0])
    whole = (
        {
            r[0]
            for r in con.execute(sql_file("warehouse", "incremental/full_rebuilt_names")).fetchall()
        }
        if bounded
        else set()
    )
    found = [
        f
        for name in model_specs()
        if name in present
        for f in model_failures(
            con, name, bounded and name not in whole, not key_implied(name, present)
        )
    ]
    return found + (_invariant_failures(con) if bounded else [])
