"""Fast, exact re-implementation of the VADER 3.3.2 compound score (the vaderSentiment package).

Same tokenisation, lexicons, rules and floating-point operation order as
``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]``, quirks included (the
``list.index`` behaviour of the "but" rule, emoji descriptions glued to the next word, the "!" in
"ON! arrow").  Two engines share the tables:

* ``score_text``: one text in plain Python; the reference for the batch engine and its fallback.
* ``score_batch``: many texts at once.  Arrow splits all texts into tokens and dictionary-encodes
  them (no Python object per token); features are computed once per distinct token and cached;
  the rules run as numpy operations over all lexicon hits, with neighbours found by position.
  Texts with "but" get the "but" rule in Python on their few hit values; texts with a word of a
  multi-word idiom ("kind of", "the shit", ...) are scored by ``score_text``.
Tables load on first use, not at import.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import string
from collections.abc import Sequence
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from vaderSentiment import vaderSentiment as _ref

N_SCALAR: float = _ref.N_SCALAR
C_INCR: float = _ref.C_INCR
NEGATE = frozenset(_ref.NEGATE)
BOOSTERS: dict[str, float] = dict(_ref.BOOSTER_DICT)
SPECIAL: dict[str, float] = dict(_ref.SPECIAL_CASES)
_PUNCT = string.punctuation
_SO_THIS = ("so", "this")
_MULTI = [k.split() for k in (*SPECIAL, *BOOSTERS) if " " in k]
_COMMON = {"the", "to", "for", "of", "just", "bad", "stop", "right", "heart", "death"}
# One word of every multi-word key ("kind of", "the shit", ...): texts without any of them cannot
# match the idiom check or the "kind of" rule.  Chosen to be rare words.
_IDIOM_WORDS = frozenset(next((w for w in ws if w not in _COMMON), ws[-1]) for ws in _MULTI)
_IDIOM_FIRST = frozenset(ws[0] for ws in _MULTI)
# Word categories used by the vectorised rules (0 = none of these).
NO, ORNOR, NEVER, SOTHIS, WITHOUT, DOUBT, LEAST, ATVERY, BUT, IDIOM = range(1, 11)
_CATS = {
    "no": NO,
    "or": ORNOR,
    "nor": ORNOR,
    "never": NEVER,
    "so": SOTHIS,
    "this": SOTHIS,
    "without": WITHOUT,
    "doubt": DOUBT,
    "least": LEAST,
    "at": ATVERY,
    "very": ATVERY,
    "but": BUT,
    **dict.fromkeys(_IDIOM_WORDS, IDIOM),
}


def _read_table(name: str) -> list[list[str]]:
    """Rows of a tab-separated file shipped in the vaderSentiment package, parsed like VADER."""
    path = os.path.join(os.path.dirname(os.path.abspath(_ref.__file__)), name)
    with open(path, encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    return [line.strip().split("\t")[0:2] for line in lines if line]


@cache
def lexicon() -> dict[str, float]:
    """VADER's word lexicon (loaded on first use)."""
    return {w: float(v) for w, v in _read_table("vader_lexicon.txt")}


@cache
def emojis() -> dict[str, str]:
    """VADER's emoji descriptions; VADER walks characters, so only 1-character keys can match."""
    return {e: d for e, d in _read_table("emoji_utf8_lexicon.txt") if len(e) == 1}


@cache
def _emoji_keys() -> frozenset[str]:
    """The emoji characters VADER replaces."""
    return frozenset(emojis())


def _emoji_repl(m: re.Match[str]) -> str:
    """An emoji's description, with a space before it unless it starts the text or follows ' '."""
    j = m.start()
    d = emojis()[m.group()]
    return " " + d if j and m.string[j - 1] != " " else d


def replace_emojis(text: str) -> str:
    """VADER's emoji-to-description step (identity for texts without lexicon emoji)."""
    if text.isascii() or _emoji_keys().isdisjoint(text):
        return text
    found = _emoji_keys().intersection(text)
    return re.sub(f"[{re.escape(''.join(sorted(found)))}]", _emoji_repl, text)


def _key(tok: str) -> str:
    """VADER's word key: punctuation stripped unless <= 2 chars would remain, then lower-cased."""
    s = tok.strip(_PUNCT)
    return (tok if len(s) <= 2 else s).lower()


