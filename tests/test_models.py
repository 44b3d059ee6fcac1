"""warehouse/models.toml turned into SQL checks: grain (unique key), not-null, accepted values."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest

from warehouse.build import models
from warehouse.checks import model_failures

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
    """The same checks run on every candidate before it is published (warehouse/checks.py)."""
    assert model_failures(con, name) == []
    n_rows = con.execute(f"select count(*) from {name}").fetchone()[0]
    if not SPEC[name].get("key"):  # a keyless model declares the rows it holds one-to-one
        assert n_rows > 0, f"{name} is empty"
    if name in ("interactions", "fct_cases", "stg_interactions"):
        assert n_rows == 34
