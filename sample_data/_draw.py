"""Vectorised random draws used across the generator (no per-row Python, no binary search)."""

from __future__ import annotations

import numpy as np


def lognormal(rng: np.random.Generator, median, sigma, n: int) -> np.ndarray:
    """n log-normal draws with the given median(s) and log-sd(s) (float32 normals, for speed)."""
    z = rng.standard_normal(n, dtype=np.float32)
    return median * np.exp(np.asarray(sigma, dtype=np.float32) * z)


def draw_levels(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One level 0..k-1 per row from per-group probabilities probs[group, k] (k-1 compares)."""
    p = np.asarray(probs, dtype=float)
    c = np.cumsum(p / p.sum(1, keepdims=True), axis=1)[:, :-1]
    u = rng.random(len(group), dtype=np.float32)
    out = np.zeros(len(group), dtype=np.int64)
    for k in range(c.shape[1]):
        out += u > c[group, k]
    return out


def sort_key(t: np.ndarray) -> np.ndarray:
    """argsort of t with ties broken by position, so every sort algorithm gives the same order."""
    return np.argsort(t.astype(np.int64) * len(t) + np.arange(len(t)))
