"""The `csv` source: any CSV export read through a TOML mapping (`socialcare load csv FILE --mapping M`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from etl.parsed import Parsed, quarantine_frame
from etl.settings.config import Config
from etl.sources.date_damage import swapped_dates, swapped_dates_warning
from etl.sources.io import file_sha256
from etl.sources.mapped_rows import canonical_rows
from etl.sources.mapped_tables import (
    interactions_table,
    messages_table,
    native_surveys,
    surveys_table,
)
from etl.sources.mapping import TIMES, Mapping, MappingError, load_mapping
from etl.sources.registry import register
from etl.sources.xlsx import read_text
from etl.text.enrich import load_playbook


def mapped_tables(good: pd.DataFrame, m: Mapping, config: Config) -> dict[str, pd.DataFrame]:
    """Canonical tables from the typed rows of one mapping."""
    playbook = load_playbook(config.playbook)
    if m.kind == "interactions":
        cases = interactions_table(good, m, playbook)
        surveys = native_surveys(good, cases)
        return {"interactions": cases, **({"surveys": surveys} if not surveys.empty else {})}
    if m.kind == "messages":  # cases: derived at load from all stored messages (mapped_store.py)
        return {"mapped_messages": messages_table(good, m)}
    return {"surveys": surveys_table(good)}


def parsed_from_frame(
    frame: pd.DataFrame,
    m: Mapping,
    config: Config,
    *,
    path: str,
    kind: str,
    rows_read: int,
    rejects: pd.DataFrame | None = None,
    native_times: frozenset[str] = frozenset(),
    content_sha256: str | None = None,
) -> Parsed:
    """Map, validate and enrich the text rows of a source (with `_line`) into a Parsed load."""
    rows = canonical_rows(frame, m, native_times)
    parts = [
        q
        for q in (quarantine_frame(rejects if rejects is not None else pd.DataFrame()), rows.bad)
        if not q.empty
    ]
    quarantine = pd.concat(parts, ignore_index=True) if parts else quarantine_frame(pd.DataFrame())
    return Parsed(
        kind=kind,
        source=m.name,
        path=path,
        rows_read=rows_read,
        tables=mapped_tables(rows.good, m, config),
        quarantine=quarantine,
        notes=(f"mapping {m.path} ({m.kind})",),
        content_sha256=content_sha256,
        warnings=date_warnings(rows.good, m, native_times),
    )


def _column_label(m: Mapping, fld: str) -> str:
    cols = m.combine.get(fld) or (m.columns[fld],)
    return f"{' + '.join(map(repr, cols))} ({fld})"


def date_warnings(good: pd.DataFrame, m: Mapping, native_times: frozenset[str]) -> tuple[str, ...]:
    """A warning per mapped time field whose dates look day/month-swapped in part of the file."""
    out = []
    for fld in m.fields():
        if (
            fld not in TIMES
            or fld in m.constants
            or m.time_format in ("epoch_s", "epoch_ms")
            or m.columns.get(fld) in native_times
            or fld not in good
        ):
            continue
        evidence = swapped_dates(good[fld].dt.tz_convert(m.timezone).dt.tz_localize(None))
        if evidence is not None:
            how = (
                f"if the file writes the month first, set [timestamps] format in mapping "
                f"{m.path} to that order (it is {m.time_format!r}), and if it mixes both "
                "orders, dates on days <= 12 cannot be trusted."
            )
            out.append(swapped_dates_warning(_column_label(m, fld), evidence, how))
    return tuple(out)


def parse_mapped_csv(path: Path, config: Config, mapping_path: str | None) -> Parsed:
    """Read a CSV export through its mapping into canonical rows plus quarantined rows."""
    m = load_mapping(mapping_path, config, "csv")
    csv = read_text(path, m.column_sources(), delim=m.delimiter)
    found = [c for c in csv.frame.columns if c != "_line"]
    for fld, cols in m.combine.items():
        missing = [c for c in cols if c not in found]
        if missing:
            raise MappingError(
                f"{path}, line 1: column {missing[0]!r} of [combine] {fld} in "
                f"mapping {m.path} is missing; found {', '.join(found)}; fix the "
                "column name in the mapping."
            )
    # The load's identity is the file and the mapping together: a corrected mapping reloads.
    key = hashlib.sha256(f"{file_sha256(path)}\n{m.sha256}".encode()).hexdigest()
    return parsed_from_frame(
        csv.frame,
        m,
        config,
        path=str(path),
        kind="csv",
        rows_read=csv.rows_read,
        rejects=csv.rejects,
        content_sha256=key,
    )


register("csv", lambda source, config, mapping: parse_mapped_csv(Path(source), config, mapping))
