"""The Balanced Scorecard: KPI values per period and slice, status, deltas and roll-up scores.

Deltas ([compare] baseline, default same_weekday, weeks = 4): a day's previous value (grain
day, or a one-day total) is the mean of the KPI on the same weekday of the 4 weeks before (a
Saturday against the last 4 Saturdays, never against a weekday); a total of 2-6 days compares
with the same days a week before, a longer total with the equally long window a whole number of
weeks before; weeks and months with the calendar period before. baseline = "previous_period":
the equally long window just before a total, the calendar period just before for a grain.
Roll-ups: every period and slice gets perspective scores and an overall score (weights from
the catalogue; green 1, amber 0.5, red 0; KPIs without a status, thin ones included, are left
out) and the count on target ("3 of 9 on target"). The headline `perspectives`/`overall` are the
last period's unsliced roll-up (empty with `by`: see `rollups` for every slice).
Status honesty: a KPI whose sources cannot carry its measure leaves their cases out (n/a with
the reason when none is left, scorecard/kpis/capabilities.py); a thin value (n < THIN_N) is n/a; the
target is the slice's (catalogue.target_of); a time KPI over several channels carries each
channel's value and status (`channels`), and its status is the worst of theirs: channels run
on different clocks and targets, so one blended number must not look green.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import duckdb
import pandas as pd

from etl.settings.config import SLICE_DIMS, Config, Scope
from scorecard.kpis.capabilities import (
    capable_sources,
    lacking_sources,
    lacking_text,
    present_sources,
    source_capabilities,
)
from scorecard.kpis.catalogue import (
    PERSPECTIVES,
    THIN_N,
    Kpi,
    catalogue,
    kpi_by_id,
    status_of,
    target_of,
)
from scorecard.kpis.data import effective_range, has_data, kpi_frame, parallel_frames
from scorecard.results import ChannelValue, KpiValue, PerspectiveScore, Rollup, ScorecardResult

STATUS_POINTS = {"green": 1.0, "amber": 0.5, "red": 0.0}
SEVERITY = {"red": 0, "amber": 1, "green": 2}
ROWS = {
    "surveys": "survey answers to this question",
    "messages": "scored customer messages",
    "cases": "cases it counts",
}
STAT_COLUMNS = (
    ("median", "median"),
    ("p90", "p90"),
    ("mean", "mean"),
    ("agent_p10", "agent_p10_s"),
    ("agent_p90", "agent_p90_s"),
)


def _clean(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _previous_window(start: str, end: str) -> tuple[str, str]:
    """The equally long window just before [start, end]."""
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    length = (e - s).days + 1
    return (s - timedelta(days=length)).isoformat(), (s - timedelta(days=1)).isoformat()


def previous_period(label: str, grain: str) -> str:
    """The label (first day) of the calendar period before the one starting on `label`."""
    d = date.fromisoformat(label)
    if grain == "day":
        return (d - timedelta(days=1)).isoformat()
    if grain == "week":
        return (d - timedelta(days=7)).isoformat()
    return (d.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()


def _period_start(day: str, grain: str) -> str:
    d = date.fromisoformat(day)
    if grain == "week":
        d -= timedelta(days=d.weekday())
    elif grain == "month":
        d = d.replace(day=1)
    return d.isoformat()


def perspective_scores(
    values: Sequence[KpiValue],
) -> tuple[tuple[PerspectiveScore, ...], float | None]:
    """Weighted status points per perspective and overall (KPIs without status are skipped)."""
    out, total_w, total_s = [], 0.0, 0.0
    for p in PERSPECTIVES:
        w = s = 0.0
        counts = {"green": 0, "amber": 0, "red": 0}
        scored = 0
        for v in values:
            k = kpi_by_id(v.kpi)
            if k.perspective != p or k.weight <= 0:
                continue
            scored += 1
            if v.status not in STATUS_POINTS:
                continue
            counts[v.status] += 1
            w += k.weight
            s += k.weight * STATUS_POINTS[v.status]
        out.append(
            PerspectiveScore(
                p, s / w if w else None, **counts, rated=sum(counts.values()), kpis=scored
            )
        )
        total_w += w
        total_s += s
    return tuple(out), (total_s / total_w if total_w else None)


def _same_weekday(grain: str, config: Config) -> bool:
    """Whether deltas compare with the same weekdays of the weeks before (not for weeks and
    months, which hold every weekday)."""
    return config.compare_baseline == "same_weekday" and grain in ("day", "total")


def _prior_grain(grain: str, start: str | None, end: str | None, config: Config) -> str:
    """The grain the prior window is read at: days when a day's previous value is the mean of
    its same weekdays (grain day, or a one-day total), else the scorecard's grain."""
    if _same_weekday(grain, config) and (grain == "day" or (start and start == end)):
        return "day"
    return grain


