"""Text enrichment: PII masking, reply flags (with measured precision), categories, signatures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.enrich import (
    agent_signatures,
    asks_private_flags,
    categories_from_labels,
    categories_from_text,
    load_playbook,
    masked_texts,
    resolution_flags,
    runaround_flags,
)

LABELLED = Path(__file__).parent / "golden" / "agent_replies_labelled.csv"


@pytest.mark.parametrize("text,expected", [
    ("mail me at jane.doe+x@example.co.uk now", "mail me at __email__ now"),
    ("call 0800 123 4567 or +44 20 7946 0958", "call __phone__ or __phone__"),
    ("my card 4111 1111 1111 1111 was charged", "my card __card__ was charged"),
    ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN __iban__ please"),
    ("US line (555) 123-4567 thanks", "US line __phone__ thanks"),
    ("already __email__ and __phone__ here", "already __email__ and __phone__ here"),
    ("@115712 on 2017-10-31 at 22:10, 1 in 1,000,000", "@115712 on 2017-10-31 at 22:10, 1 in 1,000,000"),
    ("order #12345 for $3", "order #12345 for $3"),
])
def test_pii_masking(text, expected):
    assert masked_texts(pd.Series([text])).iloc[0] == expected


def test_masking_keeps_missing_values():
    out = masked_texts(pd.Series(["a@b.com", None]))
    assert out.tolist() == ["__email__", None]


@pytest.mark.parametrize("text,expected", [
    ("Please send us a DM with your details", True),
    ("Can you DMs us?", True),
    ("Please send me a private message", True),
    ("Send us a Direct Message so we can help", True),
    ("Have your friend message us.", True),
    ("PM me the order number", True),
    ("Drop by 3pm-close", False),  # 'pm' inside '3pm' is not a whole word
    ("We admire your admission", False),
])
def test_private_handoff_rule(text, expected):
    assert bool(asks_private_flags(pd.Series([text]))[0]) is expected


def _confusion(frame: pd.DataFrame) -> tuple[int, int, int]:
    pred = runaround_flags(masked_texts(frame["text"]))
    truth = frame["runaround"].astype(bool).to_numpy()
    return int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())


def test_runaround_precision_on_hand_labelled_real_agent_tweets():
    """120 real agent replies labelled by hand (tests/golden/README.md, 'Run-around labels').

    The rule was written while reading the 108 'dev' replies; the 12 'holdout' replies were
    labelled before the rule was run on them. Measured: dev tp 18 fp 0 fn 2 (precision 1.00,
    recall 0.90); holdout tp 2 fp 1 fn 3 (precision 0.67, recall 0.40).
    """
    data = pd.read_csv(LABELLED)
    assert len(data) >= 100 and data["runaround"].isin([0, 1]).all()
    dev = data[data["split"] == "dev"]
    holdout = data[data["split"] == "holdout"]
    assert _confusion(dev) == (18, 0, 2)
    assert _confusion(holdout) == (2, 1, 3)
    tp, fp, _ = _confusion(data)
    assert tp / (tp + fp) >= 0.95


def test_resolution_and_signatures():
    s = pd.Series(["thanks, that worked!", "still broken", "Thank you so much", "ty"])
    assert resolution_flags(s).tolist() == [True, False, True, True]
    sig = agent_signatures(pd.Series(["Is the light red?\n^JAY", "Nope! -Becky", "no sig here",
                                      "range 3-5 only", "ok /SS"]))
    assert sig.tolist() == ["JAY", "Becky", None, None, None]


def test_categories_from_text_follow_playbook_order():
    pb = load_playbook()
    texts = pd.Series(["no signal since the outage and my bill is wrong", "I was overcharged on my invoice",
                       "my flight was delayed and lost baggage", "where is my parcel delivery", "hello"])
    assert categories_from_text(texts, pb).tolist() == ["outage", "billing", "travel", "order", "other"]


def test_categories_from_source_labels():
    pb = load_playbook()
    labels = pd.Series(["Payment related", "Technical Support", "Refund request", "billing", "Weird", None])
    assert categories_from_labels(labels, pb).tolist() == [
        "billing", "technical", "refund", "billing", "other", "other"]
