"""Seeded, vectorised generator of multichannel customer-service data in the real formats.

`generate(out_dir)` writes social_twcs.csv, phone_calls.csv, tickets.csv, surveys.csv,
identities.csv (some social customers linked to a phone / e-mail customer of the same brand) and
manifest.json (the injected incidents: ground truth for anomaly and root-cause work). The same
arguments give byte-identical files. See sample_data/README.md for calibration and formats.

Pipeline (numpy, no loop over rows): arrivals per channel, day, hour, brand and category ->
e-mail/chat tickets -> social threads -> unresolved social customers who call -> calls ->
opinions and surveys. Each file is written (pyarrow string kernels, in a worker thread) as
soon as its rows exist, while the simulation goes on.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ._agents import INCIDENT_AGENT, SOCIAL_SHIFTS, phone_team, social_team
from ._calendar import OPEN_WAIT, Calendar
from ._contact import simulate_calls, simulate_tickets
from ._files import Context, write_calls, write_surveys, write_tickets, write_twcs
from ._identities import identity_rows, write_identities
from ._profiles import (
    CATEGORIES,
    CHANNELS,
    CHAT,
    EMAIL,
    INCIDENT_KPIS,
    PHONE,
    SECTORS,
    SOCIAL,
    brand_profiles,
    schedule_incidents,
)  # fmt: skip
from ._social import simulate_social
from ._surveys import NATIVE_RATING_RATE, SLA_S, opinions, ratings, respondents, surveys
from ._text import CLASSES_KEYS, TEXTS, TONES, pick
from ._volume import allocate, repeat_calls

FILES = {"social": "social_twcs.csv", "phone": "phone_calls.csv", "tickets": "tickets.csv",
         "surveys": "surveys.csv", "manifest": "manifest.json", "identities": "identities.csv"}  # fmt: skip


@dataclass(frozen=True)
class GenerationResult:
    """What generate() wrote: file paths, row counts and the manifest."""

    paths: dict[str, Path]
    counts: dict[str, int]  # interactions per channel, plus tweets, surveys and bytes
    manifest: dict = field(default_factory=dict)


MAX_DAYS, MAX_BRANDS = 1000, 20
# The committed sample (sample_data/demo, loaded by `socialcare demo`): generate(folder,
# interactions=DEMO_INTERACTIONS) with the other defaults. 20k is about the smallest size at
# which every injected incident shows on its dates (measured: sample_data/README.md).
DEMO_INTERACTIONS = 20_000


def _brand_list(brands: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """Brand handles from a sequence or a comma-separated string, validated."""
    if brands is None:
        return None
    names = [b.strip() for b in (brands.split(",") if isinstance(brands, str) else brands)]
    if not names or any(not n or not n.replace("_", "").isalnum() for n in names):
        raise ValueError(
            "brands must be handles of letters, digits or '_', e.g. TelcoCo,AirCo,ShopCo."
        )
    if len(set(names)) != len(names) or len(names) > MAX_BRANDS:
        raise ValueError(
            f"brands must be 1 to {MAX_BRANDS} distinct handles; remove the duplicates or extras."
        )
    return tuple(names)


def _check(interactions: int, days: int) -> None:
    if interactions < 1:
        raise ValueError("interactions must be at least 1; pass a positive number such as 4000.")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}; pass e.g. 90.")


def generate(
    out_dir: Path,
    interactions: int = 4000,
    days: int = 90,
    seed: int = 7,
    brands: Sequence[str] | str | None = None,
    start: date = date(2024, 1, 1),
    incidents: bool = True,
) -> GenerationResult:
    """Generate the four source files and manifest.json into out_dir (created if missing).

    interactions counts cases over all channels (social threads, calls, tickets); days from
    `start`; brands are handles (default TelcoCo, AirCo, ShopCo; a comma-separated string
    works too); incidents=False leaves out the injected incidents. Raises ValueError with a
    one-sentence message for bad arguments."""
    _check(interactions, days)
    brands = _brand_list(brands)
    enabled = gc.isenabled()
    gc.disable()  # millions of array rows, few Python objects: the cyclic GC only costs time
    try:
        return _generate(Path(out_dir), interactions, days, seed, brands, start, incidents)
    finally:
        if enabled:
            gc.enable()


def _generate(
    out_dir: Path,
    interactions: int,
    days: int,
    seed: int,
    brands: tuple[str, ...] | None,
    start: date,
    incidents: bool,
) -> GenerationResult:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cal = Calendar.build(start, days)
    bl = brand_profiles(brands)
    incs = schedule_incidents(bl, days) if incidents else []
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    steam, pteam = social_team(bl), phone_team(bl)
    ctx = Context.build(cal, [b.name for b in bl], [b.sector for b in bl])
    paths = {k: out / v for k, v in FILES.items()}
    # Simulation runs on this thread; each file is written by a worker as soon as its rows
    # exist (the pyarrow kernels release the GIL, so writing overlaps the numpy work).
    with ThreadPoolExecutor(max_workers=3) as pool:
        social_in, phone_in, tk = allocate(rng[0], cal, bl, incs, interactions)
        # Tickets first: the largest file, its writer should start as early as possible.
        tickets = simulate_tickets(
            rng[4], cal, bl, incs, tk.channel, tk.brand, tk.t, tk.cat, tk.cx, tk.tone, tk.cust
        )
        op_t = opinions(rng[5], tickets.channel, tickets.cat, (tickets.t_first >= 0) & (
            tickets.t_first - tickets.t <= SLA_S[EMAIL]), tickets.status == 0, tickets.t_first >= 0)  # fmt: skip
        sv_t = respondents(rng[6], tickets.channel)
        t_rating = ratings(rng[6], op_t, tickets.status == 0, NATIVE_RATING_RATE["ticket"], sv_t)
        pieces = _ticket_pieces(rng[7], bl, tickets)
        jobs = [pool.submit(write_tickets, paths["tickets"], ctx, tickets, pieces, t_rating)]
        a = social_in
        soc = simulate_social(
            rng[1], cal, bl, steam, incs, a.brand, a.t, a.cat, a.cx, a.tone, a.incident, a.cust
        )
        jobs.append(pool.submit(write_twcs, paths["social"], ctx, soc, steam.names))
        a = repeat_calls(rng[2], cal, phone_in, soc, OPEN_WAIT, len(bl))
        calls = simulate_calls(rng[3], cal, bl, pteam, incs, a.brand, a.t, a.cat, a.cx, a.cust)
        op_c = opinions(rng[8], PHONE, calls.cat, calls.answered & (calls.speed <= SLA_S[PHONE]),
                        calls.resolved, calls.answered)  # fmt: skip
        sv_c = respondents(rng[9], np.full(len(calls.t), PHONE))
        c_rating = ratings(rng[9], op_c, calls.answered, NATIVE_RATING_RATE["phone"], sv_c)
        jobs.append(pool.submit(write_calls, paths["phone"], ctx, calls, pteam.names, c_rating))
        op_s = opinions(rng[10], SOCIAL, soc.cat, (soc.t_first >= 0) & (
            soc.t_first - soc.t_open <= SLA_S[SOCIAL]), soc.status == 0, soc.status != 2)  # fmt: skip
        call_end = calls.t + np.where(calls.answered, calls.speed + calls.talk, 0)
        ticket_end = np.maximum(tickets.t, np.maximum(tickets.t_first, tickets.t_res))
        s_ch = np.full(len(soc.t_open), SOCIAL)
        sv = surveys(rng[11], [(s_ch, op_s, soc.t_last, respondents(rng[10], s_ch)),
                               (np.full(len(calls.t), PHONE), op_c, call_end, sv_c),
                               (tickets.channel, op_t, ticket_end, sv_t)])  # fmt: skip
        verbatim = _verbatims(rng[11], sv.cls, sv.recommend)
        root = np.flatnonzero(soc.tw_pos == 0) + 1  # tweet id of each case's first tweet
        jobs.append(pool.submit(
            write_surveys, paths["surveys"], ctx, sv, [root, np.arange(1, len(calls.t) + 1),
                                                       np.arange(1, len(tickets.t) + 1)],
            [soc.brand, calls.brand, tickets.brand], [soc.cust, calls.cust, tickets.cust], verbatim))  # fmt: skip
        sizes = [j.result() for j in jobs]
    ident = identity_rows(seed, len(bl), soc.cust, calls.cust, tickets.cust)
    sizes.append(write_identities(paths["identities"], ident))
    manifest = _manifest(seed, interactions, days, start, bl, incs, steam.names)
    text = json.dumps(manifest, indent=2) + "\n"
    paths["manifest"].write_text(text, encoding="utf-8")
    counts = {
        "social": len(soc.t_open), "phone": len(calls.t), "email": int((tickets.channel == EMAIL).sum()),
        "chat": int((tickets.channel == CHAT).sum()), "tweets": len(soc.tw_t), "surveys": len(sv.t),
        "bytes": int(sum(sizes)) + len(text.encode()),
    }  # fmt: skip
    return GenerationResult(paths, counts, manifest)


def _verbatims(rng: np.random.Generator, cls: np.ndarray, rec: np.ndarray) -> np.ndarray:
    off, cnt = TEXTS.table(CLASSES_KEYS)
    return pick(rng, off, cnt, cls * 2 + rec.astype(np.int64))


def _ticket_pieces(rng: np.random.Generator, brands, k) -> np.ndarray:
    """int[8, tickets]: opener, body, detail, closer, subject, resolution, product, type."""
    sector = np.array([SECTORS.index(b.sector) for b in brands])[k.brand]
    o_off, o_cnt = TEXTS.table([("open", t) for t in TONES])
    e_off, e_cnt = TEXTS.table([("eclose", t) for t in TONES])
    b_off, b_cnt = TEXTS.table([("body", s, c) for s in SECTORS for c in CATEGORIES])
    d_off, d_cnt = TEXTS.table(["edetail"])
    s_off, s_cnt = TEXTS.table([("subject", c) for c in CATEGORIES])
    r_off, r_cnt = TEXTS.table([("resolution", c) for c in CATEGORIES])
    p_off, p_cnt = TEXTS.table([("product", s) for s in SECTORS])
    t_off, _ = TEXTS.table([("ttype", c) for c in CATEGORIES])
    n = len(k.t)
    word = rng.integers(0, 1 << 62, n, dtype=np.int64)  # one random word, 10 bits per choice

    def part(i: int, off: np.ndarray, cnt: np.ndarray, g: np.ndarray) -> np.ndarray:
        return off[g] + (((word >> (10 * i)) & 1023) * cnt[g] >> 10)

    return np.stack([
        part(0, o_off, o_cnt, k.tone), part(1, b_off, b_cnt, sector * len(CATEGORIES) + k.cat),
        part(2, d_off, d_cnt, np.zeros(n, dtype=np.int64)), part(3, e_off, e_cnt, k.tone),
        part(4, s_off, s_cnt, k.cat), part(5, r_off, r_cnt, k.cat),
        p_off[sector] + (k.cust * 13) % p_cnt[sector], t_off[k.cat],
    ]).astype(np.int32)  # fmt: skip


def _manifest(seed, interactions, days, start, brands, incs, signatures) -> dict:
    rows = []
    k = len(SOCIAL_SHIFTS)
    for inc in incs:
        agent = shift = None
        if inc.kind == "runaround_agent":
            agent = signatures[inc.brand * k + INCIDENT_AGENT]
        if inc.hours is not None:  # local hours [from, to) and the agents of that shift
            shift = {
                "hours": list(inc.hours),
                "agents": [
                    signatures[inc.brand * k + i]
                    for i, (_, a, b) in enumerate(SOCIAL_SHIFTS)
                    if (a, b) == inc.hours
                ],
            }
        for ch in inc.channels:
            rows.append({
                "kind": inc.kind, "brand": brands[inc.brand].name, "channel": CHANNELS[ch],
                "category": CATEGORIES[inc.category] if inc.category is not None else None, "agent": agent,
                "shift": shift,
                "start": (start + timedelta(days=inc.first_day)).isoformat(),
                "end": (start + timedelta(days=inc.last_day)).isoformat(),
                "kpis": dict(INCIDENT_KPIS.get((inc.kind, ch), INCIDENT_KPIS.get(inc.kind))),
            })  # fmt: skip
    return {"seed": seed, "interactions": interactions, "days": days, "start": start.isoformat(),
            "brands": [b.name for b in brands], "incidents": rows}  # fmt: skip
