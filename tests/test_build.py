"""warehouse/build.py: model settings (view or table, column compression) and rebuilds."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.build import Model, build, models


def test_settings_are_read_from_the_leading_comments():
    m = Model("x", "fct", "-- materialized: view\n-- compression: text=zstd, b = zstd\nselect 1")
    assert m.materialized == "view" and m.compression == {"text": "zstd", "b": "zstd"}
    plain = Model("y", "fct", "-- One row per thing.\n-- materialized: view\nselect 1")
    assert plain.materialized == "table" and plain.compression == {}  # settings come first
    with pytest.raises(ValueError, match="unknown compression"):
        _ = Model("z", "fct", "-- compression: text=zstd; drop table x\nselect 1").compression


def test_staging_models_and_fct_messages_are_views_the_rest_tables(twcs_db):
    con = duckdb.connect(str(twcs_db), read_only=True)
    kinds = dict(
        con.execute("select table_name, table_type from information_schema.tables").fetchall()
    )
    con.close()
    for m in models():
        view = m.layer == "stg" or m.name == "fct_messages"
        assert kinds[m.name] == ("VIEW" if view else "BASE TABLE"), m.name


def test_message_texts_are_stored_once_with_zstd(twcs_db):
    con = duckdb.connect(str(twcs_db), read_only=True)
    methods = {
        r[0]
        for r in con.execute(
            "select distinct compression from pragma_storage_info('messages') "
            "where column_name = 'text' and segment_type = 'VARCHAR'"
        ).fetchall()
    }
    con.close()
    assert methods == {"ZSTD"}


def test_a_model_can_change_from_table_to_view_and_back(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    from warehouse.db import schema_sql

    con.execute(schema_sql())
    con.execute("create table stg_messages as select 1 as old")  # as an earlier version left it
    con.execute("create view fct_cases as select 1 as old")
    build(con)
    kinds = dict(
        con.execute("select table_name, table_type from information_schema.tables").fetchall()
    )
    assert kinds["stg_messages"] == "VIEW" and kinds["fct_cases"] == "BASE TABLE"
    con.close()
