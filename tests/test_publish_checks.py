"""Checks at publish (issues 21 and 22): a candidate warehouse that breaks a models.toml check
(grain key, not-null, accepted values) is not published; the old snapshot stays byte for byte,
and the error names the model, the check and offending keys."""

from __future__ import annotations

import hashlib

import pytest

from etl.settings.config import Config
from tests.conftest import TWCS_SAMPLE
from warehouse.checks import check_failures
from warehouse.db import WarehouseError, connect_readonly, snapshot_writer
from warehouse.ingest import load_file


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), path, Config())
    return path


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_published_warehouse_passes_every_check(db):
    con = connect_readonly(db)
    try:
        assert check_failures(con) == []
    finally:
        con.close()


def test_a_duplicate_key_is_refused_and_names_the_key(db):
    before = _sha(db)
    with pytest.raises(WarehouseError) as err, snapshot_writer(db) as con:
        con.execute(
            "insert into interactions select * from interactions where interaction_id = 'twcs:8'"
        )
    text = str(err.value)
    assert "interactions: key (interaction_id) unique fails for 1 rows (e.g. twcs:8)" in text
    assert "not published" in text and "previous warehouse is unchanged" in text
    assert _sha(db) == before
    assert not list(db.parent.glob(".w.duckdb.work-*"))


def test_an_unknown_status_and_a_null_are_refused(db):
    before = _sha(db)
    with pytest.raises(WarehouseError) as err, snapshot_writer(db) as con:
        con.execute("update interactions set status = 'lost' where interaction_id = 'twcs:8'")
        con.execute("update fct_cases set n_messages = null where interaction_id = 'twcs:8'")
    text = str(err.value)
    assert "interactions: status in" in text and "'lost'" in text
    assert "fct_cases: n_messages not null fails for 1 rows" in text
    assert _sha(db) == before


def test_an_erasure_whose_result_breaks_a_key_is_not_published(db):
    """Erasure publishes through its own fresh copy (warehouse/privacy.py); it runs the same
    checks first. A warehouse whose interactions already hold a duplicate case (written by
    something other than socialcare) is not republished by erasing another customer: the file
    stays byte for byte and the error names the model, the check and the duplicated key."""
    import duckdb

    from warehouse.privacy import erase_customer

    con = duckdb.connect(str(db))
    con.execute(
        "insert into interactions select * from interactions where interaction_id = 'twcs:8'"
    )
    con.close()
    before = _sha(db)
    with pytest.raises(WarehouseError) as err:
        erase_customer(db, "sprintcare", Config())
    text = str(err.value)
    assert "interactions: key (interaction_id) unique fails for 1 rows (e.g. twcs:8)" in text
    assert "not published" in text
    assert _sha(db) == before
    assert not list(db.parent.glob(".w.duckdb.work-*"))
