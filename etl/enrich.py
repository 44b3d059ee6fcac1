"""Text enrichment at load: PII masking, cleaning, issue category, private-handoff and run-around flags."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# PII masking (etl/pii.py) and the playbook (etl/playbook.py), re-exported for the loaders.
from etl.pii import PII_RULES, masked_texts  # noqa: F401
from etl.playbook import (  # noqa: F401
    Category,
    Playbook,
    categories_from_labels,
    categories_from_text,
    load_playbook,
)

# --- reply flags ------------------------------------------------------------------------------
PRIVATE_PATTERN = re.compile(
    r"\b(?:dms?|direct messages?|private messages?|pms?|message us)\b", re.IGNORECASE
)
# Run-around: a reply that sends the customer to another contact channel (phone, e-mail,
# ticket or web form, store, forum, another handle) and does not itself engage with the
# problem. Links to a help article are answers, not run-arounds; an in-channel DM request
# is a private handoff, counted separately. Precision is measured on hand-labelled real agent
# tweets in tests/golden/agent_replies_labelled.csv (tests/test_enrich.py).
_CONTACT_REDIRECT = (
    r"\b(?:call|ring|phone)\s+(?:us|our|the|them)\b"
    r"|\bgive us a (?:call|ring)\b"
    r"|__phone__|\b(?:0800|0844|0345|1-?800|1-?888|1-?877)\b"
    r"|\b(?:contact|contacted|reach out to|get in touch with|speak (?:to|with)|talk to|visit|pop (?:in|into)|head (?:in|into))"
    r"\s+(?:us|our|the|your|a)\b[^.!?]{0,40}?\b(?:team|store|shop|branch|support|department|office|helpline|"
    r"customer service|care|experts|specialists|here)\b"
    r"|\b(?:submit|open|raise|log|file)\s+(?:a|an|your)\s+(?:ticket|request|case|complaint)\b"
    r"|\b(?:ticket|request) here\b"
    r"|\b(?:send us an e-?mail|e-?mail us|drop us an e-?mail)\b"
    r"|\bfill (?:out|in)\b[^.!?]{0,30}\bform\b"
    r"|\b(?:tell us more|provide more details)\b[^.!?]{0,40}?(?:https?://|__url__)"
    r"|\b(?:community|support) forum\b|\bvot(?:e|ing) for the idea\b|\bkeep an eye on\b"
    r"|\b(?:dm|message|tweet|contact)\s+our (?:friends|colleagues|team) (?:at|from|over at)\b"
    r"|\s@\w*(?:support|help|care|cares)\b"
    r"|\bcannot (?:assist|help) with\b[^.!?]{0,40}\bover social media\b"
)
# A question sentence that is not itself about contacting someone = engaging with the problem.
_DIAGNOSTIC = r"(?:^|[.!?:]\s+)(?:(?!contact|reach|call|e-?mail|\bdm\b|message)[^.!?])*\?"
REDIRECT_PATTERN = re.compile(_CONTACT_REDIRECT, re.IGNORECASE)
ENGAGES_PATTERN = re.compile(_DIAGNOSTIC, re.IGNORECASE)
RESOLUTION_PATTERN = re.compile(
    r"\b(?:thanks|thank you|thx|ty|fixed|sorted|works now|working now|resolved|all good|"
    r"that worked|perfect)\b",
    re.IGNORECASE,
)
SIGNATURE_PATTERN = re.compile(r"(?:\^|(?<=\s)[-–~]\s?)([A-Z][A-Za-z]{0,14})\s*$")


def asks_private_flags(texts: pd.Series) -> np.ndarray:
    """True where an agent reply asks to move the conversation private (DM, PM, message us)."""
    return texts.fillna("").str.contains(PRIVATE_PATTERN).to_numpy(dtype=bool)


def runaround_flags(texts: pd.Series) -> np.ndarray:
    """True where an agent reply only redirects (call us, a link, another handle) without engaging."""
    t = texts.fillna("")
    redirect = t.str.contains(REDIRECT_PATTERN)
    engages = t.str.contains(ENGAGES_PATTERN)
    return (redirect & ~engages).to_numpy(dtype=bool)


def resolution_flags(texts: pd.Series) -> np.ndarray:
    """True where a customer message says the problem is solved (thanks, fixed, sorted ...)."""
    return texts.fillna("").str.contains(RESOLUTION_PATTERN).to_numpy(dtype=bool)


def agent_signatures(texts: pd.Series) -> pd.Series:
    """The agent signature at the end of a reply (^JK, -Becky), or None."""
    sig = texts.fillna("").str.rstrip().str.extract(SIGNATURE_PATTERN, expand=False)
    return sig.astype(object).where(sig.notna(), None)


# --- sentiment --------------------------------------------------------------------------------
def sentiment_scores(texts: pd.Series) -> np.ndarray:
    """VADER compound per text (NaN for empty), via the fast scorer verified against vaderSentiment."""
    from etl.sentiment import compound_scores

    return np.asarray(compound_scores(texts), dtype=np.float64)
