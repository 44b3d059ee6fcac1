"""The lake's layout and its atomic pointer (no pyspark here: publish reads it from DuckDB).

    DIR/snapshots/<id>/<table>/_day=YYYY-MM-DD/part-*.parquet   (tables with a day)
    DIR/snapshots/<id>/<table>/part-*.parquet                   (the others)
    DIR/snapshots/<id>/_snapshot.json                           (tables, their day column)
    DIR/CURRENT                                                 (the published snapshot's id)

A snapshot is complete before CURRENT names it: CURRENT is written to a temporary file and
renamed over the old one (os.replace on a local or mounted path; Hadoop's FileContext rename
with OVERWRITE elsewhere, atomic on HDFS), so a reader sees the old snapshot or the new one,
never half of one. Old snapshots stay until removed by hand (a reader may still hold one).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

POINTER = "CURRENT"
MANIFEST = "_snapshot.json"
DAY_COLUMN = "_day"  # the partition column (not in the files' rows: readers add nothing)


class LakeError(ValueError):
    """The lake has no published snapshot, or it cannot be read; the message says what to do."""


def is_local(lake: str) -> bool:
    """A plain path or a file:// URI (what DuckDB and os.replace can reach)."""
    return urlparse(lake).scheme in ("", "file")


def local_path(lake: str) -> Path:
    """The filesystem path of a local lake."""
    parsed = urlparse(lake)
    return Path(parsed.path if parsed.scheme == "file" else lake)


def new_snapshot_id() -> str:
    """A sortable, unique snapshot id."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"


def snapshot_uri(lake: str, snapshot: str) -> str:
    """Where a snapshot's tables live."""
    return f"{lake.rstrip('/')}/snapshots/{snapshot}"


def manifest_text(tables: dict[str, str | None], sources: list[tuple[str, str]]) -> str:
    """The snapshot's manifest: each table with its day column (None: not partitioned)."""
    return json.dumps(
        {
            "tables": tables,
            "sources": [list(s) for s in sources],
            "created_at": datetime.now(UTC).isoformat(),
        },
        indent=1,
    )


def swap_pointer_local(lake: Path, snapshot: str) -> None:
    """Name `snapshot` in CURRENT atomically (write, fsync, rename over)."""
    tmp = lake / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(snapshot + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, lake / POINTER)


def current_snapshot(lake: str) -> str:
    """The id CURRENT names (local lakes)."""
    pointer = local_path(lake) / POINTER
    if not pointer.exists():
        raise LakeError(
            f"no published snapshot in {lake} (no {POINTER} file); build one with "
            "socialcare build --engine spark --lake DIR KIND=PATH."
        )
    return pointer.read_text(encoding="utf-8").strip()


def snapshot_tables(lake: str, snapshot: str) -> dict[str, str | None]:
    """Table -> day column of a snapshot, from its manifest."""
    path = local_path(lake) / "snapshots" / snapshot / MANIFEST
    if not path.exists():
        raise LakeError(
            f"snapshot {snapshot} of {lake} has no {MANIFEST}; rebuild it with "
            "socialcare build --engine spark."
        )
    return json.loads(path.read_text(encoding="utf-8"))["tables"]


def table_glob(lake: str, snapshot: str, table: str, partitioned: bool) -> str:
    """The Parquet files of one table of a snapshot, for DuckDB's read_parquet."""
    base = local_path(lake) / "snapshots" / snapshot / table
    return str(base / ("*/*.parquet" if partitioned else "*.parquet"))
