"""Merge parsed TWCS tweets into `raw_twcs`, enriching only new or changed tweets.

`raw_twcs` keeps every tweet with its masked text and enrichment (sentiment, signature, reply
flags, resolution flag, issue category), so a later load scores only what it adds; the cases
are then rebuilt by etl/sources/twcs_cases.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from etl.progress import stage
from etl.settings.config import Config
from etl.sql_files import sql_file
from etl.text import enrich
from etl.text.enrich import load_playbook
from etl.text.mojibake import is_damaged_variant
from etl.text.opportunities import KINDS, kind_patterns, rules_fingerprint
from etl.text.text_sql import (
    add_categories,
    add_handle_key,
    add_language,
    add_search,
    add_sentiment,
    add_signatures,
    masking_candidates,
)

ENRICHED = (
    "sentiment",
    "signature",
    "asks_private",
    "is_runaround",
    "resolves",
    "category",
    "language",
    "opportunity",
)
SCORED = "language is null or language = 'en'"  # what VADER reads (etl/text/language.py)


def _sql(name: str) -> str:
    """The text of sql/<name>.sql beside this module."""
    return sql_file(__package__, name)


def _playbook_sha(config: Config) -> str:
    """Fingerprint of the playbook the stored categories were computed with."""
    playbook = repr(load_playbook(config.playbook))
    if config.category_method != "rules":  # the rules alone keep the fingerprint they had
        playbook += f"; categories.method = {config.category_method}"
    return hashlib.sha256(playbook.encode()).hexdigest()


def _enrich_texts(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Add the enrichment columns to temp table `texts` (distinct text + inbound pairs)."""
    n = con.execute(_sql("twcs_texts_count")).fetchone()[0]
    with stage("reply flags", n):
        add_search(con, "texts", enrich.PRIVATE_PATTERN, "asks_private", "not inbound")
        add_search(con, "texts", enrich.REDIRECT_PATTERN, "redirects", "not inbound")
        add_search(con, "texts", enrich.ENGAGES_PATTERN, "engages", "not inbound and redirects")
        add_signatures(con, "texts", "signature", "not inbound")
    with stage("resolution and categories", n):
        add_search(con, "texts", enrich.RESOLUTION_PATTERN, "resolves", "inbound")
        add_categories(
            con,
            "texts",
            "category",
            load_playbook(config.playbook),
            "inbound",
            config.category_method,
        )
    with stage("opportunities", n):
        add_opportunities(con, "texts", config, "inbound")
    with stage("language", n):
        add_handle_key(con, "texts", "_key")  # what language and sentiment de-duplicate by
        add_language(con, "texts", "language", key="_key")
    with stage("sentiment", n):
        add_sentiment(con, "texts", "sentiment", SCORED, key="_key")
    con.execute("alter table texts drop column _key")


@dataclass(frozen=True)
class Merged:
    """What merge_tweets changed: tweets merged (their ids stay in temp table twcs_changed) and
    whether every case must be rebuilt (the set of brands or the categories changed)."""

    rows: int
    rebuild_all: bool


def _brands(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(_sql("twcs_agent_authors")).fetchall()}


def merge_tweets(
    con: duckdb.DuckDBPyConnection, tweets: pa.Table, load_id: str, config: Config
) -> Merged:
    """Upsert parsed tweets into raw_twcs (the later record wins, but never with a damaged
    variant of the stored text)."""
    # stored tweets detected or flagged again: every case's messages are rebuilt
    restored = _backfill_language(con) + _backfill_opportunities(con, config) > 0
    brands = _brands(con)  # fetched in full: register() below needs no pending result
    con.register("incoming", tweets)
    with stage("mask PII", tweets.num_rows):
        con.register("pii", masking_candidates(con, _sql("twcs_incoming_texts")))
        con.execute(_sql("twcs_inc"))
        con.unregister("pii")
    con.unregister("incoming")
    stored = bool(con.execute(_sql("twcs_inc_stored")).fetchall()[0][0])
    if stored:
        _keep_undamaged_texts(con)
    # A stored tweet with the same masked text and direction keeps its enrichment.
    # composition: the column list from the closed set ENRICHED, a limit from code
    known = ", ".join(f"r.{c}" for c in ENRICHED)
    con.execute(
        _sql("twcs_inc_known").format(known_columns=known, limit="" if stored else "limit 0")
    )
    con.execute(_sql("twcs_texts_new"))
    _enrich_texts(con, config)
    with stage("merge tweets", tweets.num_rows):
        con.execute(_sql("twcs_raw_delete_incoming"))
        # composition: the column list from the closed set ENRICHED
        cols = ", ".join(f"coalesce(k.{c}, x.{c}) as {c}" for c in ENRICHED)
        con.execute(_sql("twcs_raw_insert").format(merged_columns=cols), [load_id])
    recategorised = _backfill(con, config)
    con.execute(_sql("twcs_changed"))
    # composition: temp tables named in code (a closed set), dropped by name
    for t in ("inc", "inc_known", "texts"):
        con.execute(f"drop table if exists {t}")
    return Merged(tweets.num_rows, recategorised or restored or _brands(con) != brands)


