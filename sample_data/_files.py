"""The four output files in the formats of the real sources (shared/data/real/README.md).

- social_twcs.csv: TWCS (`Tue Oct 31 22:10:47 +0000 2017`, inbound `True`/`False`);
- phone_calls.csv: PwC call centre (`Time` 9:12:58, `AvgTalkDuration` 0:02:23, blanks for
  abandoned calls) + `Customer Id`, `Brand`;
- tickets.csv: Kaggle ticket export (timestamps `YYYY-MM-DD HH:MM:SS`, rating `4.0`) +
  `Customer Id`, `Brand`, `Created At`;
- surveys.csv: the generic survey CSV of docs/contracts.md.
All timestamps are UTC. Each row is joined from ~10-16 pieces, most of them one `take` from a
table of pre-joined fields (with their commas) built once per run by `cross`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._calendar import DAY, MARGIN_DAYS, Calendar, DayTables, hms_table
from ._contact import TICKET_STATUS, Calls, Tickets
from ._csv import cross, csv_field, ints, masked, take, write_csv
from ._profiles import CATEGORIES, CHANNELS, CHAT
from ._social import SocialCases
from ._surveys import Surveys
from ._text import (
    CLOSER_BLOCK,
    ECLOSE_BLOCK,
    FIRST_NAMES,
    LAST_NAMES,
    OPENER_BLOCK,
    PRODUCTS,
    SECTORS,
    TEXTS,
    TWEET_BLOCK,
    body_block,
    sentence,
)  # fmt: skip

TWCS_HEADER = ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id",
               "in_response_to_tweet_id"]  # fmt: skip
CALLS_HEADER = ["Call Id", "Agent", "Date", "Time", "Topic", "Answered (Y/N)", "Resolved",
                "Speed of answer in seconds", "AvgTalkDuration", "Satisfaction rating", "Customer Id", "Brand"]  # fmt: skip
TICKETS_HEADER = ["Ticket ID", "Customer Name", "Customer Email", "Customer Age", "Customer Gender",
                  "Product Purchased", "Date of Purchase", "Ticket Type", "Ticket Subject", "Ticket Description",
                  "Ticket Status", "Resolution", "Ticket Priority", "Ticket Channel", "First Response Time",
                  "Time to Resolution", "Customer Satisfaction Rating", "Customer Id", "Brand", "Created At"]  # fmt: skip
SURVEYS_HEADER = ["survey_id", "interaction_id", "customer_id", "channel", "brand", "responded_at", "csat",
                  "nps", "would_recommend", "verbatim"]  # fmt: skip
N_NAMES = len(FIRST_NAMES) * len(LAST_NAMES)


def _s(values) -> pa.Array:
    return pa.array(list(values), pa.string())


def _tx(lo: int, hi: int) -> pa.Array:
    return TEXTS.array.slice(lo, hi - lo)


@cache
def _digits4(suffix: str) -> pa.Array:
    return _s(f"{i:04d}{suffix}" for i in range(10000))


@cache
def _hms_with(pad: bool, suffix: str) -> pa.Array:
    return cross(hms_table(pad), [suffix])


@cache
def _hms_rating() -> pa.Array:
    """'HH:MM:SS,' (or ',' at index 86400) followed by a ticket rating ('', '1.0'..'5.0') and ','."""
    return cross(
        pa.concat_arrays([_hms_with(True, ","), _s([","])]),
        ["", "1.0", "2.0", "3.0", "4.0", "5.0"],
        [","],
    )


def _field(s: str) -> str:
    """Minimal CSV quoting of one template-built string (templates never contain '"')."""
    return f'"{s}"' if "," in s or "\n" in s else s


def _prefixed_ids(prefix: str, n: int) -> pa.Array:
    """prefix + the high digits of a zero-padded 8-digit id; the low 4 come from _digits4."""
    return _s(f"{prefix}{k:04d}" for k in range(n // 10000 + 1))


@dataclass(frozen=True)
class Context:
    """What every writer needs: calendar, brand handles, day tables."""

    cal: Calendar
    names: list[str]
    sectors: list[str]
    days: DayTables
    ndays: int

    @classmethod
    def build(cls, cal: Calendar, brand_names: list[str], sectors: list[str]) -> Context:
        """Day tables from 420 days before the start (purchase dates) to after the margin."""
        days = DayTables.build(cal.start, -420, cal.days + MARGIN_DAYS + 2)
        return cls(cal, brand_names, sectors, days, len(days.iso))

    def stamp(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(day-table index, second-of-day) of local times, converted to UTC."""
        day, sod = np.divmod(self.cal.to_utc(t), DAY)
        return np.minimum(day - self.days.first, self.ndays - 1), sod  # (clamp: a far tail)


