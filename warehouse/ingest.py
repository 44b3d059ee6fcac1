"""Load one source into the warehouse atomically: parse, validate, merge, rebuild models, publish."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from etl.load import WARNING, LoadRecord, write_parsed
from etl.parsed import Parsed
from etl.progress import reporting, stage
from etl.settings.config import Config
from etl.sources.io import SourceError, file_sha256
from etl.sources.registry import parse_source
from etl.sources.twcs_brands import mention_handles_changed, remember_handles
from etl.sources.twcs_cases import rebuild_cases
from etl.sql_files import sql_file
from warehouse.build import build
from warehouse.db import WorkCopy, connect_readonly, publish, snapshot_writer, work_copy
from warehouse.privacy import retained
from warehouse.queries import named_sql

_PARSED_IN_PROCESS = {"twcs"}  # sources whose parsing forks no workers (sentiment is scored later)


class LoadRefused(SourceError):
    """Too large a share of a file failed validation; nothing was loaded."""


@dataclass(frozen=True)
class LoadResult:
    """What one `socialcare load` did."""

    load_id: str
    kind: str
    path: str
    status: str  # loaded | skipped
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    quarantine_reasons: dict[str, int]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for the terminal, then one line per note and per warning."""
        if self.status == "skipped":
            done = "; ".join(self.notes) if self.notes else "nothing to do"
            return f"{self.path}: already loaded (same content), {done}."
        reasons = ", ".join(f"{k}: {v}" for k, v in self.quarantine_reasons.items())
        q = f"; {self.rows_quarantined} quarantined ({reasons})" if self.rows_quarantined else ""
        head = (
            f"{self.path}: loaded {self.rows_loaded} of {self.rows_read} rows as {self.load_id}{q}."
        )
        return "\n".join([head, *(f"  warning: {w}" for w in self.warnings)])


def _already_loaded(db: Path, sha: str) -> str | None:
    if not db.exists():
        return None
    con = connect_readonly(db)
    try:
        row = con.execute(named_sql("loaded_by_sha"), [sha]).fetchone()
    except Exception:  # an older file without a loads table
        row = None
    finally:
        con.close()
    return row[0] if row else None


def quarantine_file(db: Path, load_id: str, parsed: Parsed) -> Path:
    """Write a refused file's bad rows next to the warehouse (the warehouse itself is untouched)."""
    out = db.parent / "quarantine" / f"{load_id}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "line", "reason", "raw"])
        for r in parsed.quarantine.itertuples(index=False):
            w.writerow([parsed.path, r.line, r.reason, r.raw])
    return out


def _reasons(parsed: Parsed) -> dict[str, int]:
    if parsed.quarantine.empty:
        return {}
    kinds = parsed.quarantine["reason"].astype(str).str.split(":").str[0]
    return {str(k): int(v) for k, v in kinds.value_counts().items()}


def load_file(
    kind: str, source: str, db: Path, config: Config, mapping: str | None = None
) -> LoadResult:
    """Load one source file (or SQL source) into the warehouse at `db`, all or nothing."""
    is_file = kind != "sql"
    if is_file and not Path(source).exists():
        raise SourceError(f"{source}: file not found.")
    with reporting(Path(source).stat().st_size if is_file else 0):
        return _load(kind, source, db, config, mapping, is_file)


def _hash_and_parse(
    kind: str,
    source: str,
    db: Path,
    config: Config,
    mapping: str | None,
    is_file: bool,
    started: datetime,
    sha: str | None,
) -> tuple[str, Parsed]:
    """The file's content hash (a SQL source's start time) and the parsed source. With a
    warehouse the file was hashed first (`sha`, _file_sha), so that a file already loaded is not
    parsed at all; with none there is no earlier load to match, so a file whose parsing starts no
    worker processes (a fork while a thread runs is unsafe) is hashed in a thread while it is
    parsed."""
    if sha is None and not is_file:
        with stage("hash"):
            sha = f"sql:{started.isoformat()}"
    elif sha is None and kind in _PARSED_IN_PROCESS and not db.exists():
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(file_sha256, Path(source))
            parsed = parse_source(kind, source, config, mapping)
            with stage("hash"):
                return pending.result(), parsed
    elif sha is None:
        with stage("hash"):
            sha = file_sha256(Path(source))
    return sha, parse_source(kind, source, config, mapping)


def _file_sha(db: Path, source: str, is_file: bool) -> str | None:
    """The content hash of a file loaded into a warehouse (None for a SQL source, or with no
    warehouse yet: _hash_and_parse hashes the file then)."""
    if not is_file or not db.exists():
        return None
    with stage("hash"):
        return file_sha256(Path(source))


def _load_id(kind: str, started: datetime, sha: str, is_file: bool) -> str:
    return f"{kind}-{started:%Y%m%dT%H%M%S%f}-{sha[-8:] if is_file else 'sql'}"


