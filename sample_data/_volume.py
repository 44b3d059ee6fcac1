"""Volume: how many contacts arrive per channel, brand, day and hour, and what they are about."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._calendar import DAY, HOUR, Calendar
from ._draw import draw_levels, sort_key
from ._profiles import (
    CAT,
    CHANNEL_MIX,
    CHAT,
    COMPLEXITY,
    DOW,
    EMAIL,
    PHONE,
    QUALITY,
    SOCIAL,
    Brand,
    Incident,
    category_weights,
    hour_profiles,
)  # fmt: skip
from ._social import PHONE_SHAPES, RUNAROUND_SHAPES, SocialCases

TREND = np.array([0.15, -0.05, 0.0, 0.05])  # change of volume over the period per channel
STREAMS = ((SOCIAL,), (PHONE,), (EMAIL, CHAT))  # one sorted stream per source file
SOCIAL_CUSTOMER0 = 115712  # numeric twitter ids like the real TWCS data
CONTACT_CUSTOMER0 = 50_000_000


@dataclass(frozen=True)
class Arrivals:
    """Contacts of one source sorted by arrival (local seconds)."""

    channel: np.ndarray
    brand: np.ndarray
    t: np.ndarray
    cat: np.ndarray
    cx: np.ndarray
    tone: np.ndarray  # 0 angry, 1 negative, 2 neutral, 3 positive
    incident: (
        np.ndarray
    )  # bool: a contact of an injected incident's brand, channel, days and category
    cust: np.ndarray


def customers(rng: np.random.Generator, brand: np.ndarray, nb: int, base: int) -> np.ndarray:
    """Customer ids from a per-brand pool; a skewed draw makes some customers come back."""
    pool = max(10, int(2.5 * len(brand) / max(nb, 1)))
    u = rng.random(len(brand))  # float64: pools can exceed float32 integer precision
    idx = np.minimum(pool - 1, (pool * u * np.sqrt(u)).astype(np.int64))
    return base + idx * nb + brand


def _weights(cal: Calendar, brands: list[Brand], incidents: list[Incident]) -> np.ndarray:
    """w[channel, day, hour, brand, category, complexity] of the joint arrival distribution."""
    nb, days = len(brands), cal.days
    dow = cal.dow(np.arange(days))
    daytype = np.select([dow == 5, dow == 6], [1, 2], 0)
    share = np.array([[b.share * CHANNEL_MIX[b.sector][ch] for b in brands] for ch in range(4)])
    trend = 1 + TREND[:, None] * np.arange(days)[None, :] / max(days - 1, 1)
    prof = hour_profiles()
    prof = prof / np.maximum(prof.sum(2, keepdims=True), 1e-12)  # daily volume comes from DOW
    per_day = DOW[:, dow] * trend  # [ch, d]
    hourly = per_day[:, :, None] * prof[:, daytype, :]  # [ch, d, h]
    catmix = np.array(
        [[category_weights(b, ch) for b in brands] for ch in range(4)]
    )  # [ch, b, cat]
    catmix = np.broadcast_to(catmix[:, None], (4, days, nb, len(CAT))).copy()  # [ch, d, b, cat]
    for inc in incidents:  # extra contacts of the incident's category: volume x inc.volume
        if inc.volume > 1:
            for ch in inc.channels:
                catmix[ch, inc.first_day : inc.last_day + 1, inc.brand, inc.category] += (
                    inc.volume - 1
                )
    w = (hourly[:, :, :, None] * share[:, None, None, :])[..., None] * catmix[:, :, None]
    return w[..., None] * COMPLEXITY[None, None, None, None]


def allocate(
    rng: np.random.Generator,
    cal: Calendar,
    brands: list[Brand],
    incidents: list[Incident],
    interactions: int,
) -> list[Arrivals]:
    """Arrivals of the three sources (social, phone, e-mail + chat tickets): one multinomial
    over (channel, day, hour, brand, category, complexity) cells, then a uniform second within
    the hour; rows sorted by time."""
    nb = len(brands)
    w = _weights(cal, brands, incidents)
    counts = rng.multinomial(interactions, (w / w.sum()).ravel()).reshape(w.shape)
    # Tone groups: one per brand, then incident outage, incident billing, praise.
    tone_p = np.array(
        [QUALITY[b.quality].tone for b in brands]
        + [(0.7, 0.3, 0, 0), (0.45, 0.4, 0.15, 0), (0, 0, 0.15, 0.85)]
    )
    ncat, ncx = len(CAT), COMPLEXITY.shape[1]
    cell = nb * ncat * ncx
    out = []
    for group in STREAMS:
        # Sort by time without argsort: the key packs the arrival second above the row's
        # (channel, brand, category, complexity) code, so a plain value sort orders rows by
        # time, and equal keys are identical rows (any sort algorithm gives the same bytes).
        bits = int(len(group) * cell).bit_length()
        keys = []
        for j, ch in enumerate(group):
            c = counts[ch].reshape(cal.days * 24, -1).ravel()
            nz = np.flatnonzero(c)
            hour_idx, code = np.divmod(nz, cell)
            keys.append(np.repeat((hour_idx * HOUR) << bits | (j * cell + code), c[nz]))
        key = np.concatenate(keys)
        key += rng.integers(0, HOUR, len(key)) << bits
        key.sort()
        t = key >> bits
        j, code = np.divmod(key & ((1 << bits) - 1), cell)
        channel = np.asarray(group)[j]
        b, rest = np.divmod(code, ncat * ncx)
        cat, cx = np.divmod(rest, ncx)
        cx += 1
        d = t // DAY
        incident = np.zeros(len(t), dtype=bool)
        for inc in incidents:
            if inc.volume > 1:
                incident |= np.isin(channel, inc.channels) & (b == inc.brand) & (cat == inc.category) & (
                    d >= inc.first_day) & (d <= inc.last_day)  # fmt: skip
        tgroup = np.select([incident & (cat == CAT["outage"]), incident, cat == CAT["praise"]],
                           [nb, nb + 1, nb + 2], b)  # fmt: skip
        tone = draw_levels(rng, tone_p, tgroup)
        base = SOCIAL_CUSTOMER0 if group == (SOCIAL,) else CONTACT_CUSTOMER0
        out.append(Arrivals(channel, b, t, cat, cx, tone, incident, customers(rng, b, nb, base)))
    return out


def repeat_calls(
    rng: np.random.Generator,
    cal: Calendar,
    phone: Arrivals,
    social: SocialCases,
    open_wait: np.ndarray,
    nb: int,
) -> Arrivals:
    """Unresolved social customers who call within 7 days. Each such call replaces a random
    ordinary call of the same brand (totals stay as asked) and is merged in time order."""
    p = np.where(np.isin(social.shape, PHONE_SHAPES), 0.65,
                 np.where(np.isin(social.shape, RUNAROUND_SHAPES), 0.3, 0.1))  # fmt: skip
    caller = (social.status != 0) & (rng.random(len(p), dtype=np.float32) < p)
    t_call = social.t_open + rng.integers(2 * HOUR, 6 * DAY + 12 * HOUR, len(p))
    t_call = cal.push_into(t_call, open_wait, rng.integers(0, 1800, len(p)))
    caller &= (t_call < cal.end) & (t_call - social.t_open <= 7 * DAY)
    drop = np.zeros(len(phone.t), dtype=bool)
    src_all = []
    for b in range(nb):
        src = np.flatnonzero(caller & (social.brand == b))
        cand = np.flatnonzero((phone.brand == b) & ~phone.incident)
        k = min(len(src), len(cand))
        drop[rng.choice(cand, size=k, replace=False, shuffle=False)] = True
        src_all.append(src[:k])
    src = np.concatenate(src_all)
    src = src[sort_key(t_call[src])]
    new = {"channel": np.full(len(src), PHONE), "brand": social.brand[src], "t": t_call[src], "cat": social.cat[src],
           "cx": social.cx[src],
           "tone": np.full(len(src), 1), "incident": np.zeros(len(src), dtype=bool), "cust": social.cust[src]}  # fmt: skip
    keep = ~drop
    kept_t = phone.t[keep]
    pos = np.searchsorted(kept_t, new["t"], side="right")  # new calls go after equal times
    shift = np.cumsum(np.bincount(pos, minlength=len(kept_t) + 1))[: len(kept_t)]
    kept_at = np.arange(len(kept_t)) + shift  # new calls inserted before kept row i: pos <= i
    new_at = pos + np.arange(len(pos))
    merged = {}
    for k, v in new.items():
        old = getattr(phone, k)
        m = np.empty(len(phone.t), dtype=old.dtype)
        m[kept_at] = old[keep]
        m[new_at] = v
        merged[k] = m
    return Arrivals(**merged)
