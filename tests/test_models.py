"""warehouse/models.toml turned into SQL checks: grain (unique key), not-null, accepted values."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest

from warehouse.build import models

SPEC = tomllib.loads((Path(__file__).parents[1] / "warehouse" / "models.toml").read_text())


def test_every_model_file_is_declared():
    assert {m.name for m in models()} <= set(SPEC)


@pytest.fixture(scope="module")
def con(twcs_db):
    c = duckdb.connect(str(twcs_db), read_only=True)
    yield c
    c.close()


@pytest.mark.parametrize("name", sorted(SPEC))
def test_model_contract(con, name):
    spec = SPEC[name]
    key = ", ".join(spec["key"])
    n_rows = con.execute(f"select count(*) from {name}").fetchone()[0]
    if key:
        dupes = con.execute(
            f"select count(*) from (select {key} from {name} group by all having count(*) > 1)").fetchone()[0]
        assert dupes == 0, f"{name}: key ({key}) is not unique"
    else:  # a keyless model declares the rows it holds one-to-one
        expected = con.execute(f"select count(*) from {spec['rows_of']}").fetchone()[0]
        assert n_rows == expected > 0, f"{name}: {n_rows} rows, expected {expected}"
    for col in spec.get("not_null", []):
        nulls = con.execute(f"select count(*) from {name} where {col} is null").fetchone()[0]
        assert nulls == 0, f"{name}.{col} has {nulls} nulls"
    for col, allowed in spec.get("accepted", {}).items():
        bad = con.execute(f"select distinct {col} from {name} where {col} is not null").fetchall()
        assert {b[0] for b in bad} <= set(allowed), f"{name}.{col} has values outside {allowed}"
    if name in ("interactions", "fct_cases", "stg_interactions"):
        assert n_rows == 34
