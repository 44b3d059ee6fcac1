"""The business-hours calendar in force at build time, as a table the models can join.

`business_calendar` has one row per UTC day k (days since 1970-01-01) covering every case's
timestamps: c = business seconds up to the day's start and up to PIECES open pieces
[s_j, e_j) inside the day (zero-length padding), so that
B(t) = c + sum_j greatest(0, least(epoch(t), e_j) - s_j) for t on day k
(etl/settings/business_hours.py:bucket_table). `model_settings` records which calendar and first-response
clock the models used (key `business_calendar`); the scorecard reads the stored business-hours
figures only when that matches its own configuration, and computes them on read otherwise.
A calendar with more than PIECES open windows in one UTC day is not stored (the key says
`unsupported`), so business hours are then always computed on read.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import pandas as pd

from etl.settings.business_hours import bucket_table
from etl.settings.config import Config
from warehouse.queries import named_sql

PIECES = 4
DAY_S = 86400


def calendar_fingerprint(config: Config) -> str:
    """Identity of the calendar and first-response clock the business-hours figures depend on."""
    raw = json.dumps(
        {"business_hours": config.to_dict()["business_hours"], "frt_clock": config.frt_clock},
        sort_keys=True,
    )
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def calendar_frame(config: Config, t_min: float, t_max: float) -> pd.DataFrame | None:
    """The lookup table for days t_min..t_max (epoch seconds); None if a day needs more pieces."""
    table = bucket_table(config.business_hours, t_min, t_max, DAY_S)
    pieces = (len(table) - 2) // 2
    if pieces > PIECES:
        return None
    frame = pd.DataFrame({"k": table["k"], "c": table["c"]}).astype({"k": "int64", "c": "float64"})
    for j in range(1, PIECES + 1):
        pad = frame["k"] * float(DAY_S)
        frame[f"s{j}"] = table[f"s{j}"] if j <= pieces else pad
        frame[f"e{j}"] = table[f"e{j}"] if j <= pieces else pad
    return frame


def write_business_calendar(con: duckdb.DuckDBPyConnection, config: Config) -> str:
    """(Re)write business_calendar and model_settings; returns the recorded fingerprint."""
    row = con.execute(named_sql("calendar_span")).fetchall()[0]
    lo, hi = (float(row[0]), float(row[1])) if row[0] is not None else (0.0, 0.0)
    frame = calendar_frame(config, lo, hi)
    fingerprint = calendar_fingerprint(config) if frame is not None else "unsupported"
    if frame is None:
        default = calendar_frame(Config(), lo, hi)
        assert default is not None  # the default calendar is always one calendar_frame supports
        frame = default.head(0)
    con.register("_calendar", frame)
    try:
        con.execute(named_sql("business_calendar"))
    finally:
        con.unregister("_calendar")
    con.execute("create or replace table model_settings (key varchar primary key, value varchar)")
    con.execute(
        "insert into model_settings values ('business_calendar', ?), ('frt_clock', ?)",
        [fingerprint, config.frt_clock],
    )
    return fingerprint
