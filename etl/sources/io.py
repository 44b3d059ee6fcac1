"""Reading source files: encoding detection, CSV parsing with rejected rows kept, hashing.

`read_csv_into(con, path, required)` reads a CSV into a table of an open DuckDB connection (all
text columns, named c0, c1, ... in code; the header names are returned separately so that no
file content ever becomes an SQL identifier). Records the parser cannot take (too many or too
few fields, an unterminated quote in a truncated file, bytes that are not UTF-8) become rejects
with their record number and a reason; the rest of the file loads.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etl.sources.csv_shape import (
    DELIMITER_NAMES,
    DELIMITERS,
    ShapeError,
    canonical_names,
    plain_copy,
    sniffed_delimiter,
)
from etl.sources.tolerant_csv import (
    STRAY_QUOTE,
    TolerantCopy,
    first_unreadable_line,
    rescued_quote_rejects,
    restore_bare_crs,
    tolerant_copy,
)
from etl.sql_files import sql_file

LEGACY = "cp1252"  # Windows-1252, with its five undefined bytes read as Latin-1
_TEMP_PREFIX = "socialcare-utf8-"
_REASONS = {  # DuckDB reject type -> the kind shown in quarantine counts
    "UNQUOTED VALUE": "UNTERMINATED QUOTE",
    "INVALID ENCODING": "INVALID ENCODING",
}


class SourceError(ValueError):
    """A source file that cannot be loaded at all; the message names file, line and problem."""


@dataclass(frozen=True)
class CsvTable:
    """A CSV read into view `table` of a connection: columns c0.. plus `_line` (record number)."""

    table: str
    names: tuple[str, ...]  # header names (stripped), in column order: names[i] is column c{i}
    rejects: pd.DataFrame  # line, raw, reason
    encoding: str
    rows_read: int
    notes: tuple[str, ...] = ()  # what the tolerant reading did (etl/sources/tolerant_csv.py)

    def column(self, name: str) -> str:
        """The SQL column (c0, c1, ...) holding the header column `name`."""
        return f"c{self.names.index(name)}"


@dataclass(frozen=True)
class CsvFrame:
    """All-text columns of a CSV plus the rows the parser rejected."""

    frame: pd.DataFrame  # all columns as str (None for empty), plus `_line` (CSV record number)
    rejects: pd.DataFrame  # line, raw, reason
    encoding: str
    rows_read: int
    notes: tuple[str, ...] = ()  # what the tolerant reading did (etl/sources/tolerant_csv.py)


def file_sha256(path: Path) -> str:
    """Content hash of a file (the idempotency key of a load)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _latin1_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("socialcare-latin1", _latin1_fallback)


def _invalid_marker(err: UnicodeDecodeError) -> tuple[str, int]:
    """Code units that are not UTF-16 (a lone surrogate, a cut-off last unit) become the escape
    of byte 0xFF, which the UTF-8 copy writes as that byte: DuckDB's reader then quarantines
    just the record holding it as INVALID ENCODING, with its record number."""
    return "\udcff", err.end


codecs.register_error("socialcare-invalid", _invalid_marker)


_INVALID = re.compile("[\udc80-\udcff]")  # bytes that did not decode, as surrogate escapes
_VALID = re.compile("[^\x00-\x7f\udc80-\udcff]")  # decoded non-ASCII characters


def utf16_without_bom(head: bytes) -> str | None:
    """utf-16-le / utf-16-be when the first bytes of a file without byte-order mark look like
    UTF-16 text: NUL in most odd (LE) or even (BE) positions, as every ASCII character has,
    and almost none in the others (text in UTF-8 or a legacy encoding has no NUL bytes)."""
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if odd >= pairs / 2 and even <= pairs / 20:
        return "utf-16-le"
    if even >= pairs / 2 and odd <= pairs / 20:
        return "utf-16-be"
    return None


def detect_encoding(path: Path, evidence: int = 200, block: int = 1 << 16) -> str:
    """utf-8-sig / utf-16 by their byte-order mark, utf-16 without one by its NUL bytes; else
    utf-8 unless the non-ASCII bytes are mostly not UTF-8 sequences (then the legacy
    Windows-1252 / Latin-1 encoding).

    A UTF-8 file with a few damaged bytes stays utf-8, so that the damaged records are
    quarantined instead of being read as mojibake.
    """
    valid = invalid = 0
    with open(path, "rb") as fh:
        head = fh.read(512)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith(codecs.BOM_UTF16_LE):
            return "utf-16-le"
        if head.startswith(codecs.BOM_UTF16_BE):
            return "utf-16-be"
        if utf16 := utf16_without_bom(head):
            return utf16
        fh.seek(0)
        carry = b""
        while valid + invalid < evidence:
            chunk = fh.read(block)
            if not chunk:
                break
            data, carry = carry + chunk, b""
            if data.isascii():
                continue
            cut = len(data)
            while cut > 0 and len(data) - cut < 3 and data[cut - 1] >= 0x80:
                cut -= 1  # keep a multi-byte sequence split by the block edge for the next block
            data, carry = data[:cut], data[cut:]
            text = data.decode("utf-8", errors="surrogateescape")
            invalid += len(_INVALID.findall(text))
            valid += len(_VALID.findall(text))
    if invalid == 0 or valid > invalid:
        return "utf-8"
    return LEGACY


