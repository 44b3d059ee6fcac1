"""Load an identities file into the warehouse atomically (`socialcare load identities FILE`).

The links are stored in `identities`; the models resolve each case's customer through them
(stg_identities -> fct_cases.resolved_customer_id), so loading the file before or after the
interaction exports gives the same warehouse.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from etl.settings.config import Config
from etl.sources.identities import mapped_columns, parse_identities, write_identities
from etl.sources.io import SourceError, file_sha256
from etl.sql_files import sql_file
from warehouse.build import build
from warehouse.db import snapshot_writer
from warehouse.ingest import LoadRefused, LoadResult, _already_loaded
from warehouse.queries import named_sql


def load_identities(
    source: str, db: Path, config: Config, mapping: str | None = None
) -> LoadResult:
    """Load one identities CSV into the warehouse at `db`, all or nothing; `mapping` names its
    columns (a TOML `[columns]` table)."""
    path = Path(source)
    if not path.exists():
        raise SourceError(f"{source}: file not found.")
    if mapping and not Path(mapping).exists():
        raise SourceError(f"{mapping}: mapping file not found.")
    columns = mapped_columns(mapping) if mapping else None
    started = datetime.now(UTC)
    sha = file_sha256(path)
    if mapping:  # the same file read through another mapping is another load
        sha = hashlib.sha256((sha + Path(mapping).read_text(encoding="utf-8")).encode()).hexdigest()
    load_id = f"identities-{started:%Y%m%dT%H%M%S%f}-{sha[-8:]}"
    if _already_loaded(db, sha):
        return LoadResult(load_id, "identities", source, "skipped", 0, 0, 0, {})
    ids = parse_identities(path, columns)
    bad = len(ids.quarantine)
    if ids.rows_read and bad / ids.rows_read > config.max_bad_share:
        first = ids.quarantine.sort_values("line").iloc[0]
        raise LoadRefused(
            f"{source}: refused, {bad} of {ids.rows_read} rows failed validation, above "
            f"the {config.max_bad_share:.0%} limit; first at line {first.line}: "
            f"{first.reason}. Nothing was loaded; fix those rows and load again."
        )
    with snapshot_writer(db) as con:
        if con.execute(named_sql("loaded_sha"), [sha]).fetchall():
            return LoadResult(load_id, "identities", source, "skipped", 0, 0, 0, {})
        added = write_identities(con, ids, load_id)
        q = ids.quarantine.assign(load_id=load_id, path=source)
        if not q.empty:
            con.register("q", q[["load_id", "path", "line", "raw", "reason"]])
            con.execute(sql_file("etl", "quarantine_insert"))  # the load pipeline's own statement
            con.unregister("q")
        con.execute(
            "insert into loads values (?, 'identities', 'identities', ?, ?, ?, ?, ?, ?, ?, "
            "'loaded', ?)",
            [
                load_id,
                source,
                sha,
                started,
                datetime.now(UTC),
                ids.rows_read,
                ids.rows_read - bad,
                bad,
                f"{added} new identity links",
            ],
        )
        build(con, config)
    kinds = ids.quarantine["reason"].astype(str).str.split(":").str[0].value_counts()
    return LoadResult(
        load_id,
        "identities",
        source,
        "loaded",
        ids.rows_read,
        ids.rows_read - bad,
        bad,
        {str(k): int(v) for k, v in kinds.items()},
        notes=(f"{added} new identity links",),
    )
