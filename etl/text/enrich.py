"""Text enrichment at load: PII masking, cleaning, issue category, private-handoff and run-around flags."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.settings.playbook import (  # noqa: F401
    Category,
    Playbook,
    categories_from_labels,
    categories_from_text,
    load_playbook,
)

# PII masking (etl/text/pii.py) and the playbook (etl/settings/playbook.py), re-exported for the loaders.
from etl.text.pii import PII_RULES, masked_texts  # noqa: F401
from etl.text.regex_sql import Untranslatable, re2_ascii_exact, re2_superset

# --- reply flags ------------------------------------------------------------------------------
PRIVATE_PATTERN = re.compile(
    r"\b(?:dms?|direct messages?|private messages?|pms?|message us)\b", re.IGNORECASE
)
# Run-around: a reply that sends the customer to another contact channel (phone, e-mail,
# ticket or web form, chat elsewhere, store, forum or feedback board, another team, handle or
# company) and does not itself engage with the problem. Links to a help article are answers,
# not run-arounds; an in-channel DM request is a private handoff, counted separately; an answer
# followed by "if that does not help, contact ..." engages. Measured on hand-labelled real agent
# replies (tests/golden/runaround.md, tests/test_runaround_real.py). The flag is
# REDIRECT_PATTERN and not ENGAGES_PATTERN, in Python here and in SQL (etl/text/text_sql.py), so
# REDIRECT_PATTERN keeps to what RE2 can match exactly on ASCII text (no look-arounds).
_CONTACT_VERBS = (
    "contact",
    "contacting",
    "reach out to",
    "get in touch with",
    "getting in touch with",
    "in touch with",
    "speak to",
    "speak with",
    "speaking to",
    "speaking with",
    "talk to",
    "talking to",
    "chat with",
    "chatting with",
    "connect with",
    "connecting with",
    "call",
    "calling",
    "calling into",
)
_CHANNEL_NOUN = (
    r"(?:teams?|store|shop|branch|support|department|office|helpline|help ?desk|customer service"
    r"|care|experts?|specialists?|advisors?|advocates?|agents?|representatives?|here|directly"
    r"|by phone|over the phone|(?:live |web )?chat|(?:the|this|following) link|link below"
    r"|help (?:site|center|centre)|support (?:site|page)|manufacturer|retailer|carrier|seller"
    r"|bank|provider)"
)


def _each(words: tuple[str, ...], rest: str) -> list[str]:
    """The words, each followed by rest, as one alternative per first letter (`c(?:all|ontact)rest`)."""
    firsts: dict[str, list[str]] = {}
    for w in words:
        firsts.setdefault(w[0], []).append(w[1:])
    return [f"{first}(?:{'|'.join(tails)}){rest}" for first, tails in firsts.items()]


# Each alternative starts at a word boundary with a letter or digit; _word_trie groups them by
# that first character, so Python's re tries only the few that can match at a position.
_DET = r"(?:us|our|the|your|a|an|them|their)"
_REDIRECT_WORDS = [
    *_each(("call", "ring", "phone"), r"\s+(?:us|our|the|them)\b"),
    r"give us a (?:call|ring)\b",
    *_each(("0800", "0844", "0345", "1-?800", "1-?888", "1-?877"), r"\b"),
    # a contact verb, then us/our/the/... and a channel within the sentence, or a named team:
    # "contact HP phone support", "reach out to Xbox Live Support"
    *_each(
        _CONTACT_VERBS,
        rf"(?:\s+{_DET}\b[^.!?]{{0,40}}?\b{_CHANNEL_NOUN}\b"
        r"|\s+\w+(?:\s+\w+)?\s+(?:phone\s+|live\s+)?(?:support|care|customer service)\b)",
    ),
    *_each(
        ("visit", "pop in", "pop into", "head in", "head into"),
        r"\s+(?:us|our|the|your|a|an)\b[^.!?]{0,40}?"
        r"\b(?:store|shop|branch|office|location|team|support|help (?:site|center|centre))\b",
    ),
    r"reaching out to (?:our|the|a)\b[^.!?]{0,40}?\b(?:teams?|support|experts?|agents?|specialists?)\b",
    # a team or agents who can be reached elsewhere
    *_each(
        (
            "chat",
            "phone",
            "live",
            "support",
            "accounts?",
            "billing",
            "security",
            "sales",
            "activation",
            "store",
        ),
        r"\s+(?:team|agents?|advisors?|experts?|specialists?)\b[^.!?]{0,40}?"
        r"\b(?:can|will|would|are|is)\b[^.!?]{0,30}?\b(?:assist|help|reached|best|able)\b",
    ),
    *_each(
        ("with", "to", "from"),
        r" our\b[^.!?]{0,25}?\b(?:advisors?|specialists?|experts?|agents?"
        r"|advocates?)\b[^.!?]{0,15}?\bhere\b",
    ),
    r"be reached\b",
    r"reach (?:them|us)\b[^.!?]{0,25}?\b(?:here|at|by|via|through|on)\b",
    rf"reach (?:us|our|them)\b[^.!?]{{0,40}}?\b{_CHANNEL_NOUN}\b",
    *_each(("best", "better"), r" (?:suited|equipped|placed)\b"),
    r"something (?:for|that) (?:our|the)\b[^.!?]{0,25}?\bteam\b",
    r"chat (?:button|icon|team)\b",
    r"live (?:chat|support)\b",
    # tickets, requests and forms
    *_each(
        ("submit", "open", "raise", "log", "file", "create", "make", "start"),
        r"\s+(?:a|an|your|the)\s+(?:new\s+|support\s+|private\s+)?(?:ticket|request|case|complaint)\b",
    ),
    *_each(("ticket", "request"), r" (?:here|at|through|via)\b"),
    *_each(
        ("submit", "complete", "fill out", "fill in"),
        r"\s+(?:the|this|our|a|an)\s+(?:\w+\s+)?form\b",
    ),
    r"fill (?:out|in)\b[^.!?]{0,30}\bform\b",
    *_each(("request", "schedule", "book", "arrange"), r"\s+a\s+call\s*-?\s*back\b"),
    *_each(
        ("share", "provide", "send", "submit"),
        r"\s+(?:us\s+)?(?:the|a few|some|more|your|all)?\s*(?:details|info|information)\b"
        r"[^.!?]{0,30}?\b(?:here|below|link|form)\b",
    ),
    *_each(("tell us more", "provide more details"), r"\b[^.!?]{0,40}?(?:https?://|__url__)"),
    *_each(("send us an e-?mail", "e-?mail us", "drop us an e-?mail"), r"\b"),
    # reports, feedback, forums and votes
    r"report (?:this|it|that|them)\b[^.!?]{0,30}?\bto (?:our|the|your)\b[^.!?]{0,25}?"
    r"\b(?:team|department|support)\b",
    *_each(("community", "support", "feedback"), r" forum\b"),
    r"in our community\b",
    r"help site\b",
    r"up-?vote\b",
    r"vot(?:e|ing) (?:for|on) (?:the|this|it|your)\b",
    r"keep an eye on\b",
    r"send (?:us )?(?:your )?fee?d?back\b",
    r"as a feature request\b",
    *_each(
        ("submit", "post", "file"),
        r" (?:it|this|that|them|any \w+ (?:bugs?|issues?))\s+(?:here|there|at|through|via)\b",
    ),
    # other handles and "not over social media"
    *_each(
        ("dm", "message", "tweet", "contact"),
        r"\s+our (?:friends|colleagues|team) (?:at|from|over at)\b",
    ),
    r"cannot (?:assist|help) with\b[^.!?]{0,40}\bover social media\b",
]


def _word_trie(alternatives: list[str]) -> str:
    """One alternation of the alternatives grouped by their first character."""
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        groups.setdefault(alt[0].lower(), []).append(alt[1:])
    return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())


_CONTACT_REDIRECT = (
    rf"\b(?:{_word_trie(_REDIRECT_WORDS)})|__phone__|\s@\w*(?:support|help|care|cares)\b"
)


def _caseless(source: str) -> str:
    """The pattern with each ASCII letter outside escapes and classes as [xX]: case-insensitive
    like re.IGNORECASE on ASCII, but a set Python's re can test before trying an alternative."""
    out, i, in_class = [], 0, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            out.append(source[i : i + 2])
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c.isascii() and c.isalpha() and not in_class:
            c = f"[{c.lower()}{c.upper()}]"
        out.append(c)
        i += 1
    return "".join(out)