def has_invalid_utf8(path: Path, block: int = 1 << 24) -> bool:
    """Whether a file read as UTF-8 holds bytes that are not UTF-8 (DuckDB's reader quarantines
    the records holding them; a reader that decodes them as U+FFFD must do the same)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(block), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return True
    return False


def _remove_stale_temp_files() -> None:
    """Delete UTF-8 copies left behind by killed loads (their process no longer exists)."""
    for f in Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}*-*.csv"):
        try:
            pid = int(f.name[len(_TEMP_PREFIX) :].split("-")[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            f.unlink(missing_ok=True)
        except PermissionError:
            pass


def _as_utf8_file(path: Path, encoding: str) -> Path:
    """Path of a UTF-8 copy for encodings DuckDB's reader does not take (utf-16, Windows-1252);
    damaged UTF-16 code units become byte 0xFF there (see _invalid_marker)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return path
    _remove_stale_temp_files()
    fd, name = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}-", suffix=".csv")
    os.close(fd)
    errors = "socialcare-latin1" if encoding == LEGACY else "socialcare-invalid"
    try:
        with (
            open(path, encoding=encoding, errors=errors, newline="") as src,
            open(name, "wb") as dst,
        ):
            first = True
            for block in iter(lambda: src.read(1 << 20), ""):
                if first:
                    block, first = block.removeprefix("\ufeff"), False  # a byte-order mark
                dst.write(block.encode("utf-8", errors="surrogateescape"))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _header(path: Path, delim: str) -> list[str]:
    """The header record's names (stripped; an empty name becomes column<i>)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        try:
            names = next(csv.reader(fh, delimiter=delim))
        except (StopIteration, csv.Error):
            names = []
    names = [n.strip() or f"column{i}" for i, n in enumerate(names)]
    return names


def _first_line(path: Path) -> str:
    """The file's first line, without its line end and byte-order mark."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        return fh.readline(1000).rstrip("\r\n")


def _reason(error_type: str, message: str, encoding: str = "utf-8") -> str:
    """One reject reason: a kind (counted in status) and the parser's detail."""
    kind = _REASONS.get(error_type, error_type)
    detail = message.strip().rstrip(".")
    if error_type == "UNQUOTED VALUE" and message == STRAY_QUOTE:
        detail = message
    elif error_type == "UNQUOTED VALUE":
        detail = "a quoted field is not closed (is the file cut off?)"
    elif error_type == "INVALID ENCODING" and encoding.startswith("utf-16"):
        detail = (
            f"code units that are not {encoding.upper()} (a lone surrogate or a cut-off character)"
        )
    elif error_type == "INVALID ENCODING":
        detail = "bytes that are not UTF-8 in an otherwise UTF-8 file"
    return f"{kind}: {detail}"


def _read(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, columns: dict[str, str], delim: str
) -> None:
    """DuckDB's strict CSV reader into temp table {table}_raw, rejects into csv_rejects (of
    this read only: a failed earlier read may have left some)."""
    con.execute("drop table if exists csv_rejects; drop table if exists csv_rejects_scan")
    con.execute(
        f"create or replace temp table {table}_raw as select * from read_csv(?, columns=?, "
        "header=true, delim=?, quote='\"', escape='\"', strict_mode=true, null_padding=false, "
        "store_rejects=true, rejects_table='csv_rejects', rejects_scan='csv_rejects_scan', "
        "auto_detect=false)",
        [str(path), columns, delim],
    )


_WHAT_TO_DO = (
    "correct or delete that record, or save the file again as a CSV that quotes its "
    "texts, and load it again."
)


def _failing_line(error: str, path: Path, delim: str, n_fields: int) -> tuple[int, str]:
    """(line, problem) for a parser error: the line DuckDB names, else the first record a
    strict RFC 4180 reading cannot take (etl/sources/tolerant_csv.py)."""
    first = error.splitlines()[0]
    named = re.search(r"\bLine: (\d+)", error)
    if named:
        return int(named.group(1)), first
    line, problem = first_unreadable_line(path, delim, n_fields)
    return line, f"{problem}; the parser said: {first}"


