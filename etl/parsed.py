"""The result of parsing one source file, before it is written to the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

QUARANTINE_COLUMNS = ["line", "raw", "reason"]


@dataclass(frozen=True)
class Parsed:
    """Canonical rows parsed from one file, plus the rows kept out with their line and reason."""

    kind: str
    source: str
    path: str
    rows_read: int
    # canonical table -> rows (pandas); "raw_twcs" -> valid tweets as Arrow (etl/twcs_store.py)
    tables: dict[str, pd.DataFrame | pa.Table]
    quarantine: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    # Idempotency key when the file hash alone is not it (a SQL extract; a CSV with its mapping).
    content_sha256: str | None = None

    @property
    def rows_quarantined(self) -> int:
        """Number of input rows that failed validation."""
        return len(self.quarantine)

    @property
    def bad_share(self) -> float:
        """Share of the file's rows that failed validation."""
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


def quarantine_frame(rejects: pd.DataFrame) -> pd.DataFrame:
    """Parser rejects in the quarantine shape (line, raw, reason)."""
    if rejects.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    return rejects[QUARANTINE_COLUMNS].copy()
