"""The business case PDF's layout: the fast-vs-effective table is one block on one page (it
once spilled its last row onto a page of its own), one row per channel.

Provenance: tests/golden/reports.md, "Business case layout"."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.economics.lift import BUCKETS, lift_report
from scorecard.kpis.data import open_warehouse
from scorecard.reports.business_case import matrix_grid
from tests.browser import dashboard_warehouse

HEADING = "Fast vs effective"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


def page_texts(path: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext, words joined by single spaces)."""
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    return [" ".join(p.split()) for p in pages if p.strip()]


def matrix_page_holds_every_row(path: Path, channels: list[str], last_n: int) -> bool:
    """Whether the page with the matrix's heading also holds its last cell's n and every
    channel's row, and no other page repeats the table's header."""
    pages = page_texts(path)
    at = [i for i, p in enumerate(pages) if HEADING in p]
    if len(at) != 1:
        return False
    page = pages[at[0]].split(HEADING, 1)[1]
    header_elsewhere = any("slow, unresolved" in p for i, p in enumerate(pages) if i != at[0])
    return (
        f"n {last_n:,}" in page
        and all(f" {c} " in f" {page} " for c in channels)
        and not header_elsewhere
    )


def test_matrix_grid_has_one_row_per_channel_and_every_bucket(db):
    con = open_warehouse(db)
    rep = lift_report(con, Config(), None, None, {}, 0.2)
    con.close()
    grid = matrix_grid(rep.matrix)
    assert [r["channel"] for r in grid] == list(dict.fromkeys(rep.matrix["channel"]))
    assert all(len(r["cells"]) == len(BUCKETS) for r in grid)
    last = rep.matrix.iloc[-1]
    assert grid[-1]["channel"] == last["channel"] == "all" and grid[-1]["cells"][-1]["n"] == int(
        last["n"]
    )


def test_business_case_pdf_keeps_the_matrix_on_one_page(db, tmp_path):
    out = tmp_path / "bc.pdf"
    res = CliRunner().invoke(main, ["report", "business-case", "--out", str(out), "--db", str(db)])
    assert res.exit_code == 0, res.output
    con = open_warehouse(db)
    rep = lift_report(
        con, Config(), None, None, {}, 0.2
    )  # the CLI's default period: the whole data
    con.close()
    channels = list(dict.fromkeys(rep.matrix["channel"]))
    assert len(channels) >= 4
    assert matrix_page_holds_every_row(out, channels, int(rep.matrix.iloc[-1]["n"]))
