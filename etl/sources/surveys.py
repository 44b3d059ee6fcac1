"""Survey responses: the generic survey CSV of docs/contracts.md and the NPS verbatim export.

The format is recognised by its header. Verbatims are PII-masked and scored for sentiment.
An optional `--mapping` TOML gives values the file lacks (`[constants] channel`, `brand`) and
the zone of its naive times (`[timestamps] timezone`).
Responses without an interaction_id are not linked at load (the parser does not see the
warehouse; a survey may also arrive before its case): the model fct_surveys links them to the
customer's latest case on their channel within 7 days, else they count by their own channel,
brand and date.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from etl.parsed import Parsed, quarantine_frame
from etl.settings.config import CHANNELS, Config
from etl.sources.io import SourceError
from etl.sources.mapped_tables import SURVEY_COLUMNS
from etl.sources.registry import register
from etl.sources.source_fields import (
    numbers,
    present,
    reasons_of,
    rejected_rows,
    stripped,
    timestamps,
    value_reason,
    yes_no,
)
from etl.sources.xlsx import read_text
from etl.text.enrich import masked_texts, sentiment_scores

GENERIC = (
    "survey_id",
    "interaction_id",
    "customer_id",
    "channel",
    "brand",
    "responded_at",
    "csat",
    "nps",
    "would_recommend",
    "verbatim",
)
GENERIC_REQUIRED = ("survey_id", "responded_at")
NPS_EXPORT = ("CUSTOMER_RESPONSE_DATE", "SURVEY_SUB_TYPE", "NPS_RATING", "NPS_SCORE", "text", "Qtr")
NPS_REQUIRED = ("CUSTOMER_RESPONSE_DATE", "NPS_RATING", "NPS_SCORE", "text")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")
# Day first as the export writes it; ISO as a workbook's date cells read (etl/sources/xlsx.py) or
# a copy saved with ISO dates: unambiguous, so both are taken.
NPS_DATE_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
NPS_BANDS = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}


@dataclass(frozen=True)
class SurveyDefaults:
    """Values for fields a survey file lacks, and the zone of its naive times."""

    channel: str | None
    brand: str | None
    timezone: str


def survey_defaults(path: str | None, config: Config) -> SurveyDefaults:
    """Read the optional survey mapping ([constants] channel/brand, [timestamps] timezone)."""
    if not path:
        return SurveyDefaults(None, None, config.source_timezone)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise SourceError(f"mapping {path}: file not found.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SourceError(f"mapping {path} is not valid TOML: {e}.") from None
    allowed = {"constants": {"channel", "brand"}, "timestamps": {"timezone"}}
    for section, table in raw.items():
        if section not in allowed or not isinstance(table, dict):
            raise SourceError(
                f"mapping {path}, [{section}]: a survey mapping has only [constants] "
                "(channel, brand) and [timestamps] (timezone)."
            )
        for key in table:
            if key not in allowed[section]:
                raise SourceError(
                    f"mapping {path}, [{section}] {key}: unknown key; allowed: "
                    f"{', '.join(sorted(allowed[section]))}."
                )
    constants, zone = (
        raw.get("constants", {}),
        raw.get("timestamps", {}).get("timezone", config.source_timezone),
    )
    channel = constants.get("channel")
    if channel is not None and channel not in CHANNELS:
        raise SourceError(
            f"mapping {path}, [constants] channel: {channel!r} is not one of {', '.join(CHANNELS)}."
        )
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise SourceError(
            f"mapping {path}, [timestamps] timezone: {zone!r} is not an IANA zone "
            "such as 'Europe/Paris'."
        ) from None
    brand = constants.get("brand")
    return SurveyDefaults(channel, None if brand is None else str(brand), zone)


def _filled(text: pd.Series, default: str | None) -> pd.Series:
    return text if default is None else text.where(text.notna(), default)


def _scored(
    frame: pd.DataFrame, reasons: pd.Series, columns: tuple[str, ...], fields: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical survey rows of the rows without a reason (verbatim masked and scored), and the rest."""
    bad = rejected_rows(frame, reasons, list(columns))
    ok = reasons.isna().to_numpy(dtype=bool)
    out = pd.DataFrame(fields, index=frame.index)[ok]
    out = out.drop_duplicates("survey_id", keep="last").reset_index(drop=True)
    out["verbatim"] = masked_texts(out["verbatim"]) if len(out) else out["verbatim"]
    out["sentiment"] = sentiment_scores(out["verbatim"]) if len(out) else np.zeros(0)
    out["csat"] = out["csat"].astype("float64")
    out["nps"] = out["nps"].astype("float64")
    out["would_recommend"] = out["would_recommend"].astype("boolean")
    return out[SURVEY_COLUMNS], bad


