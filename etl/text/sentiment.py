"""VADER compound sentiment of every message: cleaning, de-duplication, fast exact scoring, 2 cores.

The reference is ``vaderSentiment``'s ``SentimentIntensityAnalyzer().polarity_scores(text)
["compound"]`` applied to ``clean_for_sentiment(text)``.  ``etl.text._vader_fast`` re-implements it
with the same rules and float operations (identical results on the real samples and on a stress
set), vectorised across texts; ``compound_scores`` adds de-duplication before and after
cleaning and, for large inputs, a process pool (bench/bench_sentiment.py measures it).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from etl.forked import split_map
from etl.text import _vader_fast

# Separate patterns, each starting with a literal (re's fast prefix scan); none crosses "\x00".
_HANDLE = re.compile(r"@(?<!\w@)\w+")  # an @ not preceded by a word character
_URLS = [
    ("://", re.compile(r"https?://[^\s\x00]+")),
    ("www.", re.compile(r"www\.[^\s\x00]+")),
    ("t.co/", re.compile(r"t\.co/(?<!\wt\.co/)[^\s\x00]+")),
]
BATCH = 20_000  # texts per vectorised scoring batch (bounds memory)
PARALLEL_THRESHOLD = 20_000  # texts above which compound_scores uses the process pool


def _strip_handles_urls(text: str) -> str:
    """@handles and http(s)://, www., t.co/ links replaced by spaces; HTML entities unescaped."""
    if "@" in text:
        text = _HANDLE.sub(" ", text)
    for literal, pattern in _URLS:
        if literal in text:
            text = pattern.sub(" ", text)
    return html.unescape(text) if "&" in text else text


def clean_for_sentiment(text: str) -> str:
    """Text without @handles and URLs, with HTML entities unescaped and whitespace collapsed."""
    return " ".join(_strip_handles_urls(text).split())


def clean_many(texts: Sequence[str], block: int = 500) -> list[str]:
    """clean_for_sentiment of many texts, a few regex passes per block of texts joined by NUL.

    Inner whitespace is not collapsed: scoring and emptiness are the same either way (VADER
    splits on whitespace).  Blocks stay small so that the joined strings stay in cache.
    """
    out: list[str] = []
    for a in range(0, len(texts), block):
        part = texts[a : a + block]
        big = "\x00" + "\x00".join(part)
        if big.count("\x00") != len(part):  # a text contains the separator: one by one
            out += [clean_for_sentiment(t) for t in part]
        else:
            out += map(str.strip, _strip_handles_urls(big).split("\x00")[1:])
    return out


def score_cleaned(texts: Sequence[str]) -> np.ndarray:
    """Fast VADER compound of already-cleaned texts, in-process (empty text -> NaN)."""
    out = np.full(len(texts), np.nan)
    idx = [i for i, t in enumerate(texts) if t]
    for a in range(0, len(idx), BATCH):
        part = idx[a : a + BATCH]
        out[part] = _vader_fast.score_batch([texts[i] for i in part])
    return out


def _distinct(texts: Sequence[Any]) -> tuple[np.ndarray, list[str]]:
    """Codes (-1 for None/NaN) and the distinct values as str (hashing; Arrow's if Arrow-backed)."""
    if isinstance(texts, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        codes, uniq = pd.factorize(texts)
    else:
        arr = np.empty(len(texts), dtype=object)
        arr[:] = texts
        codes, uniq = pd.factorize(arr)
    return codes, [t if isinstance(t, str) else str(t) for t in uniq.tolist()]


def _score_part(texts: Sequence[Any]) -> np.ndarray:
    """Scores of some texts: de-duplicate, clean, de-duplicate again, score, map back."""
    codes, raw = _distinct(texts)
    codes2, cleaned = _distinct(clean_many(raw))
    scores = score_cleaned(cleaned)[codes2]
    return np.append(scores, np.nan)[codes]


def compound_scores(
    texts: Sequence[str | None],
    workers: int = 2,
    parallel_threshold: int = PARALLEL_THRESHOLD,
) -> np.ndarray:
    """VADER compound (float64) of each cleaned text; NaN for None or text empty after cleaning.

    Each distinct text (and each distinct cleaned text) is scored once.  With more than
    ``parallel_threshold`` texts and ``workers > 1``, the input is cut into ``2 * workers``
    ranges, each de-duplicated and scored by a process pool; under 'fork' the workers read the
    input in place, so only the float results travel between processes.
    """
    if not len(texts):
        return np.empty(0)
    return split_map(_score_part, texts, workers, parallel_threshold, chunks=2 * workers)


@cache
def _reference_analyzer() -> Any:
    """The vaderSentiment analyzer (slow; for verification only)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def reference_scores(texts: Sequence[str | None]) -> np.ndarray:
    """Reference vaderSentiment compound of each cleaned text (NaN where compound_scores is NaN)."""
    pol = _reference_analyzer().polarity_scores
    out = np.full(len(texts), np.nan)
    for i, t in enumerate(texts):
        missing = t is None or (isinstance(t, float) and math.isnan(t))
        c = "" if missing else clean_for_sentiment(str(t))
        if c:
            out[i] = pol(c)["compound"]
    return out


def agreement_share(texts: Sequence[str | None], tolerance: float = 0.05) -> float:
    """Share of scoreable texts whose fast compound is within tolerance of the reference.

    Texts that are None or empty after cleaning are left out; NaN if nothing is left.
    """
    texts = list(texts)
    fast, ref = compound_scores(texts, workers=1), reference_scores(texts)
    ok = ~np.isnan(ref)
    if not ok.any():
        return math.nan
    return float(np.mean(np.abs(fast[ok] - ref[ok]) <= tolerance))
