"""One sentence for every bad date or range of any command, the version from the package
metadata, and a busy port named before Dash starts (issue 22)."""

from __future__ import annotations

import socket
from importlib.metadata import version

import pytest
from click.testing import CliRunner

from cli import main

DATED = [["scorecard"], ["lift"], ["anomalies"], ["export", "cases", "--out", "x.csv"]]


@pytest.mark.parametrize("command", DATED, ids=lambda c: c[0])
def test_bad_and_reversed_dates_are_one_sentence(twcs_db, command):
    r = CliRunner().invoke(main, ["--db", str(twcs_db), *command, "--from", "notadate"])
    assert (
        r.exit_code == 1 and r.output == "Error: --from: 'notadate' is not a date (YYYY-MM-DD).\n"
    )
    r = CliRunner().invoke(
        main, ["--db", str(twcs_db), *command, "--from", "2017-11-01", "--to", "2017-10-01"]
    )
    assert r.exit_code == 1
    assert (
        r.output
        == "Error: --from 2017-11-01 is after --to 2017-10-01; put the earlier date first.\n"
    )


def test_version_comes_from_the_package():
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and r.output == f"socialcare, version {version('socialcare')}\n"


def test_a_busy_port_is_one_sentence(twcs_db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = CliRunner().invoke(main, ["--db", str(twcs_db), "serve", "--port", str(port)])
    assert r.exit_code == 1
    assert r.output.startswith(f"Error: port {port} on 127.0.0.1 is in use")
    assert "choose another with --port" in r.output and "Dash is running" not in r.output