def _finish(text: str, sum_s: float) -> float:
    """Punctuation emphasis, normalisation and rounding, as in VADER's score_valence."""
    ep = text.count("!")
    amp = (4 if ep > 4 else ep) * 0.292
    qm = text.count("?")
    if qm > 1:
        amp += qm * 0.18 if qm <= 3 else 0.96
    if sum_s > 0:
        sum_s += amp
    elif sum_s < 0:
        sum_s -= amp
    c = sum_s / math.sqrt(sum_s * sum_s + 15)
    return round(-1.0 if c < -1.0 else 1.0 if c > 1.0 else c, 4)


def but_rule(vals: list[float], pos: Sequence[int], bi: int) -> None:
    """VADER's _but_check in place on the hit values at token positions pos (first "but" at bi).

    Quirk kept: list.index finds the first *equal* value, which may be an earlier, already
    scaled one.  Non-hit tokens (value 0) are left out; scaling a zero is a no-op there too.
    """
    for x in vals:
        si = vals.index(x)
        p = pos[si]
        if p < bi:
            vals[si] = x * 0.5
        elif p > bi:
            vals[si] = x * 1.5


def _scalar(word: str, up: bool, valence: float, cap: bool) -> float:
    """VADER's scalar_inc_dec for a preceding word (0.0 unless it is a booster)."""
    b = BOOSTERS.get(word)
    if b is None:
        return 0.0
    if valence < 0:
        b *= -1
    if up and cap:
        b = b + C_INCR if valence > 0 else b - C_INCR
    return b


def _idioms(v: float, lw: list[str], i: int, n: int) -> float:
    """VADER's _special_idioms_check (only called for i > 2)."""
    w, p1, p2, p3 = lw[i], lw[i - 1], lw[i - 2], lw[i - 3]
    twoone, threetwo, threetwoone = f"{p2} {p1}", f"{p3} {p2}", f"{p3} {p2} {p1}"
    for seq in (f"{p1} {w}", f"{p2} {p1} {w}", twoone, threetwoone, threetwo):
        if seq in SPECIAL:
            v = SPECIAL[seq]
            break
    if n - 1 > i and f"{w} {lw[i + 1]}" in SPECIAL:
        v = SPECIAL[f"{w} {lw[i + 1]}"]
    if n - 1 > i + 1 and f"{w} {lw[i + 1]} {lw[i + 2]}" in SPECIAL:
        v = SPECIAL[f"{w} {lw[i + 1]} {lw[i + 2]}"]
    for seq in (threetwoone, threetwo, twoone):
        if seq in BOOSTERS:
            v = v + BOOSTERS[seq]
    return v


def _valence(lex: dict[str, float], lw: list[str], ups: list[bool], i: int, cap: bool) -> float:
    """VADER's sentiment_valence (with _least_check) for the lexicon word at position i."""
    n = len(lw)
    w = lw[i]
    if w in BOOSTERS or (w == "kind" and i < n - 1 and lw[i + 1] == "of"):
        return 0.0
    v = lex[w]
    if w == "no" and i != n - 1 and lw[i + 1] in lex:
        v = 0.0
    p1 = lw[i - 1] if i > 0 else ""
    p2 = lw[i - 2] if i > 1 else ""
    p3 = lw[i - 3] if i > 2 else ""
    if p1 == "no" or p2 == "no" or (p3 == "no" and p1 in ("or", "nor")):
        v = lex[w] * N_SCALAR
    if cap and ups[i]:
        v = v + C_INCR if v > 0 else v - C_INCR
    if i > 0 and p1 not in lex:
        v = v + _scalar(p1, ups[i - 1], v, cap)
        if p1 in NEGATE or "n't" in p1:
            v = v * N_SCALAR
    if i > 1 and p2 not in lex:
        v = v + _scalar(p2, ups[i - 2], v, cap) * 0.95
        if p2 == "never" and p1 in _SO_THIS:
            v = v * 1.25
        elif not (p2 == "without" and p1 == "doubt") and (p2 in NEGATE or "n't" in p2):
            v = v * N_SCALAR
    if i > 2 and p3 not in lex:
        v = v + _scalar(p3, ups[i - 3], v, cap) * 0.9
        if (p3 == "never" and p2 in _SO_THIS) or p1 in _SO_THIS:
            v = v * 1.25
        elif not (p3 == "without" and "doubt" in (p2, p1)) and (p3 in NEGATE or "n't" in p3):
            v = v * N_SCALAR
        if not _IDIOM_FIRST.isdisjoint((p1, p2, p3, w)):
            v = _idioms(v, lw, i, n)
    if p1 == "least" and (i == 1 or (p2 != "at" and p2 != "very")):  # "least" is not in lex
        v = v * N_SCALAR
    return v


