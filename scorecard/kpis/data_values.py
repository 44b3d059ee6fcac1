"""Exact time KPIs and the SLA from the value-bin model, without sorting every case.

`agg_case_values` (warehouse/sql/agg) keeps, per UTC day x channel x brand and measure, the
cases' durations in narrow value bins with each bin's count, sum, min, max and values.
For a period and slice:
1. the bins' counts give N and, for each quantile, the order statistics it interpolates
   between (DuckDB's quantile_cont: position h = (N - 1) q, value x[floor h] + (h - floor h) *
   (x[ceil h] - x[floor h])) and the bins holding them;
2. only those bins' values are read and sorted, so the result is the exact quantile (a bin
   whose min equals its max is not read at all);
3. the mean is the sum over the count; the SLA's "answered within S seconds" counts the bins
   entirely at or below S and the values <= S of the bins S falls inside.
The SLA's other terms (abandoned calls, cases still waiting past S at the data's as-of time)
come from agg_case_outcomes_daily and, for cases that were still inside the SLA at as-of, from
fct_cases. With [sla.channel / brand] rules, the bins are read per channel and brand and each
group is counted against its own SLA (an SLA per team needs the fact table). Whole UTC days come
from the models and the partial days at a period's edges from
the fact table through the models' own SQL (scorecard/kpis/data_agg.py:model_rows), as for the additive
KPIs; usable for the same grains and for slices by channel and brand. Business-hours FRT is
read from the model only when it was built with the calendar and clock in force
(warehouse/calendar.py). tests/test_scorecard_values.py checks every value against the
row-level definitions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from etl.settings.business_hours import utc_bounds
from etl.settings.config import Config
from scorecard.kpis.catalogue import Kpi, sla_of
from scorecard.kpis.data_agg import COLUMNS, aligned, day_period_sql, model_rows, model_where_sql
from scorecard.kpis.data_pieces import clock_start_column, frt_column, sla_sql
from warehouse.calendar import calendar_fingerprint
from warehouse.queries import as_of

VALUE_DIMS = ("channel", "brand")
PLAIN_MEASURES = ("frt_s", "frt_created_s", "ttr_s")
QUANTILES = (0.5, 0.9)
SLA_KPI = "sla_met_rate"
NULL = "\x00null"  # a missing brand or channel while grouping (None does not survive groupby keys)
KEY_SEP = "\x01"  # between the parts of a bin's key in _bin_values


def stored_measures(con: duckdb.DuckDBPyConnection, config: Config) -> frozenset[str]:
    """The measures agg_case_values holds for this configuration (none in a warehouse built
    before the model existed; frt_business_s only under the calendar it was built with)."""
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = current_schema()"
        ).fetchall()
    }
    if not {"agg_case_values", "agg_case_outcomes_daily", "model_settings"} <= tables:
        return frozenset()
    row = con.execute("select value from model_settings where key = 'business_calendar'").fetchone()
    business = ("frt_business_s",) if row and row[0] == calendar_fingerprint(config) else ()
    return frozenset(PLAIN_MEASURES + business)


def value_measure(kpi: Kpi, config: Config) -> str | None:
    """The stored measure a KPI is read from (its median, p90 or mean, with n = its count), the
    first-response column for the SLA, else None."""
    frt = frt_column(config)
    if kpi.id == SLA_KPI:
        return frt
    if not kpi.measure or kpi.kind != "sql":
        return None
    m = kpi.measure.format(frt=frt)
    forms = {f"quantile_cont({m}, 0.5)", f"quantile_cont({m}, 0.9)", f"avg({m})"}
    if kpi.value.format(frt=frt) in forms and kpi.n.format(frt=frt) == f"count({m})":
        return m
    return None


def values_usable(
    kpi: Kpi,
    config: Config,
    measures: frozenset[str],
    grain: str,
    by: Sequence[str],
    filters: Mapping[str, Sequence[str]],
    start: str | None,
    end: str | None,
) -> bool:
    """Whether the KPI can be read from the value-bin model for this query."""
    if value_measure(kpi, config) not in measures or (
        kpi.id == SLA_KPI and any(d not in VALUE_DIMS for r in config.sla_rules for d, _ in r.scope)
    ):
        return False  # an SLA per team is applied case by case from the fact table (data.sla_sql)
    dims = set(by) | {d for d, v in filters.items() if v or d == "source"}
    return dims <= set(VALUE_DIMS) and aligned(config, grain, start, end)


def _model_query(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    model: str,
    select: str,
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    params: dict,
    where: str = "true",
) -> pd.DataFrame:
    """`select` (aggregates) per period and slice over the model's rows of the range."""
    src, rows_params = model_rows(model, config, start, end)
    model_where, where_params = model_where_sql(filters)
    dims = "".join(f", {COLUMNS[d]} as {d}" for d in by)
    sql = (
        f"select {day_period_sql(grain)} as period{dims}, {select} from ({src}) src "
        f"where {model_where} and {where} group by all"
    )
    return _fill(con.execute(sql, {**params, **rows_params, **where_params}).df(), by)


