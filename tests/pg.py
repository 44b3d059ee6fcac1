"""A throwaway PostgreSQL server for tests: initdb + pg_ctl on a free 127.0.0.1 port, in /tmp.

Import the fixture into a test module: `from tests.pg import postgres_url  # noqa: F401`.
As root the binaries run as the `postgres` user (PostgreSQL refuses to run as root), following
the recipe in the machine notes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(_as_postgres(cmd), capture_output=True, text=True, timeout=120)


BINARIES = ("initdb", "pg_ctl", "postgres")


def _bindir() -> Path | None:
    """Where initdb, pg_ctl and postgres are: on PATH, else Debian's /usr/lib/postgresql/<v>/bin
    (the postgresql package does not put them on PATH), newest version first."""
    if all(shutil.which(b) for b in BINARIES):
        return Path(shutil.which("initdb")).parent
    versions = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if d.parent.name.isdigit()]
    for d in sorted(versions, key=lambda d: int(d.parent.name), reverse=True):
        if all((d / b).exists() for b in BINARIES):
            return d
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL server (trust auth, user postgres), stopped after the session.
    Skips only where PostgreSQL is absent; under CI (`CI` set, as .ci/run does) it fails instead,
    so that the sql-source tests can never be skipped silently there."""
    bindir = _bindir()
    if bindir is None:
        why = "PostgreSQL binaries (initdb, pg_ctl, postgres) not found; install postgresql"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why + " to run the sql-source tests")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without `runuser`; PostgreSQL cannot be started as root")
    base = Path(tempfile.mkdtemp(prefix="socialcare-pg-"))  # under /tmp: reachable by postgres
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres")
    data, log = base / "data", base / "log"
    init = _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C",
        ]
    )
    assert init.returncode == 0, f"initdb failed: {init.stderr}"
    port = None
    for _ in range(3):  # a free port can be taken between the probe and the start
        port = _free_port()
        start = _run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ]
        )
        if start.returncode == 0:
            break
    else:
        raise AssertionError(
            f"pg_ctl start failed: {start.stderr} {log.read_text() if log.exists() else ''}"
        )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)