def score_text(text: str) -> float:
    """Compound VADER score of one text (exact)."""
    text = replace_emojis(text)
    toks = text.split()
    lw = [_key(t) for t in toks]
    ups = [t.isupper() for t in toks]
    cap = 0 < sum(ups) < len(toks)
    lex = lexicon()
    vals = [_valence(lex, lw, ups, i, cap) if w in lex else 0.0 for i, w in enumerate(lw)]
    if "but" in lw:
        but_rule(vals, range(len(vals)), lw.index("but"))
    return _finish(text, sum(vals))


_NFEAT = 10  # columns of a token's feature row, see _token_features


@cache
def _notable() -> frozenset[str]:
    """Word keys with any role: lexicon words, boosters, negations, category words."""
    return frozenset(lexicon()).union(BOOSTERS, NEGATE, _CATS)


def _token_features(tok: str, w: str) -> tuple[float, ...]:
    """(lexicon value or NaN, is hit, in lexicon, booster value, negation, upper, category,
    '!' count, '?' count, needs special handling) of raw token tok with word key w."""
    lex = lexicon()
    v, b, cat = lex.get(w, math.nan), BOOSTERS.get(w, 0.0), _CATS.get(w, 0)
    ex, qm = tok.count("!"), tok.count("?")
    return (
        v,
        w in lex and not b,
        w in lex,
        b,
        w in NEGATE or "n't" in w,
        tok.isupper(),
        cat,
        ex,
        qm,
        bool(ex or qm or cat >= BUT),
    )


def _features_of(toks: list[str]) -> np.ndarray:
    """Feature rows of tokens: C-level maps for all, a Python tuple only for notable ones."""
    stripped = list(map(str.strip, toks, itertools.repeat(_PUNCT)))
    keys = [t if len(s) <= 2 else s for t, s in zip(toks, stripped, strict=True)]
    keys = list(map(str.lower, keys))
    f = np.zeros((len(toks), _NFEAT))
    f[:, 0] = math.nan
    f[:, 5] = list(map(str.isupper, toks))
    notable = _notable()
    for i, (t, w) in enumerate(zip(toks, keys, strict=True)):
        if w in notable or "n't" in w or "!" in t or "?" in t:
            f[i] = _token_features(t, w)
    return f


def _round4(c: np.ndarray) -> np.ndarray:
    """Python's round(x, 4) elementwise: numpy's rint(x * 1e4) / 1e4 except near ties."""
    y = np.round(c, 4)
    s = c * 1e4
    for i in np.flatnonzero(np.abs(s - np.floor(s) - 0.5) < 1e-6).tolist():
        y[i] = round(float(c[i]), 4)
    return y


