"""The result of parsing one source file, before it is written to the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from etl.text.pii import masked_texts

QUARANTINE_COLUMNS = ["line", "raw", "reason"]


@dataclass(frozen=True)
class Parsed:
    """Canonical rows parsed from one file, plus the rows kept out with their line and reason."""

    kind: str
    source: str
    path: str
    rows_read: int
    # canonical table -> rows (pandas); "raw_twcs" -> valid tweets as Arrow (etl/sources/twcs_store.py)
    tables: dict[str, pd.DataFrame | pa.Table]
    quarantine: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    # Sentences the user must read (likely date damage, rows outside any case): shown in the
    # load's summary, stored with the load and listed by `socialcare status`.
    warnings: tuple[str, ...] = field(default=())
    # Idempotency key when the file hash alone is not it (a SQL extract; a CSV with its mapping).
    content_sha256: str | None = None

    def __post_init__(self) -> None:
        # Quarantined rows keep their raw text, in the warehouse and in the file written for a
        # refused load: its e-mail addresses, IBANs, card and phone numbers are masked here.
        object.__setattr__(self, "quarantine", masked_quarantine(self.quarantine))

    @property
    def rows_quarantined(self) -> int:
        """Number of input rows that failed validation."""
        return len(self.quarantine)

    @property
    def bad_share(self) -> float:
        """Share of the file's rows that failed validation."""
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


def masked_quarantine(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows with their `raw` text PII-masked (etl/text/pii.py), as stored text is."""
    if quarantine.empty or "raw" not in quarantine.columns:
        return quarantine
    return quarantine.assign(raw=masked_texts(quarantine["raw"]).to_numpy())


def quarantine_frame(rejects: pd.DataFrame) -> pd.DataFrame:
    """Parser rejects in the quarantine shape (line, raw, reason)."""
    if rejects.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    return rejects[QUARANTINE_COLUMNS].copy()
