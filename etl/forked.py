"""A pure per-item function over a long sequence on 2 cores, with forked worker processes.

The text rules that only Python decides exactly (categories of non-ASCII texts, say) are
independent per text: large inputs are cut into ranges that forked workers read in place (no
pickling of the input, only of the results). Without 'fork' (not Linux) it runs in-process.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

PARALLEL_THRESHOLD = 20_000  # items above which split_map uses worker processes

_SHARED: dict[int, tuple[Callable[[Any], Any], Sequence[Any]]] = {}  # read by forked workers


def _part(items: Sequence[Any], a: int, b: int) -> Sequence[Any]:
    """Positional slice items[a:b]."""
    return items.iloc[a:b] if isinstance(items, pd.Series) else items[a:b]


def _run_shared(key: int, a: int, b: int) -> np.ndarray:
    """Worker task: the function on items[a:b] of an input inherited from the parent."""
    fn, items = _SHARED[key]
    return np.asarray(fn(_part(items, a, b)))


def split_map(fn: Callable[[Any], Any], items: Sequence[Any], workers: int = 2,
              threshold: int = PARALLEL_THRESHOLD) -> np.ndarray:
    """np.asarray(fn(items)) for a function whose result has one value per item and depends on
    each item alone, computed over `workers` ranges in forked processes when items are many."""
    n = len(items)
    if workers <= 1 or n <= threshold or not sys.platform.startswith("linux"):
        return np.asarray(fn(items))
    bounds = np.linspace(0, n, workers + 1).astype(int).tolist()
    key = id(items)
    _SHARED[key] = (fn, items)
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            parts = list(pool.map(_run_shared, [key] * workers, bounds[:-1], bounds[1:]))
    finally:
        del _SHARED[key]
    return np.concatenate(parts)
