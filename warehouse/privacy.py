"""Erasure of one customer and retention of raw text (issue 21).

`erase_customer(db, customer, config)` removes every case of the customer on every channel (its
messages, tweets, thread links, surveys), the customer's own messages and survey answers anywhere,
quarantined rows that mention them, and @mentions of them in other texts (replaced by `@erased`);
it rebuilds the models and publishes a compacted snapshot (written afresh, so that the deleted
rows do not linger in free blocks of the file), all or nothing. The customer may be given as the
id the warehouse stores (a Twitter author id, a CRM id) or as the e-mail address a ticket export
was keyed by (stored as its hash); the ids an identities file links to the customer are erased
too, with the links. The `loads` table records the erasure without the id.

`apply_retention(con, days, now)` (run by each load when `[retention] days` is set) empties the raw
texts (messages, tweets, survey verbatims, quarantined rows) older than `days`, keeping every
number derived from them at load (sentiment, categories, flags), so the aggregates are unchanged.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from etl.settings.config import Config
from etl.sources.source_fields import short_hashes
from warehouse.build import build
from warehouse.checks import check_failures
from warehouse.db import WarehouseError, refusal, schema_sql, sidecar, writer_lock

ERASED = "@erased"


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath("sql", "privacy", f"{name}.sql").read_text()


@dataclass(frozen=True)
class ErasureResult:
    """What one erasure removed, per table (no customer data in it)."""

    removed: dict[str, int] = field(default_factory=dict)
    masked_mentions: int = 0
    quarantine_files: int = 0

    @property
    def cases(self) -> int:
        return self.removed.get("interactions", 0)

    def summary(self) -> str:
        parts = ", ".join(f"{n} {t}" for t, n in self.removed.items() if n)
        return (
            f"erased one customer: {parts or 'nothing stored'}; {self.masked_mentions} mentions "
            f"masked; {self.quarantine_files} quarantine files rewritten."
        )


def customer_keys(customer: str) -> list[str]:
    """The stored forms of a customer id: as given (without a leading @) and, for an e-mail, its hash."""
    given = customer.strip().lstrip("@")
    if not given:
        raise ValueError("--customer is empty; give the customer's id, handle or e-mail address.")
    keys = [given]
    if "@" in given:
        keys.append(str(short_hashes(pd.Series([given])).iloc[0]))
    return keys


def _mention_pattern(keys: list[str]) -> str:
    return r"@(?:" + "|".join(re.escape(k) for k in keys) + r")\b"


def _erase_rows(con: duckdb.DuckDBPyConnection, keys: list[str]) -> tuple[ErasureResult, list[str]]:
    """Delete the customer's rows; returns what was removed and the stored ids erased (the given
    ones plus those an identities file links to them)."""
    con.execute(_sql("erase_keys"), [keys])
    removed = {"identities": int(con.execute(_sql("erase_linked")).fetchall()[0][0])}
    keys = [r[0] for r in con.execute(_sql("erase_keys_list")).fetchall()]
    con.execute(_sql("erase_scope"))
    for table, statement in (
        ("messages", "erase_messages"),
        ("mapped_messages", "erase_mapped_messages"),
        ("raw_twcs", "erase_raw_twcs"),
        ("twcs_threads", "erase_twcs_threads"),
        ("surveys", "erase_surveys"),
        ("interactions", "erase_interactions"),
        ("quarantine", "erase_quarantine"),
    ):
        removed[table] = int(con.execute(_sql(statement)).fetchall()[0][0])
    pattern = _mention_pattern(keys)
    masked = 0
    for table in ("messages", "raw_twcs"):
        masked += int(
            con.execute(
                f"update {table} set text = regexp_replace(text, ?, ?, 'g') "  # table from code
                "where regexp_matches(text, ?)",
                [pattern, ERASED, pattern],
            ).fetchall()[0][0]
        )
    masked += int(
        con.execute(
            "update surveys set verbatim = regexp_replace(verbatim, ?, ?, 'g') where regexp_matches(verbatim, ?)",
            [pattern, ERASED, pattern],
        ).fetchall()[0][0]
    )
    return ErasureResult(removed=removed, masked_mentions=masked), keys


def _rewrite_quarantine_files(folder: Path, keys: list[str]) -> int:
    """Drop the lines of quarantine files (next to the warehouse) that mention the customer."""
    if not folder.is_dir():
        return 0
    word = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w])")
    changed = 0
    for f in sorted(folder.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        kept = [r for r in rows if not any(word.search(cell) for cell in r)]
        if len(kept) != len(rows):
            tmp = f.with_name(f".{f.name}.erase")
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows(kept)
            os.replace(tmp, f)
            changed += 1
    return changed


def _record(con: duckdb.DuckDBPyConnection, result: ErasureResult, started: datetime) -> None:
    load_id = f"erase-{started:%Y%m%dT%H%M%S%f}"
    con.execute(
        "insert into loads (load_id, source, kind, path, sha256, started_at, finished_at, rows_read, "
        "rows_loaded, rows_quarantined, status, message) values (?, 'erase', 'erase', 'one customer', "
        "'', ?, ?, 0, 0, 0, 'erased', ?)",
        [load_id, started, datetime.now(UTC), result.summary()],
    )


def erase_customer(db: Path, customer: str, config: Config) -> ErasureResult:
    """Remove one customer from the warehouse at `db` and publish the result, all or nothing."""
    if not db.exists():
        raise WarehouseError(f"no warehouse at {db}; nothing to erase.")
    keys = customer_keys(customer)
    started = datetime.now(UTC)
    with writer_lock(db):
        work = sidecar(db, f"work-{uuid.uuid4().hex[:8]}")
        clean = sidecar(db, f"work-{uuid.uuid4().hex[:8]}")
        try:
            shutil.copyfile(db, work)
            con = duckdb.connect(str(work))
            try:
                con.execute(schema_sql())
                if "resolved_customer_id" not in [
                    r[0] for r in con.execute("describe fct_cases").fetchall()
                ]:
                    build(
                        con, config
                    )  # a warehouse built before identities: resolve its cases first
                result, keys = _erase_rows(con, keys)
                build(con, config)
                _record(con, result, started)
                failures = check_failures(con)  # the models.toml checks every publish runs
                if failures:
                    raise WarehouseError(refusal(failures))
                # a fresh file: the erased rows do not survive in free blocks of the old one
                con.execute("attach ? as clean", [str(clean)])
                con.execute("copy from database " + _catalog(con) + " to clean")
                con.execute("detach clean")
            finally:
                con.close()
            with open(clean, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(clean, db)
            # results the reports kept for earlier snapshots may name the erased customer's cases
            # (scorecard/reports/kept.py keeps them in this folder): they go with the erasure
            shutil.rmtree(sidecar(db, "kept"), ignore_errors=True)
        finally:
            for f in (work, clean, Path(f"{work}.wal"), Path(f"{clean}.wal")):
                f.unlink(missing_ok=True)
    files = _rewrite_quarantine_files(db.parent / "quarantine", keys)
    return ErasureResult(result.removed, result.masked_mentions, files)


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    """The quoted name of the connection's own database (the file's stem)."""
    name = con.execute(_sql("current_database")).fetchall()[0][0]
    return '"' + name.replace('"', '""') + '"'


def apply_retention(
    con: duckdb.DuckDBPyConnection, days: int | None, now: datetime | None = None
) -> dict[str, int]:
    """Empty raw texts older than `days` (numbers derived from them stay); rows emptied per table."""
    if not days:
        return {}
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    out = {}
    for table, statement in (
        ("messages", "retain_messages"),
        ("raw_twcs", "retain_raw_twcs"),
        ("surveys", "retain_surveys"),
        ("quarantine", "retain_quarantine"),
    ):
        out[table] = int(con.execute(_sql(statement), [cutoff]).fetchall()[0][0])
    return out


def retained(
    con: duckdb.DuckDBPyConnection, load_id: str, days: int, now: datetime | None = None
) -> int:
    """Apply retention in a load and note it on the load's row of `loads`; texts emptied."""
    emptied = apply_retention(con, days, now)
    total = sum(emptied.values())
    if total:
        note = f"retention: emptied {total} raw texts older than {days} days"
        con.execute(
            "update loads set message = coalesce(message || '; ', '') || ? where load_id = ?",
            [note, load_id],
        )
    return total
