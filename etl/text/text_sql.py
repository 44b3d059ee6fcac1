"""The text rules of etl/text/enrich.py and etl/text/sentiment.py applied to a DuckDB table, fast and exact.

Each function works on a temp table with a non-null `text` column (usually distinct texts) and
adds one column. DuckDB's parallel RE2 decides what it can decide exactly (ASCII text, patterns
without look-arounds) and rules out what cannot match (a superset pattern, etl/text/regex_sql.py);
only the remaining texts go through the Python rule itself, so results equal the rule's own.
tests/test_text_sql.py checks each against the Python rule on real, generated and fuzzed texts.
"""

from __future__ import annotations

import re
from functools import partial
from re import _constants as C  # noqa: N812
from re import _parser as P  # noqa: N812

import duckdb
import numpy as np
import pandas as pd

from etl.forked import split_map
from etl.settings.playbook import APOSTROPHE
from etl.text import enrich
from etl.text.enrich import Playbook
from etl.text.mojibake import MARKERS, repaired_text
from etl.text.regex_sql import Untranslatable, python_whitespace, re2_ascii_exact, re2_superset

IS_ASCII = "strlen(text) = length(text)"
NOT_ASCII = "strlen(text) <> length(text)"
MOJIBAKE = MARKERS  # UTF-8 read as Windows-1252, Latin-1 or Mac Roman (etl/text/mojibake.py)
LEADING_HANDLES = (
    "^(?:@[A-Za-z0-9_]+ )+"  # what sentiment cleaning removes anyway (see add_sentiment)
)


def _superset(pattern: re.Pattern) -> str | None:
    try:
        return re2_superset(pattern)
    except Untranslatable:
        return None


def search_case(pattern: re.Pattern, column: str = "text") -> tuple[str, list[str]]:
    """SQL CASE giving pattern.search(column) where RE2 can decide (true/false), else NULL."""
    exact, sup = re2_ascii_exact(pattern), _superset(pattern)
    whens, params = [], []
    if exact is not None:
        whens.append(f"when strlen({column}) = length({column}) then regexp_matches({column}, ?)")
        params.append(exact)
    if sup is not None:
        whens.append(f"when not regexp_matches({column}, ?) then false")
        params.append(sup)
    if not whens:
        return "null::boolean", []
    return "case " + " ".join(whens) + " end", params


def _set_from_python(con: duckdb.DuckDBPyConnection, table: str, out: str, where: str, rule) -> int:
    """Fill the NULLs of `out` (rows matching where) with rule(texts); returns texts evaluated."""
    todo = [
        t
        for (t,) in con.execute(
            f"select distinct text from {table} where {out} is null and ({where})"
        ).fetchall()
    ]
    if not todo:
        return 0
    fixes = pd.DataFrame({"text": pd.Series(todo, dtype=object)})
    fixes["value"] = rule(fixes["text"])
    con.register("_fixes", fixes)
    con.execute(
        f"update {table} set {out} = f.value from _fixes f "
        f"where {table}.text = f.text and ({where})"
    )
    con.unregister("_fixes")
    return len(todo)


def add_search(
    con: duckdb.DuckDBPyConnection, table: str, pattern: re.Pattern, out: str, where: str = "true"
) -> int:
    """Add boolean `out` = pattern.search(text) is not None (NULL outside `where`)."""
    case, params = search_case(pattern)
    con.execute(f"alter table {table} add column {out} boolean")
    con.execute(f"update {table} set {out} = {case} where {where}", params)
    return _set_from_python(
        con, table, out, where, lambda s: [pattern.search(t) is not None for t in s]
    )


