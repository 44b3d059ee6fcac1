"""Generate a large TWCS-format file (default 3,000,000 tweets) quickly, vectorised with numpy + Arrow.

Realistic shape: threads of 2-6 tweets alternating customer / brand, 40 brands (most sign their
replies: ``^JK``, ``-Becky``), brand broadcasts with dozens of customer replies, replies whose
parent is absent, a few brand replies time-stamped before the tweet they answer, a few
duplicated rows, multi-line quoted texts, CRLF line ends, ``True``/``False``, comma lists in
``response_tweet_id``.  Texts are drawn from phrase pools; a random order number, amount or
fresh handle makes about 40 % of them distinct (printed).  Deterministic for a seed.

Run: ``python bench/make_twcs.py OUT.csv [--n 3000000] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIRST = ["Sam", "Becky", "Jo", "Alex", "Kim", "Lee", "Max", "Ana", "Tom", "Eve", "Raj", "Mia"]
BRANDS = [
    "AppleSupport", "AmazonHelp", "Uber_Support", "SpotifyCares", "comcastcares", "TMobileHelp",
    "hulu_support", "AskPlayStation", "XboxSupport", "UPSHelp", "sprintcare", "Ask_Spectrum",
    "VerizonSupport", "ChipotleTweets", "marksandspencer", "British_Airways", "AmericanAir",
    "Delta", "SouthwestAir", "AlaskaAir", "JetBlue", "VirginAtlantic", "Tesco", "sainsburys",
    "AskTarget", "Walmart", "McDonalds", "Safaricom_Care", "O2", "VirginTrains", "GWRHelp",
    "NikeSupport", "AdobeCare", "DropboxSupport", "HPSupport", "Morrisons", "AskLyft",
    "NortonSupport", "ArgosHelpers", "AskEBay",
]  # fmt: skip
OPEN = [
    "",
    "",
    "Hi, ",
    "Hello ",
    "Hey ",
    "Not happy. ",
    "Really disappointed. ",
    "Ugh. ",
    "Worst service ever. ",
    "Quick question: ",
    "Hi team, hope you are well! ",
]
ISSUE = [
    "my bill is wrong again, I was charged twice", "I was overcharged on my last invoice",
    "no signal at home since this morning", "the network is down in my area",
    "internet down for the third time this week", "still waiting for my refund",
    "I want my money back for a cancelled order", "I can't log in to my account",
    "my password reset email never arrives", "my account was hacked", "my flight is delayed",
    "you lost my luggage", "the gate changed and nobody told us", "where is my order",
    "my parcel says delivered but nothing arrived", "tracking has not updated for days",
    "the app keeps crashing after the update", "error 503 when I try to stream",
    "my router is not working", "the wifi keeps dropping", "the store on Main St was closed",
    "the staff at your branch were rude", "is the new range available in my size",
    "when will this product be back in stock", "love the new menu, great job",
    "you are the best, thanks for the quick fix", "my phone won't connect to the network",
    "the download is stuck at 99%", "why is my payment still pending",
    "can I change my seat on the flight", "the queue at the shop was huge",
]  # fmt: skip
CLOSE = [
    "",
    "",
    "",
    " Please help!",
    " Any ideas?",
    " Sort this out!",
    " Thanks in advance.",
    " 😡",
    " 🙄",
    " Really poor.",
    "\nThis is the third time.",
    "\nPlease fix it.",
]
FOLLOW = [
    "still not working", "I did that already", "sent you a DM", "done, check your messages",
    "thanks, that worked!", "sorted now, thank you", "any update?", "it says error again",
    "ok I will try that", "that did not help at all", "fixed, thanks a lot", "no reply yet?",
    "what do you need from me?", "great, works now",
]  # fmt: skip
REPLY = [
    "Sorry to hear that. Please DM us your account details and we'll take a look.",
    "We're sorry for the trouble. Can you tell us which device you are using?",
    "Thanks for reaching out! Please send us a Direct Message with your order number.",
    "That's not what we like to hear. Have you tried restarting the router?",
    "Please call us on 0800 123 4567 so we can look into this.",
    "We'd love to help. Please contact our support team here: https://t.co/abc123",
    "Sorry for the delay. Our team is working on it and it should be fixed soon.",
    "Happy to help! Which store did you visit?",
    "Glad to hear it's sorted! Have a great day.",
    "We understand your frustration. Let's get this fixed.\nPlease follow the link.",
    "Could you send us a private message with your postcode?",
    "Thanks for letting us know. We've passed this on to the team.",
    "Please reach out to @AppleSupport for help with this.",
    "Hi there! Is the issue still happening after the update?",
]  # fmt: skip
QUOTABLE = ("text", "response_tweet_id")  # the only columns that can hold , " or a newline
BROADCAST = [
    "Big news! Our new range is out today.",
    "We're aware of an outage and working on it.",
    "Happy Friday! What are your plans?",
    "Service is back to normal, thanks for your patience.",
]


def _strings(values: list[str], idx: np.ndarray) -> pa.Array:
    """values[idx] as an Arrow string array."""
    return pa.array(values, pa.string()).take(pa.array(idx))


def _join(*parts) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays (or scalars)."""
    return pc.binary_join_element_wise(*parts, "")


