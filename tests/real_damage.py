"""Damaged variants of the real TWCS sample, made in code (provenance: tests/golden/real_damage.md).

Each builder starts from tests/data/real/twcs_head_sample.csv (121 tweets, 26 of them with
non-ASCII text) and applies one damage seen in real exports.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from tests.conftest import TWCS_SAMPLE

# Tweets whose text gets bare CRs, and how: (tweet_id, text before the CRs, CRs inserted).
CR_TWEETS = ((6, "@115712 ", "\r\r"), (12, "@sprintcare ", "\r"), (152, "", "\r\r\r"))


def sample_frame() -> pd.DataFrame:
    """The real sample as pandas reads it with its default types (parent ids become floats)."""
    return pd.read_csv(TWCS_SAMPLE)


def sample_texts() -> dict[int, str]:
    """tweet_id -> text of the clean sample."""
    frame = sample_frame()
    return dict(zip(frame["tweet_id"].tolist(), frame["text"].tolist(), strict=True))


def with_bare_crs(frame: pd.DataFrame) -> pd.DataFrame:
    """CR_TWEETS' texts with bare CRs inside (the Kaggle file has `@AskPayPal \\r\\rI just…`)."""
    frame = frame.copy()
    for tweet_id, prefix, crs in CR_TWEETS:
        row = frame.index[frame["tweet_id"] == tweet_id][0]
        text = frame.at[row, "text"]
        assert text.startswith(prefix)
        frame.at[row, "text"] = prefix + crs + text[len(prefix) :]
    return frame


def pandas_csv(frame: pd.DataFrame) -> bytes:
    """`frame.to_csv(index=False)` as pandas writes it: LF line ends, a field quoted only when
    it holds a comma, a quote or an LF (a bare CR stays unquoted), float parent ids as `202.0`."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def mangled(frame: pd.DataFrame, codec: str, layers: int = 1) -> pd.DataFrame:
    """Every non-ASCII text encoded as UTF-8 and decoded as `codec` (`layers` times)."""
    import etl.sources.io  # noqa: F401  (registers socialcare-latin1: cp1252 with Latin-1 for its gaps)

    frame = frame.copy()

    def mangle(text: str) -> str:
        for _ in range(layers):
            text = text.encode("utf-8").decode(codec, errors="socialcare-latin1")
        return text

    frame["text"] = [t if t.isascii() else mangle(t) for t in frame["text"]]
    return frame


def crlf_mix(frame: pd.DataFrame, split: int = 60) -> bytes:
    """The first `split` tweets with CRLF line ends, the rest appended with LF (two files
    concatenated), both written by pandas."""
    head = frame.iloc[:split].to_csv(index=False, lineterminator="\r\n")
    tail = frame.iloc[split:].to_csv(index=False, header=False, lineterminator="\n")
    return (head + tail).encode("utf-8")


def excel_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Ids as Excel re-saves them: tweet ids and parents in scientific notation (`1.1E+1`,
    exact), response lists `5,7` read as the number 57."""
    frame = frame.copy().astype({"tweet_id": object, "in_response_to_tweet_id": object})
    frame["tweet_id"] = [f"{t:.2E}" if t % 10 == 0 else str(t) for t in frame["tweet_id"]]
    frame["in_response_to_tweet_id"] = [
        "" if pd.isna(p) else (f"{p:.2E}" if p % 10 == 0 else f"{p:.0f}")
        for p in frame["in_response_to_tweet_id"]
    ]
    frame["response_tweet_id"] = [
        r if not isinstance(r, str) else r.replace(",", "") for r in frame["response_tweet_id"]
    ]
    return frame


def cut_off(data: bytes, keep: int) -> bytes:
    """The file cut `keep` bytes into its last record (a download or `head -c` cut short)."""
    last = data.rstrip(b"\n").rfind(b"\n") + 1
    return data[: last + keep]


def write(path: Path, data: bytes) -> Path:
    """Write bytes and return the path."""
    path.write_bytes(data)
    return path


def pandas_reading(data: bytes) -> pd.DataFrame:
    """The independent reading: pandas' C parser with LF as the only record end."""
    return pd.read_csv(io.BytesIO(data), lineterminator="\n", dtype=str, keep_default_na=False)


def brand_kpis(db: Path) -> dict[str, tuple]:
    """brand -> (cases, answered rate, median FRT s, private-handoff rate, SLA met rate), from
    `socialcare scorecard --by brand --grain total --format json` (the shape of the GOLDEN
    values in tests/test_twcs_golden.py)."""
    import json

    from click.testing import CliRunner

    from cli import main

    result = CliRunner().invoke(
        main,
        ["--db", str(db), "scorecard", "--by", "brand", "--grain", "total", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = {(r["brand"], r["kpi"]): r["value"] for r in json.loads(result.output)["rows"]}
    kpis = ("volume", "answered_rate", "frt_median_s", "private_handoff_rate", "sla_met_rate")
    return {brand: tuple(rows[(brand, k)] for k in kpis) for brand in {b for b, _ in rows}}


def stored_texts(db: Path) -> dict[int, str]:
    """tweet_id -> stored (masked, repaired) text of every tweet in raw_twcs."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("select tweet_id, text from raw_twcs").fetchall())
    finally:
        con.close()


def load_notes(db: Path) -> list[str]:
    """The notes of every load, in load order."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return [
            m for (m,) in con.execute("select message from loads order by started_at").fetchall()
        ]
    finally:
        con.close()


def with_stray_quotes(data: bytes, unreadable: bool = False) -> bytes:
    """A pandas-written file as a naive writer would leave it: tweet 5's text opens with a quote
    it never closes (which swallows the next record, up to tweet 6's opening quote) and tweet
    8's text is `"@sprintcare" is the worst…`; with `unreadable`, tweet 5's line also gets an
    eighth field, so that no reading gives it seven."""
    five = b"\n5,115712,True,Tue Oct 31 21:49:35 +0000 2017,@sprintcare I did.,"
    eight = b",@sprintcare is the worst customer service,"
    assert data.count(five) == 1 and data.count(eight) == 1
    text = b'"@sprintcare I did., and more,' if unreadable else b'"@sprintcare I did.,'
    data = data.replace(five, five[: five.index(b"@")] + text)
    return data.replace(eight, b',"@sprintcare" is the worst customer service,')
