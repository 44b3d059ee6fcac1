"""The daily report: the day's scorecard (red KPIs first, each with its one-paragraph reason
from the shortfall analysis), the backlog now, the incidents of the last week with their
summaries, and links back to the dashboard's views."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.data import effective_range, open_warehouse
from scorecard.kpis.scoring import scorecard
from scorecard.operations.backlog import BacklogResult, backlog
from scorecard.periods import day_range
from scorecard.reports.kept import kept, kept_dir
from scorecard.reports.render import generated_at, render_html
from scorecard.reports.svg import grouped_bars
from scorecard.rootcause.change_text import duration_text
from scorecard.rootcause.shortfall_text import level_text

STATUS_ORDER = {"red": 0, "amber": 1, "green": 2}
INCIDENT_DAYS = 7  # incidents whose window reaches into the last week of the day
SCAN_DAYS = 28  # history the incident scan reads before the day


@dataclass(frozen=True)
class KpiLine:
    """One KPI of the day as the report prints it."""

    kpi: str
    label: str
    perspective: str
    status: str
    value: str
    target: str
    n: int
    reason: str  # red: the shortfall paragraph; n/a: why; a 0 that means something else: what
    link: str


@dataclass(frozen=True)
class DailyReport:
    """Everything the daily report shows, for one day of the display timezone."""

    day: str | None
    timezone: str
    currency: str
    base_url: str
    kpis: tuple[KpiLine, ...]
    backlog: BacklogResult
    incidents: tuple[dict, ...]
    notes: tuple[str, ...] = ()

    @property
    def red(self) -> tuple[KpiLine, ...]:
        """The red KPIs (the report's first section)."""
        return tuple(k for k in self.kpis if k.status == "red")

    def html(self) -> str:
        """Self-contained HTML (the chart is inline SVG)."""
        return render_html(
            "daily.html",
            r=self,
            backlog_rows=backlog_rows(self.backlog),
            backlog_chart=backlog_chart(self.backlog),
            links=self.links(),
            generated=generated_at(self.timezone),
        )

    def links(self) -> dict[str, str]:
        """The dashboard views the report points to."""
        day = {"day": self.day} if self.day else {}
        return {
            "scorecard": link(self.base_url, "/", day),
            "backlog": link(self.base_url, "/", day),
            "trends": link(self.base_url, "/trends", {}),
            "conversations": link(self.base_url, "/conversations", {}),
            "health": link(self.base_url, "/health", {}),
        }


def link(base_url: str, path: str, query: dict) -> str:
    """A dashboard address: base, path and the query string of its filters."""
    q = urlencode({k: v for k, v in query.items() if v is not None})
    return f"{base_url}{path}" + (f"?{q}" if q else "")


def report_day(con: duckdb.DuckDBPyConnection, config: Config, day: str | None) -> str | None:
    """The asked day (checked), else the data's latest day in the display timezone."""
    if day:
        return day_range(day, day, ("--day", "--day"))[0]
    return effective_range(con, config, None, None)[1]


def kpi_lines(con: duckdb.DuckDBPyConnection, config: Config, day: str) -> list[KpiLine]:
    """Every KPI of the day, red first (with its reason), then amber, green and n/a; kept per
    snapshot (scorecard/reports/kept.py) as the red reasons inside it are."""

    def compute() -> list[dict]:
        return [asdict(k) for k in computed_kpi_lines(con, config, day)]

    return [KpiLine(**k) for k in kept(con, config, "kpi_lines", [day], compute)]


def computed_kpi_lines(con: duckdb.DuckDBPyConnection, config: Config, day: str) -> list[KpiLine]:
    """`kpi_lines` computed: the day's scorecard and the red KPIs' (kept) reasons."""
    result = scorecard(con, config, day, day)
    lines = []
    for v in result.kpis:
        kpi = kpi_by_id(v.kpi)
        # a 0 that is not what it seems says so, as on the tile
        reason = "; ".join(filter(None, [v.reason, kpi.zero_note(v.value)]))
        query = {"day": day, "kpi": v.kpi}
        if v.status == "red":
            reason = red_reason(con, config, v.kpi, day)
            query = {"kpi": v.kpi, "day": day, "mode": "target"}
        lines.append(
            KpiLine(
                v.kpi,
                kpi.label,
                kpi.perspective,
                v.status,
                level_text(kpi, v.value, config),
                "–" if v.target is None else level_text(kpi, v.target, config),
                int(v.n),
                reason,
                link(config.report_base_url, "/rootcause" if v.status == "red" else "/", query),
            )
        )
    return sorted(lines, key=lambda k: STATUS_ORDER.get(k.status, 3))


def red_reason(con: duckdb.DuckDBPyConnection, config: Config, kpi: str, day: str) -> str:
    """The shortfall paragraph of a red KPI on the day (root cause, without topic terms), kept
    per snapshot (scorecard/reports/kept.py)."""

    def compute() -> str:
        from scorecard.rootcause.shortfall import explain_shortfall  # only when not kept

        try:
            return explain_shortfall(con, config, kpi, f"{day}..{day}", with_terms=False).summary
        except ValueError as e:
            return f"No breakdown: {e}"

    return kept(con, config, "red_reason", [kpi, day], compute)


def recent_incidents(con: duckdb.DuckDBPyConnection, config: Config, day: str) -> tuple[dict, ...]:
    """Incidents of the incident scan whose window ends in the last INCIDENT_DAYS days, severity
    first, as `socialcare anomalies --format json` gives them (the scan kept per snapshot)."""
    first = (date.fromisoformat(day) - timedelta(days=SCAN_DAYS - 1)).isoformat()
    since = (date.fromisoformat(day) - timedelta(days=INCIDENT_DAYS - 1)).isoformat()

    def scan() -> list[dict]:  # the scan (and scipy's import) only when not kept
        from scorecard.anomalies.find import find_anomalies

        return find_anomalies(con, config, first, day).to_json()["incidents"]

    found = kept(con, config, "incidents", [first, day], scan)
    return tuple(i for i in found if str(i.get("end") or i.get("date") or "") >= since)


def report_backlog(con: duckdb.DuckDBPyConnection, config: Config) -> BacklogResult:
    """The backlog at the data's latest time as the report prints it: as of, horizon, the total
    and groups, stale count and notes, kept per snapshot; its list of cases is left empty (the
    report prints none, and at 10M it is the costly part to keep)."""

    def compute() -> dict:
        b = backlog(con, config)
        return {
            "as_of": None if b.as_of is None else b.as_of.isoformat(),
            "horizon_days": b.horizon_days,
            "columns": list(b.groups.columns),
            "groups": b.groups.to_dict("records"),
            "case_columns": list(b.cases.columns),
            "stale": int(b.stale),
            "notes": list(b.notes),
        }

    d = kept(con, config, "backlog", [], compute)
    return BacklogResult(
        None if d["as_of"] is None else pd.Timestamp(d["as_of"]),
        d["horizon_days"],
        pd.DataFrame(d["groups"], columns=d["columns"]),
        pd.DataFrame(columns=d["case_columns"]),
        d["stale"],
        tuple(d["notes"]),
    )


def daily_report(
    con: duckdb.DuckDBPyConnection, config: Config, day: str | None = None
) -> DailyReport:
    """The daily report of `day` (default: the data's latest day)."""
    day = report_day(con, config, day)
    now = report_backlog(con, config)
    if day is None:
        return DailyReport(
            None,
            config.display_timezone,
            config.currency,
            config.report_base_url,
            (),
            now,
            (),
            ("No cases in the warehouse yet.",),
        )
    lines, incidents = lines_and_incidents(con, config, day)
    return DailyReport(
        day,
        config.display_timezone,
        config.currency,
        config.report_base_url,
        lines,
        now,
        incidents,
        now.notes,
    )


def lines_and_incidents(
    con: duckdb.DuckDBPyConnection, config: Config, day: str
) -> tuple[tuple[KpiLine, ...], tuple[dict, ...]]:
    """The day's KPI lines and the recent incidents, the incident scan on its own cursor beside
    the scorecard and the red KPIs' reasons (both kept per snapshot)."""
    with ThreadPoolExecutor(1) as pool:
        incidents = pool.submit(recent_incidents, con.cursor(), config, day)
        lines = tuple(kpi_lines(con, config, day))
        return lines, incidents.result()


@dataclass(frozen=True)
class PreparedDaily:
    """What a load kept for the next daily report of the data's latest day."""

    day: str | None
    red: int  # red KPIs, each with its reason kept
    incidents: int  # incidents of the last week in the kept scan
    seconds: float

    def summary(self) -> str:
        """One line for the load's output."""
        if self.day is None:
            return "daily report: no cases yet, nothing to prepare."
        return (
            f"daily report of {self.day} prepared in {self.seconds:.1f} s: the incident scan "
            f"({_count(self.incidents, 'incident')} in the last week), the scorecard with the "
            f"reasons of {_count(self.red, 'red KPI')} and the backlog kept."
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def prepared_daily(con: duckdb.DuckDBPyConnection, config: Config) -> PreparedDaily:
    """Compute and keep (scorecard/reports/kept.py) what the daily report of the data's latest
    day computes: the incident scan, the scorecard with each red KPI's reason, and the backlog.
    A load runs this after it publishes, so the first report of the new snapshot reads them."""
    started = time.perf_counter()
    day = report_day(con, config, None)
    if day is None:
        return PreparedDaily(None, 0, 0, time.perf_counter() - started)
    lines, incidents = lines_and_incidents(con, config, day)
    report_backlog(con, config)
    red = sum(k.status == "red" for k in lines)
    return PreparedDaily(day, red, len(incidents), time.perf_counter() - started)


def prepare_after_publish(db: Path, config: Config) -> PreparedDaily | None:
    """After a load or another publish: `prepared_daily` on the new snapshot when the daily report
    of this warehouse has been made before (its kept folder exists and can be written), else None
    (nothing done: a warehouse nobody reports on pays nothing)."""
    folder = kept_dir(db)
    if not folder.is_dir() or not os.access(folder, os.W_OK) or not db.exists():
        return None  # nobody reports here, or nothing could be kept
    con = open_warehouse(db)
    try:
        return prepared_daily(con, config)
    finally:
        con.close()


def _age(v) -> str:
    return "–" if v is None or pd.isna(v) else duration_text(float(v))


def backlog_rows(result: BacklogResult) -> list[dict]:
    """The backlog table: the total, then per channel, brand and team, ages as durations."""
    if result.groups.empty:
        return []
    rows = []
    for r in result.groups.to_dict("records"):
        rows.append(
            {
                "label": "all cases"
                if r["dimension"] == "all"
                else f"{r['dimension']}: {r['segment']}",
                "open": int(r["open"]),
                "waiting": int(r["waiting"]),
                "median": _age(r["median_age_s"]),
                "p90": _age(r["p90_age_s"]),
                "oldest": _age(r["oldest_age_s"]),
                "breached": int(r["breached"]),
                "due_1h": int(r["due_1h"]),
                "total": r["dimension"] == "all",
            }
        )
    return rows


def backlog_chart(result: BacklogResult) -> str:
    """Open, waiting and breached cases per channel (inline SVG), or '' without a backlog."""
    g = (
        result.groups[result.groups["dimension"] == "channel"]
        if not result.groups.empty
        else result.groups
    )
    if g.empty:
        return ""
    return grouped_bars(
        list(g["segment"].astype(str)),
        [
            (name, [float(v) for v in g[col]])
            for col, name in (
                ("open", "open"),
                ("waiting", "waiting for a first response"),
                ("breached", "SLA breached"),
            )
        ],
        "Backlog now by channel",
        "cases",
        decimals=0,
    )


def summary_text(report: DailyReport) -> str:
    """The plain-text body of the e-mail: the red KPIs and the backlog total in a few lines."""
    total = report.backlog.total
    lines = [f"Daily report {report.day or ''}: {len(report.red)} red of {len(report.kpis)} KPIs."]
    lines += [f"- {k.label}: {k.value} (target {k.target})" for k in report.red]
    if report.backlog.as_of is not None:
        lines.append(
            f"Backlog: {total['open']:,} open, {total['waiting']:,} waiting, {total['breached']:,} breached SLA."
        )
    lines.append(
        f"Incidents in the last week: {len(report.incidents)}. The full report is attached as PDF."
    )
    return "\n".join(lines)


def email_report(config: Config, report: DailyReport, html: str, to: list[str]) -> list[str]:
    """Send the report through [smtp]: the HTML as the body, the PDF attached; a bad address or
    an unreachable server is a one-sentence error."""
    from scorecard.alerts.delivery import DeliveryError, send_mail
    from scorecard.reports.render import pdf_bytes

    bad = [a for a in to if "@" not in a]
    if bad or not to:
        raise ValueError(
            f"--email-to {', '.join(bad) or '(empty)'} is not an e-mail address; give addresses like ops@example.com."
        )
    try:
        send_mail(
            config.smtp,
            to,
            f"socialcare daily report {report.day or ''}".strip(),
            summary_text(report),
            html,
            [(f"socialcare-daily-{report.day or 'empty'}.pdf", pdf_bytes(html), "application/pdf")],
        )
    except DeliveryError as e:
        raise ValueError(str(e)) from None
    return to
