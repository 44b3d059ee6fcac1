"""Opportunities in customer messages: competitors named, purchase intent, stock-outs.

The phrases come from [opportunities] (etl/settings/config.py checks them); each kind is one
case-insensitive pattern of whole-word phrases (inner spaces match any run of whitespace; a
phrase is whole when no letter, digit or underscore touches it, nor an @ before it). The
patterns have exact RE2 forms, so etl/text_sql.add_search decides them in DuckDB. Tweets are
flagged at load (etl/sources/twcs_store.py) with the kinds they match, comma-joined in KINDS order.
"""

from __future__ import annotations

import hashlib
import re

from etl.settings.config import Opportunities

KINDS = ("competitor", "purchase_intent", "stock_out")


def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    """One pattern matching any of the phrases as whole words; None when there are none."""
    alts = [r"\s+".join(re.escape(w) for w in p.lower().split()) for p in phrases if p.strip()]
    if not alts:
        return None
    return re.compile(
        r"(?:^|[^\w@])(?:" + "|".join(sorted(alts, key=len, reverse=True)) + r")(?:\W|$)",
        re.IGNORECASE,
    )


def kind_patterns(rules: Opportunities) -> dict[str, re.Pattern]:
    """The pattern of each kind that has phrases."""
    out = {
        kind: phrase_pattern(getattr(rules, kind if kind != "competitor" else "competitors"))
        for kind in KINDS
    }
    return {k: p for k, p in out.items() if p is not None}


def opportunity_kinds(text: str | None, rules: Opportunities) -> str | None:
    """The kinds a text matches, comma-joined in KINDS order, or None."""
    if not isinstance(text, str):
        return None
    found = [k for k, p in kind_patterns(rules).items() if p.search(text)]
    return ",".join(found) or None


def rules_fingerprint(rules: Opportunities) -> str:
    """Identity of the phrases the stored flags were computed with."""
    return hashlib.sha256(repr(rules).encode()).hexdigest()[:16]
