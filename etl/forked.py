"""A pure per-item function over a long sequence on 2 cores, in worker processes.

Work that is independent per item (sentiment of a text, the category of a text Python must
decide) is cut into ranges. Under 'fork' (Linux) the workers read the input in place: no
pickling of the input, only of the results. Elsewhere the ranges are pickled to a default pool
(the function must then be picklable: a module-level function or a functools.partial of one).
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

PARALLEL_THRESHOLD = 20_000  # items above which split_map uses worker processes

_SHARED: dict[int, tuple[Callable[[Any], Any], Sequence[Any]]] = {}  # read by forked workers


def _part(items: Sequence[Any], a: int, b: int) -> Sequence[Any]:
    """Positional slice items[a:b]."""
    return items.iloc[a:b] if isinstance(items, pd.Series) else items[a:b]


def _run_shared(key: int, a: int, b: int) -> np.ndarray:
    """Worker task under 'fork': the function on items[a:b] of an input inherited from the parent."""
    fn, items = _SHARED[key]
    return np.asarray(fn(_part(items, a, b)))


def _address_space_capped() -> bool:
    """True under a limit on virtual memory (`ulimit -v`, RLIMIT_AS). A forked worker starts at
    its parent's size, so under such a cap it can allocate next to nothing: a failed allocation
    in its interpreter or a library can leave it waiting forever on a lock instead of dying
    (seen in CI: a load under a 1.5 GB cap hung in the sentiment workers). The work is then done
    in the calling process, which fails with a clean MemoryError where memory really runs out."""
    try:
        import resource
    except ImportError:  # not POSIX
        return False
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return soft != resource.RLIM_INFINITY


def _die_with_parent() -> None:
    """Worker start: ask Linux to kill this worker when the process that started it dies. A load
    killed by the system or by `kill` would otherwise leave its workers waiting on their task
    queue for ever, holding the load's deleted work copy of the warehouse (its disk space) open."""
    try:
        import ctypes
        import os
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the request took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux
        pass


@cache
def _mp_context() -> Any:
    """'fork' on Linux (workers inherit the input and the loaded tables), else the default."""
    return mp.get_context("fork" if sys.platform.startswith("linux") else None)


def split_map(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    workers: int = 2,
    threshold: int = PARALLEL_THRESHOLD,
    chunks: int | None = None,
) -> np.ndarray:
    """np.asarray(fn(items)) for a function whose result has one value per item and depends on
    each item alone, computed over `chunks` ranges (default: one per worker) by `workers`
    processes when there are more than `threshold` items."""
    n = len(items)
    if workers <= 1 or n <= threshold or _address_space_capped():
        return np.asarray(fn(items))
    bounds = np.linspace(0, n, (chunks or workers) + 1).astype(int).tolist()
    ctx = _mp_context()
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_die_with_parent) as pool:
        if ctx.get_start_method() != "fork":
            slices = [_part(items, a, b) for a, b in itertools.pairwise(bounds)]
            return np.concatenate([np.asarray(p) for p in pool.map(fn, slices)])
        key = id(items)
        _SHARED[key] = (fn, items)
        try:
            parts = list(pool.map(_run_shared, [key] * (len(bounds) - 1), bounds[:-1], bounds[1:]))
        finally:
            del _SHARED[key]
    return np.concatenate(parts)