def _fill(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    for d in by:
        frame[d] = frame[d].astype(object).where(frame[d].notna(), NULL)
    return frame


def _order_stats(n: int, q: float) -> tuple[int, int, float]:
    """(floor, ceil, fraction) of quantile_cont's position (n - 1) q."""
    h = (n - 1) * q
    lo = math.floor(h)
    return lo, math.ceil(h), h - lo


class _Group:
    """One (period, slice, measure): its bins in value order and cumulative counts."""

    def __init__(
        self, bins: np.ndarray, n: np.ndarray, total: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ):
        order = np.argsort(bins, kind="stable")
        self.bins, self.counts = bins[order], n[order]
        self.lo, self.hi = lo[order], hi[order]
        self.n = int(self.counts.sum())
        self.total = float(total.sum())
        self.cum = np.cumsum(self.counts)
        self.index = {int(b): i for i, b in enumerate(self.bins)}

    def bin_of(self, rank: int) -> tuple[int, int]:
        """(bin, rank within the bin) of the rank-th smallest value (0-based)."""
        i = int(np.searchsorted(self.cum, rank, side="right"))
        before = int(self.cum[i - 1]) if i else 0
        return int(self.bins[i]), rank - before

    def constant(self, b: int) -> float | None:
        """The value shared by every case of bin b when its min equals its max (e.g. the many
        zero business-hours responses outside opening hours), else None: no need to read it."""
        i = self.index[b]
        return float(self.lo[i]) if self.lo[i] == self.hi[i] else None

    def straddling(self, threshold: float) -> tuple[int, list[int]]:
        """(count of bins entirely <= threshold, bins with values on both sides)."""
        below = int(self.counts[self.hi <= threshold].sum())
        cut = self.bins[(self.lo <= threshold) & (self.hi > threshold)]
        return below, [int(b) for b in cut]


def _groups(hist: pd.DataFrame, keys: Sequence[str]) -> dict[tuple, _Group]:
    """(period, *slice, measure) -> its _Group, from the histogram rows."""
    if hist.empty:
        return {}
    key_cols = [hist[c].to_numpy(dtype=object) for c in [*keys, "measure"]]
    cols = {c: hist[c].to_numpy(dtype="float64") for c in ("bin", "n", "total", "lo", "hi")}
    rows: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(*key_cols, strict=True)):
        rows.setdefault(key, []).append(i)
    out = {}
    for key, idx in rows.items():
        ix = np.asarray(idx)
        out[key] = _Group(
            cols["bin"][ix].astype("int64"),
            cols["n"][ix].astype("int64"),
            cols["total"][ix],
            cols["lo"][ix],
            cols["hi"][ix],
        )
    return out


