"""Failures of the machine, not of the input (issue 21): a full disk, a read-only folder and a
memory cap each end a real `socialcare load` (a subprocess) in one sentence naming where and what
to do, exit 1, no traceback, and the warehouse exactly as before.

The disk tests mount a small tmpfs, which needs root (as on CI); elsewhere they skip."""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]
BENCH_MAKE = ROOT / "bench" / "make_twcs.py"


def _tweets(path: Path, n: int, seed: int = 1) -> Path:
    subprocess.run(
        [sys.executable, str(BENCH_MAKE), "--n", str(n), "--seed", str(seed), str(path)],
        check=True,
        capture_output=True,
    )
    return path


def _load(db: Path, source: Path, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db), "load", "twcs", str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=preexec,
        timeout=600,
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_sentence_error(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode == 1, (r.returncode, r.stderr[-800:])
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    error = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1, r.stderr[-800:]
    for w in words:
        assert w in error[0], error[0]
    return error[0]


@pytest.fixture
def tmpfs(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_is_one_sentence_and_keeps_the_warehouse(tmpfs, tmp_path):
    db = tmpfs / "w.duckdb"
    assert _load(db, _tweets(tmp_path / "small.csv", 2_000)).returncode == 0
    before = _sha(db)
    filler = tmpfs / "filler"
    free = os.statvfs(tmpfs).f_bavail * os.statvfs(tmpfs).f_frsize
    filler.write_bytes(b"\0" * max(free - (1 << 20), 0))  # leave 1 MB: the copy cannot be made
    r = _load(db, _tweets(tmp_path / "more.csv", 50_000, seed=2))
    line = _one_sentence_error(r, "is full", str(db.parent))
    assert line.endswith("the warehouse is unchanged.")
    assert _sha(db) == before
    assert not list(tmpfs.glob(".w.duckdb.work-*"))  # no work file left behind


def test_a_read_only_folder_is_one_sentence(tmpfs, tmp_path):
    db = tmpfs / "w.duckdb"
    assert _load(db, _tweets(tmp_path / "small.csv", 500)).returncode == 0
    before = _sha(db)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    r = _load(db, _tweets(tmp_path / "more.csv", 500, seed=2))
    _one_sentence_error(r, "no permission to write", str(tmpfs))
    assert _sha(db) == before


def test_a_memory_cap_is_one_sentence(tmp_path):
    db = tmp_path / "w.duckdb"
    assert _load(db, _tweets(tmp_path / "small.csv", 500)).returncode == 0
    before = _sha(db)
    big = _tweets(tmp_path / "big.csv", 300_000, seed=3)

    def cap():  # 1.5 GB of address space: the interpreter and its libraries fit, the load does not
        resource.setrlimit(resource.RLIMIT_AS, (1500 << 20, 1500 << 20))

    r = _load(db, big, preexec=cap)
    _one_sentence_error(r, "ran out of memory", str(db))
    assert _sha(db) == before


def test_a_load_killed_by_the_system_is_one_sentence(tmp_path):
    """The kernel's out-of-memory killer sends SIGKILL, which no process can catch: the load runs
    in a child process (warehouse/isolated.py), so the command itself survives to say so."""
    import signal
    import time

    db = tmp_path / "w.duckdb"
    assert _load(db, _tweets(tmp_path / "small.csv", 500)).returncode == 0
    before = _sha(db)
    big = _tweets(tmp_path / "big.csv", 200_000, seed=4)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", str(db), "load", "twcs", str(big)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline, child = time.time() + 120, None
    while child is None and time.time() < deadline and proc.poll() is None:
        found = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        loaders = [
            int(p)
            for p in found  # the load's process, not multiprocessing's resource tracker
            if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")
        ]
        child = loaders[0] if loaders else None
        time.sleep(0.2)
    assert child is not None, "the load ran in no child process"
    time.sleep(1.0)  # inside the load
    os.kill(child, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    line = _one_sentence_error(r, "was stopped by the system (SIGKILL)", "ran out of memory")
    assert line.endswith("the warehouse is unchanged.")
    assert _sha(db) == before


def test_every_form_of_running_out_of_memory_is_the_memory_sentence(tmp_path):
    """DuckDB reports a memory cap in several forms depending on where it is hit: an
    OutOfMemoryException, or (seen in CI under RLIMIT_AS, while compressing a block) an
    InvalidInputException 'ZSTD Compression failed: Allocation error : not enough memory'.
    Each is the one memory sentence; an unrelated invalid input is not."""
    import duckdb

    from cli import _environment_failure

    db = tmp_path / "w.duckdb"
    for e in (
        duckdb.OutOfMemoryException(
            "Out of Memory Error: could not allocate block of size 256 KiB"
        ),
        duckdb.InvalidInputException(
            "Invalid Input Error: ZSTD Compression failed: Allocation error : not enough memory"
        ),
        MemoryError(),
    ):
        why = _environment_failure(e, db)
        assert why is not None and why.startswith(
            f"the machine ran out of memory while working on {db}"
        )
        assert why.endswith("the warehouse is unchanged.")
    assert (
        _environment_failure(duckdb.InvalidInputException("Invalid Input Error: bad date"), db)
        is None
    )


def test_no_room_to_decompress_an_export_is_one_sentence(tmpfs, tmp_path):
    # a gzipped export is decompressed into the temporary folder (etl/sources/csv_shape.py): a
    # full one is named, with what to do, and nothing is loaded or left behind
    import gzip

    db = tmp_path / "w.duckdb"
    assert _load(db, _tweets(tmp_path / "small.csv", 500)).returncode == 0
    before = _sha(db)
    packed = tmp_path / "more.csv.gz"
    packed.write_bytes(gzip.compress(_tweets(tmp_path / "more.csv", 20_000, seed=2).read_bytes()))
    free = os.statvfs(tmpfs).f_bavail * os.statvfs(tmpfs).f_frsize
    (tmpfs / "filler").write_bytes(b"\0" * max(free - (256 << 10), 0))  # leave 256 kB
    r = subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db), "load", "twcs", str(packed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmpfs)},
        timeout=600,
    )
    line = _one_sentence_error(r, str(packed), f"the temporary folder {tmpfs} is full")
    assert line.endswith("free space there (or point TMPDIR at a larger disk) and load it again.")
    assert _sha(db) == before
    assert [p.name for p in tmpfs.iterdir()] == ["filler"]  # the partial copy is gone
