"""The SQL models in Spark SQL: translated from their DuckDB dialect (the one source of truth) by
sqlglot, with fixes for what it translates wrongly, and a check for functions Spark lacks.

Fixes (each tested in tests/test_spark_parity.py on data with sub-second times):
- DuckDB `epoch(ts)` is fractional seconds; sqlglot writes Spark `unix_timestamp`, whole
  seconds. It becomes `cast(unix_micros(ts) as double) / 1e6`.
- DuckDB `epoch_us(ts)` (microseconds) becomes Spark `unix_micros(ts)`.
- DuckDB `arg_min(x, k)` / `arg_max` skip rows where x is NULL; Spark's `min_by` / `max_by`
  return the NULL of the first row. The ordering becomes `case when x is not null then k end`
  (both skip a NULL ordering). Found on the real TWCS sample: a case's first agent tweet without
  a signature made Spark's agent the brand where DuckDB takes the first signature.
- DuckDB `regexp_full_match(s, 'p')` (Spark has none) becomes `s rlike '^(?:p)$'`.
- DuckDB `regexp_replace(s, p, r)` without the 'g' option replaces the first match only,
  Spark's replaces all: such a call is refused unless `p` is anchored at the start (`^`), where
  the first match is the only one.
Constructs Spark cannot express (`* exclude (...)`, HUGEINT) are refused, naming the model.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TranslationError(ValueError):
    """A model uses a construct this translation cannot carry to Spark correctly."""


def _epoch_seconds(node: exp.Expression) -> exp.Expression:
    micros = exp.Anonymous(this="UNIX_MICROS", expressions=[node.copy()])
    return exp.Paren(
        this=exp.Div(
            this=exp.Cast(this=micros, to=exp.DataType.build("double")),
            expression=exp.Literal.number("1e6"),
        )
    )


def _full_match(node: exp.RegexpFullMatch, name: str) -> exp.Expression:
    pattern = node.expression
    if not isinstance(pattern, exp.Literal) or not pattern.is_string:
        raise TranslationError(
            f"model {name}: regexp_full_match needs a literal pattern to "
            "translate to Spark; write the pattern as a string."
        )
    return exp.Paren(
        this=exp.RegexpLike(
            this=node.this.copy(), expression=exp.Literal.string(f"^(?:{pattern.this})$")
        )
    )


def _skipping_nulls(node: exp.ArgMin | exp.ArgMax) -> exp.Expression:
    """arg_min(x, k) as DuckDB reads it: rows where x is NULL are skipped (Spark's min_by would
    return their NULL); a NULL ordering is skipped by both."""
    value, key = node.this, node.expression
    guarded = exp.Case(
        ifs=[
            exp.If(
                this=exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())), true=key.copy()
            )
        ]
    )
    return type(node)(this=value.copy(), expression=guarded)


def _check_replace(node: exp.RegexpReplace, name: str) -> None:
    modifiers = node.args.get("modifiers")
    global_ = modifiers is not None and "g" in str(getattr(modifiers, "this", ""))
    pattern = node.args.get("expression")
    anchored = isinstance(pattern, exp.Literal) and str(pattern.this).startswith("^")
    if not global_ and not anchored:
        raise TranslationError(
            f"model {name}: regexp_replace without 'g' replaces one match in "
            "DuckDB but all in Spark; add 'g' or anchor the pattern with ^."
        )


def _fixed(tree: exp.Expression, name: str) -> exp.Expression:
    """The DuckDB tree with the fixes of the module docstring applied."""
    for node in list(tree.find_all(exp.Star)):
        if node.args.get("except_") or node.args.get("replace"):
            raise TranslationError(
                f"model {name}: Spark has no `* exclude (...)`; list the columns instead."
            )
    for node in list(tree.find_all(exp.DataType)):
        if node.this in (exp.DataType.Type.INT128, exp.DataType.Type.UINT128):
            raise TranslationError(
                f"model {name}: Spark has no HUGEINT; use bigint or a struct as the ordering key."
            )
    for node in list(tree.find_all(exp.RegexpReplace)):
        _check_replace(node, name)

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.TimeToUnix):
            return _epoch_seconds(node.this)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
            return exp.Anonymous(
                this="UNIX_MICROS", expressions=[a.copy() for a in node.expressions]
            )
        if isinstance(node, exp.RegexpFullMatch):
            return _full_match(node, name)
        if isinstance(node, (exp.ArgMin, exp.ArgMax)):
            return _skipping_nulls(node)
        return node

    return tree.transform(fix)


def spark_sql(duckdb_sql: str, name: str = "query") -> str:
    """The Spark SQL of one DuckDB-dialect query, with the fixes applied."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    return _fixed(tree, name).sql(dialect="spark")


def functions_called(spark_text: str) -> set[str]:
    """Names (lower case) of the functions a Spark SQL text calls."""
    tree = sqlglot.parse_one(spark_text, read="spark")
    out = set()
    for node in tree.find_all(exp.Func):
        if isinstance(node, exp.Anonymous):
            out.add(node.name.lower())
            continue
        head = node.sql(dialect="spark").split("(", 1)[0].strip()
        if "(" in node.sql(dialect="spark") and _NAME.match(head):
            out.add(head.lower())
    return out


def missing_functions(spark_text: str, available: set[str]) -> list[str]:
    """Functions the query calls that Spark (its `show functions` list, lower case) lacks."""
    return sorted(f for f in functions_called(spark_text) if f not in available)