def _prior_window(
    grain: str, start: str | None, end: str | None, config: Config | None = None
) -> tuple[str, str] | None:
    """The dates whose KPIs give the previous values: the window before a total; for a grain,
    the period before the first one (later periods' previous values are in the frame itself).
    Same weekday: a day (or one-day total) reads the compare_weeks weeks before it; a total of
    2-6 days the same days a week before; a total of a week or more the equally long window a
    whole number of weeks before."""
    if config is not None and _same_weekday(grain, config) and start and end:
        weeks, s = config.compare_weeks, date.fromisoformat(start)
        if grain == "day":
            return (s - timedelta(days=7 * weeks)).isoformat(), (s - timedelta(days=1)).isoformat()
        if start == end:
            return (s - timedelta(days=7 * weeks)).isoformat(), (s - timedelta(days=7)).isoformat()
        length = (date.fromisoformat(end) - s).days + 1
        shift = timedelta(days=7 * -(-length // 7))
        return (s - shift).isoformat(), (date.fromisoformat(end) - shift).isoformat()
    if grain == "total":
        return _previous_window(start, end) if start and end else None
    if not start:
        return None
    before = previous_period(_period_start(start, grain), grain)
    return before, (date.fromisoformat(start) - timedelta(days=1)).isoformat()


def _weekday_means(known: dict[tuple, float], day: str, weeks: int, key: tuple) -> float | None:
    """Mean of the known values of `key` on the same weekday of the `weeks` weeks before `day`
    (None when none of them has a value)."""
    d = date.fromisoformat(day)
    days = [(d - timedelta(days=7 * w)).isoformat() for w in range(1, weeks + 1)]
    got = [v for x in days if (v := known.get((x, *key))) is not None and not pd.isna(v)]
    return sum(got) / len(got) if got else None


def _previous_values(
    frame: pd.DataFrame,
    prior: pd.DataFrame | None,
    window: tuple[str, str] | None,
    grain: str,
    by: Sequence[str],
    weeks: int = 0,
    day: str | None = None,
) -> dict[tuple, float]:
    """(period, *slice, kpi) -> the KPI value of the period before, from the frame and the
    frame of the prior window (which starts at the period before the first). With `weeks` (the
    prior frame is daily, same weekday baseline) a day's previous value is the mean of its same
    weekday over the `weeks` weeks before; a one-day total's (`day`) likewise."""
    key_cols = [*by, "kpi"]
    if grain == "total" and not weeks:
        if prior is None:
            return {}
        return {("total", *k): v for *k, v in prior[[*key_cols, "value"]].itertuples(index=False)}
    known = {
        (str(p), *k): v
        for p, *k, v in frame[["period", *key_cols, "value"]].itertuples(index=False)
    }
    if prior is not None and window is not None:
        if not weeks:
            prior = prior[prior["period"] == window[0]]
        known.update(
            {
                (str(p), *k): v
                for p, *k, v in prior[["period", *key_cols, "value"]].itertuples(index=False)
            }
        )
    out = {}
    if grain == "total":
        assert day is not None, "a total's same-weekday baseline needs its day"
        keys = {tuple(k) for *k, _ in frame[[*key_cols, "value"]].itertuples(index=False)}
        for key in keys:
            if (mean := _weekday_means(known, day, weeks, key)) is not None:
                out[("total", *key)] = mean
        return out
    for p, *k, _ in frame[["period", *key_cols, "value"]].itertuples(index=False):
        if weeks:
            if (mean := _weekday_means(known, str(p), weeks, tuple(k))) is not None:
                out[(p, *k)] = mean
            continue
        prev = (previous_period(p, grain), *k)
        if prev in known:
            out[(p, *k)] = known[prev]
    return out


def scorecard(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None = None,
    end: str | None = None,
    grain: str = "total",
    by: Sequence[str] = (),
    filters: Mapping[str, Sequence[str]] | None = None,
    kpi_ids: Sequence[str] | None = None,
) -> ScorecardResult:
    """Balanced Scorecard from case-level data for any period, grain, slice and filter."""
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    kpis = [kpi_by_id(i) for i in kpi_ids] if kpi_ids else list(catalogue())
    by = list(by)
    start, end = effective_range(con, config, start, end)
    window = _prior_window(grain, start, end, config)
    if window and not has_data(con, config, *window):
        window = None  # nothing before: no previous values, and nothing to read
    caps = source_capabilities(con)
    present = (
        present_sources(con, config, start, end, filters)
        if any(lacking_sources(k, caps) for k in kpis)
        else None
    )
    lacking = {
        k.id: {s: m for s, m in lacking_sources(k, caps).items() if present is None or s in present}
        for k in kpis
    }
    sources = {
        k.id: capable_sources(k, caps) for k in kpis if lacking_sources(k, caps) and k.only_capable
    }
    # the periods and slices with cases come from volume (read beside the asked KPIs when it is not
    # one of them): every asked KPI gets a row in each of them, n/a with its reason where its
    # sources lack the measure, instead of the slice silently missing
    asked = [k.id for k in kpis]
    read_kpis = kpis if "volume" in asked else [*kpis, kpi_by_id("volume")]
    reads = [
        lambda c: kpi_frame(c, config, read_kpis, grain, by, start, end, filters, sources=sources)
    ]
    if window:
        prior_grain = _prior_grain(grain, start, end, config)
        reads.append(
            lambda c: kpi_frame(c, config, kpis, prior_grain, by, *window, filters, sources=sources)
        )
    clocks = [k for k in kpis if is_clock_kpi(k)] if _blends_channels(by, filters) else []
    if clocks:
        reads.append(
            lambda c: kpi_frame(
                c, config, clocks, grain, [*by, "channel"], start, end, filters, sources=sources
            )
        )
    frame, *rest = parallel_frames(con, reads)  # the period before is read concurrently
    frame = _every_slice(frame, asked, by)
    prior = rest[0] if window else None
    per_channel = _channel_values(rest[-1], config, by, filters) if clocks else {}
    weeks = (
        config.compare_weeks
        if _same_weekday(grain, config) and _prior_grain(grain, start, end, config) == "day"
        else 0
    )
    previous = _previous_values(frame, prior, window, grain, by, weeks, start)
    order = {k.id: i for i, k in enumerate(kpis)}
    stat_cols = [(c, name) for c, name in STAT_COLUMNS if c in frame.columns]
    values = []
    for r in frame.to_dict("records"):
        k = kpi_by_id(r["kpi"])
        value, n = _clean(r["value"]), int(r["n"])
        slice_ = tuple((d, None if pd.isna(r[d]) else str(r[d])) for d in by)
        scope = slice_scope(slice_, filters)
        target = target_of(k, config, scope)
        prev = _clean(previous.get((r["period"], *(r[d] for d in by), k.id)))
        wanted = (
            ("median", "p90", "mean")
            if k.measure
            else ("agent_p10", "agent_p90")
            if k.kind == "agent_spread"
            else ()
        )
        stats = tuple((name, _clean(r[c])) for c, name in stat_cols if c in wanted)
        status = status_of(k, value, n, config, target=target)
        channels = per_channel.get((str(r["period"]), slice_, k.id), ())
        status, reason, note = _honest(k, value, n, status, target[0], lacking[k.id], channels)
        if zero := k.zero_note(value):  # e.g. 0 s of business time: sent and answered off hours
            note = "; ".join(filter(None, [zero, note]))
        values.append(
            KpiValue(
                period=str(r["period"]),
                slice=slice_,
                kpi=k.id,
                value=value,
                n=n,
                target=target[0],
                status=status,
                thin=n < THIN_N,
                previous=prev,
                delta=None if value is None or prev is None else value - prev,
                stats=stats,
                reason=reason,
                note=note,
                channels=channels if len(channels) > 1 else (),
                currency=config.currency if k.unit == "currency" else None,
            )
        )
    values.sort(
        key=lambda v: (v.period, v.slice != (), tuple(str(x) for _, x in v.slice), order[v.kpi])
    )
    groups: dict[tuple, list[KpiValue]] = {}
    for v in values:
        groups.setdefault((v.period, v.slice), []).append(v)
    rollups = tuple(Rollup(p, s, *perspective_scores(vs)) for (p, s), vs in groups.items())
    headline = [r for r in rollups if not r.slice]
    persp, overall = (headline[-1].perspectives, headline[-1].overall) if headline else ((), None)
    return ScorecardResult(start, end, grain, tuple(by), tuple(values), persp, overall, rollups)


def _every_slice(frame: pd.DataFrame, kpi_ids: Sequence[str], by: Sequence[str]) -> pd.DataFrame:
    """The asked KPIs' rows, plus a row (value None, n 0) for each asked KPI missing in a period
    and slice that has cases (the volume rows say which; they stay only when volume was asked)."""
    if frame.empty or "kpi" not in frame:
        return frame
    keys = ["period", *by]
    slices = frame.loc[frame["kpi"] == "volume", keys].drop_duplicates()
    rest = frame[frame["kpi"].isin(kpi_ids)]
    have = set(map(tuple, rest[[*keys, "kpi"]].astype(object).itertuples(index=False, name=None)))
    extra = [
        {**dict(zip(keys, row, strict=True)), "kpi": k, "value": None, "n": 0}
        for row in slices.astype(object).itertuples(index=False, name=None)
        for k in kpi_ids
        if (*row, k) not in have
    ]
    return pd.concat([rest, pd.DataFrame(extra)], ignore_index=True) if extra else rest


def is_clock_kpi(kpi: Kpi) -> bool:
    """Time KPIs and the SLA: each channel runs its own clock (seconds on the phone, hours by
    e-mail), so a value over several channels blends them."""
    return kpi.unit == "seconds" or kpi.id == "sla_met_rate"


def _blends_channels(by: Sequence[str], filters: Mapping[str, Sequence[str]]) -> bool:
    """Whether each row may span several channels (no channel slice, not one channel filtered)."""
    return "channel" not in by and len(filters.get("channel", ())) != 1


def slice_scope(
    slice_: tuple[tuple[str, str | None], ...], filters: Mapping[str, Sequence[str]]
) -> Scope:
    """The (dim, value) pairs a row fixes for targets and SLAs: its slice values and the
    dimensions filtered to one value (team, brand, channel only)."""
    fixed = {d: v for d, v in slice_ if d in SLICE_DIMS and v is not None}
    for d, vals in filters.items():
        if d in SLICE_DIMS and len(vals) == 1 and d not in fixed:
            fixed[d] = str(vals[0])
    return tuple(sorted(fixed.items(), key=lambda p: -SLICE_DIMS[p[0]]))


def _channel_values(
    frame: pd.DataFrame, config: Config, by: Sequence[str], filters: Mapping[str, Sequence[str]]
) -> dict[tuple, tuple[ChannelValue, ...]]:
    """(period, slice, kpi) -> each channel's value, n, target and status (its own target)."""
    out: dict[tuple, list[ChannelValue]] = {}
    for r in frame.to_dict("records"):
        k = kpi_by_id(r["kpi"])
        value, n = _clean(r["value"]), int(r["n"])
        if n == 0:
            continue
        slice_ = tuple((d, None if pd.isna(r[d]) else str(r[d])) for d in by)
        channel = None if pd.isna(r["channel"]) else str(r["channel"])
        scope = slice_scope((*slice_, ("channel", channel)), filters)
        target = target_of(k, config, scope)
        out.setdefault((str(r["period"]), slice_, k.id), []).append(
            ChannelValue(
                channel, value, n, target[0], status_of(k, value, n, config, target=target)
            )
        )
    return {key: tuple(sorted(v, key=lambda c: str(c.channel))) for key, v in out.items()}


def _honest(
    kpi: Kpi,
    value: float | None,
    n: int,
    status: str,
    target: float | None,
    lacking: dict[str, tuple[str, ...]],
    channels: Sequence[ChannelValue],
) -> tuple[str, str | None, str | None]:
    """(status, reason, note): why a status is n/a, what the value leaves out, and for a time KPI
    over several channels the worst channel's status (see module)."""
    needs: dict[str, Sequence[str]] = dict(lacking)
    missing = lacking_text(needs) if lacking else None
    note = f"leaves out cases without the measure ({missing})" if missing and n else None
    if n == 0:
        return "n/a", missing or f"no {ROWS.get(kpi.source, 'rows')} in this period and slice", None
    if value is None:
        return "n/a", "no value: its denominator is 0 in this period and slice", note
    if n < THIN_N:
        return "n/a", f"thin: n={n}, fewer than {THIN_N}", note
    if len(channels) > 1:
        rated = [c for c in channels if c.status in SEVERITY]
        note = "; ".join(
            filter(
                None, [note, "blends the clocks of " + ", ".join(str(c.channel) for c in channels)]
            )
        )
        if not rated:
            return "n/a", "blends channels whose own values are thin or without a target", note
        worst = min(rated, key=lambda c: SEVERITY[c.status])
        return worst.status, None, f"{note}; status of the worst channel, {worst.channel}"
    if kpi.direction == "none":
        return status, None, note
    if target is None:
        return "n/a", "no target", note
    return status, None, note