def masking_candidates(con: duckdb.DuckDBPyConnection, source: str) -> pd.DataFrame:
    """(raw, text) for the distinct texts of `source` (SQL with a text column) that the PII
    masking of etl/text/pii.py changes; every other text is its own masked form.

    Masking applies its rules one after another and a rule's check only narrows what its `find`
    pattern replaces; the tokens it writes hold no character any `find` pattern reads. So a rule
    can change a text only if the RE2 superset of its `find` matches the raw text: only such
    texts go to Python, and each only through the rules whose superset matches it.
    """
    sups = [_superset(rule.find) for rule in enrich.PII_RULES]
    hits = [
        f"regexp_matches(text, ?) as m{i}" if s else f"true as m{i}" for i, s in enumerate(sups)
    ]
    params = [s for s in sups if s]
    cond, cparams = "true", []
    if all(sups):
        cond, cparams = "regexp_matches(text, ?)", ["|".join(f"(?:{s})" for s in sups)]
    frame = con.execute(
        f"select text as raw, {', '.join(hits)} from (select distinct text from ({source}) "
        f"where text is not null and {cond})",
        params + cparams,
    ).df()
    may_match = [frame[f"m{i}"].to_numpy(dtype=bool) for i in range(len(sups))]
    frame = frame[["raw"]].astype(object)
    frame["text"] = enrich.masked_texts(frame["raw"], may_match)
    return frame[frame["raw"] != frame["text"]].reset_index(drop=True)


def _tail_window(pattern: re.Pattern) -> int | None:
    """How many trailing characters of an rstripped text decide a search of a pattern anchored
    at the end (`...\\s*$`): its widest match plus its look-behinds; None when unbounded."""
    parsed = list(P.parse(pattern.pattern, pattern.flags))
    if len(parsed) < 2 or parsed[-1] != (C.AT, C.AT_END) or pattern.flags & re.MULTILINE:
        return None
    op, (lo, hi, sub) = parsed[-2]
    if op is not C.MAX_REPEAT or list(sub) != [(C.IN, [(C.CATEGORY, C.CATEGORY_SPACE)])]:
        return None
    state = P.State()
    rest = P.SubPattern(state, parsed[:-2])
    width = rest.getwidth()[1]
    behind = sum(
        P.SubPattern(state, list(av[1])).getwidth()[1]
        for op, av in _nodes(parsed[:-2])
        if op in (C.ASSERT, C.ASSERT_NOT) and av[0] < 0
    )
    if any(
        op is C.AT and av in (C.AT_BEGINNING, C.AT_BEGINNING_STRING) for op, av in _nodes(parsed)
    ):
        return None
    if width >= C.MAXREPEAT or behind >= C.MAXREPEAT:
        return None
    return width + behind + 2


def _nodes(seq):
    """Every node of a parsed pattern, depth first."""
    for op, av in seq:
        yield op, av
        if op is C.SUBPATTERN:
            yield from _nodes(av[3])
        elif op is C.BRANCH:
            for alt in av[1]:
                yield from _nodes(alt)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            yield from _nodes(av[2])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            yield from _nodes(av[1])
        elif op is C.ATOMIC_GROUP:
            yield from _nodes(av)


def _rstrip_sql(chars: str) -> tuple[str, list[str]]:
    """SQL (and its parameters) for str.rstrip(chars) of `text`. rtrim with a character list is
    slow (about ten times a plain scan), so it runs only on texts that end in one of the chars:
    right() counts code points, so the last one is in the list exactly when contains() finds it."""
    return "case when contains(?, right(text, 1)) then rtrim(text, ?) else text end", [chars, chars]


