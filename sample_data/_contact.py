"""Contact-centre channels: phone calls (PwC format) and e-mail / chat tickets (Kaggle format)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._agents import Team
from ._calendar import DAY, HOUR, OPEN_WAIT, Calendar
from ._draw import lognormal
from ._profiles import CAT, EMAIL, QUALITY, RESOLVE_CX, Brand, Incident

TALK_S = np.array([0, 150, 260, 420])  # median handle time by complexity
BILLING_QUEUE_WAIT, OTHER_QUEUE_WAIT = 3.0, 1.2  # wait multipliers in a billing defect
TICKET_STATUS = ("Closed", "Pending Customer Response", "Open")


def billing_window(
    incidents: list[Incident], channel: int, brand: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """True for rows of the billing-defect incident's brand, channel and days."""
    out = np.zeros(len(t), dtype=bool)
    day = t // DAY
    for inc in incidents:
        if inc.kind == "billing_defect" and channel in inc.channels:
            out |= (brand == inc.brand) & (day >= inc.first_day) & (day <= inc.last_day)
    return out


@dataclass(frozen=True)
class Calls:
    """One row per phone call, sorted by call time."""

    brand: np.ndarray
    cust: np.ndarray
    cat: np.ndarray
    cx: np.ndarray
    t: np.ndarray  # call placed (local seconds)
    answered: np.ndarray
    speed: np.ndarray  # seconds to answer (answered calls)
    talk: np.ndarray  # handle time seconds (answered calls)
    resolved: np.ndarray
    agent: np.ndarray


def simulate_calls(
    rng: np.random.Generator,
    cal: Calendar,
    brands: list[Brand],
    team: Team,
    incidents: list[Incident],
    brand,
    t,
    cat,
    cx,
    cust,
) -> Calls:
    """Speed of answer, abandonment, handle time, resolution and agent of each call."""
    n = len(t)
    q = [QUALITY[b.quality] for b in brands]
    defect = billing_window(incidents, 1, brand, t)
    hour, dow = t % DAY // HOUR, cal.dow(t // DAY)
    # Calls are routed by topic (IVR) to skill queues: in a billing defect the billing queue is
    # flooded (its callers wait 3x as long), the others lose a few agents to it (1.2x).
    skill = np.where(cat == CAT["billing"], BILLING_QUEUE_WAIT, OTHER_QUEUE_WAIT)
    mult = (
        np.where(hour >= 18, 1.6, 1.0) * np.where(dow == 5, 1.3, 1.0) * np.where(defect, skill, 1.0)
    )
    wait = lognormal(rng, np.array([x.phone_wait_s for x in q])[brand], 0.75, n) * mult
    patience = 30 + rng.exponential(400, n)
    answered = (wait <= patience) & (wait <= 300)
    speed = np.clip(np.round(wait), 10, 300).astype(np.int64)
    agent = team.choose(
        rng, brand, cal.how(t)
    )  # routed to an agent on shift when the call comes in
    p = np.minimum(0.97, (np.array([x.resolve for x in q])[brand] + 0.1) * RESOLVE_CX[cx])
    p = p * np.where(defect & (cat == CAT["billing"]), 0.35, 1.0)
    resolved = answered & (rng.random(n, dtype=np.float32) < p)
    talk = np.clip(lognormal(rng, TALK_S[cx], 0.45, n), 30, 3600).astype(np.int64)
    return Calls(brand, cust, cat, cx, t, answered, speed, talk, resolved, agent)


@dataclass(frozen=True)
class Tickets:
    """One row per e-mail or chat ticket, sorted by creation time."""

    channel: np.ndarray  # EMAIL or CHAT
    brand: np.ndarray
    cust: np.ndarray
    cat: np.ndarray
    cx: np.ndarray
    tone: np.ndarray
    t: np.ndarray  # created
    t_first: np.ndarray  # first response, -1 when none (Open)
    t_res: np.ndarray  # resolution, -1 unless Closed
    status: np.ndarray  # index into TICKET_STATUS
    priority: np.ndarray  # 0 Low .. 3 Critical


def simulate_tickets(
    rng: np.random.Generator,
    cal: Calendar,
    brands: list[Brand],
    incidents: list[Incident],
    channel,
    brand,
    t,
    cat,
    cx,
    tone,
    cust,
) -> Tickets:
    """First response and resolution of tickets; the export is a snapshot at the period's end."""
    n = len(t)
    q = [QUALITY[b.quality] for b in brands]
    email = channel == EMAIL
    defect = billing_window(incidents, EMAIL, brand, t) & email
    jit = rng.integers(0, 1800, n)
    start = np.where(email, cal.push_into(t, OPEN_WAIT, jit), t)  # e-mail waits for opening
    med = np.where(
        email,
        np.array([x.email_frt_h * HOUR for x in q])[brand] * np.where(defect, 1.5, 1.0),
        np.array([x.chat_frt_s for x in q])[brand] * np.where(t % DAY // HOUR >= 18, 1.5, 1.0),
    )
    delay = lognormal(rng, med, np.where(email, 0.9, 0.8), n)
    first = start + np.maximum(20, delay).astype(np.int64)
    first = np.where(email, cal.push_into(first, OPEN_WAIT, jit), first)
    unanswered = rng.random(n, dtype=np.float32) < np.array([x.unanswered_ticket for x in q])[
        brand
    ] * np.where(email, 1.0, 0.6)
    unanswered |= first >= cal.end
    p = np.array([x.resolve for x in q])[brand] * RESOLVE_CX[cx] + np.where(email, 0.0, 0.05)
    p = np.minimum(0.97, p) * np.where(defect & (cat == CAT["billing"]), 0.35, 1.0)
    res_delay = lognormal(rng, np.where(email, 20.0 * HOUR, 600.0), np.where(email, 1.2, 0.9), n)
    t_res = first + np.maximum(60, res_delay).astype(np.int64)
    t_res = np.where(email, cal.push_into(t_res, OPEN_WAIT, jit), t_res)
    resolved = ~unanswered & (rng.random(n, dtype=np.float32) < p) & (t_res < cal.end)
    status = np.where(resolved, 0, np.where(unanswered, 2, 1))
    prio = np.clip(cx - 1 + (tone == 0) + (rng.random(n, dtype=np.float32) < 0.35), 0, 3)
    return Tickets(
        channel,
        brand,
        cust,
        cat,
        cx,
        tone,
        t,
        np.where(unanswered, -1, first),
        np.where(resolved, t_res, -1),
        status,
        prio,
    )
