"""Run the SQL models in layer order (stg -> fct -> agg), each into a table of its file's name."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import duckdb

LAYERS = ("stg", "fct", "agg")


@dataclass(frozen=True)
class Model:
    """One SQL model file."""

    name: str
    layer: str
    sql: str


def models() -> list[Model]:
    """All models in run order: by layer, then by file name."""
    root = resources.files("warehouse").joinpath("sql")
    out = []
    for layer in LAYERS:
        files = sorted((f for f in root.joinpath(layer).iterdir() if f.name.endswith(".sql")),
                       key=lambda f: f.name)
        out += [Model(f.name[:-4], layer, f.read_text(encoding="utf-8")) for f in files]
    return out


def build(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)build every model table from the canonical tables; returns the model names in order."""
    built = []
    for m in models():
        con.execute(f"create or replace table {m.name} as\n{m.sql}")
        built.append(m.name)
    return built