def add_signatures(
    con: duckdb.DuckDBPyConnection, table: str, out: str, where: str = "true"
) -> int:
    """Add `out` = enrich.agent_signatures(text): the signature at the end of a reply, or NULL.

    The signature pattern is anchored at the end of the rstripped text and bounded in width, so
    its result depends only on the last few characters: texts are grouped by that tail.
    """
    pattern = enrich.SIGNATURE_PATTERN
    spaces = python_whitespace()
    window = _tail_window(pattern)
    stripped, sparams = _rstrip_sql(spaces)
    tail = stripped if window is None else f"right({stripped}, ?)"
    params: list = sparams if window is None else [*sparams, window]
    sup = _superset(pattern)
    cond = "true" if sup is None else f"regexp_matches({stripped}, ?)"
    cparams = [] if sup is None else [*sparams, sup]
    con.execute(f"alter table {table} add column {out} varchar")
    con.execute(f"alter table {table} add column _tail varchar")
    con.execute(f"update {table} set _tail = {tail} where ({where}) and {cond}", params + cparams)
    tails = [
        t
        for (t,) in con.execute(
            f"select distinct _tail from {table} where _tail is not null"
        ).fetchall()
    ]
    sigs = pd.DataFrame({"_tail": pd.Series(tails, dtype=object)})
    sigs["sig"] = enrich.agent_signatures(sigs["_tail"])
    sigs = sigs[sigs["sig"].notna()]
    con.register("_sigs", sigs)
    con.execute(f"update {table} set {out} = s.sig from _sigs s where {table}._tail = s._tail")
    con.unregister("_sigs")
    con.execute(f"alter table {table} drop column _tail")
    return len(tails)


# A character after which RE2's \b, \s, \w, \d and lower() may not read a text as Python does:
# anything non-ASCII except symbols (emoji), punctuation (curly quotes, dashes), marks
# (variation selectors) and format characters (joiners). Texts without one are decided in SQL.
UNSAFE_NON_ASCII = r"[^\x00-\x7F\pS\pP\pM\p{Cf}]"


def _category_whens(playbook: Playbook, column: str = "lower(text)") -> tuple[list[str], list[str]]:
    """CASE branches classifying the lower-cased ASCII `column` in playbook order: a text one of
    whose category's rules with an exact RE2 form matches gets the category; one that the RE2
    superset of a rule without an exact form (a look-around) might match gets NULL (Python
    decides it); the rest go on to the next category."""
    whens, params = [], []
    for cat in playbook.categories:
        exact = {r: re2_ascii_exact(r) for r in cat.rules()}
        decided = [e for e in exact.values() if e is not None]
        if decided:
            whens.append(f"when regexp_matches({column}, ?) then ?")
            params += ["|".join(f"(?:{e})" for e in decided), cat.id]
        sups = [_superset(r) for r, e in exact.items() if e is None]
        if any(s is None for s in sups):
            whens.append("when true then null")
            break
        if sups:
            whens.append(f"when regexp_matches({column}, ?) then null")
            params.append("|".join(f"(?:{s})" for s in sups))
    return whens, params


def _unsafe_non_ascii(playbook: Playbook) -> str:
    """RE2 for a character that keeps a non-ASCII text out of SQL: UNSAFE_NON_ASCII, or a
    non-ASCII character some rule of the playbook names (the ASCII forms cannot see it)."""
    named = sorted(
        {
            ch
            for cat in playbook.categories
            for r in cat.rules()
            for ch in r.pattern
            if ord(ch) > 127
        }
    )
    extra = "".join(f"\\x{{{ord(ch):X}}}" for ch in named)
    return UNSAFE_NON_ASCII + (f"|[{extra}]" if extra else "")


