"""The CLI contract: README reference matches --help; commands run in-process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _section(command: str) -> str:
    m = re.search(rf"### `socialcare {command}`\n(.*?)(?=\n### |\n## |\Z)", README, re.S)
    assert m, f"README has no section for socialcare {command}"
    return m.group(1)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_readme_documents_every_option(command):
    section = _section(command)
    for param in main.commands[command].params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert f"`{opt}`" in section, f"README section of {command} lacks {opt}"


def test_quickstart_has_exactly_two_commands():
    quick = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quick, re.S)
    assert [b.strip() for b in blocks] == ["pip install -e . && socialcare demo",
                                            'pip install -e ".[test]" && python -m pytest']


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && python -m pytest' in ci


def test_scorecard_csv_and_table(twcs_db):
    runner = CliRunner()
    out = runner.invoke(main, ["scorecard", "--db", str(twcs_db), "--kpi", "volume,answered_rate",
                               "--format", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].startswith("period,kpi,value,n,target,status")
    assert lines[1].startswith("total,volume,34.0,34")
    table = runner.invoke(main, ["scorecard", "--db", str(twcs_db), "--by", "channel"])
    assert table.exit_code == 0 and "social" in table.output


def test_scorecard_filters_and_grain(twcs_db):
    out = CliRunner().invoke(main, ["scorecard", "--db", str(twcs_db), "--grain", "day",
                                    "--brand", "VerizonSupport", "--kpi", "volume", "--format", "json"])
    rows = json.loads(out.output)["rows"]
    assert [(r["period"], r["value"]) for r in rows] == [("2017-10-31", 6.0)]


def test_unknown_dimension_is_a_sentence(twcs_db):
    out = CliRunner().invoke(main, ["scorecard", "--db", str(twcs_db), "--by", "colour"])
    assert out.exit_code == 1 and "unknown dimension 'colour'" in out.output


def test_missing_warehouse_is_a_sentence(tmp_path):
    out = CliRunner().invoke(main, ["scorecard", "--db", str(tmp_path / "none.duckdb")])
    assert out.exit_code == 1 and "no warehouse at" in out.output


def test_status_lists_loads(twcs_db):
    out = CliRunner().invoke(main, ["status", "--db", str(twcs_db), "--format", "json"])
    payload = json.loads(out.output)
    assert payload["loads"][0]["rows_loaded"] == 121
    assert payload["loads"][0]["kind"] == "twcs"


def test_export_neutralises_formulas(twcs_db, tmp_path):
    out = tmp_path / "messages.csv"
    res = CliRunner().invoke(main, ["export", "messages", "--db", str(twcs_db), "--out", str(out)])
    assert res.exit_code == 0 and "wrote 119 rows" in res.output
    import pandas as pd

    frame = pd.read_csv(out)
    assert len(frame) == 119
    assert not frame["text"].astype(str).str.match(r"^[=+\-@\t\r]").any()