def _generic(frame: pd.DataFrame, d: SurveyDefaults) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the generic survey CSV: survey:<survey_id>, ISO responded_at, csat/nps/would_recommend."""
    t = {c: stripped(frame, c) for c in GENERIC}
    channel_text = _filled(t["channel"], d.channel)
    channel = channel_text.str.lower()
    bad_channel = present(channel_text) & ~channel.isin(CHANNELS).to_numpy(dtype=bool)
    responded = timestamps(t["responded_at"], ("iso",), d.timezone)
    csat, nps, rec = (
        numbers(t["csat"], 1, 5),
        numbers(t["nps"], 0, 10),
        yes_no(t["would_recommend"]),
    )
    reasons = reasons_of(
        frame.index,
        [
            (~present(t["survey_id"]), "missing key: survey_id is empty"),
            (~present(t["responded_at"]), "missing value: responded_at is empty"),
            (
                responded.bad,
                value_reason(
                    t["responded_at"], "bad timestamp: responded_at {v} is not an ISO timestamp"
                ),
            ),
            (
                bad_channel,
                value_reason(
                    channel_text, f"not in map: channel {{v}} is not one of {', '.join(CHANNELS)}"
                ),
            ),
            (
                csat.bad,
                value_reason(t["csat"], "out of range: csat {v} is not a number from 1 to 5"),
            ),
            (nps.bad, value_reason(t["nps"], "out of range: nps {v} is not a number from 0 to 10")),
            (
                rec.bad,
                value_reason(
                    t["would_recommend"], "wrong type: would_recommend {v} is not yes or no"
                ),
            ),
        ],
    )
    return _scored(
        frame,
        reasons,
        GENERIC,
        {
            "survey_id": "survey:" + t["survey_id"].astype("string"),
            "interaction_id": t["interaction_id"],
            "customer_id": t["customer_id"],
            "channel": channel.astype(object).where(channel.notna(), None),
            "brand": _filled(t["brand"], d.brand),
            "responded_at": responded.values,
            "csat": csat.values,
            "nps": nps.values,
            "would_recommend": rec.values,
            "verbatim": t["verbatim"],
        },
    )


def _export_date(text: object) -> object:
    """An ISO date (a workbook's date cell, a copy saved with ISO dates) written as the export
    writes it, DD/MM/YYYY HH:MM; any other text as it is."""
    m = _ISO_DATE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        return text
    y, mo, d, hh, mm, ss = m.groups()
    day = f"{d}/{mo}/{y}"
    if hh is None:
        return day
    return f"{day} {hh}:{mm}" if ss in (None, "00") else f"{day} {hh}:{mm}:{ss}"


def nps_survey_ids(frame: pd.DataFrame) -> pd.Series:
    """nps:<content hash>[-k]: the same response keeps its id in any export (its date as the
    export writes it, so that a workbook copy's ISO date cell gives the same id); the k-th repeat
    of an identical row within one file gets the suffix -k."""
    cols = [c for c in NPS_EXPORT if c in frame]
    shown = frame[cols].astype(object).where(frame[cols].notna(), "")
    if "CUSTOMER_RESPONSE_DATE" in shown:
        shown["CUSTOMER_RESPONSE_DATE"] = shown["CUSTOMER_RESPONSE_DATE"].map(_export_date)
    rows = shown.to_numpy().tolist()
    digest = pd.Series(
        [hashlib.sha1("\x1f".join(map(str, r)).encode("utf-8")).hexdigest()[:16] for r in rows],
        index=frame.index,
        dtype=object,
    )
    repeat = digest.groupby(digest).cumcount() + 1
    suffix = np.where(repeat > 1, "-" + repeat.astype(str), "")
    return pd.Series(
        ["nps:" + d + x for d, x in zip(digest, suffix, strict=True)],
        index=frame.index,
        dtype=object,
    )


def _nps_export(frame: pd.DataFrame, d: SurveyDefaults) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the NPS verbatim export: day-first dates, 0-10 scores matching their rating band."""
    date_text, score_text = stripped(frame, "CUSTOMER_RESPONSE_DATE"), stripped(frame, "NPS_SCORE")
    rating_text = stripped(frame, "NPS_RATING")
    responded = timestamps(date_text, NPS_DATE_FORMATS, d.timezone)
    score = numbers(score_text, 0, 10)
    whole = (score.values == score.values.round()).to_numpy(dtype=bool)
    band = rating_text.str.lower().map(NPS_BANDS)
    lo = band.map(lambda b: b[0] if isinstance(b, tuple) else np.nan).astype("float64")
    hi = band.map(lambda b: b[1] if isinstance(b, tuple) else np.nan).astype("float64")
    contradicts = (score.values.notna() & lo.notna() & ~score.values.between(lo, hi)).to_numpy(
        dtype=bool
    )
    channel_text = _filled(stripped(frame, "channel"), d.channel)
    channel = channel_text.str.lower()
    reasons = reasons_of(
        frame.index,
        [
            (~present(date_text), "missing value: CUSTOMER_RESPONSE_DATE is empty"),
            (
                responded.bad,
                value_reason(
                    date_text,
                    "bad timestamp: CUSTOMER_RESPONSE_DATE {v} is not DD/MM/YYYY HH:MM (or ISO)",
                ),
            ),
            (
                score.bad | (present(score_text) & ~whole),
                value_reason(
                    score_text, "out of range: NPS_SCORE {v} is not a whole number from 0 to 10"
                ),
            ),
            (
                present(rating_text) & band.isna().to_numpy(dtype=bool),
                value_reason(
                    rating_text, "not in map: NPS_RATING {v} is not Detractor, Passive or Promoter"
                ),
            ),
            (
                contradicts,
                "contradiction: NPS_RATING "
                + rating_text.astype(str)
                + " does not match NPS_SCORE "
                + score_text.astype(str),
            ),
            (
                present(channel_text) & ~channel.isin(CHANNELS).to_numpy(dtype=bool),
                value_reason(
                    channel_text, f"not in map: channel {{v}} is not one of {', '.join(CHANNELS)}"
                ),
            ),
        ],
    )
    return _scored(
        frame,
        reasons,
        tuple(frame.columns.drop("_line")),
        {
            "survey_id": nps_survey_ids(frame),
            "interaction_id": None,
            "customer_id": None,
            "channel": channel.astype(object).where(channel.notna(), None),
            "brand": _filled(stripped(frame, "brand"), d.brand),
            "responded_at": responded.values,
            "csat": np.nan,
            "nps": score.values,
            "would_recommend": pd.array([pd.NA] * len(frame), dtype="boolean"),
            "verbatim": stripped(frame, "text"),
        },
    )


def parse_surveys(path: Path, config: Config, mapping: str | None = None) -> Parsed:
    """Read a survey file (generic CSV or NPS export) into survey rows and quarantined rows."""
    defaults = survey_defaults(mapping, config)
    src = read_text(path, (), known=(*GENERIC, *NPS_EXPORT))
    names = [c for c in src.frame.columns if c != "_line"]
    if "CUSTOMER_RESPONSE_DATE" in names:
        fmt, required, rows = "nps export", NPS_REQUIRED, _nps_export
    elif "survey_id" in names:
        fmt, required, rows = "generic", GENERIC_REQUIRED, _generic
    else:
        raise SourceError(
            f"{path}, line 1: not a survey file; expected the columns "
            f"{', '.join(GENERIC)} or the NPS export's {', '.join(NPS_EXPORT)}; "
            f"found {', '.join(names) or 'no header'}; name the columns so, or load the file as "
            "csv with a mapping (docs/mapping.md)."
        )
    missing = [c for c in required if c not in names]
    if missing:
        raise SourceError(
            f"{path}, line 1: missing column(s) {', '.join(missing)}; found {', '.join(names)}; "
            "correct the header and load it again."
        )
    surveys, bad = rows(src.frame, defaults)
    unlinked = int(surveys["interaction_id"].isna().sum())
    notes = [f"survey format: {fmt}", *src.notes]
    if unlinked:
        notes.append(
            f"{unlinked} response(s) without interaction_id, linked by customer, channel "
            "and date where possible, else counted by their own channel and brand"
        )
    parts = [q for q in (quarantine_frame(src.rejects), bad) if not q.empty]
    return Parsed(
        kind="surveys",
        source="surveys",
        path=str(path),
        rows_read=src.rows_read,
        tables={"surveys": surveys},
        quarantine=pd.concat(parts, ignore_index=True)
        if parts
        else quarantine_frame(pd.DataFrame()),
        notes=tuple(notes),
    )


register("surveys", lambda source, config, mapping: parse_surveys(Path(source), config, mapping))
