"""The shape of a CSV export before it is parsed: compression, delimiter and header spelling.

Real exports vary in three ways that say nothing about their records:

- **compressed**: Kaggle hands out `twcs.zip` (a folder holding twcs.csv), logs are rotated to
  `.csv.gz`; `plain_copy` writes the one file inside (gzip, bzip2, xz, a zip of one file) to a
  temporary file, found by its first bytes, not by its name. A zip of several files, or an Excel
  workbook (a zip too), is a one-sentence error.
- **delimiter**: a spreadsheet saved as CSV with a European locale separates by `;`, a database
  dump by tab or `|`; `sniffed_delimiter` takes the one under which the header holds the most
  of the names the source expects (`,` unless another finds more).
- **header spelling**: `TWEET_ID`, ` Ticket ID `, `ticket_id` for `Ticket ID`: `canonical_names`
  renames a header name to the expected one it equals ignoring case, spaces and underscores,
  where the expected name is absent and exactly one header name matches it.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import lzma
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_OPENERS: tuple[tuple[bytes, str, Callable[[Path], IO[bytes]]], ...] = (
    (b"\x1f\x8b", "gzip", lambda p: gzip.open(p, "rb")),
    (b"BZh", "bzip2", lambda p: bz2.open(p, "rb")),
    (b"\xfd7zXZ\x00", "xz", lambda p: lzma.open(p, "rb")),
)
_ZIP = b"PK\x03\x04"
_UNREAD = ((b"7z\xbc\xaf\x27\x1c", "7-Zip"), (b"Rar!\x1a\x07", "RAR"))  # archives not read
_SEPARATORS = re.compile(r"[\s_]+")


class ShapeError(ValueError):
    """A file whose container cannot be read as one CSV; the message says what to do."""


def compression_of(path: Path) -> str | None:
    """gzip / bzip2 / xz / zip (read) or 7-Zip / RAR (named, not read) by the file's first bytes;
    None for a plain file."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP):
        return "zip"
    for magic, name in _UNREAD:
        if head.startswith(magic):
            return name
    return next((name for magic, name, _ in _OPENERS if head.startswith(magic)), None)


def is_excel_workbook(path: Path) -> bool:
    """An .xlsx / .xlsm workbook, by its content (a zip holding xl/workbook.xml), whatever its name."""
    if compression_of(path) != "zip":
        return False
    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _zip_member(path: Path, archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one data file of a zip (folders and macOS metadata aside)."""
    if "xl/workbook.xml" in archive.namelist():
        raise ShapeError(
            f"{path}: an Excel workbook, not a CSV; save its sheet as CSV and load that file "
            "(calls, tickets, surveys, identities and mapped sources read a workbook directly)."
        )
    files = [
        i
        for i in archive.infolist()
        if not i.is_dir()
        and not i.filename.startswith("__MACOSX/")
        and not Path(i.filename).name.startswith(".")
    ]
    if len(files) != 1:
        listed = ", ".join(i.filename for i in files[:5]) + (", ..." if len(files) > 5 else "")
        raise ShapeError(
            f"{path}: a zip archive holding {len(files)} files ({listed or 'none'}), not one; "
            "unzip it and load each CSV on its own."
        )
    return files[0]


def _copy_plain(path: Path, kind: str, dst: IO[bytes]) -> str:
    """Write the decompressed content to dst; what it was (for the load's notes)."""
    if kind == "zip":
        with zipfile.ZipFile(path) as archive:
            member = _zip_member(path, archive)
            with archive.open(member) as src:
                shutil.copyfileobj(src, dst, 1 << 20)
        return f"read from {member.filename} inside the zip archive"
    opener = next(o for _, name, o in _OPENERS if name == kind)
    with opener(path) as src:
        shutil.copyfileobj(src, dst, 1 << 20)
    return f"read from the {kind}-compressed file"


def _damaged(path: Path, kind: str, error: BaseException) -> str:
    return (
        f"{path}: cannot decompress as {kind} ({error}); the archive is damaged or cut off, "
        "so download or export it again."
    )


def plain_copy(path: Path, temp_prefix: str) -> tuple[Path, str] | None:
    """(a temporary copy of the decompressed content, a note) for a compressed file, None for a
    plain one. The caller deletes the copy. A damaged archive is a ShapeError."""
    kind = compression_of(path)
    if kind is None:
        return None
    if kind in dict(_UNREAD).values():
        raise ShapeError(
            f"{path}: a {kind} archive, which is not read; extract the CSV from it and load that "
            "file."
        )
    fd, name = tempfile.mkstemp(prefix=f"{temp_prefix}{os.getpid()}-", suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as dst:
            note = _copy_plain(path, kind, dst)
    except ShapeError:
        Path(name).unlink(missing_ok=True)
        raise
    except (RuntimeError, NotImplementedError) as e:  # an encrypted member, Deflate64 (Windows)
        Path(name).unlink(missing_ok=True)
        raise ShapeError(
            f"{path}: cannot read the file inside the {kind} archive ({e}); extract it with the "
            "tool that made the archive and load the extracted file."
        ) from None
    except OSError as e:
        Path(name).unlink(missing_ok=True)
        if e.errno == errno.ENOSPC:
            raise ShapeError(  # worded so that cli.py keeps it (it rewords "no space left")
                f"{path}: the temporary folder {tempfile.gettempdir()} is full before the file is "
                "decompressed; free space there (or point TMPDIR at a larger disk) and load it again."
            ) from None
        raise ShapeError(_damaged(path, kind, e)) from None
    except (EOFError, zipfile.BadZipFile, lzma.LZMAError) as e:
        Path(name).unlink(missing_ok=True)
        raise ShapeError(_damaged(path, kind, e)) from None
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), note


def name_key(name: str) -> str:
    """A header name as compared: case-folded, spaces and underscores as one space."""
    return _SEPARATORS.sub(" ", name.strip().casefold()).strip()


def canonical_names(names: list[str], expected: Iterable[str]) -> tuple[list[str], list[str]]:
    """(header names with each expected name the file spells differently renamed to it, the
    renames as 'found -> expected'). A name is renamed only where the expected spelling is absent
    and exactly one header name matches it."""
    expected = tuple(dict.fromkeys(expected))
    out, renamed = list(names), []
    present = set(names)
    for want in expected:
        if want in present:
            continue
        hits = [i for i, n in enumerate(out) if name_key(n) == name_key(want)]
        if len(hits) == 1 and out[hits[0]] not in expected:
            renamed.append(f"{out[hits[0]]} -> {want}")
            present.discard(out[hits[0]])
            out[hits[0]] = want
            present.add(want)
    return out, renamed


def sniffed_delimiter(header_of: Callable[[str], list[str]], expected: tuple[str, ...]) -> str:
    """The delimiter under which the header holds the most expected names (ignoring spelling);
    without expected names, the one that splits the header into the most fields. `,` wins ties."""
    wanted = {name_key(n) for n in expected}

    def score(delim: str) -> int:
        names = header_of(delim)
        return len(wanted & {name_key(n) for n in names}) if wanted else len(names)

    scores = {d: score(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (scores[d], d == ","))
    return best if scores[best] > scores[","] else ","
