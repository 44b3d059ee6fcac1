"""The `socialcare` command: a thin layer over etl/, warehouse/ and scorecard/."""

from __future__ import annotations

import functools
import json
import sys
import textwrap
from pathlib import Path

import click
import duckdb

from etl.settings.config import ConfigError, load_config
from etl.sources.io import SourceError
from etl.sources.registry import KINDS
from warehouse.db import WarehouseError, db_path

USER_ERRORS = (ConfigError, SourceError, WarehouseError, ValueError, FileNotFoundError)
FORMATS = ("table", "json", "csv")


def json_text(payload) -> str:
    """The CLI's JSON: indented, floats through readable_numbers, other types as text."""
    from scorecard.export import readable_numbers

    return json.dumps(readable_numbers(payload), indent=2, default=str)


def _common(fn):
    """--db and --config on every command (they may also be given before the command)."""

    @click.option(
        "--db",
        "db_opt",
        default=None,
        help="Warehouse file (else $SOCIALCARE_DB, else ./socialcare.duckdb).",
    )
    @click.option(
        "--config",
        "config_opt",
        default=None,
        help="Config TOML (else $SOCIALCARE_CONFIG, else ./socialcare.toml).",
    )
    @click.pass_context
    @functools.wraps(fn)
    def wrapper(ctx, db_opt, config_opt, **kwargs):
        obj = ctx.find_root().obj or {}
        try:
            ctx.obj = {
                "db": db_path(db_opt or obj.get("db")),
                "config": load_config(config_opt or obj.get("config")),
            }
            if "start" in kwargs and "end" in kwargs:  # one date check for every command
                kwargs["start"], kwargs["end"] = _dates(kwargs["start"], kwargs["end"])
            return ctx.invoke(fn, ctx, **kwargs)
        except USER_ERRORS as e:
            why = (
                None
                if isinstance(e, WarehouseError)
                else _environment_failure(e, (ctx.obj or {}).get("db"))
            )
            if why is not None:  # our own warehouse errors are worded already
                raise click.ClickException(why) from None
            raise click.ClickException(_sentence(e)) from None
        except (OSError, MemoryError, duckdb.Error) as e:
            why = _environment_failure(e, (ctx.obj or {}).get("db"))
            if why is None:
                raise
            raise click.ClickException(why) from None

    return wrapper


_NO_SPACE = ("no space left", "disk full", "disk quota")
_NO_MEMORY = (
    "out of memory",
    "cannot allocate",
    "memoryerror",
    "failed to allocate",
    "not enough memory",  # DuckDB compressing a block under a cap: "ZSTD Compression failed: ..."
    "bad_alloc",
)
_NO_ACCESS = ("permission denied", "read-only file system", "operation not permitted")


def _environment_failure(e: BaseException, db: Path | None) -> str | None:
    """One sentence for a failure of the machine rather than the input (disk full, out of
    memory, no permission), naming where and what to do; None for anything else."""
    import errno

    text = f"{type(e).__name__}: {e}".lower()
    where = getattr(e, "filename", None) or db or "the warehouse folder"
    code = getattr(e, "errno", None)
    unchanged = "the warehouse is unchanged"
    if code in (errno.ENOSPC, errno.EDQUOT) or any(k in text for k in _NO_SPACE):
        return (
            f"the disk holding {where} is full; free space there (or point --db and TMPDIR at a "
            f"disk with room) and run the command again: {unchanged}."
        )
    if isinstance(e, MemoryError) or code == errno.ENOMEM or any(k in text for k in _NO_MEMORY):
        return (
            f"the machine ran out of memory while working on {where}; close other programs "
            f"or load the file in parts, and run the command again: {unchanged}."
        )
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or any(k in text for k in _NO_ACCESS):
        return (
            f"no permission to write {where}; run as a user who may write there or point "
            f"--db at a writable folder: {unchanged}."
        )
    return None


def _sentence(e: Exception) -> str:
    text = str(e).strip() or e.__class__.__name__
    return text if text.endswith(".") else text + "."


