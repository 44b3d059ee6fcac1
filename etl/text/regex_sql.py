"""Python regular expressions as RE2 *superset* patterns, so DuckDB can pre-select candidate texts.

DuckDB's ``regexp_matches`` (RE2) is fast and parallel but has no look-arounds, an ASCII-only
``\\b`` and other classes than Python's ``re``.  ``re2_superset(pattern)`` translates a compiled
Python pattern into an RE2 pattern that matches every text the Python pattern matches (and maybe
a few more): character sets are computed exactly from Python itself, look-arounds and word
boundaries that cannot be expressed are dropped (which only widens the match).  The enrichment
rules of etl/text/enrich.py then run, unchanged, on the few candidate texts only.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from re import _constants as C  # noqa: N812
from re import _parser as P  # noqa: N812

import numpy as np

MAXCODE = sys.maxunicode
ASCII = frozenset(range(128))


class Untranslatable(ValueError):
    """The pattern uses a construct without an RE2 superset (callers then test every text)."""


@dataclass(frozen=True)
class CharSet:
    """Characters one pattern position can match: the ASCII part exactly; the rest either exactly
    (a few code points), all, none, or MIX (some unknown mixture, emitted as all: wider is safe)."""

    ascii: frozenset[int]
    other: frozenset[int] | str  # small exact set, "all", "none" or "mix"

    def __or__(self, o: CharSet) -> CharSet:
        a, b = self.other, o.other
        if "all" in (a, b):
            other = "all"
        elif a == "none" or b == "none":
            other = b if a == "none" else a
        elif "mix" in (a, b):
            other = "mix"
        else:
            other = a | b
        return CharSet(self.ascii | o.ascii, other)

    def __invert__(self) -> CharSet:
        flip = {"all": "none", "none": "all", "mix": "mix"}
        other = (
            flip[self.other] if isinstance(self.other, str) else ("mix" if self.other else "all")
        )
        return CharSet(ASCII - self.ascii, other)


NONE = CharSet(frozenset(), "none")


_WORD = re.compile(r"\w")


def _word_state(chars: CharSet) -> str:
    """'word' when every character is a word character (Python's \\w), 'nonword' when none is,
    else 'mixed' (also when the non-ASCII part is not known exactly)."""
    codes = list(chars.ascii) + (list(chars.other) if isinstance(chars.other, frozenset) else [])
    if chars.other in ("all", "mix") or not codes:
        return "mixed"
    words = {bool(_WORD.fullmatch(chr(c))) for c in codes}
    return "word" if words == {True} else "nonword" if words == {False} else "mixed"


@cache
def _non_ascii_text() -> str:
    """Every non-ASCII code point valid in UTF-8, as one string (to ask Python which match)."""
    codes = np.arange(128, MAXCODE + 1, dtype="<u4")
    codes = codes[(codes < 0xD800) | (codes >= 0xE000)]
    return codes.tobytes().decode("utf-32-le")


@cache
def _non_ascii_matches(py_pattern: str, flags: int) -> frozenset[int]:
    """Non-ASCII code points a one-character Python pattern matches (Python is the oracle)."""
    return frozenset(map(ord, re.findall(py_pattern, _non_ascii_text(), flags)))


def _ascii_matches(py_pattern: str, flags: int) -> frozenset[int]:
    rx = re.compile(py_pattern, flags)
    return frozenset(i for i in range(128) if rx.fullmatch(chr(i)))


@cache
def _category(cat) -> CharSet:
    """\\d, \\s, \\w or a negation, under Python's Unicode rules (\\s and \\d exactly, \\w as MIX)."""
    names = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_SPACE: r"\s", C.CATEGORY_WORD: r"\w"}
    negated = {
        C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
        C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
        C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
    }
    if cat in negated:
        return ~_category(negated[cat])
    if cat not in names:
        raise Untranslatable(f"category {cat}")
    other = "mix" if cat is C.CATEGORY_WORD else _non_ascii_matches(names[cat], 0)
    return CharSet(_ascii_matches(names[cat], 0), other)


@cache
def _literal(code: int, ignorecase: bool) -> CharSet:
    """The characters a literal matches (with its case variants when ignoring case)."""
    if not ignorecase:
        return (
            CharSet(frozenset((code,)), "none")
            if code < 128
            else CharSet(frozenset(), frozenset((code,)))
        )
    py = re.escape(chr(code))
    if code < 128:  # non-ASCII case variants of ASCII letters (K for k, long s for s) from one scan
        folds = frozenset(
            c
            for c in _non_ascii_matches("[a-z]", re.IGNORECASE)
            if re.fullmatch(py, chr(c), re.IGNORECASE)
        )
    else:
        folds = _non_ascii_matches(py, re.IGNORECASE)
    return CharSet(_ascii_matches(py, re.IGNORECASE), folds or "none")


