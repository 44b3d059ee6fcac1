"""The issue playbook: categories (keywords, patterns, complexity, private handling) and the
source-system labels mapped onto them; validated when read, so that a bad playbook fails with
one sentence naming the file, the category and the problem.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from etl.settings.errors import ConfigError

CATEGORY_KEYS = ("id", "complexity", "private", "keywords", "patterns")
COMPLEXITIES = (1, 2, 3)
APOSTROPHE = "\u2019"  # the typographic apostrophe phones type: texts and rules read it as "'"


def straightened(text: str) -> str:
    """The text with the typographic apostrophe (U+2019) as a straight one."""
    return text.replace(APOSTROPHE, "'")


def normalised_text(text: str) -> str:
    """What the category rules read: the text with straight apostrophes, lower-cased."""
    return straightened(text).lower()


def alternation(words: tuple[str, ...]) -> str:
    """A regular expression matching exactly `words`, factored into a prefix tree: Python's re
    tries the alternatives of `a|b|c` one by one, a tree reads each character once."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        if "" in node:
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return "(?:" + emit(tree) + ")"


@dataclass(frozen=True)
class Category:
    """One playbook category: whole-word keywords and case-insensitive regular expressions."""

    id: str
    complexity: int
    private: bool
    keywords: tuple[str, ...]
    patterns: tuple[str, ...] = ()

    def rules(self) -> tuple[re.Pattern, ...]:
        """What classifies a normalised text (normalised_text) into this category: its keywords
        as one whole-word pattern, then each of its patterns (ignoring case); a typographic
        apostrophe in them is read as a straight one, as in the text."""
        words = tuple(dict.fromkeys(straightened(k) for k in self.keywords))
        out = [re.compile(r"\b" + alternation(words) + r"\b")] if words else []
        return tuple(out + [re.compile(straightened(p), re.IGNORECASE) for p in self.patterns])


@dataclass(frozen=True)
class Playbook:
    """Issue categories in priority order plus source-label mappings."""

    categories: tuple[Category, ...]
    source_labels: dict[str, str]

    def private_by_category(self) -> dict[str, bool]:
        """Whether the playbook says each category is handled privately."""
        return {c.id: c.private for c in self.categories}


def _strings(value, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{what} must be a list of non-empty strings")
    return tuple(value)


def _category(raw, n: int) -> Category:
    """One validated [[category]] table (n counts from 1); ConfigError without the file name."""
    if not isinstance(raw, dict):
        raise ConfigError(f"category {n} must be a table ([[category]])")
    cid = raw.get("id")
    name = f"category {n}" + (f" ({cid!r})" if isinstance(cid, str) else "")
    unknown = sorted(set(raw) - set(CATEGORY_KEYS))
    if unknown:
        raise ConfigError(
            f"{name} has unknown key {unknown[0]!r}; allowed: {', '.join(CATEGORY_KEYS)}"
        )
    if not isinstance(cid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", cid):
        raise ConfigError(
            f'{name} needs an id of lower-case letters, digits, - and _ (id = "billing")'
        )
    complexity = raw.get("complexity", 1)
    if isinstance(complexity, bool) or complexity not in COMPLEXITIES:
        raise ConfigError(f"{name} has complexity {complexity!r}; use 1 (simple), 2 or 3 (complex)")
    private = raw.get("private", False)
    if not isinstance(private, bool):
        raise ConfigError(f"{name} has private = {private!r}; use true or false")
    keywords = tuple(k.lower() for k in _strings(raw.get("keywords", []), f"{name}: keywords"))
    patterns = _strings(raw.get("patterns", []), f"{name}: patterns")
    for p in patterns:
        try:
            re.compile(p, re.IGNORECASE)
        except re.error as e:
            raise ConfigError(
                f"{name} has pattern {p!r} that is not a regular expression ({e})"
            ) from None
    return Category(cid, int(complexity), private, keywords, patterns)


def playbook_from_dict(raw: dict) -> Playbook:
    """Validate a parsed playbook document; ConfigError names the category and the problem."""
    unknown = sorted(set(raw) - {"category", "source_labels"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}; allowed: category, source_labels")
    cats = raw.get("category")
    if not isinstance(cats, list) or not cats:
        raise ConfigError("no categories; add [[category]] tables with an id")
    categories = tuple(_category(c, n) for n, c in enumerate(cats, start=1))
    ids = [c.id for c in categories]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(f"category {repeated[0]!r} is defined twice")
    labels = raw.get("source_labels", {})
    if not isinstance(labels, dict):
        raise ConfigError('source_labels must be a table of "label" = "category id"')
    for label, cid in labels.items():
        if cid not in ids:
            raise ConfigError(f"source label {label!r} maps to {cid!r}, which is no category id")
    return Playbook(categories, {k.lower(): v for k, v in labels.items()})


@lru_cache(maxsize=8)
def load_playbook(path: str | None = None) -> Playbook:
    """The configured playbook, or the shipped default; ConfigError when it cannot be used."""
    name = path or "the default playbook (etl/settings/playbook.toml)"
    try:
        text = (
            Path(path).read_text(encoding="utf-8")
            if path
            else resources.files("etl.settings")
            .joinpath("playbook.toml")
            .read_text(encoding="utf-8")
        )
        return playbook_from_dict(tomllib.loads(text))
    except OSError as e:
        raise ConfigError(f"playbook {name} cannot be read ({e.strerror}).") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"playbook {name} is not valid TOML: {e}.") from None
    except ConfigError as e:
        raise ConfigError(f"playbook {name}: {e}.") from None


def categories_from_text(texts: pd.Series, playbook: Playbook) -> pd.Series:
    """Issue category per text: the first playbook category one of whose keywords (whole words)
    or patterns (ignoring case) occurs in the normalised text (normalised_text), else 'other'."""
    lowered = [normalised_text(t) if isinstance(t, str) else "" for t in texts]
    out = np.full(len(lowered), "other", dtype=object)
    todo = np.arange(len(lowered))  # texts no earlier category took: only those are searched
    for cat in playbook.categories:
        for rule in cat.rules():
            hit = np.fromiter((rule.search(lowered[i]) is not None for i in todo), bool, len(todo))
            out[todo[hit]] = cat.id
            todo = todo[~hit]
    return pd.Series(out, index=texts.index, dtype=object)


def categories_from_labels(labels: pd.Series, playbook: Playbook) -> pd.Series:
    """Issue category from a source system's own label (e.g. a call topic), else 'other'."""
    known = {c.id for c in playbook.categories}
    low = labels.fillna("").str.strip().str.lower()
    mapped = low.map(playbook.source_labels)
    direct = low.where(low.isin(known))
    return mapped.fillna(direct).fillna("other").astype(object)