def _csv_list(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _echo_frame(frame, fmt: str, payload: dict | None = None) -> None:
    import pandas as pd

    if fmt == "json":
        click.echo(json_text(payload if payload is not None else frame.to_dict("records")))
    elif fmt == "csv":
        from scorecard.export import neutralised, readable_frame

        click.echo(readable_frame(neutralised(frame)).to_csv(index=False), nl=False)
    else:
        with pd.option_context(
            "display.max_rows", None, "display.width", 200, "display.max_columns", None
        ):
            click.echo(frame.to_string(index=False) if not frame.empty else "(no rows)")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db", default=None, help="Warehouse file (else $SOCIALCARE_DB, else ./socialcare.duckdb)."
)
@click.option(
    "--config", default=None, help="Config TOML (else $SOCIALCARE_CONFIG, else ./socialcare.toml)."
)
@click.version_option(package_name="socialcare", prog_name="socialcare")
@click.pass_context
def main(ctx, db, config):
    """socialcare: social customer care analytics beside phone, e-mail and chat."""
    ctx.obj = {"db": db, "config": config}


@main.command("load")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("source")
@click.option("--mapping", default=None, help="TOML mapping for csv and sql sources.")
@click.option(
    "--brand-handles",
    default=None,
    help="Comma-separated brand handles customers @mention (AmazonHelp,AppleSupport); remembered.",
)
@_common
def load_cmd(ctx, kind, source, mapping, brand_handles):
    """Load a source file (or SQL source) into the warehouse, all or nothing."""
    from dataclasses import replace

    from etl.settings.config import brand_handles as handles
    from warehouse.isolated import load_in_child

    config = ctx.obj["config"]
    if (
        kind == "identities"
    ):  # links of one customer's ids across channels (etl/sources/identities.py)
        from warehouse.identities import load_identities

        result = load_identities(source, ctx.obj["db"], config, mapping)
        click.echo(
            "\n".join(
                [result.summary(), *(f"  {n}" for n in result.notes if result.status == "loaded")]
            )
        )
        return
    if brand_handles:
        given = handles(_csv_list(brand_handles), "--brand-handles")
        config = replace(
            config, brand_handles=handles([*config.brand_handles, *given], "--brand-handles")
        )
    result = load_in_child(kind, source, ctx.obj["db"], config, mapping)
    click.echo(result.summary())
    if config.alerts and result.status == "loaded":  # each load evaluates the subscriptions
        run_alerts_now(ctx.obj["db"], config)
    if result.status == "loaded":  # after the alerts: a delivered alert publishes its state
        prepare_reports_now(ctx.obj["db"], ctx.obj["config"])


@main.command("generate")
@click.option("--out", default="generated", show_default=True, help="Output folder.")
@click.option("--interactions", default=4000, show_default=True, type=int)
@click.option("--days", default=90, show_default=True, type=int)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--brands", default=None, help="Comma-separated brand handles.")
@_common
def generate_cmd(ctx, out, interactions, days, seed, brands):
    """Write calibrated sample data in the real source formats, with injected incidents."""
    from sample_data.generator import generate

    result = generate(
        Path(out), interactions=interactions, days=days, seed=seed, brands=_csv_list(brands) or None
    )
    click.echo(f"wrote {out}: {json.dumps(result.counts)}")


