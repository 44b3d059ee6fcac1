"""SQL lives in .sql files (issue 22): no string literal in the .py files of etl/, warehouse/,
scorecard/ or pages/ holds a `select`, except in the modules that compose identifiers from code
(listed below with the reason); every .sql file ships with the package and loads through
importlib.resources."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("etl", "warehouse", "scorecard", "pages")

# `select` as an SQL keyword: not inside a word or a hyphenated id ('filter-select'), followed
# by what a select list starts with.
SELECT = re.compile(r"(?<![\w-])select\s+(distinct\b|\*|[\w$('\"])", re.I)
# Binding a list is `column in (select unnest($param))`: the column comes from a closed set in
# code (warehouse/queries.py DIMENSIONS), the values are bound. Not a query to move.
UNNEST = re.compile(r"\(\s*select\s+unnest\(\s*\$[\w{}]+(::\w+\[\])?\s*\)\s*\)", re.I)

# Modules whose SQL is a composition of identifiers and expressions from code (KPI
# expressions from kpis.toml, columns chosen from a closed set, tables and checks from
# models.toml), so it cannot be a static .sql file. Keep this short.
COMPOSITION = {
    "scorecard/kpis/data.py": "one select over the KPIs of a request (kpis.toml expressions), "
    "by the requested dimensions; the export's column list",
    "scorecard/kpis/data_agg.py": "the daily models' rows plus the edge days through each model's own SQL",
    "scorecard/kpis/data_values.py": "value-bin reads composed per measure and dimension",
    "scorecard/kpis/data_spread.py": "the agent spread over the model rows of a request",
    "scorecard/rootcause/data_shortfall.py": "a KPI's numerator, denominator and population per row",
    "scorecard/rootcause/data_rootcause.py": "KPI values per segment and window; a KPI's drill",
    "scorecard/anomalies/data_anomalies.py": "daily KPI series and variances per slicing (grouping sets)",
    "scorecard/service.py": "brand-scoped views over every table of the snapshot's own catalogue",
    "warehouse/checks.py": "grain, key, not-null and accepted-value checks from models.toml",
    "etl/text/text_sql.py": "text rules translated to RE2 over the tables and columns a loader names",
    "etl/sources/io.py": "the CSV reader's temp tables, named per source by its caller",
    "warehouse/spark/publish.py": "the lake snapshot's Parquet files into the tables models.toml names",
}

# Not moved yet: SQL strings counted per file, a ratchet that may only go down (a file with more
# fails). Empty since issue 22 item 2 moved the last ones (the TWCS reader and load, lift, the
# login throttle, Spark, kept reports): a new query goes into a sql/ folder beside its module,
# read with etl/sql_files.py (or warehouse/sql/queries/), never into this list.
PENDING = {}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        ):
            out.add(id(node.body[0].value))
    return out


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal (f-string parts too, not docstrings) holding an SQL
    `select` other than a bound-list `in (select unnest($x))`."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string as one text, `{}` for each field
            skip |= {id(v) for v in node.values}
            texts.append(
                (
                    node.lineno,
                    "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values),
                )
            )
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        ):
            texts.append((node.lineno, node.value))
    return sorted(
        (line, text.strip()[:60]) for line, text in texts if SELECT.search(UNNEST.sub("", text))
    )


def test_the_scan_finds_sql_and_leaves_prose_and_bound_lists():
    """Hand-made source: a select, an f-string select and an insert ... select are found; a
    docstring, an html id and a bound-list filter (plain or f-string) are not. Prose using
    'select' as a verb before a word is found too (line 12): reword it ('choose')."""
    source = '''
def f():
    """Rows we select from the warehouse."""
    a = "select count(*) from fct_cases"
    b = f"insert into t select * from {name}"
    c = f"""
        with x as (
            SELECT brand from y)"""
    d = "filter-select"
    e = "channel in (select unnest($f_channel))"
    h = f"{column} in (select unnest($f_{dim}))"
    g = "Please select a brand"
'''
    assert [line for line, _ in sql_strings(source)] == [4, 5, 6, 12]


def _files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_no_select_in_python_outside_the_composition_modules():
    over = {}
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in COMPOSITION:
            continue
        found = sql_strings(path.read_text(encoding="utf-8"))
        if len(found) > PENDING.get(rel, 0):
            over[rel] = found
    assert not over, (
        "SQL in Python (move it to a .sql file beside the module, read with "
        "etl/sql_files.py or warehouse/queries.py named_sql; do not raise a PENDING count): "
        + "; ".join(f"{rel} lines {[line for line, _ in found]}" for rel, found in over.items())
    )


def test_the_lists_name_real_files_and_pending_counts_are_current():
    """An entry for a file that no longer exists, or a count above what the file holds now,
    would let SQL back in unnoticed: lower the count when SQL moves out."""
    for rel in COMPOSITION:
        assert (ROOT / rel).exists(), rel
    for rel, count in PENDING.items():  # a file gone (or not committed yet) holds no SQL
        assert (
            not (ROOT / rel).exists()
            or len(sql_strings((ROOT / rel).read_text(encoding="utf-8"))) == count
        ), rel


def _package_data() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]


@pytest.mark.parametrize(
    "sql",
    sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.sql")),
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_every_sql_file_ships_with_the_package(sql):
    """Each .sql file matches a package-data pattern of its top package (setuptools globs are
    relative to the package), so an installed socialcare finds it through importlib.resources."""
    top, *rest = sql.relative_to(ROOT).parts
    inside = "/".join(rest)
    patterns = _package_data().get(top, [])
    assert any(
        fnmatch.fnmatch(inside, pat) and inside.count("/") == pat.count("/") for pat in patterns
    ), f"{sql.relative_to(ROOT)} is not in [tool.setuptools.package-data] {top} = {patterns}"


def test_a_room_query_loads_through_importlib_resources():
    from etl.sql_files import sql_file

    text = sql_file("scorecard.kpis", "opened_range")
    assert "from fct_cases" in text and text == (
        ROOT / "scorecard/kpis/sql/opened_range.sql"
    ).read_text("utf-8")