def _tolerant_read(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    readable: Path,
    table: str,
    columns: dict[str, str],
    delim: str,
) -> TolerantCopy:
    """Read a copy of `readable` that the strict reader can take (etl/sources/tolerant_csv.py): bare CRs
    inside records as text, then also mixed CRLF / LF line ends as LF; the copy's CRs are put
    back. The caller deletes the copy (copy.path). Raises SourceError naming the first record
    at fault when no copy can be read."""
    _remove_stale_temp_files()
    for crlf_to_lf in (False, True):
        copy = tolerant_copy(readable, _TEMP_PREFIX, crlf_to_lf)
        try:
            _read(con, copy.path, table, columns, delim)
        except duckdb.InvalidInputException as e:
            try:
                if "state machine" in str(e) and not crlf_to_lf:
                    continue
                line, problem = first_unreadable_line(copy.path, delim, len(columns))
            finally:
                copy.path.unlink(missing_ok=True)
            raise SourceError(
                f"{path}, line {line}: cannot parse as CSV ({problem}); {_WHAT_TO_DO}"
            ) from None
        if copy.placeholder is not None:
            restore_bare_crs(con, f"{table}_raw", list(columns), copy.placeholder)
            con.execute(
                "update csv_rejects set csv_line = replace(csv_line, ?, chr(13)) "
                "where contains(csv_line, ?)",
                [copy.placeholder, copy.placeholder],
            )
        return copy
    raise AssertionError("unreachable")


def _tolerance_notes(copy: TolerantCopy | None) -> tuple[str, ...]:
    """What the tolerant reading did, for the load's notes."""
    if copy is None:
        return ()
    notes = ()
    if copy.bare_crs:
        notes += (f"{copy.bare_crs} bare CR characters inside records read as text",)
    if copy.crlf_to_lf:
        notes += ("mixed CRLF and LF line ends read as LF",)
    return notes


def read_csv_into(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    required: tuple[str, ...],
    delim: str | None = None,
    table: str = "src",
    known: tuple[str, ...] = (),
) -> CsvTable:
    """Parse a CSV into `table` of con (text columns c0.. and `_line`); a missing column raises.
    A compressed file is read through a plain copy; without `delim` the delimiter is the one
    under which the header holds the most of `required` and `known` (etl/sources/csv_shape.py),
    whose other spellings (case, spaces, underscores) are renamed to them."""
    if not path.exists():
        raise SourceError(f"{path}: file not found.")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: the file is empty.")
    try:
        plain = plain_copy(path, _TEMP_PREFIX)
    except ShapeError as e:
        raise SourceError(str(e)) from None
    if plain is None:
        return _read_plain(con, path, path, required, delim, table, known, ())
    try:
        if plain[0].stat().st_size == 0:
            raise SourceError(f"{path}: the file inside the archive is empty.")
        return _read_plain(con, path, plain[0], required, delim, table, known, (plain[1],))
    finally:
        plain[0].unlink(missing_ok=True)


def _shape(
    path: Path, readable: Path, required: tuple[str, ...], delim: str | None, known: tuple[str, ...]
) -> tuple[str, list[str], tuple[str, ...]]:
    """(delimiter, header names with the expected spellings, notes) of a plain UTF-8 file; a
    required column missing raises SourceError (with the delimiter that would find it when the
    caller fixed another)."""
    expected = (*required, *known)
    headers = {d: _header(readable, d) for d in DELIMITERS}
    found = sniffed_delimiter(headers.__getitem__, expected)
    chosen = found if delim is None else delim
    names, renamed = canonical_names(headers.get(chosen) or _header(readable, chosen), expected)
    notes = (
        () if chosen == "," else (f"read as {DELIMITER_NAMES.get(chosen, repr(chosen))}-separated",)
    )
    if renamed:
        notes += (f"column names matched ignoring case and spacing: {', '.join(renamed)}",)
    missing = [c for c in required if c not in names]
    if missing and re.fullmatch(r"sep=.", first := _first_line(readable)):
        raise SourceError(
            f"{path}, line 1: {first!r} is Excel's delimiter hint, not a header; delete that "
            "line and load the file again."
        )
    if missing:
        hint = ""
        if found != chosen:
            hint = (
                f" The header is {DELIMITER_NAMES.get(found, repr(found))}-separated: set "
                f"[source] delimiter = {found!r} in the mapping."
            )
        raise SourceError(
            f"{path}, line 1: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(names) or 'no header'}; correct the header (or the mapping's column "
            f"names) and load it again.{hint}"
        )
    return chosen, names, notes