def add_categories(
    con: duckdb.DuckDBPyConnection,
    table: str,
    out: str,
    playbook: Playbook,
    where: str = "true",
    method: str = "rules",
) -> int:
    """Add `out` = enrich.categories_from_text(text, playbook): the first playbook category one
    of whose keywords (whole words) or patterns occurs in the normalised text, else 'other'.

    ASCII texts are classified in SQL (lower() and \\b agree with Python there) except where a
    pattern without an RE2 form might match. So are non-ASCII texts whose non-ASCII characters
    are all symbols, punctuation, marks or format characters (emoji, curly quotes): Python reads
    each of those as a non-word, non-space character that no rule names, so such a text is
    decided as if each were chr(1), once the typographic apostrophe is straightened as Python
    reads it. The rest go through the Python function, on 2 cores when they are many
    (etl/forked.py).

    With method "model" ([categories] method in socialcare.toml) the rules' category is then
    revised by the learned model (etl/text/category_model.py model_categories: the model where
    it is sure, the rule otherwise, the user's own playbook categories always), once per
    distinct text.
    """
    whens, params = _category_whens(playbook)
    con.execute(f"alter table {table} add column {out} varchar")
    case = "case " + " ".join(whens) + " else 'other' end" if whens else "'other'"
    con.execute(f"update {table} set {out} = {case} where ({where}) and {IS_ASCII}", params)
    mwhens, mparams = _category_whens(playbook, "m")
    mcase = "case " + " ".join(mwhens) + " else 'other' end" if mwhens else "'other'"
    mapped = r"lower(regexp_replace(replace(text, ?, ?), '[^\x00-\x7F]', chr(1), 'g'))"
    con.execute(
        f"""update {table} set {out} = s.cat
        from (select text, {mcase} as cat from (
                select distinct text, {mapped} as m from {table}
                where ({where}) and {NOT_ASCII} and not regexp_matches(text, ?))) s
        where {table}.text = s.text and ({where})""",
        [*mparams, APOSTROPHE, "'", _unsafe_non_ascii(playbook)],
    )
    classify = partial(_categories, playbook=playbook)  # picklable, for a pool without fork
    n = _set_from_python(con, table, out, where, lambda s: split_map(classify, s))
    if method == "model":
        _revise_by_model(con, table, out, where, playbook)
    return n


def _revise_by_model(
    con: duckdb.DuckDBPyConnection, table: str, out: str, where: str, playbook: Playbook
) -> None:
    """Replace `out` by category_model.model_categories(text, out) on the rows `where`."""
    from etl.text.category_model import model_categories

    # composition: table, column and filter are the caller's (closed set of temp tables)
    rows = con.execute(
        f"select distinct text, {out} as rule from {table} where ({where}) and text is not null"
    ).df()
    if rows.empty:
        return
    rows["cat"] = model_categories(rows["text"], rows["rule"], playbook)
    changed = rows[rows["cat"] != rows["rule"]][["text", "cat"]]
    if changed.empty:
        return
    con.register("_model_cats", changed)
    con.execute(
        f"""update {table} set {out} = m.cat from _model_cats m
        where {table}.text = m.text and ({where})"""
    )
    con.unregister("_model_cats")


def _categories(texts: pd.Series, playbook: Playbook) -> np.ndarray:
    """enrich.categories_from_text as an array (one split_map part)."""
    return enrich.categories_from_text(texts, playbook).to_numpy()


def add_handle_key(
    con: duckdb.DuckDBPyConnection, table: str, out: str = "_key", where: str = "true"
) -> None:
    """Add `out` = text without its leading "@handle " tokens (LEADING_HANDLES; every reply starts
    with one), NULL outside `where`: the key add_language and add_sentiment read once per distinct
    value, since neither the language cleaning nor the sentiment cleaning keeps those tokens."""
    con.execute(f"alter table {table} add column {out} varchar")
    con.execute(
        f"update {table} set {out} = regexp_replace(text, ?, '') where {where}", [LEADING_HANDLES]
    )


def add_sentiment(
    con: duckdb.DuckDBPyConnection,
    table: str,
    out: str,
    where: str = "true",
    key: str | None = None,
) -> int:
    """Add `out` = the VADER compound of etl/text/sentiment.py (NaN -> NULL).

    Sentiment cleaning removes @handles, so leading "@handle " tokens (every reply starts with
    one) are stripped before de-duplication: the cleaned text, hence the score, is the same.
    `key` names a column add_handle_key added already (for at least the rows of `where`); it
    is set to NULL on the other rows.
    """
    from etl.text.enrich import sentiment_scores

    con.execute(f"alter table {table} add column {out} double")
    own = key is None
    if own:
        key = "_key"
        add_handle_key(con, table, key, where)
    else:  # the update below joins on the key alone (a filter beside it made DuckDB slow)
        con.execute(f"update {table} set {key} = null where ({where}) is not true")
    keys = [
        k
        for (k,) in con.execute(
            f"select distinct {key} from {table} where {key} is not null"
        ).fetchall()
    ]
    scores = pd.DataFrame({"_key": pd.Series(keys, dtype=object)})
    scores["score"] = sentiment_scores(scores["_key"])
    scores = scores[np.isfinite(scores["score"].to_numpy())]
    con.register("_scores", scores)
    con.execute(f"update {table} set {out} = s.score from _scores s where {table}.{key} = s._key")
    con.unregister("_scores")
    if own:
        con.execute(f"alter table {table} drop column {key}")
    return len(keys)


