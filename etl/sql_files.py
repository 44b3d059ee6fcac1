"""The text of a static query kept in a `sql/` folder beside the module that runs it (read
through importlib.resources, so it loads from an installed package too)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def sql_file(package: str, name: str) -> str:
    """The text of <package>/sql/<name>.sql (e.g. sql_file(__package__, "cases_costed"))."""
    return resources.files(package).joinpath(f"sql/{name}.sql").read_text("utf-8")