class _BinTable:
    """Every (period, slice, measure) group of the histogram rows at once, in arrays: the
    groups in order of first appearance (`keys`), their bins in value order one group after
    another, the running count over all of them; the same quantities as _Group, per group."""

    def __init__(self, hist: pd.DataFrame, keys: Sequence[str]):
        names = [*keys, "measure"]
        if hist.empty:
            code = np.zeros(0, dtype="int64")
        else:
            code = hist.groupby(names, sort=False, dropna=False).ngroup().to_numpy("int64")
        n_groups = int(code.max()) + 1 if len(code) else 0
        key_cols = [hist[c].to_numpy(dtype=object) for c in names]
        first = np.full(n_groups, len(code), dtype="int64")
        np.minimum.at(first, code, np.arange(len(code)))
        self.keys = [tuple(col[i] for col in key_cols) for i in first]
        bins = hist["bin"].to_numpy(dtype="float64").astype("int64")
        counts = hist["n"].to_numpy(dtype="float64").astype("int64")
        total = hist["total"].to_numpy(dtype="float64")
        # each group's total summed over its rows in their order, as _Group does
        by_group = np.argsort(code, kind="stable")
        edges = np.searchsorted(code[by_group], np.arange(n_groups + 1))
        ordered = total[by_group]
        self.total = [float(ordered[a:b].sum()) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        order = np.lexsort((bins, code))  # stable: by group, then bin
        self.group, self.bins, self.counts = code[order], bins[order], counts[order]
        self.lo = hist["lo"].to_numpy(dtype="float64")[order]
        self.hi = hist["hi"].to_numpy(dtype="float64")[order]
        self.start = edges[:-1]
        self.cum = np.cumsum(self.counts)
        end_cum = self.cum[edges[1:] - 1] if n_groups else np.zeros(0, dtype="int64")
        self.base = np.where(self.start > 0, self.cum[np.maximum(self.start - 1, 0)], 0)
        self.n = end_cum - self.base

    def order_ranks(self) -> list[tuple[np.ndarray, ...]]:
        """Per quantile of QUANTILES, per group: the floor and ceil of its position and the
        fraction between (_order_stats), then for the floor and for the ceil order statistic
        the row (bin) holding it and its rank inside that bin."""
        out: list[tuple[np.ndarray, ...]] = []
        for q in QUANTILES:
            h = (self.n - 1).astype("float64") * q
            lo, hi = np.floor(h).astype("int64"), np.ceil(h).astype("int64")
            out.append((lo, hi, h - lo, *self.row_of(lo), *self.row_of(hi)))
        return out

    def row_of(self, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, rank inside its bin) of each group's rank-th smallest value (0-based)."""
        at = np.searchsorted(self.cum, self.base + rank, side="right")
        before = np.where(at > 0, self.cum[np.maximum(at - 1, 0)], 0)
        return at, self.base + rank - before

    def needed_rows(self, ranks: list[tuple[np.ndarray, ...]]) -> list[int]:
        """The rows of the bins whose values an order statistic needs (all but constant bins)."""
        at = np.concatenate([r[i] for r in ranks for i in (3, 5)])
        at = at[self.lo[at] != self.hi[at]]
        return at.tolist()

    def constant(self, pos: int) -> float | None:
        """The value of every case of the bin at row pos when its min equals its max."""
        return float(self.lo[pos]) if self.lo[pos] == self.hi[pos] else None

    def straddling(self, threshold: float, measure: str) -> list[int]:
        """The rows of `measure`'s groups whose bins hold values on both sides of threshold."""
        of = np.array([k[-1] == measure for k in self.keys], dtype=bool)
        cut = (self.lo <= threshold) & (self.hi > threshold)
        if len(of):
            cut &= of[self.group]
        return np.flatnonzero(cut).tolist()

    def met(
        self, threshold: float, measure: str, cut: list[int], values: dict[tuple, np.ndarray]
    ) -> dict[tuple, tuple[int, int]]:
        """(period, *slice) -> (values <= threshold, values) of `measure`: the bins entirely at
        or below it counted, the values of the bins it falls inside read."""
        below = np.zeros(len(self.keys), dtype="int64")
        np.add.at(below, self.group, np.where(self.hi <= threshold, self.counts, 0))
        ok = below.tolist()
        for pos in cut:
            g = int(self.group[pos])
            got = values[(*self.keys[g], int(self.bins[pos]))]
            ok[g] += int(np.searchsorted(got, threshold, side="right"))
        return {
            key[:-1]: (ok[g], int(self.n[g]))
            for g, key in enumerate(self.keys)
            if key[-1] == measure
        }


def values_frame(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[period, *by, kpi, value, n, median, p90, mean] of time KPIs and the SLA (see module)."""
    keys = ["period", *by]
    wanted = {value_measure(k, config) for k in kpis}
    params: dict = {"measures": sorted(wanted)}
    hist = _model_query(
        con,
        config,
        "agg_case_values",
        "measure, bin, sum(n) as n, sum(total) as total, min(lo) as lo, max(hi) as hi",
        grain,
        by,
        start,
        end,
        filters,
        params,
        "measure in (select unnest($measures))",
    )
    table = _BinTable(hist, keys)
    sla = any(k.id == SLA_KPI for k in kpis)
    threshold = float(config.sla_first_response_s)
    frt = frt_column(config)
    ranks = table.order_ranks()
    need: dict[tuple, set[int]] = {}
    for pos in table.needed_rows(ranks):
        need.setdefault(table.keys[table.group[pos]], set()).add(int(table.bins[pos]))
    counted = sla and not config.sla_rules
    cut = table.straddling(threshold, frt) if counted else []
    for pos in cut:
        need.setdefault(table.keys[table.group[pos]], set()).add(int(table.bins[pos]))
    values = _bin_values(con, config, need, grain, by, start, end, filters)

    def stat(g: int, pos: int, rank: int) -> float:
        same = table.constant(pos)
        if same is not None:
            return same
        return float(values[(*table.keys[g], int(table.bins[pos]))][rank])

    rows = []
    columns = [[c.tolist() for c in r] for r in ranks]
    for g, key in enumerate(table.keys):
        qs = []
        for lo, hi, d, at_lo, in_lo, at_hi, in_hi in columns:
            x_lo = stat(g, at_lo[g], in_lo[g])
            if lo[g] == hi[g]:
                qs.append(x_lo)
            else:
                qs.append(x_lo + d[g] * (stat(g, at_hi[g], in_hi[g]) - x_lo))
        n = int(table.n[g])
        rows.append((*key, n, *qs, table.total[g] / n))
    stats = pd.DataFrame(rows, columns=[*keys, "measure", "n", "median", "p90", "mean"])
    frames = []
    for k in kpis:
        if k.id == SLA_KPI:
            met = table.met(threshold, frt, cut, values) if counted else None
            frames.append(_sla_frame(con, config, met, grain, by, start, end, filters))
            continue
        m = value_measure(k, config)
        part = stats[stats["measure"] == m].drop(columns="measure").copy()
        part["kpi"] = k.id
        expr = k.value.format(frt=frt)
        part["value"] = (
            part["mean"]
            if expr.startswith("avg(")
            else part["p90"]
            if ", 0.9)" in expr
            else part["median"]
        )
        frames.append(part)
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=[*keys, "kpi", "value", "n"])
    out = pd.concat(frames, ignore_index=True)
    for dim in by:
        out[dim] = out[dim].where(out[dim] != NULL, None)
    return out


def _bin_values(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    need: dict[tuple, set[int]],
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple, np.ndarray]:
    """(period, *slice, measure, bin) -> the bin's values sorted, for the bins in `need`."""
    if not need:
        return {}
    params: dict = {
        "measures": sorted({k[-1] for k in need}),
        "bins": sorted({b for bins in need.values() for b in bins}),
        "keys": sorted(_bin_key(key, b) for key, bins in need.items() for b in bins),
    }
    # only the (period, slice, measure, bin) asked for: the bins of one group are not read for
    # every other group (at 10M by brand x channel, a tenth of the rows of reading every group's
    # union of bins); the key is the same text built on both sides (NULL as its placeholder)
    parts = [day_period_sql(grain), *(f"coalesce({COLUMNS[d]}, $null)" for d in by)]
    key_sql = f"concat_ws($sep, {', '.join(parts)}, measure, bin::varchar)"
    frame = _model_query(
        con,
        config,
        "agg_case_values",
        "measure, bin, flatten(list(vals)) as vals",
        grain,
        by,
        start,
        end,
        filters,
        {**params, "sep": KEY_SEP, **({"null": NULL} if by else {})},
        "measure in (select unnest($measures)) and bin in (select unnest($bins)) "
        f"and {key_sql} in (select unnest($keys))",
    )
    out = {}
    for row in frame.itertuples(index=False):
        key = tuple(row[:-1])
        if key[-1] in need.get(key[:-1], ()):
            out[key] = np.sort(np.asarray(row[-1], dtype="float64"))
    return out


def _bin_key(key: tuple, b: int) -> str:
    """The text of (period, *slice, measure) and bin that _bin_values matches in SQL."""
    return KEY_SEP.join([*(str(x) for x in key), str(int(b))])


def _sla_frame(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    met: dict[tuple, tuple[int, int]] | None,
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """sla_met_rate: answered within the SLA / (answered + abandoned + waiting past the SLA)."""
    keys = ["period", *by]
    frt = frt_column(config)
    threshold = float(config.sla_first_response_s)
    suffix = "_created" if frt == "frt_created_s" else ""
    params: dict = {}
    outcomes = _model_query(
        con,
        config,
        "agg_case_outcomes_daily",
        f"sum(abandoned{suffix}) as abandoned, sum(waiting{suffix}) as waiting",
        grain,
        by,
        start,
        end,
        filters,
        params,
    )
    recent = _recent_waiting(con, config, grain, by, start, end, filters, threshold)
    table = (
        outcomes.merge(recent, on=keys, how="outer")
        if not recent.empty
        else outcomes.assign(recent=0)
    )
    if met is None:  # [sla.channel / brand] rules: each slice against its own SLA
        met = _met_per_slice(con, config, grain, by, start, end, filters)
    rows = []
    for r in table.itertuples(index=False):
        key = tuple(r[: len(keys)])
        answered_ok, answered = met.get(key, (0, 0))
        late = _count(r.waiting) - _count(r.recent)
        n = answered + _count(r.abandoned) + late
        rows.append((*key, SLA_KPI, answered_ok / n if n else float("nan"), n))
    return pd.DataFrame(rows, columns=[*keys, "kpi", "value", "n"])


def _met_per_slice(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple, tuple[int, int]]:
    """(period, *slice) -> (answered within their own SLA, answered) under [sla.channel / brand]
    rules: the bins are read per channel and brand, each against its slice's SLA, then summed."""
    fine = [*by, *(d for d in VALUE_DIMS if d not in by)]
    frt = frt_column(config)
    params: dict = {"measures": [frt]}
    hist = _model_query(
        con,
        config,
        "agg_case_values",
        "measure, bin, sum(n) as n, sum(total) as total, min(lo) as lo, max(hi) as hi",
        grain,
        fine,
        start,
        end,
        filters,
        params,
        "measure in (select unnest($measures))",
    )
    groups = _groups(hist, ["period", *fine])

    def threshold(key: tuple) -> float:
        fixed = {d: v for d, v in zip(fine, key[1:-1], strict=True) if v != NULL}
        scope = tuple((d, fixed[d]) for d in ("brand", "channel") if d in fixed)
        return float(sla_of(config, scope))

    need = {key: set(g.straddling(threshold(key))[1]) for key, g in groups.items()}
    values = _bin_values(
        con, config, {k: v for k, v in need.items() if v}, grain, fine, start, end, filters
    )
    out: dict[tuple, tuple[int, int]] = {}
    for key, g in groups.items():
        below, cut = g.straddling(threshold(key))
        ok = below + sum(
            int(np.searchsorted(values[(*key, b)], threshold(key), side="right")) for b in cut
        )
        coarse = key[: 1 + len(by)]
        prev = out.get(coarse, (0, 0))
        out[coarse] = (prev[0] + ok, prev[1] + g.n)
    return out


def _count(x) -> int:
    """A summed count as int (a sum over no rows is NULL: 0)."""
    return 0 if x is None or pd.isna(x) else int(x)


def _recent_waiting(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    threshold: float,
) -> pd.DataFrame:
    """Cases still waiting for a first response whose SLA had not passed at as-of time (measured
    from the start of the configured clock: the first customer message or the case's creation)."""
    keys = ["period", *by]
    now = as_of(con)
    if now is None:
        return pd.DataFrame(columns=[*keys, "recent"])
    frt = frt_column(config)
    params: dict = {"cut": (now - pd.Timedelta(seconds=threshold)).to_pydatetime()}
    inside = f"{clock_start_column(config)} >= $cut"
    if config.sla_rules:  # each case's own SLA: still inside it at as-of
        params.update(now=now.to_pydatetime(), sla_s=float(config.sla_first_response_s))
        sla, bound = sla_sql(config)
        params.update(bound)
        inside = f"epoch({clock_start_column(config)}) >= epoch($now) - {sla}"
        del params["cut"]
    clauses = [
        f"{frt} is null",
        "not answered",
        "status <> 'abandoned'",
        inside,
        "not coalesce(contains(dq_flags, 'opened_at_inferred'), false)",
    ]  # an unknown opening: its wait is unknown
    lo, hi = utc_bounds(config.display_timezone, start, end)
    if lo is not None:
        params["t_lo"] = lo
        clauses.append("opened_at >= $t_lo")
    if hi is not None:
        params["t_hi"] = hi
        clauses.append("opened_at < $t_hi")
    dims = "".join(f", {COLUMNS[d]} as {d}" for d in by)
    model_where, where_params = model_where_sql(filters)
    sql = (
        f"select {day_period_sql(grain)} as period{dims}, count(*) as recent from "
        f"(select *, floor(epoch(opened_at) / 86400)::bigint as utc_day from fct_cases "
        f"where {' and '.join(clauses)}) src where {model_where} group by all"
    )
    return _fill(con.execute(sql, {**params, **where_params}).df(), by)
