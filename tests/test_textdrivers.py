"""Weighted log-odds text drivers on a hand-computable corpus (tests/golden/rootcause.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from scorecard.rootcause.textdrivers import examples, log_odds, term_counts, terms, text_drivers

FOCUS = ["No signal again", "no signal at home", "outage in town"]
BASE = ["billing error", "signal fine", "billing question", "thanks"]


def test_terms_drop_stopwords_mentions_links_and_pii_tokens():
    assert terms("@TelcoCo No signal at home! https://t.co/x __phone__") == {
        "signal",
        "home",
        "no signal",
    }
    assert terms("") == set() and terms(None) == set()
    # a negation counts only inside a bigram with a content word
    assert terms("I can't log in") == {"log", "can't log"}


def test_counts_are_per_message():
    assert term_counts(["signal signal signal", "signal"])["signal"] == 2


def test_log_odds_match_the_hand_computation():
    table = log_odds(term_counts(FOCUS), term_counts(BASE)).set_index("term")
    expected = {
        "signal": 0.665286,
        "outage": 0.714817,
        "home": 0.714817,
        "town": 0.714817,
        "billing": -0.800377,
        "no signal": 1.600755,
    }
    for term, z in expected.items():
        assert table.at[term, "z"] == pytest.approx(z, abs=1e-6), term
    assert (table.at["no signal", "count_focus"], table.at["no signal", "count_base"]) == (2, 0)


def test_text_drivers_rank_filter_and_threshold():
    top = text_drivers(FOCUS, BASE, min_count=2, min_z=0.0)
    assert top["term"].tolist() == ["no signal", "signal"]
    assert top.columns.tolist() == ["term", "z", "count_focus", "count_base"]
    assert text_drivers(FOCUS, BASE).empty  # defaults: 3 messages, z >= 1.96
    assert text_drivers([], BASE).empty and text_drivers(FOCUS, []).empty


def test_a_term_frequent_in_both_periods_is_not_a_driver():
    focus = ["outage again no signal"] * 30 + ["thanks for the help"] * 30
    base = ["thanks for the help"] * 200 + ["billing error"] * 100
    top = text_drivers(focus, base)
    assert top["term"].iloc[0] in {"outage", "no signal", "signal"}
    assert "thanks" not in set(top["term"]) and "help" not in set(top["term"])
    assert (top["z"] >= 1.96).all()


def test_examples_pick_one_message_per_case_for_the_top_terms():
    msgs = pd.DataFrame(
        {
            "interaction_id": ["c1", "c1", "c2", "c3"],
            "sent_at": pd.to_datetime(["2024-01-01"] * 4),
            "text": ["no signal", "no signal still", "outage here", "hello"],
        }
    )
    drivers = pd.DataFrame(
        {
            "term": ["no signal", "outage"],
            "z": [3.0, 2.5],
            "count_focus": [2, 1],
            "count_base": [0, 0],
        }
    )
    ex = examples(msgs, drivers)
    assert ex["interaction_id"].tolist() == ["c1", "c2"]
    assert ex.columns.tolist() == ["interaction_id", "sent_at", "text"]


def test_examples_fill_from_other_cases_with_words_when_asked():
    # tests/golden/rootcause.md "Example messages of an anomaly": one term-matched case first,
    # then the first message of each other case that has a term left after stopwords and
    # mentions ("hello" is a stopword, "@TelcoCo" only a mention: both skipped)
    msgs = pd.DataFrame(
        {
            "interaction_id": ["c1", "c1", "c2", "c3", "c4", "c5"],
            "sent_at": pd.to_datetime(["2024-01-01"] * 6),
            "text": [
                "no signal",
                "no signal still",
                "outage here",
                "hello",
                "@TelcoCo",
                "billing wrong",
            ],
        }
    )
    drivers = pd.DataFrame(
        {"term": ["no signal"], "z": [3.0], "count_focus": [1], "count_base": [0]}
    )
    assert examples(msgs, drivers, limit=3, fill=True)["interaction_id"].tolist() == [
        "c1",
        "c2",
        "c5",
    ]
    assert examples(msgs, drivers, limit=3)["interaction_id"].tolist() == ["c1"]
    none = drivers.iloc[0:0]
    assert examples(msgs, none, limit=2, fill=True)["text"].tolist() == ["no signal", "outage here"]
    assert examples(msgs, none).empty  # without fill, no term means no example