def mojibake_fixes(con: duckdb.DuckDBPyConnection, source: str) -> pd.DataFrame:
    """(raw, text, kinds) for distinct texts of `source` that hold mojibake (UTF-8 read as
    Windows-1252 / Latin-1 "Iâ€™m", as Mac Roman "y‚Äôall", or encoded twice) and that
    etl/text/mojibake.py repairs exactly; `kinds` names the repairs (comma-joined); other texts are
    left alone."""
    # MOJIBAKE needs a non-ASCII character: ASCII texts (as many bytes as characters) are skipped
    # before the (slower) regular expression.
    raw = [
        t
        for (t,) in con.execute(
            f"select distinct text from ({source}) where {NOT_ASCII} and regexp_matches(text, ?)",
            [MOJIBAKE],
        ).fetchall()
    ]
    repairs = [repaired_text(t) for t in raw]
    frame = pd.DataFrame(
        {
            "raw": pd.Series(raw, dtype=object),
            "text": pd.Series([r[0] for r in repairs], dtype=object),
            "kinds": pd.Series([",".join(r[1]) for r in repairs], dtype=object),
        }
    )
    return frame[frame["raw"] != frame["text"]].reset_index(drop=True)


# Three distinct ones of these whole words in an ASCII text make it English without running the
# detector (tests/golden/language.md measures the agreement); none is a common word elsewhere.
ENGLISH_HINT = (
    r"\b(the|you|your|my|have|this|with|what|please|thanks|thank|why|just|been|when|"
    r"would|could|there|they|get|got|still|how|and|not|that|can't|don't|i'm|it's)\b"
)


# What separates words in language.cleaned_text's SQL form: SPACES without \v, i.e. exactly
# RE2's \s, which no NOISE match holds or starts with (\v is RE2's \S, so NOISE can start at it).
_GAP = r"[ \t\n\r\f]"
_GAP_NOT_SPACE = r"[\t\n\r\f]"


def cleaned_sql(column: str) -> tuple[str, list[str]]:
    r"""SQL (and its parameters) for the cleaning of language.cleaned_text as DuckDB computes it
    in two passes, trim(regexp_replace(regexp_replace(column, NOISE, ' ', 'g'), SPACES, ' ',
    'g')), in one pass where that gives the same text.

    The second pass is the costly one (a match at every double space the first pass leaves), so
    one pass replaces by ' ' a run of NOISE matches with the gaps around and between them, a run of
    two or more gap characters, or one gap character other than ' '. Without \v, gap characters
    are the characters of SPACES, no NOISE match starts with or holds one, and after such a match
    the pass stops where no NOISE match starts: it finds NOISE's own leftmost-first matches and
    leaves the kept words joined by exactly one ' ' (tests/golden/text_speed.md). Texts with a
    \v (RE2 reads it as \S, so `\S+@\S+` can start there) take the two passes.
    """
    from etl.text.language import NOISE, SPACES

    one = f"{_GAP}*(?:{NOISE})(?:{_GAP}*(?:{NOISE}))*{_GAP}*|{_GAP}{{2,}}|{_GAP_NOT_SPACE}"
    two = f"trim(regexp_replace(regexp_replace({column}, ?, ' ', 'g'), ?, ' ', 'g'))"
    sql = (
        f"case when contains({column}, chr(11)) then {two} "
        f"else trim(regexp_replace({column}, ?, ' ', 'g')) end"
    )
    return sql, [NOISE, SPACES, one]


