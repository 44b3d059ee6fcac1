"""Tolerant reading of CSV files that DuckDB's strict reader refuses as a whole.

DuckDB's reader takes a bare carriage return (CR not followed by LF) as a line end wherever it
stands. pandas writes texts holding one unquoted (its writer quotes only its own line
terminator), so a real export such as the Kaggle "Customer Support on Twitter" file, whose
records end in LF, holds tweets like `@AskPayPal \\r\\rI just love…` that break DuckDB's state
machine and with it the whole file. Read as pandas reads it with `lineterminator="\\n"`, such a
CR is text.

`tolerant_copy` writes a copy in which every bare CR of a file whose records end in LF or CRLF
is a placeholder character the file does not hold (and, when asked, every CRLF is LF, for
concatenated files with mixed line ends); DuckDB reads the copy strictly and
`restore_bare_crs` puts the CRs back. The copy is a byte-level pass (about a second for a
556 MB file), so the fallback costs one more strict read, not a slower parser.
`first_unreadable_line` names the record at fault when even the copy cannot be read.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Characters of Unicode's last private-use plane: no text or export writes them.
PLACEHOLDERS = ("\U0010fffd", "\U0010fffc", "\U0010fffb", "\U000ffffd")
_BARE_CR = re.compile(rb"\r(?!\n)")


@dataclass(frozen=True)
class TolerantCopy:
    """A copy of a CSV that DuckDB's strict reader can take; bare CRs stand as `placeholder`."""

    path: Path
    placeholder: str | None  # None when the file held no bare CR inside a record
    bare_crs: int
    crlf_to_lf: bool


def record_terminator(path: Path) -> bytes:
    """The line end of the header record: b"\\n", b"\\r\\n" or b"\\r" (b"\\n" when none)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    cr, lf = head.find(b"\r"), head.find(b"\n")
    if lf >= 0 and (cr < 0 or lf < cr):
        return b"\n"
    if cr >= 0 and head[cr + 1:cr + 2] == b"\n":
        return b"\r\n"
    return b"\r" if cr >= 0 else b"\n"


def _copy(path: Path, dst_name: str, placeholder: bytes | None, crlf_to_lf: bool) -> int | None:
    """Write the tolerant copy; the number of bare CRs replaced, None when the file holds the
    placeholder itself (the caller then tries another)."""
    bare = 0
    with open(path, "rb") as src, open(dst_name, "wb") as dst:
        carry = b""
        for block in iter(lambda: src.read(1 << 20), b""):
            block = carry + block
            carry = b"\r" if block.endswith(b"\r") else b""  # its LF may start the next block
            block = block[: len(block) - len(carry)]
            if crlf_to_lf:
                block = block.replace(b"\r\n", b"\n")
            if placeholder is not None:
                if placeholder in block:
                    return None
                crs = block.count(b"\r") - (0 if crlf_to_lf else block.count(b"\r\n"))
                if crs:
                    bare += crs
                    block = _BARE_CR.sub(placeholder, block)
            dst.write(block)
        dst.write(carry)  # a CR at the very end of the file ends its last record
    return bare


def tolerant_copy(path: Path, temp_prefix: str, crlf_to_lf: bool) -> TolerantCopy:
    """A temporary copy of `path` with bare CRs inside records replaced by a placeholder (when
    records end in LF or CRLF) and, if `crlf_to_lf`, every CRLF turned into LF."""
    keep_crs = record_terminator(path) == b"\r"  # an old Mac file: a CR ends each record
    fd, name = tempfile.mkstemp(prefix=f"{temp_prefix}{os.getpid()}-", suffix=".csv")
    os.close(fd)
    try:
        for candidate in (None,) if keep_crs else PLACEHOLDERS:
            mark = None if candidate is None else candidate.encode("utf-8")
            bare = _copy(path, name, mark, crlf_to_lf)
            if bare is not None:
                return TolerantCopy(Path(name), candidate if bare else None, bare, crlf_to_lf)
        bare = _copy(path, name, None, crlf_to_lf)  # the file holds every placeholder
        return TolerantCopy(Path(name), None, 0, crlf_to_lf)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def restore_bare_crs(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                     placeholder: str) -> None:
    """Turn the placeholder back into CR in the text columns of `table` (identifiers from code)."""
    for col in columns:
        con.execute(f"update {table} set {col} = replace({col}, ?, chr(13)) "
                    f"where contains({col}, ?)", [placeholder, placeholder])


def first_unreadable_line(path: Path, delim: str, n_fields: int,
                          unmark: Callable[[str], str] = lambda s: s) -> tuple[int, str]:
    """(physical line, problem) of the first record a strict RFC 4180 reading cannot take or
    that has the wrong number of fields; (1, ...) when none is found (a reader limit instead)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delim, strict=True)
        start = 1
        try:
            for record in reader:
                if reader.line_num > 1 and record and len(record) != n_fields:
                    return start, (f"{len(record)} fields where the header has {n_fields}: "
                                   f"{unmark(delim.join(record))[:80]!r}")
                start = reader.line_num + 1
        except csv.Error as e:
            return start, f"{e} (a stray quote?)"
    return 1, "the CSV reader gave up without naming a record"
