"""Calibration of the generator: brands, channels, categories, quality levels, incidents.

Every number that shapes the data sits here, with the published figure it imitates
(shared/docs/domain.md) where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHANNELS = ("social", "phone", "email", "chat")
SOCIAL, PHONE, EMAIL, CHAT = range(4)
CATEGORIES = (
    "billing", "outage", "technical", "account", "order", "refund",
    "product", "store", "travel", "praise", "other",
)  # fmt: skip
CAT = {c: i for i, c in enumerate(CATEGORIES)}
SECTORS = ("telecom", "airline", "retail")
QUALITIES = ("mediocre", "poor", "good")  # by sector, in the order of SECTORS
DEFAULT_BRANDS = ("TelcoCo", "AirCo", "ShopCo")

# Category mix per sector (travel only airline; order/store only retail; outage only telecom).
_SECTOR_CATS = {
    "telecom": {"billing": .24, "outage": .08, "technical": .22, "account": .14, "refund": .05,
                "product": .08, "praise": .06, "other": .13},
    "airline": {"travel": .36, "billing": .08, "refund": .16, "account": .10, "technical": .07,
                "product": .05, "praise": .06, "other": .12},
    "retail": {"order": .26, "store": .10, "product": .16, "refund": .14, "billing": .07,
               "account": .07, "technical": .04, "praise": .07, "other": .09},
}  # fmt: skip
# Praise and outages surface more on social than on phone.
_CHANNEL_CAT_FACTOR = {"praise": (2.0, 0.3, 0.7, 0.5), "outage": (1.5, 1.0, 0.6, 0.8)}
# Complexity levels 1 (directions, opening hours) .. 3 (hardware faults, account complaints).
COMPLEXITY = np.array([
    (.20, .50, .30), (.10, .60, .30), (.15, .45, .40), (.10, .30, .60), (.35, .50, .15),
    (.20, .50, .30), (.70, .25, .05), (.80, .20, .00), (.30, .45, .25), (1.0, .00, .00),
    (.60, .30, .10),
])  # fmt: skip
# Social playbook: share of first replies that move the case to DM, by category.
PRIVATE_P = np.array([0.30, 0.08, 0.15, 0.55, 0.20, 0.25, 0.03, 0.03, 0.25, 0.0, 0.08])
PRIVATE_CX = np.array([0.0, 0.5, 1.0, 1.5])  # multiplier by complexity (index 1..3)
RESOLVE_CX = np.array([0.0, 1.15, 1.0, 0.72])
SECTOR_SHARE = {"telecom": 0.45, "airline": 0.25, "retail": 0.30}
# Channel mix per sector: social, phone, email, chat (social 5-15 %, phone largest).
CHANNEL_MIX = {"telecom": (.10, .50, .25, .15), "airline": (.09, .55, .28, .08),
               "retail": (.11, .38, .28, .23)}  # fmt: skip


@dataclass(frozen=True)
class Quality:
    """Service quality of a brand; the three levels span the published 24-79 % positive share."""

    tone: tuple[
        float, float, float, float
    ]  # first customer message: angry, negative, neutral, positive
    social_answer: float  # share of social cases that get a public reply
    social_frt_s: float  # median first response in business hours (lognormal)
    resolve: float  # resolution probability of an answered, medium-complexity case
    phone_wait_s: float  # median speed of answer
    email_frt_h: float
    chat_frt_s: float
    unanswered_ticket: float
    runaround: float  # base share of run-around replies per agent
    habitual: float  # run-around share of the brand's habitual deflector (0 = none)


QUALITY = {
    "good": Quality((0.01, 0.03, 0.11, 0.85), 0.96, 1000, 0.86, 28, 3.0, 45, 0.03, 0.02, 0.0),
    "mediocre": Quality((0.15, 0.20, 0.35, 0.30), 0.90, 1800, 0.62, 48, 5.0, 75, 0.06, 0.05, 0.45),
    "poor": Quality((0.46, 0.30, 0.20, 0.04), 0.80, 2000, 0.45, 85, 8.0, 120, 0.10, 0.08, 0.55),
}


@dataclass(frozen=True)
class Brand:
    """One brand: handle, sector, quality and volume share."""

    name: str
    sector: str
    quality: str
    share: float


def brand_profiles(names: tuple[str, ...] | None) -> list[Brand]:
    """Profiles for the brand handles; known names get their sector, others cycle the sectors."""
    names = tuple(names) if names else DEFAULT_BRANDS
    out = []
    for i, n in enumerate(names):
        low = n.lower()
        sector = (
            "airline" if "air" in low else "retail" if "shop" in low or "store" in low
            else "telecom" if "tel" in low else SECTORS[i % 3]
        )  # fmt: skip
        out.append(Brand(n, sector, QUALITIES[SECTORS.index(sector)], SECTOR_SHARE[sector]))
    return out


def category_weights(brand: Brand, channel: int) -> np.ndarray:
    """Normalised category probabilities for a brand on a channel."""
    w = np.zeros(len(CATEGORIES))
    for c, p in _SECTOR_CATS[brand.sector].items():
        w[CAT[c]] = p * _CHANNEL_CAT_FACTOR.get(c, (1, 1, 1, 1))[channel]
    return w / w.sum()


# ---- seasonality (local time) ------------------------------------------------------------
# Day-of-week factors (Mon..Sun); phone and chat are closed on Sundays.
DOW = np.array([
    (1.05, 1.05, 1.00, 1.00, .95, .80, .75),  # social
    (1.25, 1.10, 1.05, 1.05, 1.0, .50, 0.0),  # phone
    (1.20, 1.10, 1.05, 1.00, .95, .55, .50),  # email
    (1.15, 1.10, 1.05, 1.05, 1.0, .60, 0.0),  # chat
])  # fmt: skip
_SOCIAL_H = (
    0.5,
    0.3,
    0.2,
    0.15,
    0.15,
    0.25,
    0.6,
    1.2,
    2.0,
    2.5,
    2.6,
    2.6,
    2.9,
    2.7,
    2.5,
    2.5,
    2.6,
    2.9,
    3.4,
    4.0,
    4.4,
    4.1,
    3.0,
    1.5,
)  # evening peak 19-22
_EMAIL_H = (
    0.3,
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.5,
    3,
    3.5,
    3.5,
    3.2,
    3,
    3.2,
    3.2,
    3,
    2.7,
    2.2,
    1.8,
    1.6,
    1.4,
    1.2,
    0.9,
    0.5,
)
_PHONE_H = (0,) * 8 + (2.5, 3.8, 4.0, 3.6, 3.0, 3.2, 3.5, 3.3, 3.0, 2.6, 1.8, 1.2) + (0,) * 4
_CHAT_H = (0,) * 8 + (1.5, 2.5, 3.0, 3.0, 3.2, 3.2, 3.0, 3.0, 2.9, 2.8, 2.4, 2.0) + (0,) * 4


def hour_profiles() -> np.ndarray:
    """float[channel, daytype(weekday, sat, sun), 24] hour-of-day weights, 0 where closed."""
    out = np.zeros((4, 3, 24))
    sat = np.zeros(24)
    sat[9:17] = 1
    for ch, prof in enumerate((_SOCIAL_H, _PHONE_H, _EMAIL_H, _CHAT_H)):
        p = np.asarray(prof, dtype=float)
        out[ch, 0] = p
        if ch in (PHONE, CHAT):
            out[ch, 1] = p * sat
        else:
            late = np.roll(p, 1)  # weekends start an hour later
            out[ch, 1] = out[ch, 2] = late
    return out


# ---- incidents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    """An injected incident: ground truth for anomaly and root-cause work."""

    kind: str
    brand: int
    channels: tuple[int, ...]
    category: int | None
    first_day: int
    last_day: int  # inclusive
    volume: float = 1.0  # multiplier of the cell's volume (extra rows get the category)
    hours: tuple[int, int] | None = None  # local hours affected (staffing gap)


def _pick(brands: list[Brand], sector: str, default: int) -> int:
    return next((i for i, b in enumerate(brands) if b.sector == sector), default % len(brands))


def schedule_incidents(brands: list[Brand], days: int) -> list[Incident]:
    """Four incidents on different dates after a 21-day baseline (shorter periods squeeze it)."""
    if days < 28:
        return []
    base = 21 if days >= 70 else days // 3
    span = days - base - 3
    at = [base + round(f * span) for f in (0.05, 0.28, 0.45, 0.66)]
    ra_len, week = min(10, max(3, span // 7)), min(7, max(2, span // 8))
    tel, ret = _pick(brands, "telecom", 0), _pick(brands, "retail", 2)
    return [
        # the run-around agent works the largest social desk: on the poor airline's (a quarter
        # of the volume) a week's resolution drop is within the noise below ~100k interactions
        Incident("runaround_agent", tel, (SOCIAL,), None, at[0], at[0] + ra_len - 1),
        Incident("network_outage", tel, (SOCIAL,), CAT["outage"], at[1], at[1], volume=5.0),
        Incident("billing_defect", tel, (EMAIL, PHONE), CAT["billing"], at[2], at[2] + week - 1,
                 volume=2.2),
        Incident("staffing_gap", ret, (SOCIAL,), None, at[3], at[3] + week - 1, hours=(15, 23)),
    ]  # fmt: skip


# The run-around agent on its incident days: a double shift over these local hours (12 h, the
# longest shift), this share of the brand's first social replies while on, this share of them
# deflected (its usual habit is the brand's few per cent).
RUNAROUND_HOURS, RUNAROUND_TAKE, RUNAROUND_DEFLECT = (11, 23), 1.0, 0.95
# A staffing gap: one agent of three left on the evening peak, so the queue outgrows the shift;
# first responses in its hours take this many times as long (many wait for the next morning).
STAFF_GAP_WAIT = 12.0

INCIDENT_KPIS = {
    "runaround_agent": {"runaround_rate": "up", "resolution_rate": "down"},
    "network_outage": {"volume": "up", "frt_median_s": "up", "sla_met_rate": "down",
                       "negative_share": "up", "sentiment_mean": "down"},
    ("billing_defect", EMAIL): {"volume": "up", "resolution_rate": "down"},
    ("billing_defect", PHONE): {"volume": "up", "resolution_rate": "down", "answered_rate": "down"},
    "staffing_gap": {"frt_median_s": "up", "sla_met_rate": "down"},
}  # fmt: skip
