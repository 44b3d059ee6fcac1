"""[combine]: a canonical field built from several source columns (issue 16 part 3).

The example complaints log (examples/mappings/complaints_log.*) splits each complaint's date
(`22-04-15`, day-month-year) and time of day (`3:53:50 PM`) over two columns. Its zone is
America/New_York, on EDT (UTC-4) from 8 Mar to 1 Nov 2015, so every time below is the wall
clock plus 4 h (provenance: tests/golden/mapping.md).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from etl.sources.mapping import MappingError, mapping_from_toml

EXAMPLES = Path(__file__).parents[1] / "examples" / "mappings"
LOG = EXAMPLES / "complaints_log.csv"
MAPPING = EXAMPLES / "complaints_log.toml"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def fetch(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_split_date_and_time_load_with_time_of_day_in_the_source_zone(tmp_path):
    db = tmp_path / "w.duckdb"
    out = run("load", "csv", str(LOG), "--mapping", str(MAPPING), "--db", str(db))
    assert out.exit_code == 0, out.output
    assert "loaded 4 of 4 rows" in out.output
    assert fetch(
        db, "select interaction_id, opened_at, channel, status, brand from interactions order by 1"
    ) == [
        # 22-04-15 3:53:50 PM EDT = 19:53:50Z
        ("complaints:310001", utc(2015, 4, 22, 19, 53, 50), "phone", "resolved", "Comcast"),
        # 23-04-15 12:07:31 AM (just after midnight) EDT = 04:07:31Z the same day
        ("complaints:310002", utc(2015, 4, 23, 4, 7, 31), "email", "open", "Comcast"),
        # 15-05-15 11:59:02 AM EDT = 15:59:02Z
        ("complaints:310003", utc(2015, 5, 15, 15, 59, 2), "email", "open", "Comcast"),
        # 26-06-15 12:30:00 PM (noon) EDT = 16:30:00Z
        ("complaints:310004", utc(2015, 6, 26, 16, 30), "phone", "resolved", "Comcast"),
    ]


def test_a_missing_part_quarantines_the_row_with_the_joined_text(tmp_path):
    src = tmp_path / "log.csv"
    src.write_text(
        LOG.read_text(encoding="utf-8")
        + "310005,Technician never arrived,27-06-15,27-Jun-15,,Internet,Lakeside,"
        "Texas,75001,Open,No\n",
        encoding="utf-8",
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text("[sources]\nmax_bad_share = 0.5\n", encoding="utf-8")
    out = run(
        "load",
        "csv",
        str(src),
        "--mapping",
        str(MAPPING),
        "--db",
        str(tmp_path / "w.duckdb"),
        "--config",
        str(cfg),
    )
    assert out.exit_code == 0, out.output
    assert "loaded 4 of 5 rows" in out.output
    assert fetch(tmp_path / "w.duckdb", "select line, reason from quarantine") == [
        (6, "bad timestamp: opened_at '27-06-15' is not '%d-%m-%y %I:%M:%S %p'")
    ]


def test_a_missing_combined_column_is_one_sentence_naming_it(tmp_path):
    src = tmp_path / "log.csv"
    src.write_text(
        "Ticket #,Customer Complaint,Date,Received Via,Status\n1,slow,22-04-15,Internet,Open\n",
        encoding="utf-8",
    )
    out = run(
        "load", "csv", str(src), "--mapping", str(MAPPING), "--db", str(tmp_path / "w.duckdb")
    )
    assert out.exit_code == 1
    assert out.output.strip() == (
        f"Error: {src}, line 1: column 'Time' of [combine] opened_at in mapping {MAPPING} is "
        "missing; found Ticket #, Customer Complaint, Date, Received Via, Status; fix the column "
        "name in the mapping."
    )
    assert not (tmp_path / "w.duckdb").exists()


BASE = (
    '[source]\nname = "x"\nkind = "interactions"\n[columns]\nId = "interaction_id"\n'
    '[constants]\nchannel = "email"\n'
)


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            '[combine]\nopened_at = "Date"\n',
            "mapping M, [combine] opened_at: must be a list of two or more column names such as "
            '["Date", "Time"], got \'Date\'.',
        ),
        ('[combine]\nopened_at = ["Date"]\n', "must be a list of two or more column names"),
        (
            '[combine]\nopened_on = ["Date", "Time"]\n',
            "mapping M, [combine] opened_on: unknown canonical field 'opened_on' for kind 'interactions'",
        ),
        (
            '[combine]\ninteraction_id = ["A", "B"]\n',
            "[combine] interaction_id: unknown canonical field",
        ),
    ],
)
def test_combine_errors_name_the_key(extra, message):
    with pytest.raises(MappingError) as e:
        mapping_from_toml(BASE.replace("[constants]", extra + "[constants]"), "M", Config())
    assert message in str(e.value)


def test_a_field_from_columns_and_combine_is_refused():
    toml = BASE + '[combine]\nchannel = ["A", "B"]\n'
    with pytest.raises(MappingError, match=r"\[constants\] channel: 'channel' is also mapped"):
        mapping_from_toml(toml, "M", Config())
    toml = (
        BASE.replace('Id = "interaction_id"', 'Id = "interaction_id"\nWhen = "opened_at"')
        + '[combine]\nopened_at = ["Date", "Time"]\n'
    )
    with pytest.raises(
        MappingError,
        match=r"\[combine\] opened_at: 'opened_at' is also mapped "
        r"from column 'When' under \[columns\]; keep one\.",
    ):
        mapping_from_toml(toml, "M", Config())


def test_combined_mapping_reads_each_column_once():
    m = mapping_from_toml(MAPPING.read_text(encoding="utf-8"), "M", Config())
    assert m.combine == {"opened_at": ("Date", "Time")}
    assert m.source_columns() == (
        "Ticket #",
        "Received Via",
        "Status",
        "Customer Complaint",
        "Date",
        "Time",
    )
    assert "opened_at" in m.fields()


def test_the_zone_may_come_from_sources_timezone(tmp_path):
    """Without [timestamps] timezone the mapping reads naive times in sources.timezone."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").replace('timezone = "America/New_York"', ""),
        encoding="utf-8",
    )
    cfg = tmp_path / "socialcare.toml"
    cfg.write_text('[sources]\ntimezone = "America/New_York"\n', encoding="utf-8")
    db = tmp_path / "w.duckdb"
    out = run(
        "load", "csv", str(LOG), "--mapping", str(mapping), "--db", str(db), "--config", str(cfg)
    )
    assert out.exit_code == 0, out.output
    assert fetch(db, "select min(opened_at) from interactions") == [(utc(2015, 4, 22, 19, 53, 50),)]
    utc_cfg = tmp_path / "utc.toml"
    utc_cfg.write_text('[sources]\ntimezone = "UTC"\n', encoding="utf-8")
    db2 = tmp_path / "w2.duckdb"
    assert (
        run(
            "load",
            "csv",
            str(LOG),
            "--mapping",
            str(mapping),
            "--db",
            str(db2),
            "--config",
            str(utc_cfg),
        ).exit_code
        == 0
    )
    assert fetch(db2, "select min(opened_at) from interactions") == [
        (utc(2015, 4, 22, 15, 53, 50),)
    ]


def test_the_documented_example_is_the_shipped_one():
    doc = (Path(__file__).parents[1] / "docs" / "mapping.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, re.S)
    assert MAPPING.read_text(encoding="utf-8") in blocks
    shown = re.findall(r"```csv\n(.*?)```", doc, re.S)[0]
    assert LOG.read_text(encoding="utf-8").startswith(shown)
    for text in blocks:
        if "[source]" in text:
            mapping_from_toml(text, "docs/mapping.md", Config())
