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
`restore_bare_crs` puts the CRs back. The copy is a byte-level pass, so the fallback costs
one more strict read, not a slower parser (`python bench/bench_load.py --damaged 5`).
`first_unreadable_line` names the record at fault when even the copy cannot be read.
"""

from __future__ import annotations

import csv
import io
import mmap
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

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
    if cr >= 0 and head[cr + 1 : cr + 2] == b"\n":
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


def restore_bare_crs(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], placeholder: str
) -> None:
    """Turn the placeholder back into CR in the text columns of `table` (identifiers from code)."""
    for col in columns:
        con.execute(
            f"update {table} set {col} = replace({col}, ?, chr(13)) where contains({col}, ?)",
            [placeholder, placeholder],
        )


def first_unreadable_line(
    path: Path, delim: str, n_fields: int, unmark: Callable[[str], str] = lambda s: s
) -> tuple[int, str]:
    """(physical line, problem) of the first record a strict RFC 4180 reading cannot take or
    that has the wrong number of fields; (1, ...) when none is found (a reader limit instead)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delim, strict=True)
        start = 1
        try:
            for record in reader:
                if reader.line_num > 1 and record and len(record) != n_fields:
                    return start, (
                        f"{len(record)} fields where the header has {n_fields}: "
                        f"{unmark(delim.join(record))[:80]!r}"
                    )
                start = reader.line_num + 1
        except csv.Error as e:
            return start, f"{e} (a stray quote?)"
    return 1, "the CSV reader gave up without naming a record"


def record_end(data: bytes, start: int, delim: bytes) -> int:
    """Offset just past the record that DuckDB's strict reader consumed from `start` when it
    rejected it for a quote: quoted fields run to their closing quote; a closing quote followed
    by anything but a delimiter or line end ends the record at the end of that physical line."""
    pos = start
    while pos < len(data):
        if data[pos : pos + 1] == b'"':
            j = pos + 1
            while True:
                q = data.find(b'"', j)
                if q < 0:
                    return len(data)  # an unterminated quote runs to the end of the file
                if data[q + 1 : q + 2] == b'"':
                    j = q + 2
                    continue
                break
            after = data[q + 1 : q + 2]
            if after == delim:
                pos = q + 2
                continue
            line_end = data.find(b"\n", q + 1)
            return len(data) if line_end < 0 else line_end + 1
        d, n = data.find(delim, pos), data.find(b"\n", pos)
        if d >= 0 and (n < 0 or d < n):
            pos = d + 1
            continue
        return len(data) if n < 0 else n + 1
    return len(data)


def _without_line_end(line: str) -> str:
    """A physical line without its LF or CRLF (a bare CR before them is text)."""
    line = line.removesuffix("\n")
    return line.removesuffix("\r")


def _one_record(text: str, delim: str) -> list[str] | None:
    """The fields of `text` read as exactly one CSV record (Python's lenient reader: a closing
    quote followed by more text keeps that text, as pandas does), else None."""
    mark = PLACEHOLDERS[0] if PLACEHOLDERS[0] not in text else None
    if mark is not None:  # Python's reader ends a record at a bare CR too: keep it as text
        text = text.replace("\r", mark)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error:
        return None
    if len(records) != 1:
        return None
    return records[0] if mark is None else [f.replace(mark, "\r") for f in records[0]]


