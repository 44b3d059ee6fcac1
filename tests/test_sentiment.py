"""The fast VADER compound scorer (etl.text.sentiment, etl.text._vader_fast) against vaderSentiment itself."""

from __future__ import annotations

import csv
import math
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.text import _vader_fast as vf
from etl.text import sentiment as s

REAL = Path(__file__).parent / "data" / "real"
ROOT = Path(__file__).parents[1]


def _column(name: str, *columns: str) -> list[str]:
    with open(REAL / name, newline="", encoding="utf-8") as f:
        return [r[c] for r in csv.DictReader(f) for c in columns if r[c]]


SAMPLES = {
    "twcs": lambda: _column("twcs_head_sample.csv", "text"),
    "nps": lambda: _column("nps_verbatims.csv", "text"),
    "tickets": lambda: _column("customer_support_tickets.csv", "Ticket Description", "Resolution"),
}

# One or more sentences per VADER rule; each must score exactly like the reference.
RULES = [
    "VADER is smart, handsome, and funny.",  # plain lexicon sum
    "VADER is smart, handsome, and funny!",  # "!" emphasis
    "VADER is very smart, handsome, and funny.",  # booster
    "VADER is VERY SMART, handsome, and FUNNY.",  # ALL-CAPS emphasis (word and booster)
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "THIS IS GREAT",  # all words in caps: no cap differential
    "VADER is not smart, handsome, nor funny.",  # negation
    "I can't say it isn't bad",  # n't negations
    "It isn't really that good",  # negation three words back, booster between
    "At least it isn't a horrible book.",  # "at least"
    "Roger Dodger is one of the least compelling variations on this theme.",  # "least" negates
    "Roger Dodger is at least compelling as a variation on the theme.",
    "very least helpful",  # "very least" does not negate
    "The book was only kind of good.",  # "kind of" dampener
    "The service was sort of ok, just enough to pass",  # "sort of", "just enough"
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",  # "But" + dampener
    "good good but good and happy but sad",  # "but" list.index quirk with equal values
    "Make sure you :) or :D today!",  # emoticons
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",  # emoji descriptions
    "The 😡😡 app crashed again, great😀service 🔛 now",  # glued emoji, "!" inside "ON! arrow"
    "Sentiment analysis has never been this good!",  # "never this"
    "I was never so happy",  # "never so"
    "Without a doubt, excellent idea.",  # "without doubt"
    "With VADER, sentiment analysis is the shit!",  # idiom "the shit"
    "On the other hand, VADER is quite bad ass",  # idiom "bad ass"
    "That cake is to die for, yeah right",  # idioms "to die for", "yeah right"
    "no problem, thanks",  # "no" before a lexicon word
    "there is no love or hate here",  # "no ... or" negation
    "Why is this so slow??",  # two question marks
    "Is this working???? no help at all",  # four question marks
    "Not bad at all",
    "I'm SO not happy with this",
    "",  # no tokens
    "kind",  # lone lexicon word that can be a dampener
]


@pytest.fixture(scope="module")
def ref():
    return s._reference_analyzer().polarity_scores


def stress_texts(n: int = 3000, seed: int = 11) -> list[str]:
    """Synthetic tweets mixing negations, boosters, caps, 'but', idioms, emoji and punctuation."""
    rnd = random.Random(seed)
    lex = sorted(vf.lexicon())
    common = [
        "good",
        "bad",
        "great",
        "terrible",
        "love",
        "hate",
        "happy",
        "sad",
        "helpful",
        "useless",
        "thanks",
        "sorry",
        "problem",
        "awesome",
        "worst",
        "fine",
        "ok",
    ]
    mods = (
        sorted(vf.BOOSTERS)
        + sorted(vf.NEGATE)
        + [
            "no",
            "not",
            "least",
            "at least",
            "very least",
            "but",
            "BUT",
            "so",
            "this",
            "never",
            "never so",
            "without",
            "without doubt",
            "the shit",
            "bad ass",
            "kind of",
            "yeah right",
            "kiss of death",
            "to die for",
            "beating heart",
            "bus stop",
            "or",
            "nor",
            "n't",
        ]
    )
    fill = ["the", "app", "service", "my", "order", "is", "was", "it", "and", "you", "I", "today"]
    tails = [
        "",
        "!",
        "!!",
        "!!!!!",
        "?",
        "??",
        "???",
        "????",
        ".",
        " :)",
        " :(",
        " 😡",
        " 😀",
        " 💯",
        "😂",
        " 🔛",
        " #fail",
    ]
    out = []
    for _ in range(n):
        words = []
        for _ in range(rnd.randint(1, 14)):
            r = rnd.random()
            w = (
                rnd.choice(common)
                if r < 0.3
                else rnd.choice(lex)
                if r < 0.4
                else rnd.choice(mods)
                if r < 0.65
                else rnd.choice(fill)
            )
            c = rnd.random()
            w = w.upper() if c < 0.12 else w.capitalize() if c < 0.2 else w
            words.append(
                w + (rnd.choice([",", ".", "!", "?", "..."]) if rnd.random() < 0.1 else "")
            )
        out.append(" ".join(words) + rnd.choice(tails))
    return out


@pytest.mark.parametrize("text", RULES)
def test_each_rule_matches_reference_exactly(text, ref):
    want = ref(text)["compound"]
    assert abs(vf.score_text(text) - want) < 1e-9
    assert abs(vf.score_batch([text, "padding text"])[0] - want) < 1e-9


def test_rule_sentences_exact_through_compound_scores(ref):
    texts = [t for t in RULES if t]
    got = s.compound_scores(texts)
    want = np.array([ref(t)["compound"] for t in texts])
    assert np.abs(got - want).max() < 1e-9


