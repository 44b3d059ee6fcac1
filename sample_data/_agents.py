"""Agents, their shifts and their habits; vectorised choice of an agent on shift.

Social agents sign their tweets with 2-3 capital initials (` ^AB`); phone agents appear by
first name in the PwC `Agent` column. Every agent works one shift pattern, and a reply is only
ever given by an agent on shift at that moment (tests check the hours each agent replies in).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._calendar import WEEK_HOURS, hours_mask, wait_table
from ._profiles import QUALITY, Brand

ALL_DAYS, WEEKDAYS, WEEKEND = range(7), range(5), (5, 6)
# (days, start hour, end hour) per agent of a brand, in local time; no shift exceeds 12 h.
SOCIAL_SHIFTS = (
    [(ALL_DAYS, 7, 15)] * 2
    + [(WEEKDAYS, 9, 17)] * 3
    + [(ALL_DAYS, 15, 23)] * 3
    + [(WEEKEND, 9, 21)]
)
SOCIAL_COVER = hours_mask({d: (7, 23) for d in ALL_DAYS})
SOCIAL_WAIT = wait_table(SOCIAL_COVER)
_EARLY = {**{d: (8, 14) for d in WEEKDAYS}, 5: (9, 13)}
_LATE = {**{d: (14, 20) for d in WEEKDAYS}, 5: (13, 17)}
PHONE_SHIFTS = [_EARLY] * 3 + [{d: (11, 17) for d in WEEKDAYS}] * 3 + [_LATE] * 3
HABITUAL, INCIDENT_AGENT = 2, 6  # within a brand's social team: a day-shift and a late-shift agent
PHONE_NAMES = ["Jim", "Martha", "Diane", "Dan", "Becky", "Greg", "Joe", "Stewart", "Priya", "Tom",
               "Aisha", "Sam", "Rachel", "Kofi", "Megan", "Liam", "Sofia", "Hannah", "Ravi", "Ellie",
               "Marcus", "Nadia", "Owen", "Zara", "Ben", "Chloe", "Imran", "Kate", "Lewis", "Ruth"]  # fmt: skip
_INITIALS = ["JK", "AB", "KC", "MR", "SLT", "FR", "DW", "HSB", "LP", "TN", "RJ", "EM", "CGW", "BO",
             "NP", "AH", "VS", "JDM", "GT", "OK", "PB", "LW", "SA", "MFC", "YR", "DT", "IH"]  # fmt: skip


def _initials(n: int) -> list[str]:
    """n distinct signatures: a fixed list first, then letter pairs/triples."""
    out = list(_INITIALS[:n])
    letters = "ABCDEFGHJKLMNPRSTVW"
    i = 0
    while len(out) < n:
        a, b, c = letters[i % 19], letters[(i * 7 + 3) % 19], letters[(i // 19 + 5) % 19]
        cand = a + b + (c if i % 3 == 0 else "")
        if cand not in out:
            out.append(cand)
        i += 1
    return out


@dataclass(frozen=True)
class Team:
    """The agents of one channel across brands and who is on shift per hour of week."""

    names: list[str]  # the id as it appears in the data (signature or first name)
    brand: np.ndarray  # brand index per agent
    on: np.ndarray  # bool[agent, 168]
    table: np.ndarray  # int[brand, 168, kmax] agent ids on shift (padded)
    count: np.ndarray  # int[brand, 168]
    runaround: np.ndarray  # base run-around share per agent

    def choose(
        self,
        rng: np.random.Generator,
        brand: np.ndarray,
        how: np.ndarray,
        only_first: np.ndarray | None = None,
    ) -> np.ndarray:
        """An on-shift agent per row (only the first listed one where only_first is True)."""
        cnt = self.count[brand, how]
        if len(cnt) and cnt.min() == 0:
            raise RuntimeError("no agent on shift for a reply; the coverage push is broken")
        if only_first is not None:
            cnt = np.where(only_first, 1, cnt)
        k = (rng.random(len(brand), dtype=np.float32) * cnt).astype(np.int64)
        return self.table[brand, how, k]


def _team(
    names: list[str], brand: list[int], masks: list[np.ndarray], nb: int, runaround: np.ndarray
) -> Team:
    on = np.array(masks)
    kmax = int(max(on[np.array(brand) == b].sum(0).max() for b in range(nb)))
    table = np.zeros((nb, WEEK_HOURS, kmax), dtype=np.int64)
    count = np.zeros((nb, WEEK_HOURS), dtype=np.int64)
    for b in range(nb):
        ids = np.flatnonzero(np.array(brand) == b)
        for h in range(WEEK_HOURS):
            here = ids[on[ids, h]]
            table[b, h, : len(here)] = here
            count[b, h] = len(here)
    return Team(names, np.array(brand), on, table, count, runaround)


def social_team(brands: list[Brand]) -> Team:
    """Nine social agents per brand on early / day / late / weekend shifts."""
    k = len(SOCIAL_SHIFTS)
    sigs = _initials(k * len(brands))
    masks = [hours_mask({d: (a, b) for d in days}) for days, a, b in SOCIAL_SHIFTS] * len(brands)
    ra = np.zeros(k * len(brands))
    for i, br in enumerate(brands):
        q = QUALITY[br.quality]
        ra[i * k : (i + 1) * k] = q.runaround
        if q.habitual:
            ra[i * k + HABITUAL] = q.habitual
    return _team(sigs, [i for i in range(len(brands)) for _ in range(k)], masks, len(brands), ra)


def phone_team(brands: list[Brand]) -> Team:
    """Nine phone agents per brand on early / mid / late shifts inside opening hours."""
    k = len(PHONE_SHIFTS)
    names = [PHONE_NAMES[i % len(PHONE_NAMES)] + ("" if i < len(PHONE_NAMES) else f" {i // len(PHONE_NAMES) + 1}")
             for i in range(k * len(brands))]  # fmt: skip
    masks = [hours_mask(w) for w in PHONE_SHIFTS] * len(brands)
    return _team(
        names,
        [i for i in range(len(brands)) for _ in range(k)],
        masks,
        len(brands),
        np.zeros(k * len(brands)),
    )
