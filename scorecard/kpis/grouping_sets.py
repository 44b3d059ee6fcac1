"""Several slicings (tuples of dimensions) from one GROUPING SETS read: the dimensions they use,
the grouping() flag DuckDB gives each slicing's rows, and the result split back per slicing.
Shared by the KPI bridges (data.py, data_spread.py) and the anomaly scan's reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd


def slicing_dims(slicings: Sequence[tuple[str, ...]]) -> list[str]:
    """The dimensions of the slicings, in order of first use."""
    return list(dict.fromkeys(d for by in slicings for d in by))


def grouping_flag_sql(columns: Sequence[str]) -> str:
    """The grouping() expression over the columns the slicings vary ('0' when there are none)."""
    return f"grouping({', '.join(columns)})" if columns else "0"


def grouping_sets_sql(
    slicings: Sequence[tuple[str, ...]],
    first: Sequence[str] = (),
    last: Sequence[str] = (),
    column: Callable[[str], str] = str,
) -> str:
    """The list inside GROUPING SETS (...): per slicing '(first..., its dimensions' columns,
    last...)'."""
    return ", ".join(
        "(" + ", ".join([*first, *(column(d) for d in by), *last]) + ")" for by in slicings
    )


def grouping_bits(by: Sequence[str], dims: Sequence[str]) -> int:
    """DuckDB's grouping(*dims) of the grouping set `by`: a bit set per dimension left out."""
    return sum(1 << (len(dims) - 1 - i) for i, d in enumerate(dims) if d not in by)


def rows_per_slicing(
    wide: pd.DataFrame, slicings: Sequence[tuple[str, ...]], dims: Sequence[str], flag: str
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Per slicing, the rows of one GROUPING SETS result (`flag`: its grouping(*dims) column)
    that belong to it, without the flag and the dimensions it leaves out, in the order of
    (period, *by)."""
    out = {}
    for by in map(tuple, slicings):
        rows = wide[wide[flag] == grouping_bits(by, dims)]
        rows = rows.drop(columns=[flag, *(d for d in dims if d not in by)])
        out[by] = rows.sort_values(["period", *by], kind="stable").reset_index(drop=True)
    return out