@pytest.mark.parametrize("name", SAMPLES)
def test_agreement_on_real_samples(name):
    share = s.agreement_share(SAMPLES[name]())
    assert share >= 0.99, f"{name}: agreement {share:.2%}"


def test_agreement_on_stress_set():
    texts = stress_texts()
    share = s.agreement_share(texts)
    assert share >= 0.99, f"stress set: agreement {share:.2%}"
    fast = vf.score_batch(texts)
    exact = np.mean(fast == s.reference_scores(texts))
    assert exact >= 0.99, f"stress set: exact match {exact:.2%}"
    assert np.array_equal(fast, [vf.score_text(t) for t in texts])


def test_batch_edge_cases(ref):
    texts = [
        "good \x00 bad but great",
        "kind of nice",
        "the bomb",
        "x " * 300 + "GOOD but BAD!!",
        "lone \ud800 surrogate is bad",
        "a\u00a0\u2003good\x1ctime",
        "  ",
        "NO",
    ]
    got = vf.score_batch(texts)
    assert got.tolist() == [ref(t)["compound"] for t in texts]
    for few in (["good"], ["no", "good"], []):
        assert vf.score_batch(few).tolist() == [ref(t)["compound"] for t in few]


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("@115712 I understand. We would like to help", "I understand. We would like to help"),
        ("@sprintcare is the worst customer service", "is the worst customer service"),
        ("So frustrated with @ChipotleTweets 😡 Ordered", "So frustrated with 😡 Ordered"),
        ("mail me at a@b.com @x", "mail me at a@b.com"),
        ("see https://t.co/7tJDVpzLWn now", "see now"),
        ("http://example.com/a?b=1 and www.sprint.com/deals t.co/abc", "and"),
        (
            "Fish &amp; chips &gt; pizza &lt;3 &quot;ok&quot; &#39;x&#39;",
            "Fish & chips > pizza <3 \"ok\" 'x'",
        ),
        ("&amp;gt; stays once-unescaped", "&gt; stays once-unescaped"),
        ("  lots \t of\n\nspace\r\n^HSB  ", "lots of space ^HSB"),
        ("@only_a_handle", ""),
    ],
)
def test_clean_for_sentiment(raw, want):
    assert s.clean_for_sentiment(raw) == want


def test_clean_many_equals_clean_for_sentiment():
    texts = SAMPLES["twcs"]() + SAMPLES["nps"]() + ["a\x00b @c", "&amp", "x@y @z"]
    fast = [" ".join(t.split()) for t in s.clean_many(texts)]
    assert fast == [s.clean_for_sentiment(t) for t in texts]


def test_missing_and_empty_are_nan_duplicates_map_back():
    texts = [
        "good",
        None,
        "",
        "   ",
        "@user",
        "https://t.co/x",
        float("nan"),
        "bad",
        "@a good",
        "good",
        ":)",
    ]
    got = s.compound_scores(texts)
    assert np.isnan(got[[1, 2, 3, 4, 5, 6]]).all()
    assert got[0] == got[8] == got[9] > 0
    assert got[7] < 0 and got[10] > 0
    assert s.compound_scores([]).shape == (0,)


def test_order_preserved():
    texts = ["I love it", "I hate it", "the app", "I love it"] * 50
    got = s.compound_scores(texts)
    assert np.array_equal(got, s.compound_scores(texts[::-1])[::-1])
    assert got[0] > 0 > got[1] and got[2] == 0


def test_pool_path_gives_identical_array():
    texts = SAMPLES["twcs"]() + SAMPLES["nps"]() + [None, "", "@x"] + stress_texts(500)
    one = s.compound_scores(texts, workers=1)
    two = s.compound_scores(texts, workers=2, parallel_threshold=0)
    assert np.array_equal(one, two, equal_nan=True)
    series = pd.Series(texts, dtype="str")
    assert np.array_equal(
        s.compound_scores(series, workers=2, parallel_threshold=0), one, equal_nan=True
    )


def test_pool_path_without_fork_pickles_slices(monkeypatch):
    """Where 'fork' is missing the pool gets slices of the input; exercised here with threads."""
    from concurrent.futures import ThreadPoolExecutor

    from etl import forked

    monkeypatch.setattr(
        forked, "_mp_context", lambda: __import__("multiprocessing").get_context("spawn")
    )
    monkeypatch.setattr(
        forked, "ProcessPoolExecutor", lambda n, mp_context, initializer: ThreadPoolExecutor(n)
    )
    texts = SAMPLES["twcs"]() + [None, "", "good"] * 7
    for given in (texts, pd.Series(texts, dtype=object)):
        got = s.compound_scores(given, workers=2, parallel_threshold=0)
        assert np.array_equal(got, s.compound_scores(texts, workers=1), equal_nan=True)


def test_round4_is_pythons_round():
    rng = np.random.default_rng(3)
    ties = (rng.integers(-10_000, 10_000, 20_000) + 0.5) / 1e4
    c = np.concatenate(
        [rng.uniform(-1, 1, 50_000), ties, np.nextafter(ties, 2), np.nextafter(ties, -2)]
    )
    assert vf._round4(c).tolist() == [round(x, 4) for x in c.tolist()]


def test_agreement_share_of_nothing_is_nan():
    assert math.isnan(s.agreement_share([None, "", "@x"]))


def test_no_work_at_import():
    code = (
        "import etl.text.sentiment, etl.text._vader_fast as v; "
        "assert v.lexicon.cache_info().currsize == 0 and v.emojis.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