def twitter_times(secs: np.ndarray) -> pa.Array:
    """Epoch seconds as Twitter timestamps ("Tue Oct 31 22:10:47 +0000 2017"), without strftime."""
    t = secs.astype("datetime64[s]")
    days = t.astype("datetime64[D]")
    month = t.astype("datetime64[M]")
    year = t.astype("datetime64[Y]")
    sod = (t - days).astype(np.int64)
    two = [f"{i:02d}" for i in range(100)]
    dow = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  # 1970-01-01 was a Thursday
    mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    y = year.astype(np.int64) + 1970
    return _join(
        _strings(dow, days.astype(np.int64) % 7),
        " ",
        _strings(mon, month.astype(np.int64) % 12),
        " ",
        _strings(two, (days - month).astype(np.int64) + 1),
        " ",
        _strings(two, sod // 3600),
        ":",
        _strings(two, sod // 60 % 60),
        ":",
        _strings(two, sod % 60),
        " +0000 ",
        pa.array(y).cast(pa.string()),
    )


def _thread_layout(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Thread id and position in thread of each tweet, threads of 2-6 tweets."""
    lengths = rng.choice([2, 3, 4, 5, 6], size=n // 3 + 10, p=[0.35, 0.25, 0.2, 0.12, 0.08])
    lengths = lengths[: np.searchsorted(np.cumsum(lengths), n) + 1]
    lengths[-1] -= lengths.sum() - n
    thread = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(n) - np.repeat(starts, lengths)
    return thread, pos


def _texts(
    kind: np.ndarray, brand: np.ndarray, customer: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    """Tweet texts by kind (0 root, 1 customer follow-up, 2 brand reply, 3 broadcast); each kind
    is built on its own rows only, then put back in file order with one take."""
    parts, rows = [], []
    for k in range(4):
        idx = np.flatnonzero(kind == k)
        m = len(idx)
        num = pa.array(rng.integers(10_000, 99_999_999, m)).cast(pa.string())
        handle = _join("@", _strings(BRANDS, brand[idx]), " ")
        if k == 0:  # a quarter carry an order number (distinct)
            extra = pc.if_else(pa.array(rng.random(m) < 0.25), _join(", order ", num), "")
            text = _join(
                handle,
                _strings(OPEN, rng.integers(0, len(OPEN), m)),
                _strings(ISSUE, rng.integers(0, len(ISSUE), m)),
                extra,
                _strings(CLOSE, rng.integers(0, len(CLOSE), m)),
            )
        elif k == 1:
            extra = pc.if_else(pa.array(rng.random(m) < 0.05), _join(" ref ", num), "")
            text = _join(handle, _strings(FOLLOW, rng.integers(0, len(FOLLOW), m)), extra)
        elif k == 2:  # 60 % start with the customer's handle (distinct); most are signed
            b = brand[idx]
            style = b % 4  # 0: none, 1: ^XY, 2: -Name, 3: newline ^XY
            agent = rng.integers(0, 12, m)
            initials = np.array([f"{chr(65 + i % 26)}{chr(65 + (i * 7) % 26)}" for i in range(26)])
            sig = np.select(
                [style == 1, style == 2, style == 3],
                [
                    " ^" + initials[(b * 3 + agent) % 26],
                    " -" + np.array(FIRST)[agent],
                    "\n^" + initials[(b * 5 + agent) % 26],
                ],
                "",
            )
            cust = _join("@", pa.array(customer[idx]).cast(pa.string()), " ")
            text = _join(
                pc.if_else(pa.array(rng.random(m) < 0.6), cust, ""),
                _strings(REPLY, rng.integers(0, len(REPLY), m)),
                pa.array(sig),
            )
        else:
            text = _strings(BROADCAST, rng.integers(0, len(BROADCAST), m))
        parts.append(text)
        rows.append(idx)
    inverse = np.empty(len(kind), np.int64)
    inverse[np.concatenate(rows)] = np.arange(len(kind))
    return pa.concat_arrays(parts).take(pa.array(inverse))


def twcs_table(n: int, seed: int = 7) -> pa.Table:
    """n tweets in the TWCS columns (all text, as written by the Kaggle export), plus 0.1 % of
    them repeated at the end (a duplicated row: the later one wins)."""
    rng = np.random.default_rng(seed)
    n_bc_replies = n // 200  # 0.5 % of tweets reply to one of a few broadcasts
    n_bc = max(1, n_bc_replies // 40)
    m = n - n_bc - n_bc_replies  # tweets in threads; the file is grouped by thread, as Kaggle's
    thread, pos = _thread_layout(m, rng)
    n_threads = int(thread.max()) + 1
    bc_rows = np.arange(m, m + n_bc)
    row_thread = np.concatenate([thread, np.full(n - m, -1)])
    row_pos = np.concatenate([pos, np.zeros(n_bc, int), np.ones(n_bc_replies, int)])
    inbound = row_pos % 2 == 0
    inbound[bc_rows] = False
    tweet_id = np.arange(1, n + 1, dtype=np.int64)
    # Parents: previous tweet of the thread; broadcast replies -> a broadcast; 2 % of roots -> absent.
    parent = np.full(n, -1, np.int64)
    parent[:m][pos > 0] = tweet_id[:m][np.flatnonzero(pos > 0) - 1]
    parent[m + n_bc :] = tweet_id[rng.choice(bc_rows, n_bc_replies)]
    orphan = (row_thread >= 0) & (row_pos == 0) & (rng.random(n) < 0.02)
    parent[orphan] = n + 1 + rng.integers(0, 10 * n, orphan.sum())
    # Brands, customers, times.
    in_thread = row_thread >= 0
    th = np.maximum(row_thread, 0)
    brand = np.where(
        in_thread, (rng.zipf(1.4, n_threads) % len(BRANDS))[th], rng.integers(0, len(BRANDS), n)
    )
    n_customers = max(n // 5, 10)
    customer = 100_000 + np.where(
        in_thread, rng.integers(0, n_customers, n_threads)[th], rng.integers(0, n_customers, n)
    )
    t0 = np.datetime64("2017-10-01T00:00:00", "s").astype(np.int64)
    gap = np.exp(rng.normal(6.5, 1.6, n)).astype(np.int64)  # median ~11 min between tweets
    gap[row_pos == 0] = 0
    cum = np.cumsum(gap[:m])
    since_start = np.zeros(n, np.int64)
    since_start[:m] = cum - cum[np.flatnonzero(pos == 0)][thread]
    secs = np.where(
        in_thread,
        (t0 + rng.integers(0, 60 * 86400, n_threads))[th] + since_start,
        t0 + 3600 + rng.integers(0, 60 * 86400, n),
    )
    secs[bc_rows] = t0  # broadcasts precede their replies
    early = (~inbound) & (row_pos == 1) & (rng.random(n) < 0.005)  # reply older than its parent
    secs[early] -= 2 * gap[early] + 60
    kind = np.where(inbound, np.where(row_pos == 0, 0, 1), 2)
    kind[bc_rows] = 3
    text = _texts(kind, brand, customer, rng)
    author = pc.if_else(
        pa.array(inbound), pa.array(customer).cast(pa.string()), _strings(BRANDS, brand)
    )
    # response_tweet_id: comma list of children ids (ignored by the loader, as in Kaggle's file).
    has_parent = np.flatnonzero((parent > 0) & (parent <= n))
    order = np.argsort(parent[has_parent], kind="stable")
    counts = np.bincount(parent[has_parent] - 1, minlength=n)
    children = pa.ListArray.from_arrays(
        pa.array(np.r_[0, np.cumsum(counts)].astype(np.int32)),
        pa.array(tweet_id[has_parent][order]).cast(pa.string()),
    )
    parent_text = pa.array(parent).cast(pa.string())
    table = pa.table(
        {
            "tweet_id": pa.array(tweet_id).cast(pa.string()),
            "author_id": author,
            "inbound": _strings(["False", "True"], inbound.astype(int)),
            "created_at": twitter_times(secs),
            "text": text,
            "response_tweet_id": pc.binary_join(children, ","),
            "in_response_to_tweet_id": pc.if_else(pa.array(parent > 0), parent_text, None),
        }
    )
    dup = np.sort(rng.choice(n, n // 1000, replace=False))
    return pa.concat_tables([table, table.take(pa.array(dup))])


def _csv_field(col: pa.Array, special: str = '[,"\r\n]') -> pa.Array:
    """A column as CSV fields: quoted (quotes doubled) only when it holds a comma, quote or newline
    (`special`: pandas with LF line ends quotes no bare CR)."""
    col = pc.fill_null(col, "")
    needs = pc.match_substring_regex(col, special)
    quoted = _join('"', pc.replace_substring(col, '"', '""'), '"')
    return pc.if_else(needs, quoted, col)


def write_table(path: Path, table: pa.Table, newline: str = "\r\n") -> None:
    """Write TWCS columns as CSV with CRLF (or, as pandas on Linux writes, LF) line ends,
    quoting only where needed."""
    special = '[,"\r\n]' if newline == "\r\n" else '[,"\n]'
    with open(path, "wb") as fh:
        fh.write((",".join(table.column_names) + newline).encode())
        for a in range(0, len(table), 500_000):
            part = table.slice(a, 500_000)
            fields = [
                _csv_field(part[c].combine_chunks(), special)
                if c in QUOTABLE
                else pc.fill_null(part[c].combine_chunks(), "")
                for c in part.column_names
            ]
            lines = _join(pc.binary_join_element_wise(*fields, ","), newline).cast(
                pa.large_string()
            )
            offsets, data = lines.buffers()[1], lines.buffers()[2]
            off = np.frombuffer(offsets, np.int64)[lines.offset : lines.offset + len(lines) + 1]
            fh.write(memoryview(data)[off[0] : off[-1]])


def write_twcs(path: Path, n: int, seed: int = 7) -> pa.Table:
    """Generate n tweets and write them to path; returns the table written."""
    table = twcs_table(n, seed)
    write_table(path, table)
    return table


def write_twcs_days(
    history: Path, latest: Path, n: int, n_latest: int, seed: int = 7
) -> tuple[int, int]:
    """Generate n tweets and split them by time: the latest `n_latest` or so (every tweet from
    the first second of the cut on, as a daily export would hold) to `latest`, the rest to
    `history`. Threads that span the cut are split across the two files, as they are between
    two days of a real export. Returns the rows of each file."""
    table = twcs_table(n, seed)
    secs = pc.strptime(table["created_at"], format="%a %b %d %H:%M:%S +0000 %Y", unit="s")
    as_int = np.asarray(secs.cast(pa.int64()).to_numpy(zero_copy_only=False))
    cut = np.sort(as_int)[len(as_int) - n_latest]
    new = pa.array(as_int >= cut)
    old_part, new_part = table.filter(pc.invert(new)), table.filter(new)
    write_table(history, old_part)
    write_table(latest, new_part)
    return old_part.num_rows, new_part.num_rows


def with_bare_crs(table: pa.Table, bad: int, seed: int = 7) -> pa.Table:
    """`bad` texts (spread over the file, none holding a comma, quote or LF, so that they stay
    unquoted) with two bare CRs after their first word, as in the Kaggle file's
    `@AskPayPal \r\rI just love…`."""
    text = table["text"].combine_chunks()
    plain = np.flatnonzero(
        ~pc.match_substring_regex(text, '[,"\r\n]').to_numpy(zero_copy_only=False)
    )
    rows = np.sort(np.random.default_rng(seed).choice(plain, bad, replace=False))
    values = text.to_pylist()
    for r in rows:
        values[r] = values[r].replace(" ", " \r\r", 1)
    return table.set_column(table.column_names.index("text"), "text", pa.array(values, pa.string()))


def write_twcs_damaged(path: Path, n: int, seed: int = 7, bad: int = 5) -> tuple[pa.Table, Path]:
    """Write the same n tweets twice as pandas writes them on Linux (LF line ends, a bare CR left
    unquoted): clean at `path`, with `bad` texts holding bare CRs at `path`.damaged.csv."""
    table = twcs_table(n, seed)
    write_table(path, table, newline="\n")
    damaged = path.with_suffix(".damaged.csv")
    write_table(damaged, with_bare_crs(table, bad, seed), newline="\n")
    return table, damaged


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    table = write_twcs(args.out, args.n, args.seed)
    secs = time.perf_counter() - t
    distinct = pc.count_distinct(table["text"]).as_py() / len(table)
    mb = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.out}: {len(table):,} rows, {mb:,.0f} MB, {distinct:.0%} distinct texts, "
        f"{secs:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
