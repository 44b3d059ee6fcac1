"""Progress of long scans on stderr: a tqdm bar on a terminal, one line per step otherwise.

`steps(enabled, total, desc)` yields a `tick(label)` to call after each step. Nothing is printed
unless enabled (the CLI enables it); SOCIALCARE_PROGRESS=0 turns it off, =1 forces the plain
lines even when stderr is not a terminal. The command's own output (stdout) is unchanged.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _noop(_label: str = "") -> None:
    return None


@contextmanager
def steps(enabled: bool, total: int, desc: str) -> Iterator[Callable[[str], None]]:
    """A tick function for `total` steps of one long task, reporting on stderr when enabled."""
    flag = os.environ.get("SOCIALCARE_PROGRESS", "").strip()
    if not enabled or flag == "0" or total <= 0:
        yield _noop
        return
    if sys.stderr.isatty() and flag != "1":
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False, unit=" steps")
        try:
            yield lambda label="": (bar.set_postfix_str(label, refresh=False), bar.update(1))[-1]
        finally:
            bar.close()
        return
    started, done = time.perf_counter(), [0]

    def tick(label: str = "") -> None:
        done[0] += 1
        what = f" ({label})" if label else ""
        print(
            f"socialcare {desc}: {done[0]}/{total}{what} {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )

    yield tick
