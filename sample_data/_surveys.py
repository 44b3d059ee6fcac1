"""Surveys and native ratings, drawn from the outcome of each interaction.

Would-recommend follows the published pattern (shared/docs/domain.md): about 66 % after a
fast and effective reply (71 % on social), 33 % after a fast but ineffective one, 17 % after a
slow but effective one, 19 % after no reply. 'Fast' is the 2 h first-response SLA (phone: the
call answered within 60 s). Social gets +6.5 points and the other channels -1.5, a channel
effect of +8 points for social once outcome and category are held equal; the contact-centre
channels (most of the volume) therefore sit on the published figures, social above them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._calendar import DAY, HOUR
from ._draw import draw_levels, sort_key
from ._profiles import CAT, SOCIAL

CLASSES = ("FR", "FU", "SR", "SU", "NR")  # fast/slow x resolved/unresolved, no reply
BASE = np.array([0.66, 0.34, 0.185, 0.10, 0.205])
CHANNEL_EFFECT = np.array([0.065, -0.015, -0.015, -0.015])
RESPONSE_RATE = np.array([0.10, 0.25, 0.15, 0.15])
SLA_S = np.array([2 * HOUR, 60, 2 * HOUR, 2 * HOUR])
NATIVE_RATING_RATE = {"phone": 0.8, "ticket": 0.6}  # answered calls, Closed tickets
_NPS = np.array([  # P(score 0..10) for would_recommend no / yes
    [.05, .04, .06, .09, .12, .21, .23, .12, .08, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, .03, .12, .40, .45],
])  # fmt: skip
_CSAT = np.array([  # P(1..5): no & unresolved, no & resolved, yes
    [.40, .30, .25, .05, 0], [.10, .30, .40, .20, 0], [0, 0, .08, .42, .50],
])  # fmt: skip


def outcome_class(fast: np.ndarray, resolved: np.ndarray, replied: np.ndarray) -> np.ndarray:
    """Index into CLASSES."""
    return np.where(~replied, 4, np.where(fast, 0, 2) + np.where(resolved, 0, 1))


@dataclass(frozen=True)
class Opinions:
    """Latent opinion of every interaction of one source (surveyed or not)."""

    cls: np.ndarray
    recommend: np.ndarray
    resolved: np.ndarray


def opinions(
    rng: np.random.Generator,
    channel: np.ndarray | int,
    cat: np.ndarray,
    fast: np.ndarray,
    resolved: np.ndarray,
    replied: np.ndarray,
) -> Opinions:
    """Would-recommend per interaction from its outcome, channel and category."""
    cls = outcome_class(fast, resolved, replied)
    p = BASE[cls] + CHANNEL_EFFECT[channel] + np.where(cat == CAT["praise"], 0.10, 0.0)
    return Opinions(cls, rng.random(len(cls), dtype=np.float32) < np.clip(p, 0.02, 0.95), resolved)


def csat(rng: np.random.Generator, o: Opinions, idx: np.ndarray) -> np.ndarray:
    """CSAT 1-5 of rows idx, consistent with would-recommend and resolution."""
    group = np.where(o.recommend[idx], 2, o.resolved[idx].astype(np.int64))
    return draw_levels(rng, _CSAT, group) + 1


def respondents(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    """Who answers the survey: response rates differ by channel."""
    return rng.random(len(channel), dtype=np.float32) < RESPONSE_RATE[channel]


def ratings(
    rng: np.random.Generator, o: Opinions, eligible: np.ndarray, rate: float, surveyed: np.ndarray
) -> np.ndarray:
    """Native rating column (0 = blank): a share `rate` of the eligible rows, and every eligible
    surveyed row (its CSAT lives here, not in surveys.csv)."""
    idx = np.flatnonzero(
        eligible & (surveyed | (rng.random(len(eligible), dtype=np.float32) < rate))
    )
    out = np.zeros(len(eligible), dtype=np.int64)
    out[idx] = csat(rng, o, idx)
    return out


@dataclass(frozen=True)
class Surveys:
    """Survey responses sorted by response time; `ref` indexes the source's interactions."""

    source: np.ndarray  # 0 social cases, 1 calls, 2 tickets
    channel: np.ndarray
    ref: np.ndarray
    t: np.ndarray
    recommend: np.ndarray
    nps: np.ndarray
    csat: np.ndarray  # 0 = blank (phone and tickets carry csat in their own rating column)
    cls: np.ndarray
    has_verbatim: np.ndarray


def surveys(
    rng: np.random.Generator, sources: list[tuple[np.ndarray, Opinions, np.ndarray, np.ndarray]]
) -> Surveys:
    """Survey rows of the respondents of each source (channel, opinions, time the case ended,
    respondent mask), stamped after the case ended and sorted by response time."""
    parts = []
    for src, (channel, o, done, surveyed) in enumerate(sources):
        idx = np.flatnonzero(surveyed)
        t = done[idx] + rng.integers(30 * 60, 2 * DAY, len(idx))
        ch = channel[idx]
        rec = o.recommend[idx]
        nps = draw_levels(rng, _NPS, rec.astype(np.int64))
        cs = np.where(ch == SOCIAL, csat(rng, o, idx), 0)
        parts.append((np.full(len(idx), src), ch, idx, t, rec, nps, cs, o.cls[idx]))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = sort_key(cols[3])
    cols = [c[order] for c in cols]
    verb = rng.random(len(order), dtype=np.float32) < 0.55
    return Surveys(*cols, verb)
