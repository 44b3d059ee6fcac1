"""The append-only audit log: who logged in, exported, viewed a transcript or erased a customer.

One JSON object per line (`at`, `user`, `event`, then the event's details: page, table, format,
filters, rows, case ...), appended with a single `write` on a file opened with O_APPEND, so lines
from several gunicorn workers and the CLI never interleave. The file is
`$SOCIALCARE_AUDIT_LOG`, else `socialcare-audit.jsonl` beside the warehouse; it is created with
mode 0600. It sits in the bottom layer (beside the configuration) because the CLI and the
dashboard both write to it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_FIELD = 200  # characters of any one value (filters typed by a user stay short)


def audit_path(db: Path | str | None = None) -> Path:
    """Where audit lines go."""
    configured = os.environ.get("SOCIALCARE_AUDIT_LOG")
    if configured:
        return Path(configured)
    base = Path(db or os.environ.get("SOCIALCARE_DB") or "socialcare.duckdb")
    return base.parent / "socialcare-audit.jsonl"


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_FIELD]
    if isinstance(value, (list, tuple)):
        return [_short(v) for v in value[:50]]
    if isinstance(value, dict):
        return {str(k)[:50]: _short(v) for k, v in list(value.items())[:50]}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:MAX_FIELD]


def audit_line(user: str, event: str, **details: Any) -> str:
    """One audit record as a JSON line."""
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": _short(user),
        "event": event,
        **{k: _short(v) for k, v in details.items()},
    }
    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


def audit(user: str, event: str, db: Path | str | None = None, **details: Any) -> None:
    """Append one record to the audit log."""
    path = audit_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, audit_line(user, event, **details).encode("utf-8"))
    finally:
        os.close(fd)


def audit_records(path: Path) -> list[dict]:
    """Every record of an audit log (for tests and `socialcare audit`)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
