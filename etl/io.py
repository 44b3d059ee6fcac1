"""Reading source files: encoding detection, CSV parsing with rejected rows kept, hashing."""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


class SourceError(ValueError):
    """A source file that cannot be loaded at all; the message names file, line and problem."""


@dataclass(frozen=True)
class CsvFrame:
    """All-text columns of a CSV plus the rows the parser rejected."""

    frame: pd.DataFrame  # all columns as str (None for empty), plus `_line` (CSV record number)
    rejects: pd.DataFrame  # line, raw, reason
    encoding: str
    rows_read: int


def file_sha256(path: Path) -> str:
    """Content hash of a file (the idempotency key of a load)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def detect_encoding(path: Path, sample_bytes: int = 1 << 20) -> str:
    """utf-8 (also with BOM), utf-16 by BOM, else cp1252 when the sample is not UTF-8 at all."""
    with open(path, "rb") as fh:
        head = fh.read(sample_bytes)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        # A truncated multi-byte sequence at the end of the sample is still UTF-8.
        if e.start >= len(head) - 4 and e.reason == "unexpected end of data":
            return "utf-8"
        bad_lines = sum(1 for line in head.splitlines() if not _is_utf8(line))
        total = max(1, head.count(b"\n"))
        # Mostly-undecodable text is a legacy single-byte file; a few bad lines are damage.
        return "cp1252" if bad_lines / total > 0.2 else "utf-8"


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _as_utf8_file(path: Path, encoding: str) -> Path:
    """Path of a UTF-8 copy for encodings DuckDB's reader does not take (utf-16, cp1252)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return path
    tmp = Path(tempfile.mkstemp(prefix="socialcare-", suffix=".csv")[1])
    codec = "cp1252" if encoding == "cp1252" else encoding
    with open(path, encoding=codec, errors="replace" if codec == "cp1252" else "strict", newline="") as src:
        with open(tmp, "w", encoding="utf-8", newline="") as dst:
            for block in iter(lambda: src.read(1 << 20), ""):
                dst.write(block)
    return tmp


def read_csv_text(path: Path, required: tuple[str, ...], delim: str = ",") -> CsvFrame:
    """Parse a CSV into text columns; structural errors become rejects, a missing column an error."""
    if not path.exists():
        raise SourceError(f"{path}: file not found.")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: the file is empty.")
    encoding = detect_encoding(path)
    try:
        readable = _as_utf8_file(path, encoding)
    except UnicodeError as e:
        raise SourceError(f"{path}: cannot decode as {encoding}: {e}.") from None
    con = duckdb.connect()
    try:
        con.execute(
            "create table src as select * from read_csv(?, all_varchar=true, header=true, "
            "delim=?, quote='\"', escape='\"', strict_mode=true, null_padding=false, "
            "store_rejects=true, rejects_table='rej', rejects_scan='rej_scan', "
            "auto_detect=true, sample_size=-1)",
            [str(readable), delim],
        )
        columns = [c[0] for c in con.execute("describe src").fetchall()]
        cleaned = [c.strip() for c in columns]
        missing = [c for c in required if c not in cleaned]
        if missing:
            raise SourceError(
                f"{path}, line 1: missing column(s) {', '.join(missing)}; "
                f"found {', '.join(cleaned)}."
            )
        frame = con.execute("select * from src").df()
        frame.columns = cleaned
        rejects = con.execute(
            "select line, csv_line as raw, error_type || ': ' || error_message as reason "
            "from rej order by line"
        ).df()
    except duckdb.Error as e:
        raise SourceError(f"{path}: cannot parse as CSV ({str(e).splitlines()[0]}).") from None
    finally:
        con.close()
        if readable != path:
            readable.unlink(missing_ok=True)
    frame = frame.astype(object).where(frame.notna(), None)
    frame["_line"] = _record_lines(len(frame), rejects["line"].tolist())
    rows_read = len(frame) + len(rejects)
    return CsvFrame(frame, rejects, encoding, rows_read)


def _record_lines(n_good: int, rejected: list[int]) -> np.ndarray:
    """CSV record numbers (header = 1) of the accepted rows, skipping the rejected ones."""
    candidates = np.arange(2, 2 + n_good + len(rejected), dtype=np.int64)
    return np.setdiff1d(candidates, np.asarray(rejected, dtype=np.int64), assume_unique=True)[:n_good]