def _new_handles(db: Path, config: Config) -> tuple[str, ...]:
    """Configured brand handles the warehouse does not remember yet."""
    if not config.brand_handles or not db.exists():
        return ()
    con = connect_readonly(db)
    try:
        known = {r[0] for r in con.execute(named_sql("known_brand_handles")).fetchall()}
    except Exception:  # a warehouse written before brand handles were remembered
        known = set()
    finally:
        con.close()
    return tuple(h for h in config.brand_handles if h.lower() not in known)


def _skipped(load_id: str, kind: str, shown: str, db: Path, config: Config) -> LoadResult:
    """A file already loaded: nothing to load, but brand handles given now are remembered and
    the Twitter cases rebuilt with them (so that re-running with --brand-handles works)."""
    new = _new_handles(db, config)
    if not new:
        return LoadResult(load_id, kind, shown, "skipped", 0, 0, 0, {})
    with snapshot_writer(db) as con:
        remember_handles(con, new, load_id)
        if (
            mention_handles_changed(con)
            and con.execute(sql_file("etl", "raw_twcs_count")).fetchall()[0][0]
        ):
            rebuild_cases(con, True)
        with stage("build models"):
            build(con, config)
    note = f"brand handles {', '.join('@' + h for h in new)} remembered and Twitter cases rebuilt"
    return LoadResult(load_id, kind, shown, "skipped", 0, 0, 0, {}, notes=(note,))


def _load(
    kind: str, source: str, db: Path, config: Config, mapping: str | None, is_file: bool
) -> LoadResult:
    started = datetime.now(UTC)
    sha = _file_sha(db, source, is_file)
    if sha is not None and _already_loaded(db, sha):
        return _skipped(_load_id(kind, started, sha, is_file), kind, source, db, config)
    # the writer lock and the warehouse's copy are taken before parsing: a Twitter export is
    # parsed while the warehouse is copied (warehouse/db.py WorkCopy)
    with work_copy(db, background=kind in _PARSED_IN_PROCESS) as work:
        sha, parsed = _hash_and_parse(kind, source, db, config, mapping, is_file, started, sha)
        load_id = _load_id(kind, started, sha, is_file)
        shown = source if is_file else parsed.path  # a SQL URL, with its password masked
        if parsed.content_sha256:  # a SQL extract, or a file read through a mapping
            sha = parsed.content_sha256
        if not (parsed.content_sha256 and _already_loaded(db, sha)):
            record = LoadRecord(load_id, kind, shown, sha, started)
            by_sha = is_file or bool(parsed.content_sha256)
            return _write(work, parsed, record, by_sha, config)
    return _skipped(load_id, kind, shown, db, config)


def _write(
    work: WorkCopy, parsed: Parsed, record: LoadRecord, by_sha: bool, config: Config
) -> LoadResult:
    """Write a parsed source into the work copy, build the models and publish; refused when too
    large a share of its rows failed validation, skipped when `by_sha` and a load of the same
    content was published meanwhile."""
    load_id, kind, shown, db = record.load_id, record.kind, record.path, work.source
    if parsed.rows_read and parsed.bad_share > config.max_bad_share:
        qfile = quarantine_file(db, load_id, parsed)
        first = parsed.quarantine.sort_values("line").iloc[0]
        raise LoadRefused(
            f"{shown}: refused, {parsed.rows_quarantined} of {parsed.rows_read} rows "
            f"({parsed.bad_share:.0%}) failed validation, above the {config.max_bad_share:.0%} "
            f"limit; first at line {first.line}: {first.reason}. Nothing was loaded; the bad rows "
            f"are in {qfile}."
        )
    with publish(work) as con:
        if by_sha and con.execute(named_sql("loaded_sha"), [record.sha256]).fetchone():
            return LoadResult(load_id, kind, shown, "skipped", 0, 0, 0, {})
        written = write_parsed(con, parsed, record, config)
        emptied = 0
        if config.retention_days:
            with stage("retention"):
                emptied = retained(con, load_id, config.retention_days)
        with stage("build models"):
            # only what this load touched, unless retention emptied older rows too
            build(con, config, None if emptied else load_id)
    return LoadResult(
        load_id,
        kind,
        shown,
        "loaded",
        parsed.rows_read,
        parsed.rows_read - parsed.rows_quarantined,
        parsed.rows_quarantined,
        _reasons(parsed),
        written.warnings,
    )


def load_warnings(db: Path, limit: int = 20) -> pd.DataFrame:
    """The warnings recorded with the most recent loads (load_id, path, warning), newest first."""
    if not db.exists():
        return pd.DataFrame(columns=["load_id", "path", "warning"])
    con = connect_readonly(db)
    try:
        rows = con.execute(named_sql("load_warnings"), [WARNING, limit]).fetchall()
    finally:
        con.close()
    out = [
        (load_id, path, w) for load_id, path, message in rows for w in message.split(WARNING)[1:]
    ]
    return pd.DataFrame(out, columns=["load_id", "path", "warning"])