def _tokenize(texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Whitespace tokens of all texts at once (Arrow splits on exactly str.split's characters):
    (token codes, text index of each token, distinct tokens)."""
    lists = pc.utf8_split_whitespace(pa.array(texts, pa.large_string()))
    enc = pc.dictionary_encode(lists.values)
    codes = enc.indices.to_numpy().astype(np.int64)
    tid = np.repeat(np.arange(len(texts)), np.diff(lists.offsets.to_numpy()))
    uniq = enc.dictionary.to_pylist()
    if "" in uniq:  # runs of whitespace give empty pieces: drop them
        keep = codes != uniq.index("")
        codes, tid = codes[keep], tid[keep]
    return codes, tid, uniq


def _utf8_ok(text: str) -> bool:
    """Whether text encodes to UTF-8 (no lone surrogates)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def score_batch(texts: Sequence[str]) -> np.ndarray:
    """Compound VADER scores of many texts (float64), exact, vectorised across texts."""
    texts = [t if t.isascii() else replace_emojis(t) for t in texts]
    m = len(texts)
    odd: dict[int, str] = {}
    try:
        codes, tid, uniq = _tokenize(texts)
    except (UnicodeEncodeError, pa.ArrowException):  # lone surrogates: no UTF-8, score alone
        odd = {i: t for i, t in enumerate(texts) if not t.isascii() and not _utf8_ok(t)}
        codes, tid, uniq = _tokenize(["" if i in odd else t for i, t in enumerate(texts)])
    sent = len(uniq)  # code of the sentinel row: the "word" before a text and after it
    f = np.vstack([_features_of(uniq), (math.nan, 0, 1, 0.0, 0, 0, 0, 0, 0, 0)])
    lexv, hit_u, blk, boost = f[:, 0], f[:, 1] > 0, f[:, 2] > 0, f[:, 3]
    neg, up_u, cat, mark_u = f[:, 4] > 0, f[:, 5] > 0, f[:, 6].astype(np.int8), f[:, 9] > 0
    ntok = np.bincount(tid, minlength=m)
    start = np.cumsum(ntok) - ntok  # index of each text's first token
    nup = np.bincount(tid[up_u[codes]], minlength=m)
    cap = (nup > 0) & (nup < ntok)
    # Punctuation counts, "but" and idiom words: few tokens, handled on their positions only.
    pm = np.flatnonzero(mark_u[codes])
    pcodes, pt = codes[pm], tid[pm]
    ex = np.bincount(pt, weights=f[pcodes, 7], minlength=m)
    qm = np.bincount(pt, weights=f[pcodes, 8], minlength=m)
    special = np.zeros(m, dtype=bool)
    special[pt[cat[pcodes] == IDIOM]] = True
    is_but = cat[pcodes] == BUT
    but_t, first = np.unique(pt[is_but], return_index=True)
    but_pos = pm[is_but][first] - start[but_t]
    # The VADER rules over all lexicon hits at once (same float operations, same order).
    h = np.flatnonzero(hit_u[codes])
    th = tid[h]
    hpos = h - start[th]
    c0 = codes[h]
    c1, c2, c3 = (np.where(hpos >= k, codes[np.maximum(h - k, 0)], sent) for k in (1, 2, 3))
    nxt = np.where(hpos + 1 < ntok[th], codes[np.minimum(h + 1, len(codes) - 1)], sent)
    k1, k2, k3 = cat[c1], cat[c2], cat[c3]
    lv = lexv[c0]
    v = np.where((cat[c0] == NO) & ~np.isnan(lexv[nxt]), 0.0, lv)
    v = np.where((k1 == NO) | (k2 == NO) | ((k3 == NO) & (k1 == ORNOR)), lv * N_SCALAR, v)
    caph = cap[th]
    v = np.where(caph & up_u[c0], np.where(v > 0, v + C_INCR, v - C_INCR), v)
    for start_i, c in enumerate((c1, c2, c3)):
        g = ~blk[c]
        b = boost[c]
        s = np.where(v < 0, -b, b)
        s = np.where((b != 0) & up_u[c] & caph, np.where(v > 0, s + C_INCR, s - C_INCR), s)
        if start_i:
            s = s * (0.95 if start_i == 1 else 0.9)
        v = np.where(g, v + s, v)
        if start_i == 0:
            amp125, keep = np.zeros(len(h), dtype=bool), np.zeros(len(h), dtype=bool)
        elif start_i == 1:
            amp125, keep = (k2 == NEVER) & (k1 == SOTHIS), (k2 == WITHOUT) & (k1 == DOUBT)
        else:
            amp125 = ((k3 == NEVER) & (k2 == SOTHIS)) | (k1 == SOTHIS)
            keep = (k3 == WITHOUT) & ((k2 == DOUBT) | (k1 == DOUBT))
        v = np.where(g & amp125, v * 1.25, np.where(g & ~amp125 & ~keep & neg[c], v * N_SCALAR, v))
    v = np.where((k1 == LEAST) & (k2 != ATVERY), v * N_SCALAR, v)
    # Per-text sums in token order (sequential, like Python's sum): one pass per hit rank.
    hc = np.bincount(th, minlength=m)
    hstart = np.cumsum(hc) - hc
    rank = np.arange(len(h)) - hstart[th]
    order = np.argsort(rank, kind="stable")
    total = np.zeros(m)
    bounds = np.concatenate(([0], np.cumsum(np.bincount(rank))))
    for a, z in itertools.pairwise(bounds):
        sel = order[a:z]
        total[th[sel]] += v[sel]
    for t, bi in zip(but_t.tolist(), but_pos.tolist(), strict=True):
        if not special[t]:
            a, z = hstart[t], hstart[t] + hc[t]
            vals = v[a:z].tolist()
            but_rule(vals, hpos[a:z].tolist(), bi)
            total[t] = sum(vals)
    ep = np.minimum(ex, 4) * 0.292
    amp = np.where(qm > 1, ep + np.where(qm <= 3, qm * 0.18, 0.96), ep)
    total = np.where(total > 0, total + amp, np.where(total < 0, total - amp, total))
    c = np.clip(total / np.sqrt(total * total + 15), -1.0, 1.0)
    res = _round4(c)
    for i in np.flatnonzero(special).tolist():
        res[i] = score_text(texts[i])
    for i, t in odd.items():
        res[i] = score_text(t)
    return res