def _range(lo: int, hi: int, ignorecase: bool) -> CharSet:
    """The characters of a class range lo-hi."""
    if not ignorecase:
        other = (
            "none"
            if hi < 128
            else (frozenset(range(max(lo, 128), hi + 1)) if hi - lo < 256 else "mix")
        )
        return CharSet(frozenset(range(lo, min(hi, 127) + 1)), other)
    if hi - lo > 256:
        return CharSet(_ascii_matches(f"[{re.escape(chr(lo))}-{re.escape(chr(hi))}]", re.I), "mix")
    out = NONE
    for c in range(lo, hi + 1):
        out = out | _literal(c, True)
    return out


def _class_set(items, ignorecase: bool) -> CharSet:
    """The characters a parsed class ([...]) matches."""
    return _class_set_of(tuple(items), ignorecase)


@cache
def _class_set_of(items: tuple, ignorecase: bool) -> CharSet:
    """_class_set of a class's items as a tuple (a load translates the same classes many times)."""
    negate = bool(items) and items[0][0] is C.NEGATE
    out = NONE
    for op, av in items[1:] if negate else items:
        if op is C.LITERAL:
            out = out | _literal(av, ignorecase)
        elif op is C.RANGE:
            out = out | _range(av[0], av[1], ignorecase)
        elif op is C.CATEGORY:
            out = out | _category(av)
        else:
            raise Untranslatable(f"class item {op}")
    return ~out if negate else out


def _code(c: int) -> str:
    """One code point in an RE2 class: letters and digits as themselves, others escaped."""
    return chr(c) if chr(c).isascii() and chr(c).isalnum() else f"\\x{{{c:X}}}"


@cache
def _re2_class(chars: CharSet) -> str:
    """An RE2 character class for a CharSet (MIX and large sets widened to all non-ASCII)."""
    codes = sorted(chars.ascii)
    if chars.other in ("all", "mix"):
        codes.append(-1)  # placeholder for the whole non-ASCII range
    elif isinstance(chars.other, frozenset):
        codes += sorted(chars.other)
    if not codes:
        return r"[^\x00-\x{10FFFF}]"  # matches nothing
    parts, start, prev = [], None, None
    for c in [c for c in codes if c >= 0] + [-2]:
        if start is None:
            start = prev = c
            continue
        if c != prev + 1:
            parts.append(_code(start) if start == prev else f"{_code(start)}-{_code(prev)}")
            start = c
        prev = c
    if -1 in codes:
        parts.append(r"\x{80}-\x{10FFFF}")
    return "[" + "".join(parts) + "]"


def _char_node(op, av, flags: int) -> CharSet | None:
    """The character set of a single-character node, or None when the node is not one."""
    ic = bool(flags & re.IGNORECASE)
    if op is C.LITERAL:
        return _literal(av, ic)
    if op is C.NOT_LITERAL:
        return ~_literal(av, ic)
    if op is C.IN:
        return _class_set(av, ic)
    if op is C.ANY:
        return ~NONE if flags & re.DOTALL else ~_literal(10, False)
    return None


def _first_last(seq, flags: int, last: bool) -> CharSet | None:
    """Characters that can start (or end) a match of seq; None when unknown or possibly empty."""
    items = list(seq)[::-1] if last else list(seq)
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        chars = _char_node(op, av, flags)
        if chars is not None:
            return chars
        if op is C.SUBPATTERN:
            return _first_last(av[3], (flags | av[1]) & ~av[2], last)
        if op is C.BRANCH:
            sets = [_first_last(alt, flags, last) for alt in av[1]]
            if any(s is None for s in sets):
                return None
            out = NONE
            for s in sets:
                out = out | s
            return out
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            return _first_last(av[2], flags, last)
        return None
    return None


def _boundary(seq, i: int, flags: int, top: bool) -> str:
    r"""A \b at position i of seq: exact when it opens or closes a top-level alternative whose
    neighbouring characters are all word (or all non-word) characters, else dropped (wider)."""
    word = _category(C.CATEGORY_WORD)
    if top and i == 0:
        nxt = _first_last(seq[1:], flags, last=False)
        state = _word_state(nxt) if nxt is not None else "mixed"
        if state == "word":
            return f"(?:\\A|{_re2_class(~word)})"
        if state == "nonword":
            return _re2_class(word)
    if top and i == len(seq) - 1:
        prev = _first_last(seq[:i], flags, last=True)
        state = _word_state(prev) if prev is not None else "mixed"
        if state == "word":
            return f"(?:{_re2_class(~word)}|\\z)"
        if state == "nonword":
            return _re2_class(word)
    return ""


