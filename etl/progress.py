"""Progress of long loads: a tqdm bar with rows/s on a terminal, a couple of log lines otherwise.

`reporting(total_bytes)` turns reporting on for one load when the source is large (or when
SOCIALCARE_PROGRESS=1; SOCIALCARE_PROGRESS=0 turns it off); `stage(name, rows)` wraps one step.
Everything goes to stderr, so the command's own output is unchanged. Short loads print nothing.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

LARGE_BYTES = 32 << 20  # sources above this size report progress


@dataclass(frozen=True)
class _Reporter:
    tty: bool


@dataclass(frozen=True)
class StageTiming:
    """Wall and CPU seconds (this process and its finished children) of one stage."""

    name: str
    rows: int
    wall_s: float
    cpu_s: float


def _cpu_seconds() -> float:
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


_current: ContextVar[_Reporter | None] = ContextVar("socialcare_progress", default=None)
_timings: ContextVar[list | None] = ContextVar("socialcare_timings", default=None)


def _enabled(total_bytes: int) -> bool:
    flag = os.environ.get("SOCIALCARE_PROGRESS", "").strip()
    if flag in ("0", "1"):
        return flag == "1"
    return total_bytes >= LARGE_BYTES


@contextmanager
def reporting(total_bytes: int) -> Iterator[None]:
    """Report the stages of one load on stderr when the load is large."""
    token = _current.set(_Reporter(sys.stderr.isatty()) if _enabled(total_bytes) else None)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def timings() -> Iterator[list[StageTiming]]:
    """Collect the timing of every stage run inside (for benchmarks)."""
    out: list[StageTiming] = []
    token = _timings.set(out)
    try:
        yield out
    finally:
        _timings.reset(token)


def _width() -> int:
    """Columns of the terminal on stderr (100 when it does not say)."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 100
    except (OSError, ValueError):
        return 100


def _line(text: str) -> None:
    print(f"socialcare load: {text}", file=sys.stderr, flush=True)


@contextmanager
def stage(name: str, rows: int | None = None) -> Iterator[None]:
    """One step of a load over `rows` rows (known in advance, or None)."""
    rep = _current.get()
    started, cpu = time.perf_counter(), _cpu_seconds()
    bar = None
    if rep is not None and rep.tty:
        from tqdm import tqdm

        bar = tqdm(
            total=rows,
            desc=name,
            unit=" rows",
            unit_scale=True,
            file=sys.stderr,
            leave=True,
            ncols=_width(),
        )
    elif rep is not None:
        _line(f"{name} ..." if rows is None else f"{name}: {rows:,} rows ...")
    try:
        yield
    finally:
        secs = time.perf_counter() - started
        if bar is not None:
            if rows:
                bar.update(rows)
            bar.close()
        elif rep is not None:
            rate = f" ({rows / secs:,.0f} rows/s)" if rows and secs > 0 else ""
            _line(f"{name} done in {secs:.1f} s{rate}")
        collected = _timings.get()
        if collected is not None:
            collected.append(StageTiming(name, rows or 0, secs, _cpu_seconds() - cpu))
