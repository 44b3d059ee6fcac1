"""Fast CSV writing: rows are joined from arrow string pieces in one pass and written raw.

A row is a list of pieces (arrow string arrays, or plain str constants such as ',' and '\\n');
`pyarrow.compute.binary_join_element_wise` concatenates them per row (nulls become empty
strings) and the resulting string array's data buffer *is* the CSV text of the chunk, written
to the file without a copy. Quoting is explicit and minimal, as in pandas' output and the real
files: fields are pre-joined into small tables whose entries carry their own quotes where a
comma or newline needs them (templates never contain a double quote, see _text.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Piece = pa.Array | str
CHUNK_BYTES = 16 * 1024 * 1024


def take(table: pa.Array, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """table[idx] as an arrow array; rows where `null` is True become null (empty)."""
    return table.take(pa.array(idx.astype(np.int32, copy=False), mask=null))


def ints(x: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Integers as decimal strings; null where `null` is True."""
    return pc.cast(pa.array(x, mask=null), pa.string())


def masked(arr: pa.Array, null: np.ndarray) -> pa.Array:
    """The same strings (zero-copy) with the rows where `null` is True set to null."""
    valid = np.concatenate([np.zeros(arr.offset, dtype=bool), ~null])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    _, offsets, data = arr.buffers()
    return pa.Array.from_buffers(arr.type, len(arr), [bitmap, offsets, data], offset=arr.offset)


def cross(*tables: Sequence[str] | pa.Array) -> pa.Array:
    """Every concatenation of one string from each table (last table varies fastest).

    Writers pre-join fields that come from small tables, so a CSV row needs few pieces: the
    cost of the row join grows with the number of pieces, not with the bytes.
    """
    arrs = [t if isinstance(t, pa.Array) else pa.array(list(t), pa.string()) for t in tables]
    idx = np.indices([len(a) for a in arrs]).reshape(len(arrs), -1)
    return join_rows([take(a, i) for a, i in zip(arrs, idx, strict=True)])


def csv_field(values: pa.Array) -> pa.Array:
    """Minimal CSV quoting of a (small) string table: wrap where a comma, quote or newline occurs."""
    need = pc.match_substring_regex(values, '[,"\n\r]')
    esc = pc.replace_substring(values, '"', '""')
    return pc.if_else(need, join_rows(['"', esc, '"']), values)


def join_rows(pieces: Sequence[Piece]) -> pa.Array:
    """Concatenate pieces row by row."""
    return pc.binary_join_element_wise(*pieces, "", null_handling="replace", null_replacement="")


def write_csv(
    path: Path,
    header: Sequence[str],
    n: int,
    row_bytes: int,
    build: Callable[[int, int], Sequence[Piece]],
    workers: int = 2,
) -> int:
    """Write a header and n rows built in chunks by build(lo, hi); returns bytes written.

    Chunks are built by `workers` threads a few chunks ahead and written in order, so the
    bytes do not depend on the scheduling."""
    chunk = max(1, CHUNK_BYTES // max(row_bytes, 1))
    written = 0
    # Replace, don't truncate: ext4 flushes a truncated-and-rewritten file on close.
    Path(path).unlink(missing_ok=True)

    def lines(lo: int) -> pa.Array:
        return join_rows(build(lo, min(n, lo + chunk)))

    with open(path, "wb") as f, ThreadPoolExecutor(max_workers=workers) as pool:
        head = (",".join(header) + "\n").encode()
        f.write(head)
        written += len(head)
        ahead: deque = deque()
        for lo in [*range(0, n, chunk), None]:
            if lo is not None:
                ahead.append(pool.submit(lines, lo))
            while ahead and (lo is None or len(ahead) > workers):
                done = ahead.popleft().result()
                offsets = np.frombuffer(done.buffers()[1], dtype=np.int32)
                a, b = offsets[done.offset], offsets[done.offset + len(done)]
                f.write(memoryview(done.buffers()[2])[a:b])
                written += int(b - a)
    return written