# Engaging with the problem: a question sentence that is not itself about contacting someone,
# a fallback that refers back to help just given ("if that does not work, ..."), or asking the
# customer to DM the brand (a private handoff, not a run-around).
_DIAGNOSTIC = (
    r"(?:^|[.!?:]\s+)(?:(?!contact|reach|call|e-?mail|\bdm\b|message|ticket|request|vote)[^.!?])*\?"
    r"|\bif (?:that|this|these|those|it|they|the (?:above|steps?|article|suggestions?|tips?))\b"
    r"[^.!?,]{0,30}?(?:\bnot\b|n['’]t\b|\bstill\b|\bfails?\b)"
    r"|\bif no (?:luck|improvement)\b|\bif that['’]s not the case\b"
    r"|(?:\bare|['’]re|\bis) (?:currently |actively )?(?:investigating|working on|looking into)\b"
    r"|\b(?:dm|message) us\b|\bsend us a (?:dm|direct message|private message)\b"
)
REDIRECT_PATTERN = re.compile(_caseless(_CONTACT_REDIRECT))
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
    """True where an agent reply sends the customer elsewhere (a phone line, a form, another team,
    a forum) without engaging: REDIRECT_PATTERN and not ENGAGES_PATTERN."""
    t = texts.fillna("").astype(str).reset_index(drop=True)
    redirect = pattern_hits(REDIRECT_PATTERN, t)
    engages = np.zeros(len(t), dtype=bool)
    candidates = np.flatnonzero(redirect)
    engages[candidates] = pattern_hits(ENGAGES_PATTERN, t.iloc[candidates])
    return redirect & ~engages


