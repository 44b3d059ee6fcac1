"""Text enrichment: PII masking, reply flags (with measured precision), categories, signatures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.text.enrich import (
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
HOLDOUT2 = Path(__file__).parent / "golden" / "agent_replies_holdout2.csv"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("mail me at jane.doe+x@example.co.uk now", "mail me at __email__ now"),
        ("call 0800 123 4567 or +44 20 7946 0958", "call __phone__ or __phone__"),
        ("my card 4111 1111 1111 1111 was charged", "my card __card__ was charged"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN __iban__ please"),
        ("US line (555) 123-4567 thanks", "US line __phone__ thanks"),
        ("already __email__ and __phone__ here", "already __email__ and __phone__ here"),
        (
            "@115712 on 2017-10-31 at 22:10, 1 in 1,000,000",
            "@115712 on 2017-10-31 at 22:10, 1 in 1,000,000",
        ),
        ("order #12345 for $3", "order #12345 for $3"),
    ],
)
def test_pii_masking(text, expected):
    assert masked_texts(pd.Series([text])).iloc[0] == expected


def test_masking_keeps_missing_values():
    out = masked_texts(pd.Series(["a@b.com", None]))
    assert out.tolist() == ["__email__", None]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Please send us a DM with your details", True),
        ("Can you DMs us?", True),
        ("Please send me a private message", True),
        ("Send us a Direct Message so we can help", True),
        ("Have your friend message us.", True),
        ("PM me the order number", True),
        ("Drop by 3pm-close", False),  # 'pm' inside '3pm' is not a whole word
        ("We admire your admission", False),
    ],
)
def test_private_handoff_rule(text, expected):
    assert bool(asks_private_flags(pd.Series([text]))[0]) is expected


def _confusion(frame: pd.DataFrame) -> tuple[int, int, int]:
    pred = runaround_flags(masked_texts(frame["text"]))
    truth = frame["runaround"].astype(bool).to_numpy()
    return int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())


def _labelled_splits() -> dict[str, pd.DataFrame]:
    data = pd.read_csv(LABELLED, dtype={"tweet_id": str})
    holdout2 = pd.read_csv(HOLDOUT2, dtype={"tweet_id": str})
    return {
        "dev": data[data["split"] == "dev"],
        "holdout": data[data["split"] == "holdout"],
        "holdout2": holdout2,
    }


def test_runaround_older_holdout_integrity_and_floor():
    """The 113-reply holdout2 (tests/golden/README.md): new texts only, and the rule rewritten for
    issue 17 must not fall below this floor on it (measured P 27/34 = 0.79, R 27/31 = 0.87; the
    full per-split table, with intervals, is tests/test_runaround_real.py and runaround.md)."""
    splits = _labelled_splits()
    holdout2 = splits["holdout2"]
    earlier = pd.concat([splits["dev"], splits["holdout"]])
    assert len(holdout2) >= 100 and (holdout2["split"] == "holdout2").all()
    assert holdout2["tweet_id"].is_unique and holdout2["text"].is_unique
    assert not set(holdout2["text"]) & set(earlier["text"])
    assert not set(holdout2["tweet_id"]) & set(earlier["tweet_id"])
    assert holdout2[["note", "customer_text"]].notna().all().all()
    tp, fp, fn = _confusion(holdout2)
    assert tp / (tp + fp) >= 0.75 and tp / (tp + fn) >= 0.85


def test_resolution_and_signatures():
    s = pd.Series(["thanks, that worked!", "still broken", "Thank you so much", "ty"])
    assert resolution_flags(s).tolist() == [True, False, True, True]
    sig = agent_signatures(
        pd.Series(
            ["Is the light red?\n^JAY", "Nope! -Becky", "no sig here", "range 3-5 only", "ok /SS"]
        )
    )
    assert sig.tolist() == ["JAY", "Becky", None, None, None]


def test_categories_from_text_follow_playbook_order():
    pb = load_playbook()
    texts = pd.Series(
        [
            "no signal since the outage and my bill is wrong",
            "I was overcharged on my invoice",
            "my flight was delayed and lost baggage",
            "where is my parcel delivery",
            "hello",
        ]
    )
    assert categories_from_text(texts, pb).tolist() == [
        "outage",
        "billing",
        "travel",
        "order",
        "other",
    ]


def test_categories_from_source_labels():
    pb = load_playbook()
    labels = pd.Series(
        ["Payment related", "Technical Support", "Refund request", "billing", "Weird", None]
    )
    assert categories_from_labels(labels, pb).tolist() == [
        "billing",
        "technical",
        "refund",
        "billing",
        "other",
        "other",
    ]
