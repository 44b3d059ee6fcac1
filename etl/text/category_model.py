"""The learned issue-category model (issue 17, round 4): static token vectors and a linear model.

Trained offline (tests/golden/categories.md, "Round 4: the learned classifier") on the 1,215
hand-labelled development messages: static token vectors distilled from all-MiniLM-L6-v2 with
model2vec (256 dimensions), the mean vector of a text's word pieces standardised, beside the mean
one-hot of its word pieces (x 30), then multinomial logistic regression (C = 0.01). The model is
linear in the mean over a text's word pieces, so it ships folded: one row of class scores per
word piece (`table`, 29,525 x 14) and a bias; a text's class scores are the mean of its pieces'
rows plus the bias, and its probabilities their softmax. Files: models/category_model.npz and
models/category_tokenizer.json (the model's uncased WordPiece tokenizer), read with the
`tokenizers` library; nothing is downloaded.

How it decides (`method = "model"` under `[categories]`): the model's category where it is a
named category with probability >= the shipped threshold (0.3, chosen by brand-grouped
cross-validation), otherwise the playbook rule's category. A user's own playbook wins where it
differs from the default one (see `model_categories`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from itertools import chain

import numpy as np
import pandas as pd

from etl.settings.playbook import Playbook, load_playbook

_URL = re.compile(r"https?://\S+")
_HANDLE = re.compile(r"@\w+")
_SPACE = re.compile(r"\s+")
_ENTITIES = (("&amp;", "&"), ("&gt;", ">"), ("&lt;", "<"))
# Fewer known word pieces than this and the model does not decide ("ok" alone scored account at
# 0.81): the rule does. Brand-grouped CV: no change on the development tweets (17 of 1,095).
MIN_PIECES = 3


@dataclass(frozen=True)
class CategoryModel:
    """The shipped model: per-word-piece class scores, bias, class ids and threshold."""

    table: np.ndarray  # (word pieces, classes) float32
    bias: np.ndarray  # (classes,)
    classes: tuple[str, ...]
    threshold: float
    unknown: int  # id of [UNK], dropped like model2vec does


def model_text(text: str) -> str:
    """The text the model reads: links and @handles removed, HTML entities of TWCS undone."""
    t = _URL.sub(" ", text)
    for entity, char in _ENTITIES:
        t = t.replace(entity, char)
    return _SPACE.sub(" ", _HANDLE.sub(" ", t)).strip()


@cache
def _tokenizer():
    from tokenizers import Tokenizer

    return Tokenizer.from_str(
        files("etl.text").joinpath("models/category_tokenizer.json").read_text("utf-8")
    )


@cache
def category_model() -> CategoryModel:
    """The shipped model, loaded once."""
    with files("etl.text").joinpath("models/category_model.npz").open("rb") as f:
        z = np.load(f, allow_pickle=False)
        classes = tuple(str(c) for c in z["classes"])
        model = CategoryModel(z["table"], z["bias"], classes, float(z["threshold"]), _unknown_id())
    return model


def _unknown_id() -> int:
    unk = _tokenizer().token_to_id("[UNK]")
    return -1 if unk is None else int(unk)


def _piece_ids(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Word-piece ids of every text (concatenated) and the number of each text's pieces,
    [UNK] dropped. The tokenizer is run once per distinct whitespace-separated chunk: its
    normaliser and pre-tokeniser split at whitespace, so a text's pieces are its chunks'
    pieces in order (checked against whole-text encoding in tests/test_category_model.py);
    that is several times cheaper than encoding whole texts."""
    unknown = category_model().unknown
    chunks = [model_text(t).split() for t in texts]
    distinct = list(set(chain.from_iterable(chunks)))
    encoded = _tokenizer().encode_batch_fast(distinct, add_special_tokens=False)
    pieces = {w: [i for i in e.ids if i != unknown] for w, e in zip(distinct, encoded, strict=True)}
    per_text = [[i for w in ws for i in pieces[w]] for ws in chunks]
    lengths = np.fromiter(map(len, per_text), np.int64, len(per_text))
    ids = np.fromiter(chain.from_iterable(per_text), np.int64, int(lengths.sum()))
    return ids, lengths


def class_probabilities(texts: list[str], block: int = 50_000) -> np.ndarray:
    """Softmax class probabilities (columns: category_model().classes) of each text; a text
    with fewer than MIN_PIECES known word pieces gets NaN (too little for the model to read).
    Texts are read in blocks, so the distinct chunks held at once stay bounded."""
    m = category_model()
    out = np.full((len(texts), len(m.classes)), np.nan)
    for start in range(0, len(texts), block):
        ids, lengths = _piece_ids(texts[start : start + block])
        has = lengths >= MIN_PIECES
        if not has.any():
            continue
        kept = lengths[has]  # the pieces of the texts read, each text's pieces contiguous
        starts = np.concatenate([[0], np.cumsum(kept)[:-1]])
        pieces = m.table[ids[np.repeat(has, lengths)]]
        scores = np.add.reduceat(pieces, starts, axis=0, dtype=np.float64)
        scores = scores / kept[:, None] + m.bias
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        out[start : start + len(lengths)][has] = p / p.sum(axis=1, keepdims=True)
    return out


def model_choices(texts: list[str]) -> np.ndarray:
    """The model's named category where its probability reaches the threshold, else None."""
    m = category_model()
    out = np.full(len(texts), None, dtype=object)
    if not texts:
        return out
    p = class_probabilities(texts)
    best = np.nan_to_num(p, nan=0.0).argmax(axis=1)
    sure = np.nan_to_num(p.max(axis=1), nan=0.0) >= m.threshold
    names = np.asarray(m.classes, dtype=object)[best]
    take = sure & (names != "other")
    out[take] = names[take]
    return out


def _own_categories(playbook: Playbook) -> set[str]:
    """Ids of the playbook's categories that are the user's own: an id the shipped default
    playbook does not have, or one whose keywords or patterns differ from the default's."""
    default = {c.id: (c.keywords, c.patterns) for c in load_playbook().categories}
    return {c.id for c in playbook.categories if default.get(c.id) != (c.keywords, c.patterns)}


def model_categories(texts: pd.Series, rule: pd.Series, playbook: Playbook) -> np.ndarray:
    """Categories by the model with the playbook as fallback and as the user's override.

    `rule` is the playbook's category of each text (the rules' decision). A text whose rule
    category is one of the user's own (a category not in the default playbook, or one whose
    keywords or patterns were changed) keeps it; otherwise the model's
    category is taken where it is sure (probability >= threshold) and the playbook knows that
    id; otherwise the rule's category stands.
    """
    rule_arr = rule.to_numpy(dtype=object)
    own = _own_categories(playbook)
    known = {c.id for c in playbook.categories}
    choice = model_choices([str(t) for t in texts])
    use = np.array(
        [
            c is not None and c in known and r not in own
            for c, r in zip(choice, rule_arr, strict=True)
        ],
        dtype=bool,
    )
    return np.where(use, choice, rule_arr)
