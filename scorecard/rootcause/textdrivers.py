"""Text drivers: terms over-represented in focus conversations versus a baseline.

Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
"Fightin' Words", eq. 16-22). For term w with focus count y_f, baseline count y_b, focus and
baseline totals n_f, n_b and prior alpha_w (alpha_0 = sum of alpha):

    delta_w = log((y_f + a_w) / (n_f + a_0 - y_f - a_w)) - log((y_b + a_w) / (n_b + a_0 - y_b - a_w))
    var_w   = 1 / (y_f + a_w) + 1 / (y_b + a_w)
    z_w     = delta_w / sqrt(var_w)

The prior is the pooled (focus + baseline) count of each term times `prior_scale` (the
empirical-Bayes choice of tidylo's bind_log_odds). Counts are per message (a term counts once
per message it appears in), so a chatty message cannot dominate; unigrams and bigrams are scored
separately, each against its own totals, then ranked together.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import pandas as pd

COLUMNS = ["term", "z", "count_focus", "count_base"]
_DROP = re.compile(r"https?://\S+|www\.\S+|@\w+|__\w+__|#")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A small English stop list; negations ("no", "not", "never", "can't") are kept on purpose:
# "no signal" and "not working" are exactly the phrases that explain a complaint spike.
STOPWORDS = frozenset(
    """
a about above after again all also am an and any are as at be been before being below between
both but by could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i i'm i've i'd i'll if in into is it it's its itself
just let's me more most my myself of off on once only or other our ours ourselves out over own
same she should so some such than that that's the their theirs them themselves then there these
they this those through to too under until up very was we we're were what when where which while
who whom why will with would you you're your yours yourself yourselves hi hey hello please
dear pls im ive u ur ok okay get got one
""".split()
)
# Negations carry meaning only next to a word: kept in bigrams, not counted alone.
NEGATIONS = frozenset("no not never cannot can't don't won't isn't doesn't didn't nor".split())


@lru_cache(maxsize=200_000)
def terms(text: str | None) -> frozenset[str]:
    """The distinct unigrams and bigrams of one message (mentions, links, PII tokens dropped)."""
    if not text:
        return frozenset()
    words = _WORD.findall(_DROP.sub(" ", str(text).lower()))
    out = {
        w
        for w in words
        if w not in STOPWORDS and w not in NEGATIONS and not w.isdigit() and len(w) > 1
    }
    for a, b in zip(words, words[1:], strict=False):
        if a not in STOPWORDS and b not in STOPWORDS and not (a.isdigit() or b.isdigit()):
            out.add(f"{a} {b}")
    return frozenset(out)


def term_counts(texts: Iterable[str | None]) -> Counter:
    """Number of messages containing each term."""
    counts: Counter = Counter()
    for t in texts:
        counts.update(terms(t))
    return counts


def _order(term: str) -> int:
    return term.count(" ") + 1


def log_odds(focus: Counter, base: Counter, prior_scale: float = 1.0) -> pd.DataFrame:
    """Weighted log-odds z-score of every term (focus vs baseline), informative Dirichlet prior."""
    rows = []
    for order in (1, 2):
        f = {t: c for t, c in focus.items() if _order(t) == order}
        b = {t: c for t, c in base.items() if _order(t) == order}
        vocab = set(f) | set(b)
        n_f, n_b = sum(f.values()), sum(b.values())
        alpha = {t: prior_scale * (f.get(t, 0) + b.get(t, 0)) for t in vocab}
        a0 = sum(alpha.values())
        for t in vocab:
            yf, yb, a = f.get(t, 0), b.get(t, 0), alpha[t]
            if a <= 0 or n_f + a0 - yf - a <= 0 or n_b + a0 - yb - a <= 0:
                continue
            delta = math.log((yf + a) / (n_f + a0 - yf - a)) - math.log(
                (yb + a) / (n_b + a0 - yb - a)
            )
            z = delta / math.sqrt(1.0 / (yf + a) + 1.0 / (yb + a))
            rows.append((t, z, yf, yb))
    return pd.DataFrame(rows, columns=COLUMNS)


def text_drivers(
    focus_texts: Sequence[str | None],
    base_texts: Sequence[str | None],
    top: int = 10,
    min_count: int = 3,
    min_z: float = 1.96,
    prior_scale: float = 1.0,
) -> pd.DataFrame:
    """[term, z, count_focus, count_base]: the terms most over-represented in the focus texts."""
    if not focus_texts or not base_texts:
        return pd.DataFrame(columns=COLUMNS)
    table = log_odds(term_counts(focus_texts), term_counts(base_texts), prior_scale)
    if table.empty:
        return table
    keep = table[(table["count_focus"] >= min_count) & (table["z"] >= min_z)]
    keep = keep.sort_values(["z", "term"], ascending=[False, True]).head(top)
    return keep.reset_index(drop=True).astype({"count_focus": "int64", "count_base": "int64"})


def examples(
    messages: pd.DataFrame, drivers: pd.DataFrame, limit: int = 5, fill: bool = False
) -> pd.DataFrame:
    """Up to `limit` messages containing the top terms (best term first), one per case; with
    `fill`, topped up to `limit` with the first messages (in the given order) of other cases,
    so that a window without a distinctive term still shows what customers wrote."""
    cols = ["interaction_id", "sent_at", "text"]
    if messages.empty or (drivers.empty and not fill):
        return pd.DataFrame(columns=cols)
    picked, seen = [], set()
    found = messages["text"].map(terms)
    for term in drivers["term"]:
        if len(picked) >= limit:
            break
        for idx in found.index[found.map(lambda s, t=term: t in s)]:
            case = messages.at[idx, "interaction_id"]
            if case in seen:
                continue
            seen.add(case)
            picked.append(idx)
            break
    for idx in messages.index if fill else ():
        if len(picked) >= limit:
            break
        case = messages.at[idx, "interaction_id"]
        if case not in seen and found[idx]:  # a message with words, not only a mention or a link
            seen.add(case)
            picked.append(idx)
    return messages.loc[picked, cols].reset_index(drop=True)