def _emit(seq, flags: int, top: bool, exact: bool) -> str:
    """RE2 text of a parsed sequence; top = the sequence is a whole top-level alternative;
    exact = the same matches on ASCII text (look-arounds then cannot be translated)."""
    seq = list(seq)
    out = []
    for i, (op, av) in enumerate(seq):
        chars = _char_node(op, av, flags)
        if chars is not None:
            out.append(_re2_class(CharSet(chars.ascii, "none") if exact else chars))
        elif op is C.BRANCH:
            alone = top and len(seq) == 1
            out.append("(?:" + "|".join(_emit(list(a), flags, alone, exact) for a in av[1]) + ")")
        elif op is C.SUBPATTERN:
            alone = top and len(seq) == 1
            out.append("(?:" + _emit(list(av[3]), (flags | av[1]) & ~av[2], alone, exact) + ")")
        elif op is C.ATOMIC_GROUP and not exact:
            out.append("(?:" + _emit(list(av), flags, False, exact) + ")")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or (op is C.POSSESSIVE_REPEAT and not exact):
            lo, hi, sub = av
            if lo > 1000 or (hi is not C.MAXREPEAT and hi > 1000):
                raise Untranslatable("repeat count above RE2's limit")
            body = "(?:" + _emit(list(sub), flags, False, exact) + ")"
            if not exact and hi is not C.MAXREPEAT and hi > 8:
                hi = (
                    C.MAXREPEAT
                )  # wider is safe; RE2 unrolls x{0,40} of a Unicode class too big for its DFA
            rep = f"{{{lo},}}" if hi is C.MAXREPEAT else f"{{{lo},{hi}}}"
            out.append(body + rep + ("?" if op is C.MIN_REPEAT else ""))
        elif op is C.AT:
            out.append(_anchor(av, seq, i, flags, top, exact))
        elif op in (C.ASSERT, C.ASSERT_NOT) and not exact:
            continue  # a look-around only narrows a match: dropping it widens
        elif op is C.GROUPREF and not exact:
            out.append("(?s:.*)")  # a back-reference matches some string
        else:
            raise Untranslatable(f"construct {op}")
    return "".join(out)


def _anchor(at, seq, i: int, flags: int, top: bool, exact: bool) -> str:
    """RE2 text of an anchor (^, $, \\A, \\Z, \\b, \\B)."""
    multi = bool(flags & re.MULTILINE)
    if at is C.AT_BEGINNING_STRING or (at is C.AT_BEGINNING and not multi):
        return r"\A"
    if at in (C.AT_BEGINNING, C.AT_BEGINNING_LINE):
        return "(?m:^)"
    if at is C.AT_END_STRING:
        return r"\z"
    if at is C.AT_END and not multi:
        return r"(?:\n?\z)"  # Python's $ also matches before a final newline
    if at in (C.AT_END, C.AT_END_LINE):
        return "(?m:$)"
    if exact:  # on ASCII text RE2's ASCII word boundary is Python's
        return {C.AT_BOUNDARY: r"\b", C.AT_NON_BOUNDARY: r"\B"}[at]
    if at is C.AT_BOUNDARY:
        return _boundary(seq, i, flags, top)
    return ""  # \B: dropped


def _translated(pattern: re.Pattern, exact: bool) -> str:
    if isinstance(pattern.pattern, bytes):
        raise Untranslatable("bytes pattern")
    parsed = P.parse(pattern.pattern, pattern.flags)
    return _emit(list(parsed), parsed.state.flags & ~re.VERBOSE, True, exact)


@cache
def re2_superset(pattern: re.Pattern) -> str:
    """An RE2 pattern matching every string the Python pattern finds a match in (re.search)."""
    return _translated(pattern, exact=False)


@cache
def re2_ascii_exact(pattern: re.Pattern) -> str | None:
    """An RE2 pattern with exactly Python's search result on ASCII-only text, or None when the
    pattern has constructs RE2 lacks (look-arounds, back-references, atomic groups)."""
    try:
        return _translated(pattern, exact=True)
    except Untranslatable:
        return None


@cache
def python_whitespace() -> str:
    """Every character Python's str.strip() and \\s treat as whitespace (for SQL rtrim)."""
    spaces = _category(C.CATEGORY_SPACE)
    return "".join(map(chr, sorted(spaces.ascii | set(spaces.other))))
