"""The contract of every model (warehouse/models.toml: grain key, not-null and accepted values),
checked on a candidate warehouse before it is published (warehouse/db.py snapshot_writer) and by
tests/test_models.py. Table and column names come from models.toml (code), never from data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import duckdb

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


def _existing(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }


def _key_failure(con, name: str, key: list[str]) -> CheckFailure | None:
    cols = ", ".join(key)
    rows = con.execute(
        f"select {cols}, count(*) as n from {name} group by all having count(*) > 1 "
        f"order by n desc, {cols} limit {SAMPLE}"
    ).fetchall()
    if not rows:
        return None
    total = con.execute(
        f"select count(*) from (select {cols} from {name} group by all having count(*) > 1)"
    ).fetchone()[0]
    sample = tuple("/".join(str(v) for v in r[:-1]) for r in rows)
    return CheckFailure(name, f"key ({cols}) unique", int(total), sample)


def _not_null_failure(con, name: str, col: str) -> CheckFailure | None:
    n = con.execute(f"select count(*) from {name} where {col} is null").fetchone()[0]
    return CheckFailure(name, f"{col} not null", int(n), ("null",)) if n else None


def _accepted_failure(con, name: str, col: str, allowed: list[str]) -> CheckFailure | None:
    rows = con.execute(
        f"select {col}, count(*) from {name} where {col} is not null "
        f"and not list_contains(?, {col}) group by all order by 2 desc limit {SAMPLE}",
        [allowed],
    ).fetchall()
    if not rows:
        return None
    n = con.execute(
        f"select count(*) from {name} where {col} is not null and not list_contains(?, {col})",
        [allowed],
    ).fetchone()[0]
    return CheckFailure(name, f"{col} in {allowed}", int(n), tuple(repr(r[0]) for r in rows))


def _rows_of_failure(con, name: str, rows_of: str) -> CheckFailure | None:
    n, expected = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in (name, rows_of))
    if n == expected:
        return None
    return CheckFailure(
        name, f"one row per row of {rows_of}", abs(n - expected), (f"{n} vs {expected}",)
    )


def model_failures(con: duckdb.DuckDBPyConnection, name: str) -> list[CheckFailure]:
    """The failed checks of one model of models.toml."""
    spec = model_specs()[name]
    found = [
        _key_failure(con, name, spec["key"])
        if spec.get("key")
        else (_rows_of_failure(con, name, spec["rows_of"]) if spec.get("rows_of") else None)
    ]
    found += [_not_null_failure(con, name, c) for c in spec.get("not_null", [])]
    found += [_accepted_failure(con, name, c, list(a)) for c, a in spec.get("accepted", {}).items()]
    return [f for f in found if f is not None]


def check_failures(con: duckdb.DuckDBPyConnection) -> list[CheckFailure]:
    """Every failed check of the models present in the connection's database."""
    present = _existing(con)
    return [f for name in model_specs() if name in present for f in model_failures(con, name)]