def add_language(
    con: duckdb.DuckDBPyConnection,
    table: str,
    out: str,
    where: str = "true",
    key: str | None = None,
) -> int:
    """Add `out` = etl/text/language.py's code of each text's language (NULL when undetermined).

    The text is cleaned in SQL (language.NOISE, as language.cleaned_text does) once per distinct
    text without its leading "@handle " tokens (add_handle_key: the cleaning removes them anyway,
    tests/golden/text_speed.md; `key` names that column when it is there already, for at least
    the rows of `where`: it is set to NULL on the other rows) and detected once per distinct
    cleaned text: ASCII ones with three distinct common English words are 'en' in SQL, the rest
    go through the detector, on 2 cores when they are many; returns the cleaned texts the
    detector read."""
    from etl.text.language import (
        CJK_RE2,
        LETTER_RE2,
        MIN_CJK,
        MIN_LETTERS,
        predicted_codes,
    )

    con.execute(f"alter table {table} add column {out} varchar")
    own = key is None
    if own:
        key = "_lkey"
        add_handle_key(con, table, key, where)
    elif where != "true":  # the update below joins on the key alone (see add_sentiment)
        con.execute(f"update {table} set {key} = null where ({where}) is not true")
    cleaning, cparams = cleaned_sql("lower(k)")
    con.execute(
        f"create or replace temp table _keys as select k, {cleaning} as c from "
        f"(select distinct {key} as k from {table} where {key} is not null)",
        cparams,
    )
    con.execute("create or replace temp table _lang as select distinct c from _keys")
    con.execute("alter table _lang add column language varchar")
    con.execute(
        "update _lang set language = 'en' where strlen(c) = length(c) "
        "and len(list_distinct(regexp_extract_all(c, ?))) >= 3",
        [ENGLISH_HINT],
    )
    todo = [
        c
        for (c,) in con.execute(
            "select c from _lang where language is null and (length(regexp_replace(c, ?, '', 'g')) "
            ">= ? or length(regexp_replace(c, ?, '', 'g')) >= ?)",
            [f"[^{LETTER_RE2}]", MIN_LETTERS, f"[^{CJK_RE2[1:-1]}]", MIN_CJK],
        ).fetchall()
    ]
    found = pd.DataFrame({"c": pd.Series(todo, dtype=object)})
    found["code"] = split_map(predicted_codes, todo)
    found = found[found["code"].notna()]
    con.register("_found", found)
    con.execute("update _lang set language = f.code from _found f where _lang.c = f.c")
    con.unregister("_found")
    con.execute(
        "create or replace temp table _keys as select k, language from _keys join _lang using (c) "
        "where language is not null"
    )
    con.execute(f"update {table} set {out} = l.language from _keys l where l.k = {table}.{key}")
    con.execute("drop table _lang")
    con.execute("drop table _keys")
    if own:
        con.execute(f"alter table {table} drop column {key}")
    return len(todo)


def languages_of(texts: pd.Series) -> np.ndarray:
    """add_language for texts held in Python (mapped exports, tickets): the code of each text's
    language or None, through an in-memory DuckDB table (the same cleaning, hint and detector)."""
    frame = pd.DataFrame({"text": pd.Series(texts, dtype=object).reset_index(drop=True)})
    frame["i"] = np.arange(len(frame))
    con = duckdb.connect()
    try:
        con.register("_texts", frame)
        con.execute("create table t as select i, text from _texts where text is not null")
        add_language(con, "t", "language")
        found = con.execute("select i, language from t where language is not null").fetchall()
    finally:
        con.close()
    out = np.full(len(frame), None, dtype=object)
    for i, code in found:
        out[i] = code
    return out
