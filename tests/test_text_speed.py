"""The faster SQL forms of the load's text stages give what the slower ones gave (issue 23 item 3).

Provenance of the hand-computed values: tests/golden/text_speed.md.
"""

from __future__ import annotations

import random

import duckdb
import pandas as pd
import pytest

from etl.text.language import NOISE, SPACES, cleaned_text
from etl.text.text_sql import (
    LEADING_HANDLES,
    add_handle_key,
    add_language,
    add_sentiment,
    cleaned_sql,
)
from tests.conftest import REAL, TWCS_SAMPLE

TWO_PASSES = "trim(regexp_replace(regexp_replace(lower(text), ?, ' ', 'g'), ?, ' ', 'g'))"
# NOISE matches, their near misses, words, and every character of SPACES (\v among them)
PIECES = [
    "@ab",
    "@",
    "@_1",
    "http://x.y/1",
    "https://",
    "www.a",
    "www",
    "a@b",
    "x@",
    "@@",
    "__email__",
    "__",
    "^jk",
    "^",
    "&amp;",
    "&lt;",
    "&gt;",
    "&",
    "#",
    "12",
    "3",
    "x",
    "hello",
    "Why",
    "é",
    "\u00a0",
    "\u2003",
    ".",
    "_",
    "😡",
]
GAPS = ["", "", " ", " ", "  ", "\t", "\n", "\r", "\f", "\v", " \v ", "\n\n", " \t "]


def _fuzz(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randint(1, 9)
        out.append(
            "".join(rng.choice(GAPS) + rng.choice(PIECES) for _ in range(k)) + rng.choice(GAPS)
        )
    return out


def _cleaned(texts: list[str]) -> tuple[list[str], list[str]]:
    """(two-pass, one-pass) cleaning of each text by DuckDB."""
    con = duckdb.connect()
    try:
        con.register("src", pd.DataFrame({"text": pd.Series(texts, dtype=object)}))
        one, params = cleaned_sql("lower(text)")
        rows = con.execute(
            f"select {TWO_PASSES}, {one} from src", [NOISE, SPACES, *params]
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows], [r[1] for r in rows]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    real = pd.read_csv(TWCS_SAMPLE)["text"].dropna().tolist()
    verbatims = pd.read_csv(REAL / "nps_verbatims.csv")["text"].dropna().tolist()
    return list(dict.fromkeys(real + verbatims + _fuzz(20000, seed=23) + ["", " ", "\v"]))


def test_one_pass_cleaning_equals_the_two_passes(texts):
    two, one = _cleaned(texts)
    differ = [(t, a, b) for t, a, b in zip(texts, two, one, strict=True) if a != b]
    assert differ == []
    # the texts reach what the one pass must get right: a gap left by a removed match beside
    # another gap, and \v, which RE2 reads as a space in SPACES but as \S in NOISE
    assert sum("  " in t.replace("@ab", " ") for t in texts) > 1000
    assert sum("\v" in t for t in texts) > 1000


def test_one_pass_cleaning_by_hand():
    texts = [
        "@a  hi\t\t#x 12  there\n",  # -> "hi x there"
        "a\vb",  # \v collapsed like any space -> "a b"
        "a \v@b.c d",  # `\S+@\S+` starts at the \v -> "a d"
        "Thanks @AppleSupport!! see https://t.co/x&amp; 4 u",  # -> "thanks !! see u"
    ]
    two, one = _cleaned(texts)
    assert one == ["hi x there", "a b", "a d", "thanks !! see u"]
    assert two == one
    # Python's cleaning agrees on these (it reads \v as a space in NOISE too: "a \v@b.c d" differs)
    assert [cleaned_text(t) for t in texts[:2] + texts[3:]] == [
        "hi x there",
        "a b",
        "thanks !! see u",
    ]


HANDLES = ["@a ", "@AppleSupport ", "@Jo_1 ", "@123 ", "@x_Y9 "]


def _with_handles(texts: list[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(HANDLES, k=rng.randint(1, 3))) + t for t in texts]


def test_leading_handles_change_no_cleaned_text(texts):
    """cleaned(text) = cleaned(text without its leading "@handle " tokens), on which add_language
    de-duplicates: the texts as they are and with one to three handles put in front."""
    both = texts + _with_handles(texts, seed=5)
    con = duckdb.connect()
    try:
        con.register("src", pd.DataFrame({"text": pd.Series(both, dtype=object)}))
        con.execute(
            "create table t as select text, regexp_replace(text, ?, '') as k from src",
            [LEADING_HANDLES],
        )
        one, params = cleaned_sql("lower(text)")
        of_key, kparams = cleaned_sql("lower(k)")
        stripped, differ = con.execute(
            f"select count(*) filter (where k <> text), "
            f"count(*) filter (where {one} is distinct from {of_key}) from t",
            [*params, *kparams],
        ).fetchone()
    finally:
        con.close()
    assert stripped > len(texts)  # every text given handles, and the real replies' own
    assert differ == 0


def _enriched(texts: list[str], shared_key: bool) -> list[tuple]:
    """(text, language, sentiment) of each text, by add_language and add_sentiment (VADER on
    what is English or undetermined) as the TWCS load runs them, or each on its own."""
    con = duckdb.connect()
    try:
        con.register("src", pd.DataFrame({"text": pd.Series(texts, dtype=object)}))
        con.execute("create table t as select distinct text from src")
        scored = "language is null or language = 'en'"
        if shared_key:
            add_handle_key(con, "t", "_key")
            add_language(con, "t", "language", key="_key")
            add_sentiment(con, "t", "sentiment", scored, key="_key")
            con.execute("alter table t drop column _key")
        else:
            add_language(con, "t", "language")
            add_sentiment(con, "t", "sentiment", scored)
        return con.execute("select text, language, sentiment from t order by text").fetchall()
    finally:
        con.close()


def test_language_and_sentiment_by_key_as_each_alone():
    """The key shared by both (the TWCS load) gives what each gives on its own, and a text with
    handles in front gets its language and score."""
    real = pd.read_csv(TWCS_SAMPLE)["text"].dropna().tolist()
    german = ["Mein Paket ist immer noch nicht angekommen, bitte helfen Sie mir schnell"]
    base = real + german
    texts = base + _with_handles(base, seed=7) + ["@a " + german[0]]
    shared, alone = _enriched(texts, True), _enriched(texts, False)
    assert shared == alone
    by_text = {t: (lang, s) for t, lang, s in shared}
    assert by_text["@a " + german[0]] == by_text[german[0]]
    assert by_text[german[0]] == ("de", None)  # not English: no VADER score
    assert sum(lang == "en" for _, lang, _ in shared) > len(real)
    assert sum(s is not None for _, _, s in shared) > len(real)
