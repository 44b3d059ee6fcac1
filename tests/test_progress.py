"""Progress of long loads: plain log lines on stderr when it is not a terminal, a tqdm bar with
rows/s on a terminal, nothing for short loads; the command's own output stays one line."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from click.testing import CliRunner

from cli import main
from tests.conftest import TWCS_SAMPLE

ROOT = Path(__file__).resolve().parents[1]


def test_short_load_prints_only_its_summary(tmp_path, monkeypatch):
    monkeypatch.delenv("SOCIALCARE_PROGRESS", raising=False)
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "w.duckdb"), "load", "twcs", str(TWCS_SAMPLE)]
    )
    assert result.exit_code == 0
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "loaded 121 of 121 rows" in result.output


def test_long_load_logs_a_couple_of_lines_per_stage_when_not_a_terminal(tmp_path):
    env = {**os.environ, "SOCIALCARE_PROGRESS": "1"}  # as if the file were large
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "--db",
            str(tmp_path / "w.duckdb"),
            "load",
            "twcs",
            str(TWCS_SAMPLE),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("rows as " + proc.stdout.split(" as ")[-1].strip())
    lines = proc.stderr.strip().splitlines()
    assert "socialcare load: validate: 121 rows ..." in lines
    assert any(
        line.startswith("socialcare load: validate done in ") and "rows/s" in line for line in lines
    )
    stages = {line.split(": ")[1].split(" done")[0] for line in lines if " done in " in line}
    assert {"read CSV", "sentiment", "thread cases", "build models", "publish snapshot"} <= stages
    assert len(lines) == 2 * len(stages)


def test_long_load_shows_a_bar_with_rows_per_second_on_a_terminal(tmp_path):
    env = {**os.environ, "SOCIALCARE_PROGRESS": "1"}
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a real size
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli",
            "--db",
            str(tmp_path / "w.duckdb"),
            "load",
            "twcs",
            str(TWCS_SAMPLE),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    terminal = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0
    assert "validate" in terminal and "rows/s" in terminal and "100%" in terminal
    assert "socialcare load:" not in terminal  # no plain log lines on a terminal