def _keep_undamaged_texts(con: duckdb.DuckDBPyConnection) -> int:
    """Give incoming tweets whose text is a damaged variant of the stored one (mojibake that
    could not be repaired, replacement characters) the stored text back; returns how many."""
    pairs = con.execute(_sql("twcs_changed_texts")).df()
    if pairs.empty:
        return 0
    keep = pairs[
        [is_damaged_variant(n, o) for n, o in zip(pairs["new"], pairs["old"], strict=True)]
    ]
    if keep.empty:
        return 0
    con.register("_kept", keep[["tweet_id", "old"]])
    con.execute(_sql("twcs_keep_stored_texts"))
    con.unregister("_kept")
    return len(keep)


def _backfill(con: duckdb.DuckDBPyConnection, config: Config) -> bool:
    """Compute what stored customer tweets lack: all categories again when the playbook changed
    since they were computed, and resolution flags of tweets stored by an earlier version;
    True when stored tweets changed."""
    sha = _playbook_sha(config)
    row = con.execute(_sql("etl_state_value"), ["twcs_playbook"]).fetchone()
    if row is not None and row[0] != sha:
        # texts emptied by retention keep the category computed while they were there
        con.execute(_sql("twcs_uncategorise"))
    lacking = con.execute(_sql("twcs_to_categorise_exists")).fetchall()[0][0]
    n = _categorise_stored(con, config) if lacking else 0
    con.execute(_sql("etl_state_set"), ["twcs_playbook", sha])
    return n > 0


def _categorise_stored(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Categorise the distinct texts of stored customer tweets lacking a category or a resolution
    flag; returns how many texts."""
    con.execute(_sql("twcs_texts_to_categorise"))
    n = con.execute(_sql("twcs_texts_count")).fetchone()[0]
    if n:
        with stage("re-categorise stored tweets", n):
            add_categories(
                con,
                "texts",
                "category",
                load_playbook(config.playbook),
                method=config.category_method,
            )
            add_search(con, "texts", enrich.RESOLUTION_PATTERN, "resolves")
            con.execute(_sql("twcs_categorise"))
    con.execute("drop table texts")
    return n


def _backfill_language(con: duckdb.DuckDBPyConnection) -> int:
    """Detect the language of tweets stored before languages were (once per warehouse) and take
    back their sentiment where VADER does not read the language; returns texts detected."""
    if con.execute(_sql("etl_state_value"), ["twcs_language"]).fetchall():
        return 0
    con.execute(_sql("twcs_texts_stored"))
    n = con.execute(_sql("twcs_texts_count")).fetchone()[0]
    if n:
        with stage("detect languages of stored tweets", n):
            add_language(con, "texts", "language")
            con.execute(_sql("twcs_set_language"))
    con.execute("drop table texts")
    con.execute(_sql("etl_state_set"), ["twcs_language", "1"])
    return n


def add_opportunities(
    con: duckdb.DuckDBPyConnection, table: str, config: Config, where: str = "true"
) -> None:
    """Add `opportunity` to temp table `table`: the [opportunities] kinds its text matches
    (etl/text/opportunities.py), comma-joined, NULL when none or outside `where`."""
    patterns = kind_patterns(config.opportunities)
    for kind, pattern in patterns.items():
        add_search(con, table, pattern, f"_opp_{kind}", where)
    # composition: the table a caller names, the kinds of the closed set KINDS
    parts = ", ".join(f"case when _opp_{k} then '{k}' end" for k in KINDS if k in patterns)
    con.execute(f"alter table {table} add column opportunity varchar")
    if parts:
        con.execute(f"update {table} set opportunity = nullif(concat_ws(',', {parts}), '')")
    for kind in patterns:
        con.execute(f"alter table {table} drop column _opp_{kind}")


def _backfill_opportunities(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Flag stored customer tweets again when [opportunities] changed since they were flagged
    (or were stored before flags existed); returns the texts flagged."""
    sha = rules_fingerprint(config.opportunities)
    rows = con.execute(_sql("etl_state_value"), ["twcs_opportunities"]).fetchall()
    if rows and rows[0][0] == sha:
        return 0
    con.execute(_sql("twcs_texts_stored_inbound"))
    n = con.execute(_sql("twcs_texts_count")).fetchone()[0]
    if n:
        with stage("flag opportunities in stored tweets", n):
            add_opportunities(con, "texts", config)
            con.execute(_sql("twcs_clear_opportunities"))
            con.execute(_sql("twcs_set_opportunities"))
    con.execute("drop table texts")
    con.execute(_sql("etl_state_set"), ["twcs_opportunities", sha])
    return n