def _read_plain(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: Path,
    required: tuple[str, ...],
    delim: str | None,
    table: str,
    known: tuple[str, ...],
    notes: tuple[str, ...],
) -> CsvTable:
    """read_csv_into of `source`, a plain (decompressed) file; messages name `path`."""
    encoding = detect_encoding(source)
    try:
        readable = _as_utf8_file(source, encoding)
    except UnicodeError as e:
        raise SourceError(f"{path}: cannot decode as {encoding} ({e.reason}).") from None
    copy: TolerantCopy | None = None
    names: list[str] = []
    asked, delim = delim, delim or ","
    try:
        delim, names, shape_notes = _shape(path, readable, required, asked, known)
        notes += shape_notes
        columns = {f"c{i}": "VARCHAR" for i in range(len(names))}
        con.execute("set enable_progress_bar = false")
        try:
            _read(con, readable, table, columns, delim)
        except duckdb.InvalidInputException as e:
            if "state machine" not in str(e):
                raise
            copy = _tolerant_read(con, path, readable, table, columns, delim)
        rejects = con.execute(sql_file(__package__, "csv_rejects")).df()
        con.execute("drop table if exists csv_rejects; drop table if exists csv_rejects_scan")
        rescue = rescued_quote_rejects(
            readable if copy is None else copy.path,
            rejects,
            len(names),
            delim,
            copy and copy.placeholder,
        )
    except duckdb.Error as e:
        read = readable if copy is None else copy.path
        line, problem = _failing_line(str(e), read, delim, len(names))
        raise SourceError(
            f"{path}, line {line}: cannot parse as CSV ({problem}); {_WHAT_TO_DO}"
        ) from None
    finally:
        if readable != source:
            readable.unlink(missing_ok=True)
        if copy is not None:
            copy.path.unlink(missing_ok=True)
    rescued, spans = None, 0
    if rescue is not None:
        rescued, rejects, spans = rescue
    rejects = pd.DataFrame(
        {
            "line": rejects["line"].astype("int64"),
            "raw": rejects["raw"].astype(str).str.lstrip("\r\n"),
            "reason": [
                _reason(t, m, encoding)
                for t, m in zip(rejects["error_type"], rejects["message"], strict=True)
            ],
        }
    )
    _number_records(con, table, rejects["line"].tolist(), rescued)
    n_good = con.execute(f"select count(*) from {table}").fetchone()[0]
    notes += _tolerance_notes(copy)
    if spans:
        notes += (
            f"{spans} records with a stray quote read line by line ({len(rescued)} records taken)",
        )
    return CsvTable(table, tuple(names), rejects, encoding, n_good + len(rejects), notes)


def _number_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rejected: list[int],
    rescued: pd.DataFrame | None = None,
) -> None:
    """View `table` over `{table}_raw` adding `_line`, the CSV record number (header = 1),
    plus the `rescued` records (c0.., _line) that the tolerant reading took from rejects.

    The k-th accepted row (0-based, file order) is record k + 2 plus the number of rejected
    or rescued records before it; an ASOF join against those few records adds that count.
    """
    extra = ""
    if rescued is not None and len(rescued):
        con.register("_rescued_frame", rescued)
        con.execute(f"create or replace temp table {table}_rescued as select * from _rescued_frame")
        con.unregister("_rescued_frame")
        rejected = [*rejected, *rescued["_line"].tolist()]
        extra = f" union all select * from {table}_rescued"
    if not rejected:
        con.execute(
            f"create or replace temp view {table} as select *, rowid + 2 as _line from {table}_raw"
        )
        return
    con.execute("create or replace temp table _shifts (k bigint, n bigint)")
    # Rejected record j (0-based, sorted) comes after (line - 2 - j) accepted rows.
    shifts: dict[int, int] = {}  # adjacent rejected records share a k: keep the largest count
    for j, line in enumerate(sorted(rejected)):
        shifts[line - 2 - j] = j + 1
    con.executemany("insert into _shifts values (?, ?)", [[k, n] for k, n in shifts.items()])
    con.execute(f"""
        create or replace temp view {table} as
        select s.* exclude (_k), s._k + 2 + coalesce(j.n, 0) as _line
        from (select *, rowid as _k from {table}_raw) s
        asof left join _shifts j on s._k >= j.k{extra}""")


def read_csv_text(
    path: Path, required: tuple[str, ...], delim: str | None = None, known: tuple[str, ...] = ()
) -> CsvFrame:
    """Parse a CSV into text columns; structural errors become rejects, a missing column an error
    (compression, delimiter and header spelling as read_csv_into takes them)."""
    con = duckdb.connect()
    try:
        read = read_csv_into(con, path, required, delim, known=known)
        frame = con.execute(
            f"select * exclude (_line), _line from {read.table} order by _line"
        ).df()
    finally:
        con.close()
    frame.columns = list(read.names) + ["_line"]
    lines = frame.pop("_line").astype("int64")
    frame = frame.astype(object).where(frame.notna(), None)
    frame["_line"] = lines.to_numpy()
    return CsvFrame(frame, read.rejects, read.encoding, read.rows_read, read.notes)
