"""The SQL fast paths of the text rules (etl/text/text_sql.py, etl/text/regex_sql.py) equal the Python rules.

Every comparison runs the rule of etl/text/enrich.py (or etl/text/sentiment.py) itself on the same texts:
real tweets and hand-labelled agent replies, plus seeded random texts built from the rules'
trigger words mixed with characters where Python's `re` and RE2 differ (non-ASCII letters and
digits, Unicode spaces, the Kelvin sign and long s that match k and s ignoring case, mojibake).
"""

from __future__ import annotations

import random
import re

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.text import enrich
from etl.text.regex_sql import python_whitespace, re2_ascii_exact, re2_superset
from etl.text.text_sql import (
    add_categories,
    add_search,
    add_sentiment,
    add_signatures,
    masking_candidates,
    mojibake_fixes,
)
from tests.conftest import REAL, TWCS_SAMPLE

ODD = [
    "\u212a",
    "\u017f",
    "\u0130",
    "\u0131",
    "\u00a0",
    "\u0663",
    "é",
    "😡",
    "\u2003",
    "’",
    "Ã©",
    "â€™",
    "\u2013",
    "\x1c",
    "_",
    "\t",
    "\n",
]
WORDS = [
    "dm",
    "DMs",
    "message us",
    "call us",
    "thanks",
    "ty",
    "^JK",
    "-Becky",
    " PM",
    "0800 123 4567",
    "+44 20 7946 0958",
    "a@b.co",
    "GB82 WEST 1234 5698 7654 32",
    "4111 1111 1111 1111",
    "contact our team",
    "@AppleSupport",
    "?",
    "tell us more https://x",
    "bill",
    "outage",
    "no signal",
    "refund",
    "café",
    "@123 ",
    "&amp;",
    "https://t.co/x",
    "good",
    "terrible",
    "not bad",
    "fixed",
    "sorted",
    "works now",
    "Please call us on 0800 123 4567.",
    "5551234567",
    "+447700900123",
    "(555) 123-4567",
    "1-800-799-0808",
    "01 23 45 67 89",
    "12.09.2017",
    "Oct 18 2017",
    "47.547",
    "2017 2018",
    "10 000",
    "192.168.1.10",
    "de89370400440532013000",
    "4111111111111111",
    "__phone__",
    "screen",
    "iPhone 8",
    "data abroad",
    "EU bundle",
]