@main.command("scorecard")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD, display timezone).")
@click.option("--to", "end", default=None, help="Last day (YYYY-MM-DD, inclusive).")
@click.option(
    "--grain",
    type=click.Choice(["day", "week", "month", "total"]),
    default="total",
    show_default=True,
)
@click.option(
    "--by", default=None, help="Comma-separated: channel,brand,category,agent,team,language."
)
@click.option("--channel", default=None, help="Only these channels (comma-separated).")
@click.option("--brand", default=None, help="Only these brands (comma-separated).")
@click.option("--category", default=None, help="Only these issue categories (comma-separated).")
@click.option("--agent", default=None, help="Only these agents (comma-separated).")
@click.option("--team", default=None, help="Only these teams (comma-separated).")
@click.option(
    "--language",
    default=None,
    help="Only these languages (ISO 639-1 codes, comma-separated; e.g. en,es).",
)
@click.option("--kpi", default=None, help="Only these KPI ids (comma-separated).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@_common
def scorecard_cmd(
    ctx, start, end, grain, by, channel, brand, category, agent, team, language, kpi, fmt
):
    """Balanced Scorecard for any period, grain, slice and filter."""
    from scorecard.kpis.data import open_warehouse
    from scorecard.kpis.scoring import scorecard

    con = open_warehouse(ctx.obj["db"])
    filters = {
        "channel": _csv_list(channel),
        "brand": _csv_list(brand),
        "category": _csv_list(category),
        "agent": _csv_list(agent),
        "team": _csv_list(team),
        "language": _csv_list(language),
    }
    result = scorecard(
        con, ctx.obj["config"], start, end, grain, _csv_list(by), filters, _csv_list(kpi) or None
    )
    outside = _range_outside_data(con, ctx.obj["config"], *_dates(start, end))
    if outside:
        click.echo(f"note: {outside}", err=True)
    frame = result.export_frame()  # flat: unit, reason and note; per-channel values in json
    if fmt == "table":
        from scorecard.terminal import scorecard_table, wrapped

        click.echo(scorecard_table(frame.to_dict("records"), result.by))
        click.echo(wrapped(result.summary()))
        return
    _echo_frame(frame, fmt, result.to_json())


@main.command("customer")
@click.argument("term")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_common
def customer_cmd(ctx, term, fmt):
    """One customer's cases on every channel in time order (by handle, id, key, e-mail or phone)."""
    from scorecard.cases.customer import customer_timeline
    from scorecard.kpis.data import open_warehouse

    con = open_warehouse(ctx.obj["db"])
    try:
        result = customer_timeline(con, ctx.obj["config"], term)
    finally:
        con.close()
    if not result.found:
        raise click.ClickException(result.summary())
    if fmt == "json":
        click.echo(json_text(result.to_json()))
        return
    from scorecard.terminal import customer_table, wrapped

    click.echo(wrapped(result.summary()))
    click.echo(customer_table(result.to_frame(), ctx.obj["config"].display_timezone))


@main.command("coverage")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD, display timezone).")
@click.option("--to", "end", default=None, help="Last day (YYYY-MM-DD, inclusive).")
@click.option("--channel", default=None, help="Only these channels (comma-separated).")
@click.option("--brand", default=None, help="Only these brands (comma-separated).")
@click.option("--language", default=None, help="Only these languages (ISO 639-1, comma-separated).")
@click.option(
    "--extend", default=None, help="What-if: staff one more weekly window, e.g. 'sat 17:00-20:00'."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_common
def coverage_cmd(ctx, start, end, channel, brand, language, extend, fmt):
    """Demand by hour of week against the staffed hours of [business_hours], and a what-if."""
    from scorecard.kpis.data import open_warehouse
    from scorecard.operations.data_staffing import coverage_cases
    from scorecard.operations.staffing import coverage, parsed_window

    window = parsed_window(extend) if extend else None
    con = open_warehouse(ctx.obj["db"])
    filters = {
        "channel": _csv_list(channel),
        "brand": _csv_list(brand),
        "language": _csv_list(language),
    }
    try:
        result = coverage(
            coverage_cases(con, ctx.obj["config"], start, end, filters),
            ctx.obj["config"],
            start,
            end,
            window,
        )
    finally:
        con.close()
    if fmt == "json":
        click.echo(json_text(result.to_json()))
        return
    from scorecard.terminal import coverage_tables, wrapped

    click.echo(wrapped(result.summary()))
    click.echo(coverage_tables(result.to_frame(), result.by_language))


@main.command("opportunities")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD, display timezone).")
@click.option("--to", "end", default=None, help="Last day (YYYY-MM-DD, inclusive).")
@click.option("--brand", default=None, help="Only these brands (comma-separated).")
@click.option(
    "--kind", default=None, help="Only these kinds: competitor,purchase_intent,stock_out."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@_common
def opportunities_cmd(ctx, start, end, brand, kind, fmt):
    """Customer messages naming a competitor, showing purchase intent or a stock-out, and
    whether the brand answered them within the SLA."""
    from etl.text.opportunities import KINDS
    from scorecard.cases.opportunities import opportunity_queue
    from scorecard.kpis.data import open_warehouse

    kinds = _csv_list(kind)
    if unknown := [k for k in kinds if k not in KINDS]:
        raise click.UsageError(f"--kind {unknown[0]!r} is not a kind; use {', '.join(KINDS)}.")
    con = open_warehouse(ctx.obj["db"])
    try:
        result = opportunity_queue(
            con, ctx.obj["config"], start, end, {"brand": _csv_list(brand)}, kinds
        )
    finally:
        con.close()
    if fmt == "table":
        from scorecard.terminal import opportunities_table, wrapped

        click.echo(wrapped(result.summary()))
        click.echo(opportunities_table(result.to_frame(), ctx.obj["config"].display_timezone))
        return
    _echo_frame(result.to_frame(), fmt, result.to_json())


@main.command("backlog")
@click.option(
    "--horizon-days",
    type=float,
    default=None,
    help="Count unresolved cases opened within this many days (else [backlog] horizon_days, 7).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_common
def backlog_cmd(ctx, horizon_days, fmt):
    """What is open and waiting at the data's latest time, how long, and what breaches its SLA."""
    from scorecard.kpis.data import open_warehouse
    from scorecard.operations.backlog import backlog

    result = backlog(open_warehouse(ctx.obj["db"]), ctx.obj["config"], horizon_days)
    if fmt == "json":
        click.echo(json_text(result.to_json()))
        return
    click.echo(backlog_table(result))


def backlog_table(result) -> str:
    """The backlog as people read it in a terminal (durations, no NaN), under 100 columns."""
    from scorecard.rootcause.change_text import duration_text

    if result.as_of is None:
        return "No cases in the warehouse yet."
    lines = [
        f"Backlog at {result.as_of:%Y-%m-%d %H:%M} UTC (cases opened in the last {result.horizon_days:g} days)",
        f"{'':<22}{'open':>7}{'waiting':>9}{'median wait':>13}{'p90 wait':>12}{'oldest':>12}"
        f"{'breached':>10}{'due 1 h':>9}",
    ]
    for r in result.groups.to_dict("records"):
        label = "all" if r["dimension"] == "all" else f"{r['dimension']} {r['segment']}"
        ages = [
            duration_text(r[k]) if r[k] is not None and r[k] == r[k] else "–"
            for k in ("median_age_s", "p90_age_s", "oldest_age_s")
        ]
        lines.append(
            f"{label[:22]:<22}{r['open']:>7,}{r['waiting']:>9,}{ages[0]:>13}{ages[1]:>12}"
            f"{ages[2]:>12}{r['breached']:>10,}{r['due_1h']:>9,}"
        )
    for note in result.notes:
        lines += textwrap.wrap(note, 100, initial_indent="note: ", subsequent_indent="      ")
    return "\n".join(lines)


@main.group("alerts")
def alerts_group():
    """Alert subscriptions ([[alerts]] in the configuration)."""


@alerts_group.command("run")
@click.option(
    "--day",
    default=None,
    help="Evaluate this local day (YYYY-MM-DD; default the latest with data).",
)
@click.option("--dry-run", is_flag=True, help="Evaluate and print, send nothing, store nothing.")
@_common
def alerts_run_cmd(ctx, day, dry_run):
    """Evaluate every alert; send what starts firing or clears. Exit 0 when nothing fires, 3 when
    an alert is firing, 1 when a message could not be delivered."""
    code = run_alerts_now(ctx.obj["db"], ctx.obj["config"], day, dry_run)
    if not dry_run:  # a delivered alert published its state: a new snapshot to prepare
        prepare_reports_now(ctx.obj["db"], ctx.obj["config"])
    ctx.exit(code)


def run_alerts_now(db: Path, config, day: str | None = None, dry_run: bool = False) -> int:
    """Run the alerts against the published warehouse, store what was delivered; the exit code."""
    from scorecard.alerts.data_alerts import record_alert_state
    from scorecard.alerts.evaluate import run_alerts
    from scorecard.kpis.data import open_warehouse

    if day is not None:
        _dates(day, day)
    if not config.alerts:
        click.echo("alerts: none configured ([[alerts]] in socialcare.toml).")
        return 0
    con = open_warehouse(db)
    try:
        result = run_alerts(con, config, day, send=not dry_run)
    finally:
        con.close()
    if not dry_run:
        record_alert_state(db, result.state)
    click.echo(result.summary())
    if result.errors:
        for e in result.errors:
            click.echo(f"Error: {e}", err=True)
        return 1
    return 3 if result.firing else 0


def prepare_reports_now(db: Path, config) -> None:
    """After a publish: keep the slow parts of the next daily report (scorecard/reports/kept.py)
    when this warehouse's daily report has been made before. A failure here is a note: the load
    itself succeeded, and the first report then computes them."""
    from scorecard.reports.daily import prepare_after_publish

    try:
        prepared = prepare_after_publish(Path(db), config)
    except (duckdb.Error, OSError, ValueError, MemoryError) as e:
        click.echo(f"note: the next daily report was not prepared: {_sentence(e)}", err=True)
        return
    if prepared is not None:
        click.echo(prepared.summary())


@main.command("status")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@_common
def status_cmd(ctx, fmt):
    """Recent loads, quarantined rows by reason, and freshness per source."""
    from scorecard.operations.health import health
    from warehouse.ingest import load_warnings

    h = health(ctx.obj["db"])
    warnings = load_warnings(ctx.obj["db"])
    if fmt == "json":
        click.echo(json_text({**h.to_json(), "warnings": warnings.to_dict("records")}))
        return
    if fmt == "table":
        click.echo(status_text(ctx.obj["db"], ctx.obj["config"].display_timezone, h, warnings))
        return
    click.echo(f"warehouse {ctx.obj['db']}, data as of {h.as_of}")
    _echo_frame(h.loads, fmt)
    if not warnings.empty:
        click.echo("\nwarnings of recent loads:")
        for w in warnings.itertuples(index=False):
            click.echo(f"  {w.load_id} ({w.path}): {w.warning}")
    click.echo("\nquarantine by reason:")
    _echo_frame(h.quarantine, fmt)
    click.echo("\nfreshness per source:")
    _echo_frame(h.freshness, fmt)
    if h.response_freshness is not None and not h.response_freshness.empty:
        _echo_frame(h.response_freshness, fmt)


def status_text(db: Path, timezone: str, h, warnings) -> str:
    """`socialcare status` for people: loads, their warnings, quarantine and freshness."""
    from scorecard import terminal as term

    parts = [
        f"warehouse {db}, data through {term.local_time(h.as_of, timezone) or 'n/a (empty)'} "
        f"({timezone})",
        "",
        "recent loads:",
        term.loads_table(h.loads, timezone),
    ]
    if not warnings.empty:
        parts += ["", "warnings of recent loads:"]
        parts += [
            term.wrapped(f"  {w.load_id}: {w.warning}") for w in warnings.itertuples(index=False)
        ]
    parts += [
        "",
        "quarantined rows by reason:",
        term.quarantine_table(h.quarantine),
        "",
        "freshness per source:",
        term.freshness_table(h.freshness, timezone),
    ]
    if h.response_freshness is not None and not h.response_freshness.empty:
        parts += ["", term.freshness_table(h.response_freshness, timezone, holds="responses")]
    return "\n".join(parts)


@main.command("config")
@_common
def config_cmd(ctx):
    """Print the effective configuration (defaults plus socialcare.toml)."""
    click.echo(json_text(ctx.obj["config"].to_dict()))


@main.command("erase")
@click.option(
    "--customer",
    required=True,
    help="The customer's stored id (Twitter author id, CRM id) or the e-mail a ticket export used.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_common
def erase_cmd(ctx, customer, yes):
    """Erase one customer: cases, messages, tweets, surveys and quarantined rows, then publish."""
    import getpass

    from etl.audit import audit
    from warehouse.privacy import erase_customer

    if not yes and sys.stdin.isatty():
        click.confirm(
            "Erase every stored record of this customer? This cannot be undone", abort=True
        )
    result = erase_customer(ctx.obj["db"], customer, ctx.obj["config"])
    audit(
        getpass.getuser(),
        "erase",
        db=ctx.obj["db"],
        removed=result.removed,
        masked_mentions=result.masked_mentions,
    )
    click.echo(result.summary())


@main.command("export")
@click.argument(
    "table", type=click.Choice(["scorecard", "cases", "messages", "surveys", "loads", "quarantine"])
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "parquet"]),
    default="csv",
    show_default=True,
)
@click.option("--out", required=True, help="Output file.")
@click.option("--from", "start", default=None)
@click.option("--to", "end", default=None)
@click.option("--channel", default=None)
@click.option("--brand", default=None)
@_common
def export_cmd(ctx, table, fmt, out, start, end, channel, brand):
    """Export a table (spreadsheet formulas neutralised) to CSV, XLSX or Parquet."""
    from scorecard.export import export_table

    n = export_table(
        ctx.obj["db"],
        ctx.obj["config"],
        table,
        fmt,
        Path(out),
        start,
        end,
        {"channel": _csv_list(channel), "brand": _csv_list(brand)},
    )
    click.echo(f"wrote {n} rows to {out}.")


@main.command("lift")
@click.option("--from", "start", default=None)
@click.option("--to", "end", default=None)
@click.option("--brand", default=None)
@click.option(
    "--shift",
    default=0.2,
    show_default=True,
    type=float,
    help="What-if: share of eligible phone volume moved to social.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_common
def lift_cmd(ctx, start, end, brand, shift, fmt):
    """Channel economics and recommendation lift of social vs phone and e-mail."""
    from scorecard.economics.lift import lift_report
    from scorecard.kpis.data import open_warehouse

    con = open_warehouse(ctx.obj["db"])
    outside = _range_outside_data(con, ctx.obj["config"], *_dates(start, end), no_cases=NO_CASES)
    if outside == NO_CASES:  # economics and a what-if over nothing help nobody
        raise click.ClickException(f"no lift computed: {outside}")
    report = lift_report(con, ctx.obj["config"], start, end, {"brand": _csv_list(brand)}, shift)
    if outside:
        click.echo(f"note: {outside}", err=True)
    click.echo(json_text(report.to_json()) if fmt == "json" else _wrapped(report.summary()))


def _wrapped(text: str) -> str:
    """Prose wrapped to 100 columns for the terminal."""
    from scorecard.terminal import wrapped

    return wrapped(text)


def _dates(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """--from and --to as ISO dates, or a one-sentence error (not a date, or reversed)."""
    from scorecard.periods import day_range

    return day_range(start, end, ("--from", "--to"))


NO_CASES = "the warehouse holds no cases; load some first."


def _range_outside_data(
    con, config, start: str | None, end: str | None, *, no_cases: str | None = None
) -> str | None:
    """A sentence when [start, end] holds no day of the warehouse's data (no case opened in it),
    naming the range the data covers; None when they overlap or no range was asked for. A
    warehouse without cases (surveys only, say) gives `no_cases`."""
    from warehouse.queries import data_range

    first, last = data_range(con, config.display_timezone)
    if first is None or last is None:
        return no_cases
    if (start is None or start <= last) and (end is None or end >= first):
        return None
    asked = (
        f"{start}..{end}"
        if start and end
        else f"the days from {start} on"
        if start
        else f"the days up to {end}"
    )
    return (
        f"no case was opened in {asked}: the data covers {first}..{last}; "
        "choose --from and --to inside it."
    )


@main.group("report")
def report_group():
    """Printable reports: the daily morning review and the steering committee's business case."""


@report_group.command("daily")
@click.option(
    "--day",
    default=None,
    help="The day (YYYY-MM-DD, display timezone; default: the data's latest day).",
)
@click.option("--out", required=True, help="Output file: .html (self-contained) or .pdf (A4).")
@click.option(
    "--email-to",
    "email_to",
    default=None,
    help="Also e-mail it (comma-separated addresses) through [smtp].",
)
@_common
def report_daily_cmd(ctx, day, out, email_to):
    """The day's scorecard (red KPIs first, with why), the backlog and the week's incidents."""
    from scorecard.kpis.data import open_warehouse
    from scorecard.reports.daily import daily_report, email_report
    from scorecard.reports.render import preload_pdf_engine, report_format, write_report

    if report_format(out) == "pdf" or email_to:
        preload_pdf_engine()  # beside the queries
    report = daily_report(open_warehouse(ctx.obj["db"]), ctx.obj["config"], day)
    html = report.html()
    write_report(html, out)
    click.echo(f"wrote the daily report of {report.day or 'no data'} to {out}.")
    if email_to:
        sent = email_report(ctx.obj["config"], report, html, _csv_list(email_to))
        click.echo(f"sent it to {', '.join(sent)}.")


@report_group.command("business-case")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD, display timezone).")
@click.option("--to", "end", default=None, help="Last day (YYYY-MM-DD, inclusive).")
@click.option("--brand", default=None, help="Only this brand.")
@click.option(
    "--shift",
    default=0.2,
    show_default=True,
    type=float,
    help="What-if: share of eligible phone volume moved to social.",
)
@click.option("--out", required=True, help="Output file: .pdf (A4) or .html (self-contained).")
@_common
def report_business_case_cmd(ctx, start, end, brand, shift, out):
    """The verdict on one page, then economics, lift, fast vs effective, what-if and caveats."""
    from scorecard.kpis.data import open_warehouse
    from scorecard.reports.business_case import business_case
    from scorecard.reports.render import preload_pdf_engine, report_format, write_report

    fmt = report_format(out)
    start, end = _dates(start, end)
    con = open_warehouse(ctx.obj["db"])
    outside = _range_outside_data(
        con,
        ctx.obj["config"],
        start,
        end,
        no_cases=NO_CASES,
    )
    if outside:  # a board document of empty tables helps nobody
        raise click.ClickException(f"no business case written: {outside}")
    if fmt == "pdf":
        preload_pdf_engine()  # beside the queries
    bc = business_case(con, ctx.obj["config"], start, end, brand, shift)
    write_report(bc.html(), out)
    click.echo(f"wrote the business case of {bc.report.start}..{bc.report.end} to {out}.")


@main.command("anomalies")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD, display timezone).")
@click.option("--to", "end", default=None, help="Last day (YYYY-MM-DD, inclusive).")
@click.option("--kpi", default=None, help="Only these KPI ids (comma-separated).")
@click.option(
    "--sensitivity", default=3.5, show_default=True, type=float, help="Robust z threshold."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_common
def anomalies_cmd(ctx, start, end, kpi, sensitivity, fmt):
    """Incidents in daily KPI series (overall, per brand and channel), severity first, with
    their echoes, attribution and examples; new activity and coverage gaps apart."""
    from scorecard.anomalies.find import find_anomalies
    from scorecard.kpis.data import open_warehouse

    start, end = _dates(start, end)
    result = find_anomalies(
        open_warehouse(ctx.obj["db"]),
        ctx.obj["config"],
        start,
        end,
        _csv_list(kpi) or None,
        sensitivity,
        progress=True,
    )
    if fmt == "json":
        click.echo(json_text(result.to_json()))
        return
    click.echo(result.table() + "\n\n" + result.footer())


@main.command("explain")
@click.argument("kpi")
@click.option(
    "--period", required=True, help="A..B, the period to explain (YYYY-MM-DD..YYYY-MM-DD)."
)
@click.option(
    "--vs",
    "versus",
    default=None,
    help="C..D, the comparison period (default: [compare] baseline, the last 4 same weekdays).",
)
@click.option(
    "--vs-target",
    "vs_target",
    is_flag=True,
    help="Explain the shortfall against the target instead of a change (why is it red).",
)
@click.option(
    "--by",
    default=None,
    help="Dimensions (default: channel,brand,category,agent; with --vs-target also hour and topic terms).",
)
@click.option("--channel", default=None, help="Only these channels (comma-separated).")
@click.option("--brand", default=None, help="Only these brands (comma-separated).")
@click.option("--category", default=None, help="Only these issue categories (comma-separated).")
@click.option("--agent", default=None, help="Only these agents (comma-separated).")
@click.option("--hour", default=None, help="Only cases opened in these local hours (e.g. 9,15-22).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_common
def explain_cmd(ctx, kpi, period, versus, vs_target, by, fmt, **dims):
    """Why a KPI misses its target (--vs-target: the shortfall by segment and failing case), or
    what changed since a comparison period (mix and rate effects per segment)."""
    from scorecard.kpis.data import open_warehouse
    from scorecard.periods import option_filters

    con, config = open_warehouse(ctx.obj["db"]), ctx.obj["config"]
    if vs_target:
        from scorecard.rootcause.shortfall import explain_shortfall

        if versus:
            raise click.UsageError("use either --vs-target or --vs PERIOD, not both.")
        result = explain_shortfall(con, config, kpi, period, _csv_list(by), option_filters(**dims))
        click.echo(json_text(result.to_json()) if fmt == "json" else _wrapped(result.text()))
        return
    from scorecard.rootcause.change import explain_change

    dims_by = _csv_list(by) or ["channel", "brand", "category", "agent"]
    result = explain_change(con, config, kpi, period, versus, dims_by, option_filters(**dims))
    click.echo(json_text(result.to_json()) if fmt == "json" else _wrapped(result.summary()))


@main.command("drill")
@click.argument("kpi")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD, display timezone).")
@click.option("--to", "end", default=None, help="Last day (YYYY-MM-DD, inclusive).")
@click.option("--channel", default=None)
@click.option("--brand", default=None)
@click.option("--category", default=None)
@click.option("--agent", default=None)
@click.option("--hour", default=None, help="Local hours of day the cases opened (e.g. 9,15-22).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "parquet"]),
    default="csv",
    show_default=True,
)
@click.option("--out", required=True, help="Output file.")
@_common
def drill_cmd(ctx, kpi, start, end, fmt, out, **dims):
    """Write the cases behind a KPI value, with their transcripts."""
    from scorecard.export import export_drill
    from scorecard.periods import option_filters

    start, end = _dates(start, end)
    rows = export_drill(
        ctx.obj["db"], ctx.obj["config"], kpi, start, end, option_filters(**dims), fmt, Path(out)
    )
    click.echo(f"wrote {rows} rows to {out}.")


@main.command("build")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="duckdb: load each source into --db; spark: build a Parquet lake (socialcare[spark]).",
)
@click.option(
    "--lake", default=None, help="Lake folder or URI (file://, hdfs://, s3a://) for --engine spark."
)
@click.option(
    "--master",
    default="local[*]",
    show_default=True,
    help="Spark master URL (spark://host:7077, yarn, k8s://...).",
)
@click.option(
    "--mapping", default=None, help="TOML mapping for csv and sql sources (DuckDB engine)."
)
@_common
def build_cmd(ctx, sources, engine, lake, master, mapping):
    """Build the warehouse from KIND=PATH sources, in order (docs/spark.md)."""
    from warehouse.spark.command import build_with_spark, kind_paths

    if engine == "spark":
        if not lake:
            raise click.ClickException(
                "--engine spark needs --lake DIR (where the Parquet snapshots go)."
            )
        try:
            click.echo(build_with_spark(sources, lake, master, ctx.obj["config"]).summary())
        except USER_ERRORS as e:
            raise click.ClickException(_sentence(e)) from None
        return
    from warehouse.isolated import load_in_child

    try:
        for kind, path in kind_paths(sources):
            click.echo(
                load_in_child(kind, path, ctx.obj["db"], ctx.obj["config"], mapping).summary()
            )
    except USER_ERRORS as e:
        raise click.ClickException(_sentence(e)) from None
    prepare_reports_now(ctx.obj["db"], ctx.obj["config"])


@main.command("publish")
@click.option(
    "--from-lake",
    "lake",
    required=True,
    help="Lake folder whose current snapshot becomes the warehouse.",
)
@_common
def publish_cmd(ctx, lake):
    """Make the DuckDB warehouse (--db) from a lake's current snapshot (socialcare build --engine spark)."""
    from warehouse.spark.lake import LakeError
    from warehouse.spark.publish import publish_from_lake

    try:
        click.echo(publish_from_lake(lake, ctx.obj["db"], ctx.obj["config"]).summary())
    except LakeError as e:
        raise click.ClickException(_sentence(e)) from None
    prepare_reports_now(ctx.obj["db"], ctx.obj["config"])


def _run_dashboard(ctx, host: str, port: int, debug: bool) -> None:
    """Start the Dash development server on the chosen warehouse and configuration."""
    import os

    os.environ["SOCIALCARE_DB"] = str(ctx.obj["db"].resolve())
    if ctx.obj["config"].path:
        os.environ["SOCIALCARE_CONFIG"] = str(Path(ctx.obj["config"].path).resolve())
    _port_is_free(host, port)
    from app import app

    app.run(host=host, port=port, debug=debug)


def _port_is_free(host: str, port: int) -> None:
    """A busy port is one sentence, before Dash (or the demo's load) prints anything."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise click.ClickException(
                f"port {port} on {host} is in use ({e.strerror}); stop what uses it "
                "or choose another with --port."
            ) from None


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@_common
def serve_cmd(ctx, host, port, debug):
    """Serve the dashboard (development server; use `gunicorn app:server` in production)."""
    if not ctx.obj["db"].exists():
        raise WarehouseError(
            f"no warehouse at {ctx.obj['db']}; run socialcare demo or load data first."
        )
    _run_dashboard(ctx, host, port, debug)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the demo warehouse only.")
@_common
def demo_cmd(ctx, host, port, no_serve):
    """Load the bundled sample data into the warehouse and serve the dashboard."""
    from warehouse.demo import build_demo

    if not no_serve:
        _port_is_free(host, port)
    for line in build_demo(ctx.obj["db"], ctx.obj["config"]):
        click.echo(line)
    if not no_serve:
        click.echo(f"dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
        _run_dashboard(ctx, host, port, False)


if __name__ == "__main__":
    sys.exit(main())
