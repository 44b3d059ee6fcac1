"""Social cases (TWCS threads): first response, reply type, outcome, and the tweets of a case.

A case is a fixed *shape*: a short sequence of tweet kinds (customer opens, agent answers,
customer thanks, ...). The shape fixes the status the contract's rules derive from the text
(docs/contracts.md, social-case rules), so the ground truth and the files always agree.
Tweets are built per position (at most 5 positions), vectorised over all cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._agents import INCIDENT_AGENT, SOCIAL_SHIFTS, SOCIAL_WAIT, Team
from ._calendar import DAY, HOUR, Calendar
from ._draw import lognormal
from ._profiles import (
    CAT,
    CATEGORIES,
    PRIVATE_CX,
    PRIVATE_P,
    QUALITY,
    RESOLVE_CX,
    RUNAROUND_DEFLECT,
    RUNAROUND_HOURS,
    RUNAROUND_TAKE,
    SECTORS,
    STAFF_GAP_WAIT,
    Brand,
    Incident,
)
from ._text import TEXTS, TONES, pick

STATUS = ("resolved", "open", "unanswered", "private")
(C_OPEN, C_THANKS, C_STILL, C_NOCALL, C_DMSENT, C_DETAIL, C_REOPEN, C_CHASE, C_PTHANKS,
 A_ANSWER, A_ASK, A_PRIVATE, A_RUN, A_PHONE, A_FOLLOW, A_CLOSE, A_SORRY) = range(17)  # fmt: skip
_KIND_GROUP = ["", "thanks", "still", "nocall", "dmsent", "detail", "reopen", "chase", "praise_thanks",
               "", "ask", "private", "runaround", "phone", "followup", "close", "sorry"]  # fmt: skip
SHAPES = [  # (kinds, status)
    ([C_OPEN], 2), ([C_OPEN, C_CHASE], 2),
    ([C_OPEN, A_ANSWER, C_THANKS], 0), ([C_OPEN, A_ANSWER, C_THANKS, A_CLOSE], 0),
    ([C_OPEN, A_ASK, C_DETAIL, A_FOLLOW, C_THANKS], 0),
    ([C_OPEN, A_ANSWER], 1), ([C_OPEN, A_ANSWER, C_STILL, A_SORRY], 1),
    ([C_OPEN, A_ASK, C_DETAIL, A_FOLLOW, C_STILL], 1),
    ([C_OPEN, A_PRIVATE, C_DMSENT], 3), ([C_OPEN, A_PRIVATE, C_DMSENT, C_THANKS], 0),
    ([C_OPEN, A_RUN, C_NOCALL], 1), ([C_OPEN, A_RUN], 1), ([C_OPEN, A_PHONE], 1),
    ([C_OPEN, A_ANSWER, C_THANKS, C_REOPEN], 1), ([C_OPEN, A_ANSWER, C_PTHANKS], 0),
    ([C_OPEN, A_ASK], 1), ([C_OPEN, A_PRIVATE], 3),
]  # fmt: skip
MAXLEN = max(len(k) for k, _ in SHAPES)
SHAPE_LEN = np.array([len(k) for k, _ in SHAPES])
SHAPE_KIND = np.array([k + [-1] * (MAXLEN - len(k)) for k, _ in SHAPES])
SHAPE_STATUS = np.array([s for _, s in SHAPES])
RUNAROUND_SHAPES = np.array([10, 11])
# Gaps before later tweets (median s, log-sd): chase, reopen, thanks after DM, other customer, agent.
GAP_MEDIAN = np.array([3 * HOUR, 20 * HOUR, 5 * HOUR, 900, 600])
GAP_SIGMA = np.array([0.8, 0.7, 1.0, 1.1, 1.0])
PHONE_SHAPES = np.array([12])


@dataclass(frozen=True)
class SocialCases:
    """Per-case outcome and per-tweet rows (tweets ordered by case, then position)."""

    brand: np.ndarray
    cust: np.ndarray
    cat: np.ndarray
    cx: np.ndarray
    t_open: np.ndarray
    t_first: np.ndarray  # first agent reply, -1 when unanswered
    t_resolved: np.ndarray  # the customer's resolution tweet, -1 when not resolved
    t_last: np.ndarray
    status: np.ndarray  # index into STATUS
    shape: np.ndarray
    tw_case: np.ndarray
    tw_pos: np.ndarray
    tw_inbound: np.ndarray
    tw_t: np.ndarray
    tw_agent: np.ndarray  # -1 for customer tweets
    tw_piece: np.ndarray  # int[3, tweets] indices into TEXTS


def simulate_social(
    rng: np.random.Generator,
    cal: Calendar,
    brands: list[Brand],
    team: Team,
    incidents: list[Incident],
    brand: np.ndarray,
    t_open: np.ndarray,
    cat: np.ndarray,
    cx: np.ndarray,
    tone: np.ndarray,
    outage: np.ndarray,
    cust: np.ndarray,
) -> SocialCases:
    """Simulate the social cases given their arrival, brand, category, complexity and tone."""
    n = len(brand)
    q = [QUALITY[b.quality] for b in brands]
    answer_p = np.array([x.social_answer for x in q])[brand] * np.where(outage, 0.85, 1.0)
    answered = rng.random(n, dtype=np.float32) < answer_p
    # First response: lognormal in business hours, slower outside them, none at night.
    jit = rng.integers(0, 1200, n)
    start = cal.push_into(t_open, SOCIAL_WAIT, jit)
    mult = np.where(cal.is_open(start), 1.0, 2.2) * np.where(outage, 4.0, 1.0)
    day, hour = t_open // DAY, t_open % DAY // HOUR
    staff = np.zeros(n, dtype=bool)
    for inc in incidents:
        if inc.kind == "staffing_gap":
            staff |= (brand == inc.brand) & (day >= inc.first_day) & (day <= inc.last_day) & (
                hour >= inc.hours[0]) & (hour < inc.hours[1])  # fmt: skip
    mult *= np.where(staff, STAFF_GAP_WAIT, 1.0)  # two of the three late-shift agents missing
    base = lognormal(rng, np.array([x.social_frt_s for x in q])[brand], 1.0, n)
    reply = cal.push_into(start + np.maximum(60, base * mult).astype(np.int64), SOCIAL_WAIT, jit)
    agent = team.choose(rng, brand, cal.how(reply), _short_staffed(incidents, brand, reply))
    # Reply type: run-around (agent habit), private (playbook), phone, ask for details, answer.
    ra = team.runaround[agent]
    for inc in incidents:
        if inc.kind == "runaround_agent":
            # The agent works a double shift (RUNAROUND_HOURS, 12 h) on the incident's days, runs
            # the brand's social desk nearly alone (90 % of its first replies while on) and
            # deflects most of them; a deflected case is left open (shapes 10 and 11).
            rday, rhour = reply // DAY, reply % DAY // HOUR
            who = inc.brand * len(SOCIAL_SHIFTS) + INCIDENT_AGENT
            window = (brand == inc.brand) & (rday >= inc.first_day) & (rday <= inc.last_day)
            on = window & (rhour >= RUNAROUND_HOURS[0]) & (rhour < RUNAROUND_HOURS[1])
            agent = np.where(on & (rng.random(n, dtype=np.float32) < RUNAROUND_TAKE), who, agent)
            ra = np.where(window & (agent == who), RUNAROUND_DEFLECT, team.runaround[agent])
    p_priv = np.minimum(0.9, PRIVATE_P[cat] * PRIVATE_CX[cx])
    hard = (cx == 3) & np.isin(cat, [CAT["technical"], CAT["outage"], CAT["account"]])
    p_phone = np.where(hard, 0.2, 0.01)
    u = rng.random((5, n), dtype=np.float32)
    rtype = np.select([u[0] < ra, u[1] < p_priv, u[2] < p_phone, u[3] < 0.18], [3, 2, 4, 1], 0)
    praise = cat == CAT["praise"]
    rtype = np.where(praise, 0, rtype)
    p_res = np.array([x.resolve for x in q])[brand] * RESOLVE_CX[cx] * np.where(outage, 0.5, 1.0)
    v = rng.random((4, n), dtype=np.float32)
    resolved = v[0] < np.minimum(0.97, p_res * np.where(rtype == 1, 0.95, 1.0))
    split = v[1]
    shape = np.select(
        [~answered & (v[2] < 0.3), ~answered, praise & (split < 0.55), praise,
         (rtype == 3) & (split < 0.5), rtype == 3, rtype == 4,
         (rtype == 2) & (v[2] < 0.3), (rtype == 2) & (split < 0.75), rtype == 2,
         (rtype == 1) & resolved, (rtype == 1) & (split < 0.6), rtype == 1,
         resolved & (v[3] < 0.04), resolved & (split < 0.6), resolved, split < 0.45],
        [1, 0, 14, 5, 10, 11, 12, 9, 8, 16, 4, 7, 15, 13, 2, 3, 5], 6)  # fmt: skip
    return _tweets(
        rng, cal, brands, team, incidents, brand, t_open, cat, cx, tone, cust, shape, reply, agent
    )


def _short_staffed(incidents: list[Incident], brand: np.ndarray, t: np.ndarray) -> np.ndarray:
    """True where a reply falls in the evening hours of a staffing gap (one agent left)."""
    out = np.zeros(len(t), dtype=bool)
    day, hour = t // DAY, t % DAY // HOUR
    for inc in incidents:
        if inc.kind == "staffing_gap":
            out |= (brand == inc.brand) & (day >= inc.first_day) & (day <= inc.last_day) & (
                hour >= inc.hours[0]) & (hour < inc.hours[1])  # fmt: skip
    return out


def _tweets(
    rng, cal, brands, team, incidents, brand, t_open, cat, cx, tone, cust, shape, reply, agent0
):
    n = len(brand)
    length = SHAPE_LEN[shape]
    first = np.concatenate([[0], np.cumsum(length)[:-1]])
    total = int(length.sum())
    case = np.repeat(np.arange(n), length)
    pos = np.arange(total) - first[case]
    kind = SHAPE_KIND[shape[case], pos]
    inbound = kind < A_ANSWER
    t = np.zeros(total, dtype=np.int64)
    agent = np.full(total, -1, dtype=np.int64)
    t[first] = t_open
    qf = np.array([QUALITY[b.quality].social_frt_s / 1800 for b in brands])
    for p in range(1, MAXLEN):
        rows = first[length > p] + p
        c, k, prev = case[rows], kind[rows], kind[rows - 1]
        m = len(rows)
        gi = np.select(
            [k == C_CHASE, k == C_REOPEN, (k == C_THANKS) & (prev == C_DMSENT), k < A_ANSWER],
            [0, 1, 2, 3],
            4,
        )
        med = np.where(gi == 4, 600 * qf[brand[c]], GAP_MEDIAN[gi])
        gap = lognormal(rng, med, GAP_SIGMA[gi], m)
        tp = t[rows - 1] + np.maximum(30, gap).astype(np.int64)
        is_agent = k >= A_ANSWER
        if p == 1:
            tp = np.where(is_agent, reply[c], tp)
        else:
            tp = np.where(is_agent, cal.push_into(tp, SOCIAL_WAIT, rng.integers(0, 900, m)), tp)
        t[rows] = tp
        # The case's agent keeps it while on shift; otherwise (or 5 % of the time) hand over.
        ar, ac, at = rows[is_agent], c[is_agent], tp[is_agent]
        keep = (p == 1) | (
            team.on[agent0[ac], cal.how(at)] & (rng.random(len(ar), dtype=np.float32) >= 0.05)
        )
        other = team.choose(rng, brand[ac], cal.how(at), _short_staffed(incidents, brand[ac], at))
        agent[ar] = np.where(keep, agent0[ac], other)
    piece = np.zeros((3, total), dtype=np.int64)
    sector = np.array([SECTORS.index(b.sector) for b in brands])[brand]
    o_off, o_cnt = TEXTS.table([("open", x) for x in TONES])
    c_off, c_cnt = TEXTS.table([("close", x) for x in TONES])
    b_off, b_cnt = TEXTS.table([("body", s, c) for s in SECTORS for c in CATEGORIES])
    a_off, a_cnt = TEXTS.table([("answer", s, c) for s in SECTORS for c in CATEGORIES])
    k_off, k_cnt = TEXTS.table(_KIND_GROUP)
    r = rng.random((3, total), dtype=np.float32)
    piece[0] = k_off[kind] + (r[0] * k_cnt[kind]).astype(np.int64)
    ans = kind == A_ANSWER
    piece[0, ans] = pick(rng, a_off, a_cnt, sector[case[ans]] * len(CATEGORIES) + cat[case[ans]])
    tc = tone[case[first]]
    piece[0, first] = o_off[tc] + (r[0, first] * o_cnt[tc]).astype(np.int64)
    piece[1, first] = pick(rng, b_off, b_cnt, sector * len(CATEGORIES) + cat)
    piece[2, first] = c_off[tc] + (r[2, first] * c_cnt[tc]).astype(np.int64)
    last = first + length - 1
    status = SHAPE_STATUS[shape]
    t_first = np.where(status != 2, t[np.minimum(first + 1, total - 1)], -1)
    last_in = np.maximum.reduceat(np.where(inbound, np.arange(total), -1), first)
    t_res = np.where(status == 0, t[last_in], -1)
    return SocialCases(
        brand,
        cust,
        cat,
        cx,
        t_open,
        t_first,
        t_res,
        t[last],
        status,
        shape,
        case,
        pos,
        inbound,
        t,
        agent,
        piece,
    )