def write_twcs(path: Path, ctx: Context, s: SocialCases, signatures: list[str]) -> int:
    """social_twcs.csv: one row per tweet, linked by reply ids."""
    nb, na = len(ctx.names), len(signatures)
    o0, o1 = OPENER_BLOCK
    c0, c1 = CLOSER_BLOCK
    w0, w1 = TWEET_BLOCK
    # Customer texts: first tweets (brand x opener x body x closer), then follow-ups (brand x template).
    parts, first_base, bodies = [], [], []
    for b in range(nb):
        b0, b1 = body_block(ctx.sectors[b])
        first_base.append(sum(len(p) for p in parts))
        bodies.append((b0, b1 - b0))
        parts.append(_s(_field(f"@{ctx.names[b]} {sentence(o, x)}{e}") + "," for o in TEXTS.strings[o0:o1]
                        for x in TEXTS.strings[b0:b1] for e in TEXTS.strings[c0:c1]))  # fmt: skip
    follow_base = sum(len(p) for p in parts)
    parts.append(_s(_field(f"@{n} {x}") + "," for n in ctx.names for x in TEXTS.strings[w0:w1]))
    text_in = pa.concat_arrays(parts)
    need = TEXTS.quote[w0:w1]
    head_out = _s(["@", '"@'])
    sigs = [" ^" + x for x in signatures]  # agent tail: ' ' + template + signature + closing quote
    tail = pc.if_else(
        pa.array(np.repeat(need, na)),
        cross([" "], _tx(w0, w1), sigs, ['",']),
        cross([" "], _tx(w0, w1), sigs, [","]),
    )
    r0 = -1 - ctx.days.first  # tweets fall between the day before the start and the margin's end
    nd = ctx.ndays - r0
    created_a = cross(
        ["", ",True,"],
        ctx.days.tw_prefix.slice(r0),
        [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)],
    )
    created_b = cross([f"{x:02d}" for x in range(60)], ctx.days.tw_suffix.slice(r0), [","])
    head_brand = _s([f",{n},False," for n in ctx.names] + [","])
    fb, fn = np.array(first_base), np.array(bodies)
    nc = c1 - c0
    n = len(s.tw_t)

    def build(lo: int, hi: int) -> list:
        inb, case, pos = s.tw_inbound[lo:hi], s.tw_case[lo:hi], s.tw_pos[lo:hi]
        nxt = s.tw_pos[lo + 1 : hi + 1]
        last = np.ones(hi - lo, dtype=bool)  # the last tweet of a case has no response
        last[: len(nxt)] = nxt == 0
        brand, cust = s.brand[case], s.cust[case]
        p = s.tw_piece[:, lo:hi]
        d, sod = ctx.stamp(s.tw_t[lo:hi])
        d = d - r0
        opening = inb & (pos == 0)
        t_first = fb[brand] + ((p[0] - o0) * fn[brand, 1] + p[1] - fn[brand, 0]) * nc + p[2] - c0
        t_follow = follow_base + brand * (w1 - w0) + p[0] - w0
        agent = np.maximum(s.tw_agent[lo:hi], 0)
        tq = np.where(inb, 0, p[0] - w0)
        ids = ints(np.arange(lo, hi + 2))  # one cast: id, response id and replied-to id are views
        cs = ints(cust)
        return [
            ids.slice(1, hi - lo), take(head_brand, np.where(inb, nb, brand)), masked(cs, ~inb),
            take(created_a, (inb * nd + d) * 1440 + sod // 60), take(created_b, (sod % 60) * nd + d),
            take(text_in, np.where(opening, t_first, t_follow), ~inb), take(head_out, need[tq], inb),
            masked(cs, inb), take(tail, tq * na + agent, inb), masked(ids.slice(2, hi - lo), last), ",",
            masked(ids.slice(0, hi - lo), pos == 0), "\n",
        ]  # fmt: skip

    return write_csv(path, TWCS_HEADER, n, 190, build)


def write_calls(path: Path, ctx: Context, c: Calls, agents: list[str], rating: np.ndarray) -> int:
    """phone_calls.csv: PwC columns; abandoned calls leave speed, talk time and rating blank."""
    n = len(c.t)
    ids = _prefixed_ids("ID", n)
    agent_day = cross(agents, [","], ctx.days.iso, [","])
    topic = cross(
        [TEXTS.strings[TEXTS.groups[("topic", k)][0]] for k in CATEGORIES],
        [",N,N,", ",Y,N,", ",Y,Y,"],
    )
    talk = pa.concat_arrays([cross([","], hms_table(False).slice(0, 3601), [","]), _s([",,"])])
    rate = _s(["", "1", "2", "3", "4", "5"])
    rate = cross(rate, [","])
    brand = _s([f",{x}\n" for x in ctx.names])
    time = _hms_with(False, ",")

    def build(lo: int, hi: int) -> list:
        k = np.arange(lo + 1, hi + 1)
        ans = c.answered[lo:hi]
        d, sod = ctx.stamp(c.t[lo:hi])
        return [
            take(ids, k // 10000), take(_digits4(","), k % 10000), take(agent_day, c.agent[lo:hi] * ctx.ndays + d),
            take(time, sod), take(topic, c.cat[lo:hi] * 3 + ans + c.resolved[lo:hi]), ints(c.speed[lo:hi], ~ans),
            take(talk, np.where(ans, c.talk[lo:hi], 3601)), take(rate, rating[lo:hi]), ints(c.cust[lo:hi]),
            take(brand, c.brand[lo:hi]),
        ]  # fmt: skip

    return write_csv(path, CALLS_HEADER, n, 80, build)


def write_tickets(
    path: Path, ctx: Context, k: Tickets, pieces: np.ndarray, rating: np.ndarray
) -> int:
    """tickets.csv: Kaggle columns (e-mail and chat only) + Customer Id, Brand, Created At."""
    n = len(k.t)
    o0, o1 = OPENER_BLOCK
    e0, e1 = ECLOSE_BLOCK
    b0, b1 = body_block(SECTORS[0])[0], body_block(SECTORS[-1])[1]
    d0, d1 = TEXTS.groups["edetail"][0], TEXTS.groups["edetail"][0] + TEXTS.groups["edetail"][1]
    names = _s(f",{f} {x},{f.lower()}.{x.lower()}" for f in FIRST_NAMES for x in LAST_NAMES)
    mail = cross(
        [f"{i:03d}" for i in range(1000)], ["@example.com,", "@example.org,", "@example.net,"]
    )
    products = [p for s in SECTORS for p in PRODUCTS[s]]
    p0 = TEXTS.groups[("product", SECTORS[0])][0]
    agp = cross(
        [f"{a}," for a in range(18, 71)],
        ["Male,", "Female,", "Other,"],
        csv_field(_s(products)),
        [","],
    )
    dates = cross(ctx.days.iso, [","])
    ts = _s(f"{_ticket_type(c)},{x}," for c in CATEGORIES for x in _group(("subject", c)))
    subj_map = _ordinals([("subject", c) for c in CATEGORIES])
    ts_desc = _s(
        f'{t}"{sentence(o, x)}'
        for t in ts.to_pylist()
        for o in TEXTS.strings[o0:o1]
        for x in TEXTS.strings[b0:b1]
    )  # type, subject, description opening
    res_flat = [x for c in CATEGORIES for x in _group(("resolution", c))]
    res_map = _ordinals([("resolution", c) for c in CATEGORIES])
    status = pa.concat_arrays([cross([f"{TICKET_STATUS[0]},"], csv_field(_s(res_flat))),
                               _s([f"{x}," for x in TICKET_STATUS[1:]])])  # fmt: skip
    n_srpc = len(status) * 8
    desc_srpc = cross(
        _tx(d0, d1),
        _tx(e0, e1),
        ['",'],
        status,
        [",Low,", ",Medium,", ",High,", ",Critical,"],
        ["Email,", "Chat,"],
    )  # description end, status, resolution, priority, channel
    sp = cross(ctx.days.iso, [" "])
    hms_c = pa.concat_arrays([_hms_with(True, ","), _s([","])])
    hms_rate = _hms_rating()
    brand_day = cross([f",{x}," for x in ctx.names], ctx.days.iso, [" "])
    hms_nl = _hms_with(True, "\n")
    nst = len(res_flat)

    def build(lo: int, hi: int) -> list:
        cust = k.cust[lo:hi]
        nidx = (cust * 2654435761) % N_NAMES
        d, sod = ctx.stamp(k.t[lo:hi])
        first, resd = k.t_first[lo:hi], k.t_res[lo:hi]
        fd, fs = ctx.stamp(np.maximum(first, 0))
        rd, rs = ctx.stamp(np.maximum(resd, 0))
        nof, nor = first < 0, resd < 0
        day = k.t[lo:hi] // DAY - ctx.days.first
        p = pieces[:, lo:hi]
        st = k.status[lo:hi]
        st_ix = np.where(st == 0, res_map[p[5]], nst + st - 1)
        return [
            ints(np.arange(lo + 1, hi + 1)), take(names, nidx), take(mail, cust % 3000),
            take(agp, (((cust * 7919) % 53) * 3 + (cust * 31) % 100 // 48) * len(products) + p[6] - p0),
            take(dates, day - 1 - (cust * 17) % 400),
            take(ts_desc, (subj_map[p[4]] * (o1 - o0) + p[0] - o0) * (b1 - b0) + p[1] - b0),
            take(desc_srpc, ((p[2] - d0) * (e1 - e0) + p[3] - e0) * n_srpc
                 + (st_ix * 4 + k.priority[lo:hi]) * 2 + (k.channel[lo:hi] == CHAT)),
            take(sp, fd, nof), take(hms_c, np.where(nof, 86400, fs)), take(sp, rd, nor),
            take(hms_rate, np.where(nor, 86400, rs) * 6 + rating[lo:hi]), ints(cust),
            take(brand_day, k.brand[lo:hi] * ctx.ndays + d), take(hms_nl, sod),
        ]  # fmt: skip

    return write_csv(path, TICKETS_HEADER, n, 420, build)


def _ticket_type(cat: str) -> str:
    return TEXTS.strings[TEXTS.groups[("ttype", cat)][0]]


def _ordinals(keys: list) -> np.ndarray:
    """Map from TEXTS index to the position among the strings of the given groups, in order."""
    out = np.zeros(len(TEXTS.strings), dtype=np.int64)
    j = 0
    for key in keys:
        g0, gn = TEXTS.groups[key]
        out[g0 : g0 + gn] = np.arange(j, j + gn)
        j += gn
    return out


def _group(key: object) -> list[str]:
    a, m = TEXTS.groups[key]
    return TEXTS.strings[a : a + m]


def write_surveys(
    path: Path,
    ctx: Context,
    sv: Surveys,
    key: list[np.ndarray],
    brand: list[np.ndarray],
    cust: list[np.ndarray],
    verbatim: np.ndarray,
) -> int:
    """surveys.csv: one row per response; interaction ids follow docs/contracts.md."""
    n = len(sv.t)
    src_key, src_brand, src_cust = (np.concatenate(x) for x in (key, brand, cust))
    offs = np.cumsum([0] + [len(a) for a in key])[:-1]
    flat = offs[sv.source] + sv.ref
    n_calls = len(key[1])
    sv_ids = _prefixed_ids("SV", n)
    iid = pa.concat_arrays([_s([",twcs:", ",ticket:"]), _prefixed_ids(",pwc:ID", n_calls)])
    ch_brand = cross([f",{c}" for c in CHANNELS], [f",{b}," for b in ctx.names])
    date_t = cross(ctx.days.iso, ["T"])
    hms_z = _hms_with(True, "Z,")
    answers = cross(
        ["", "1", "2", "3", "4", "5"], [","], [str(i) for i in range(11)], [",no,", ",yes,"]
    )
    vg = [v for k, v in TEXTS.groups.items() if k[0] == "verbatim"]
    v0, v1 = min(o for o, _ in vg), max(o + m for o, m in vg)
    verb = pa.concat_arrays([cross(csv_field(_tx(v0, v1)), ["\n"]), _s(["\n"])])
    key_tail = pa.concat_arrays([_digits4(","), _s([","])])

    def build(lo: int, hi: int) -> list:
        f = flat[lo:hi]
        src = sv.source[lo:hi]
        ph = src == 1
        kk = src_key[f]
        ids = np.arange(lo + 1, hi + 1)
        d, sod = ctx.stamp(sv.t[lo:hi])
        has = sv.has_verbatim[lo:hi]
        return [
            take(sv_ids, ids // 10000), take(_digits4(""), ids % 10000),
            take(iid, np.where(ph, 2 + kk // 10000, src // 2)), ints(kk, ph), take(key_tail, np.where(ph, kk % 10000, 10000)),
            ints(src_cust[f]), take(ch_brand, sv.channel[lo:hi] * len(ctx.names) + src_brand[f]),
            take(date_t, d), take(hms_z, sod),
            take(answers, (sv.csat[lo:hi] * 11 + sv.nps[lo:hi]) * 2 + sv.recommend[lo:hi]),
            take(verb, np.where(has, verbatim[lo:hi] - v0, v1 - v0)),
        ]  # fmt: skip

    return write_csv(path, SURVEYS_HEADER, n, 110, build)