def _fuzz(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = list("abcdefghijklmnopqrstuvwxyzDMPS0123456789 .-!?:@^~&;") + ODD
    out = []
    for _ in range(n):
        parts = [
            rng.choice(WORDS)
            if rng.random() < 0.5
            else "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
            for _ in range(rng.randint(1, 8))
        ]
        out.append(rng.choice(["", " ", "é", "\u00a0"]).join(parts))
    return out


@pytest.fixture(scope="module")
def texts() -> list[str]:
    real = pd.read_csv(TWCS_SAMPLE)["text"].tolist()
    labelled = pd.read_csv(REAL.parent.parent / "golden" / "agent_replies_labelled.csv")
    verbatims = pd.read_csv(REAL / "nps_verbatims.csv")["text"].dropna().tolist()
    return list(
        dict.fromkeys(
            real
            + labelled.iloc[:, 0].astype(str).tolist()
            + verbatims
            + _fuzz(6000, seed=11)
            + ["", " "]
        )
    )


@pytest.fixture
def con(texts):
    c = duckdb.connect()
    c.register("src", pd.DataFrame({"text": pd.Series(texts, dtype=object)}))
    c.execute("create temp table t as select text from src")
    yield c
    c.close()


def _column(con, expr: str) -> pd.Series:
    return con.execute(f"select {expr} as v from t").df()["v"]


@pytest.mark.parametrize(
    "name",
    [
        "PRIVATE_PATTERN",
        "REDIRECT_PATTERN",
        "RESOLUTION_PATTERN",
        "ENGAGES_PATTERN",
        "SIGNATURE_PATTERN",
    ],
)
def test_superset_pattern_never_misses_a_match(con, texts, name):
    pattern = getattr(enrich, name)
    got = con.execute("select regexp_matches(text, ?) from t", [re2_superset(pattern)]).fetchnumpy()
    hits = np.asarray(next(iter(got.values())), dtype=bool)
    python = np.array([pattern.search(t) is not None for t in texts])
    assert not (python & ~hits).any()
    assert hits.sum() < len(texts)  # and it does rule texts out


def test_ascii_exact_pattern_equals_python_on_ascii_text(con, texts):
    pattern = enrich.REDIRECT_PATTERN
    exact = re2_ascii_exact(pattern)
    got = next(
        iter(con.execute("select regexp_matches(text, ?) from t", [exact]).fetchnumpy().values())
    )
    for t, hit in zip(texts, got, strict=True):
        if t.isascii():
            assert bool(hit) == (pattern.search(t) is not None), t
    assert re2_ascii_exact(enrich.ENGAGES_PATTERN) is None  # a look-ahead: no exact RE2 form


def test_python_whitespace_is_str_isspace():
    ws = python_whitespace()
    assert all(c.isspace() for c in ws)
    assert sum(chr(i).isspace() for i in range(0x110000)) == len(ws)


@pytest.mark.parametrize(
    "rule,pattern",
    [
        (enrich.asks_private_flags, enrich.PRIVATE_PATTERN),
        (enrich.resolution_flags, enrich.RESOLUTION_PATTERN),
    ],
)
def test_search_flags_equal_the_rule(con, texts, rule, pattern):
    add_search(con, "t", pattern, "hit")
    assert (_column(con, "hit").astype(bool).to_numpy() == rule(pd.Series(texts))).all()


def test_runaround_equals_the_rule(con, texts):
    add_search(con, "t", enrich.REDIRECT_PATTERN, "redirects")
    add_search(con, "t", enrich.ENGAGES_PATTERN, "engages", "redirects")
    got = _column(con, "redirects and not coalesce(engages, false)").astype(bool).to_numpy()
    assert (got == enrich.runaround_flags(pd.Series(texts))).all()


def test_signatures_equal_the_rule(con, texts):
    add_signatures(con, "t", "sig")
    got = _column(con, "sig")
    ref = enrich.agent_signatures(pd.Series(texts))
    assert (got.fillna("-").to_numpy() == ref.fillna("-").to_numpy()).all()
    assert ref.notna().sum() > 50


def test_categories_equal_the_rule(con, texts):
    playbook = enrich.load_playbook(None)
    add_categories(con, "t", "cat", playbook)
    ref = enrich.categories_from_text(pd.Series(texts), playbook)
    assert (_column(con, "cat").to_numpy() == ref.to_numpy()).all()
    assert ref.nunique() >= 6


CATEGORY_PATTERNS = r"""
[[category]]
id = "roaming"
keywords = ["roaming", "bill"]
patterns = ['''\bdata (?:abroad|overseas)\b''', '''\b(?:eu|us) bundles?\b''']
[[category]]
id = "device"
patterns = ['''\biphone ?\d{1,2}\b''', '''(?<!no )\bscreen\b''']
[[category]]
id = "help"
keywords = ["dm", "thanks"]
patterns = ['''\b(?:call|ring) us\b''']
"""


def test_categories_with_patterns_equal_the_rule(con, texts, tmp_path):
    """Playbook patterns: translatable ones decided in SQL, a look-behind one (no RE2 form) by
    Python for the texts its superset might match."""
    path = tmp_path / "pb.toml"
    path.write_text(CATEGORY_PATTERNS, encoding="utf-8")
    playbook = enrich.load_playbook(str(path))
    in_python = add_categories(con, "t", "cat", playbook)
    ref = enrich.categories_from_text(pd.Series(texts), playbook)
    assert (_column(con, "cat").to_numpy() == ref.to_numpy()).all()
    assert ref.nunique() == 4
    # Python saw only non-ASCII texts and those the look-behind pattern's superset might match
    undecided = [t for t in texts if not t.isascii() or re.search(r"screen|iphone", t, re.I)]
    assert 0 < in_python <= len(undecided)


def test_masking_equals_the_rule(con, texts):
    fixes = masking_candidates(con, "select text from t")
    mapping = dict(zip(fixes["raw"], fixes["text"], strict=True))
    got = [mapping.get(t, t) for t in texts]
    assert got == enrich.masked_texts(pd.Series(texts)).tolist()
    assert len(fixes) > 100


def test_sentiment_equals_scoring_the_whole_text(con, texts):
    add_sentiment(con, "t", "score")
    got = _column(con, "score").to_numpy(dtype=float)
    ref = enrich.sentiment_scores(pd.Series(texts))
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    assert np.allclose(got[~np.isnan(ref)], ref[~np.isnan(ref)], rtol=0, atol=1e-12)


def test_leading_handles_do_not_change_the_score():
    base = ["great, thanks!", "this is awful", "@x hi &amp; bye", "meh"]
    with_handles = [f"@115712 @Brand_1 {t}" for t in base]
    assert np.allclose(
        enrich.sentiment_scores(pd.Series(base)),
        enrich.sentiment_scores(pd.Series(with_handles)),
        equal_nan=True,
    )


def test_mojibake_is_repaired_only_where_it_is_mojibake():
    con = duckdb.connect()
    texts = ["Iâ€™m at the cafÃ©", "plain text", "São Paulo", "NÃO", "naïve café"]
    con.register("src", pd.DataFrame({"text": texts}))
    fixes = mojibake_fixes(con, "select text from src")
    assert dict(zip(fixes["raw"], fixes["text"], strict=True)) == {
        "Iâ€™m at the cafÃ©": "I’m at the café"
    }


def test_untranslatable_constructs_fall_back_to_python():
    con = duckdb.connect()
    pattern = re.compile(r"(a)\1(?(1)b|c)")  # a conditional group: no RE2 form at all
    con.register("src", pd.DataFrame({"text": ["aab", "ab", "xx"]}))
    con.execute("create temp table t as select text from src")
    add_search(con, "t", pattern, "hit")
    assert con.execute("select hit from t").df()["hit"].tolist() == [True, False, False]