def records_of_lines(
    text: str, n_fields: int, delim: str, max_join: int = 50
) -> list[tuple[list[str] | None, str]]:
    """A span DuckDB rejected for its quotes, read line by line: (fields, raw) for each record a
    tolerant reading takes, (None, raw) for each line none can. A line is read as CSV (a stray
    quote closing early keeps the text after it), else split at every delimiter (quotes as
    text), else joined with the next lines while that gives one quoted multi-line record."""
    parts = text.split("\n")  # only LF ends a line: a bare CR or U+2028 inside a text is text
    lines = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    out: list[tuple[list[str] | None, str]] = []
    i = 0
    while i < len(lines):
        line = _without_line_end(lines[i])
        fields = _one_record(line, delim)
        if fields is None or len(fields) != n_fields:
            literal = line.split(delim)
            fields = literal if len(literal) == n_fields else None
        if fields is not None:
            out.append((fields, line))
            i += 1
            continue
        for j in range(i + 1, min(len(lines), i + max_join)):
            joined = _without_line_end("".join(lines[i : j + 1]))
            fields = _one_record(joined, delim)
            if fields is not None and len(fields) == n_fields:
                out.append((fields, joined))
                i = j + 1
                break
        else:
            out.append((None, line))
            i += 1
    return out


STRAY_QUOTE = "a stray quote: no reading gives this line the header's fields"
REJECT_LINE_LIMIT = 10_000  # DuckDB keeps at most this many characters of a rejected record


def _record_start(data: mmap.mmap, position: int) -> int:
    """Where a rejected record starts: DuckDB's line_byte_position, or the byte after it when
    that position is one past the line end before the record (DuckDB 2.0 is off by one there
    after the first record)."""
    if (
        position > 0
        and data[position - 1 : position] not in (b"\n", b"\r")
        and data[position - 2 : position - 1] in (b"\n", b"\r")
    ):
        return position - 1
    return position


def rescued_quote_rejects(
    source: Path, rejects: pd.DataFrame, n_fields: int, delim: str, placeholder: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, int] | None:
    """The records a tolerant reading takes from the spans DuckDB rejected for a quote (a stray
    quote: `UNQUOTED VALUE`, or a record of several lines with a quote that has too many or
    too few fields; such a quote can swallow many lines), as (rows, rejects):
    rows has columns c0.. and `_line`; rejects (line, raw, error_type, message) are the other
    rejects plus the lines no reading takes; then the number of spans read again. Record
    numbers count the records of the tolerant reading; None when there is no such reject.
    `source` is the file DuckDB read."""
    raws = rejects["raw"].astype(str)
    quote = (rejects["error_type"] == "UNQUOTED VALUE") | (
        raws.str.contains('"', regex=False) & raws.str.strip("\r\n").str.contains("\n")
    )
    if not quote.any():
        return None
    unmark = (lambda s: s) if placeholder is None else (lambda s: s.replace(placeholder, "\r"))
    rows: list[list] = []
    out: list[tuple] = []
    offset = spans = 0
    with open(source, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for r, candidate in zip(rejects.itertuples(index=False), quote, strict=True):
            line = int(r.line) + offset
            if not candidate:
                out.append((line, r.raw, r.error_type, r.message))
                continue
            text = str(r.raw).lstrip("\r\n")
            if len(text) >= REJECT_LINE_LIMIT:  # DuckDB cut the raw text short: find its end
                start = _record_start(data, int(r.line_byte_position))
                span = data[start : record_end(data, start, delim.encode())]
                text = unmark(span.decode("utf-8", errors="replace"))
            pieces = records_of_lines(text, n_fields, delim)
            if all(fields is None for fields, _ in pieces):  # e.g. a cut-off last record
                out.append((line, r.raw, r.error_type, r.message))
                continue
            spans += 1
            for k, (fields, raw) in enumerate(pieces):
                if fields is None:
                    out.append((line + k, raw, "UNQUOTED VALUE", STRAY_QUOTE))
                else:
                    rows.append([*fields, line + k])
            offset += len(pieces) - 1
    frame = pd.DataFrame(rows, columns=[*(f"c{i}" for i in range(n_fields)), "_line"])
    frame = frame.astype({f"c{i}": object for i in range(n_fields)})
    for i in range(n_fields):  # an empty field is NULL, as DuckDB reads it
        frame[f"c{i}"] = frame[f"c{i}"].where(frame[f"c{i}"] != "", None)
    return frame, pd.DataFrame(out, columns=["line", "raw", "error_type", "message"]), spans