@cache
def _re2_forms(pattern: re.Pattern) -> tuple[str | None, str | None]:
    """The exact-on-ASCII and the superset RE2 forms of a pattern (None where there is none)."""
    try:
        superset = re2_superset(pattern)
    except Untranslatable:
        superset = None
    return re2_ascii_exact(pattern), superset


def pattern_hits(pattern: re.Pattern, texts: pd.Series) -> np.ndarray:
    """pattern.search(text) is not None per text, equal to Python's re: RE2 (pyarrow) decides
    ASCII texts where the pattern has an exact RE2 form and rules out texts its superset form
    cannot match; Python's re decides only the rest (etl/text/regex_sql.py)."""
    values = texts.tolist()
    if not values:
        return np.zeros(0, dtype=bool)
    exact, superset = _re2_forms(pattern)
    arr = pa.array(values, type=pa.large_string())
    hits = np.zeros(len(values), dtype=bool)
    undecided = np.ones(len(values), dtype=bool)
    if exact is not None:
        ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
        hits[ascii_] = pc.match_substring_regex(arr.filter(pa.array(ascii_)), exact).to_numpy(
            zero_copy_only=False
        )
        undecided &= ~ascii_
    if superset is not None:
        undecided &= pc.match_substring_regex(arr, superset).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(undecided):
        hits[i] = pattern.search(values[i]) is not None
    return hits


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
    from etl.text.sentiment import compound_scores

    return np.asarray(compound_scores(texts), dtype=np.float64)
