"""Text enrichment at load: PII masking, cleaning, issue category, private-handoff and run-around flags."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

# --- PII masking -----------------------------------------------------------------------------
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_IBAN = r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"
_CARD = r"\b(?:\d[ -]?){12,18}\d\b"
_PHONE = r"(?<![\w@])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])\d{3,4}(?:[ .-]?\d{3,4})?\b"
PII_PATTERNS: tuple[tuple[str, str], ...] = (
    (_EMAIL, "__email__"),
    (_IBAN, "__iban__"),
    (_CARD, "__card__"),
    (_PHONE, "__phone__"),
)


def masked_texts(texts: pd.Series) -> pd.Series:
    """Texts with e-mail addresses, IBANs, card-like numbers and phone numbers replaced by tokens."""
    out = texts.astype("string")
    for pattern, token in PII_PATTERNS:
        out = out.str.replace(pattern, token, regex=True)
    return out.astype(object).where(out.notna(), None)


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


# --- playbook ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Category:
    """One playbook category."""

    id: str
    complexity: int
    private: bool
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Playbook:
    """Issue categories in priority order plus source-label mappings."""

    categories: tuple[Category, ...]
    source_labels: dict[str, str]

    def private_by_category(self) -> dict[str, bool]:
        """Whether the playbook says each category is handled privately."""
        return {c.id: c.private for c in self.categories}


@lru_cache(maxsize=8)
def load_playbook(path: str | None = None) -> Playbook:
    """The configured playbook, or the shipped default."""
    text = (
        Path(path).read_text(encoding="utf-8")
        if path
        else resources.files("etl").joinpath("playbook.toml").read_text(encoding="utf-8")
    )
    raw = tomllib.loads(text)
    cats = tuple(
        Category(c["id"], int(c.get("complexity", 1)), bool(c.get("private", False)),
                 tuple(c.get("keywords", ())))
        for c in raw["category"]
    )
    labels = {k.lower(): v for k, v in raw.get("source_labels", {}).items()}
    return Playbook(cats, labels)


def categories_from_text(texts: pd.Series, playbook: Playbook) -> pd.Series:
    """Issue category per text: the first playbook category whose keywords match, else 'other'."""
    t = texts.fillna("").str.lower()
    out = pd.Series("other", index=texts.index, dtype=object)
    undecided = np.ones(len(t), dtype=bool)
    for cat in playbook.categories:
        if not cat.keywords or not undecided.any():
            continue
        pattern = r"\b(?:" + "|".join(re.escape(k) for k in cat.keywords) + r")\b"
        hit = undecided & t.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        out[hit] = cat.id
        undecided &= ~hit
    return out


def categories_from_labels(labels: pd.Series, playbook: Playbook) -> pd.Series:
    """Issue category from a source system's own label (e.g. a call topic), else 'other'."""
    known = {c.id for c in playbook.categories}
    low = labels.fillna("").str.strip().str.lower()
    mapped = low.map(playbook.source_labels)
    direct = low.where(low.isin(known))
    return mapped.fillna(direct).fillna("other").astype(object)


# --- sentiment --------------------------------------------------------------------------------
def sentiment_scores(texts: pd.Series) -> np.ndarray:
    """VADER compound per text (NaN for empty), via the fast scorer verified against vaderSentiment."""
    from etl.sentiment import compound_scores

    return np.asarray(compound_scores(texts), dtype=np.float64)
