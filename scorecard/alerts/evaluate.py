"""Alert subscriptions (`[[alerts]]`): evaluate each on the latest day of data, announce what
starts firing and what clears, once per destination, and remember it in the warehouse.

- A KPI alert looks at the KPI in its slice over the latest local day with data: it fires when
  the status is red (`when = "red"`; thin and n/a values never fire: too few to judge, or not
  measured), or when the value is below / above a threshold in the KPI's own unit (shares as
  0-1, times in seconds). A red alert's message carries the shortfall paragraph of
  `explain --vs-target`.
- An incidents alert fires for each incident of the last 7 days (`find_anomalies`) whose
  severity reaches its level (low: any, medium: >= 6, high: >= 10, or a number) and whose slice
  matches the alert's; it stays firing while the incident reaches the latest day and is
  announced as resolved once it no longer does.
- State per (alert, condition key, destination) in the warehouse table `alert_state`: a
  condition already announced as firing is not sent again; when it clears, "resolved" is sent
  once. A destination that fails keeps its old state, so the next run tries again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import duckdb
import pandas as pd

from etl.settings.alerts import AlertRule
from etl.settings.config import Config
from scorecard.alerts.data_alerts import stored_alert_state
from scorecard.alerts.delivery import DeliveryError, deliver
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.scoring import scorecard
from scorecard.options import latest_day
from scorecard.rootcause.shortfall_text import level_text

SEVERITY_LEVELS = {"low": 0.0, "medium": 6.0, "high": 10.0}
INCIDENT_DAYS = 7


@dataclass(frozen=True)
class AlertCheck:
    """One evaluated condition of one alert."""

    alert: AlertRule
    key: (
        str  # stable across runs: the alert's KPI and slice, or the incident's KPI, slice and start
    )
    firing: bool
    day: str
    headline: str  # one line: what is wrong (or what it is now)
    detail: str = ""  # the paragraph under it
    facts: dict = field(default_factory=dict)  # value, target, n, unit ... for the JSON payload


@dataclass(frozen=True)
class AlertMessage:
    """One message to one destination."""

    alert: str
    key: str
    destination: str
    status: str  # firing | resolved
    subject: str
    text: str
    payload: dict


@dataclass(frozen=True)
class AlertRun:
    """What one run found, what it sent, what failed, and the state to store."""

    day: str | None
    checks: tuple[AlertCheck, ...]
    messages: tuple[AlertMessage, ...]
    sent: tuple[AlertMessage, ...] = ()
    errors: tuple[str, ...] = ()
    state: pd.DataFrame | None = None

    @property
    def firing(self) -> tuple[AlertCheck, ...]:
        return tuple(c for c in self.checks if c.firing)

    def summary(self) -> str:
        """Lines for the terminal."""
        if self.day is None:
            return "alerts: no data yet."
        lines = [f"alerts on {self.day}: {len(self.firing)} firing, {len(self.sent)} messages sent"]
        lines += [f"  FIRING {c.alert.name}: {c.headline}" for c in self.firing]
        lines += [f"  sent {m.status} '{m.alert}' to {_shown(m.destination)}" for m in self.sent]
        lines += [f"  error: {e}" for e in self.errors]
        return "\n".join(lines)


def _shown(destination: str) -> str:
    if destination.startswith(("http://", "https://")):
        scheme, _, rest = destination.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}/…"
    return destination


def _slice_text(slice_: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k} {v}" for k, v in slice_) or "all cases"


def kpi_check(
    con: duckdb.DuckDBPyConnection, config: Config, rule: AlertRule, day: str
) -> AlertCheck:
    """Evaluate one KPI alert on one day."""
    try:
        kpi = kpi_by_id(rule.kpi)
    except (KeyError, ValueError):
        raise ValueError(
            f"alert {rule.name!r}: kpi {rule.kpi!r} is not a KPI id of the catalogue "
            "(socialcare scorecard --format json lists them) nor 'incidents'."
        ) from None
    filters = {k: [v] for k, v in rule.slice}
    result = scorecard(con, config, day, day, grain="total", filters=filters, kpi_ids=[kpi.id])
    v = result.value(kpi.id)
    kind, threshold = rule.condition
    where = _slice_text(rule.slice)
    if v is None or v.value is None:
        reason = (v.reason if v is not None else None) or "no value"
        return AlertCheck(
            rule, f"{kpi.id}|{where}", False, day, f"{kpi.label} ({where}): n/a, {reason}"
        )
    level = level_text(kpi, v.value, config)
    target = level_text(kpi, v.target, config) if v.target is not None else None
    if kind == "red":
        firing = v.status == "red"
        cond = f"target {target}" if target else "no target"
    elif kind == "below":
        firing = not v.thin and v.value < threshold
        cond = f"alert below {level_text(kpi, threshold, config)}"
    else:
        firing = not v.thin and v.value > threshold
        cond = f"alert above {level_text(kpi, threshold, config)}"
    headline = f"{kpi.label} ({where}) {level} on {day}, {cond}, n {v.n:,}"
    if v.thin:
        headline += " (thin: too few to judge)"
    detail = (
        _shortfall_paragraph(con, config, kpi.id, day, filters) if firing and kind == "red" else ""
    )
    facts = {
        "kpi": kpi.id,
        "slice": dict(rule.slice),
        "value": v.value,
        "target": v.target,
        "n": v.n,
        "kpi_status": v.status,
        "unit": v.currency or kpi.unit,
    }
    return AlertCheck(rule, f"{kpi.id}|{where}", firing, day, headline, detail, facts)


def _shortfall_paragraph(con, config, kpi_id: str, day: str, filters: dict) -> str:
    """The one paragraph of `explain --vs-target` for the day ('' when it cannot be split)."""
    from scorecard.rootcause.shortfall import explain_shortfall

    try:
        return explain_shortfall(
            con, config, kpi_id, f"{day}..{day}", filters=filters, with_terms=False
        ).summary
    except (ValueError, KeyError):
        return ""


def _severity_floor(rule: AlertRule) -> float:
    word = rule.when.split(">=", 1)[1].strip()
    return SEVERITY_LEVELS.get(word, float(word) if word.replace(".", "", 1).isdigit() else 0.0)


def incident_checks(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    rule: AlertRule,
    day: str,
    incidents: list | None = None,
) -> list[AlertCheck]:
    """Evaluate an incidents alert: one check per incident of the last days that matches it."""
    floor = _severity_floor(rule)
    wanted = dict(rule.slice)
    out = []
    for inc in incidents or []:
        slice_ = {k: str(v) for k, v in (inc.slice or {}).items()}
        if any(slice_.get(k) != v for k, v in wanted.items()) or inc.severity < floor:
            continue
        key = f"incident|{inc.kpi}|{json.dumps(slice_, sort_keys=True)}|{inc.start}"
        firing = inc.end >= day
        headline = (
            f"incident {inc.kpi} ({_slice_text(tuple(sorted(slice_.items())))}) {inc.start}..{inc.end}, "
            f"severity {inc.severity:.1f}"
        )
        out.append(
            AlertCheck(
                rule,
                key,
                firing,
                day,
                headline,
                inc.summary,
                {
                    "kpi": inc.kpi,
                    "slice": slice_,
                    "start": inc.start,
                    "end": inc.end,
                    "severity": inc.severity,
                    "observed": inc.observed,
                    "expected": inc.expected,
                },
            )
        )
    return out


def evaluate(
    con: duckdb.DuckDBPyConnection, config: Config, day: str | None = None
) -> tuple[str | None, list[AlertCheck]]:
    """Every alert's checks on `day` (default: the latest local day with data)."""
    if day is None:
        last = latest_day(con, config)
        day = last.isoformat() if last else None
    if day is None:
        return None, []
    checks: list[AlertCheck] = []
    incidents = None
    for rule in config.alerts:
        if rule.kpi == "incidents":
            if incidents is None:
                from scorecard.anomalies.find import find_anomalies

                start = (date.fromisoformat(day) - timedelta(days=INCIDENT_DAYS - 1)).isoformat()
                incidents = list(find_anomalies(con, config, start, day).incidents)
            checks += incident_checks(con, config, rule, day, incidents)
        else:
            checks.append(kpi_check(con, config, rule, day))
    return day, checks


def _message(check: AlertCheck, destination: str, status: str, link: str | None) -> AlertMessage:
    word = "FIRING" if status == "firing" else "RESOLVED"
    subject = f"[socialcare] {word}: {check.alert.name}"
    text = check.headline + (f"\n\n{check.detail}" if check.detail and status == "firing" else "")
    if status == "resolved":
        text = f"Cleared: {check.headline}"
    if link:
        text += f"\n\nOpen: {link}"
    payload = {
        "alert": check.alert.name,
        "status": status,
        "day": check.day,
        "headline": check.headline,
        "detail": check.detail if status == "firing" else "",
        **check.facts,
    }
    return AlertMessage(check.alert.name, check.key, destination, status, subject, text, payload)


def _rootcause_link(base_url: str, check: AlertCheck) -> str:
    """The dashboard's explanation of the check: why its KPI is off target on its day, in its slice."""
    query = {
        "kpi": check.facts.get("kpi", ""),
        "day": check.day,
        "mode": "target",
        **{k: v for k, v in (check.facts.get("slice") or {}).items() if k in ("brand", "channel")},
    }
    return f"{base_url.rstrip('/')}/rootcause?{urlencode(query)}"


def transitions(
    checks: list[AlertCheck], stored: pd.DataFrame, base_url: str | None = None
) -> list[AlertMessage]:
    """The messages a run sends: firing where the stored state is not firing, resolved where it
    was firing and is not any more (per destination)."""
    known = {(r.alert, r.key, r.destination): r.status for r in stored.itertuples(index=False)}
    out = []
    seen = set()
    for c in checks:
        link = _rootcause_link(base_url, c) if base_url else None
        for dest in c.alert.to:
            seen.add((c.alert.name, c.key, dest))
            before = known.get((c.alert.name, c.key, dest))
            if c.firing and before != "firing":
                out.append(_message(c, dest, "firing", link))
            elif not c.firing and before == "firing":
                out.append(_message(c, dest, "resolved", link))
    # a condition that no longer appears at all (an incident out of the window) has cleared
    for (alert, key, dest), status in known.items():
        if status == "firing" and (alert, key, dest) not in seen:
            gone = AlertCheck(
                AlertRule(alert, "incidents", to=(dest,)),
                key,
                False,
                "",
                f"{key.split('|')[1]} no longer reported",
                "",
                {},
            )
            out.append(_message(gone, dest, "resolved", None))
    return out


def run_alerts(
    con: duckdb.DuckDBPyConnection, config: Config, day: str | None = None, send: bool = True
) -> AlertRun:
    """Evaluate every alert, send what changed (unless `send` is False) and return the state
    to store: delivered messages update it, failed ones leave it as it was."""
    day, checks = evaluate(con, config, day)
    stored = stored_alert_state(con)
    messages = transitions(checks, stored, config.report_base_url)
    sent, errors = [], []
    for m in messages:
        if not send:
            continue
        try:
            deliver(config.smtp, m.destination, m.subject, m.text, m.payload)
            sent.append(m)
        except DeliveryError as e:
            errors.append(f"alert {m.alert!r}: {e}")
    now = datetime.now(UTC)
    state = pd.DataFrame(
        [
            {
                "alert": m.alert,
                "key": m.key,
                "destination": m.destination,
                "status": m.status,
                "since": now,
                "delivered_at": now,
                "detail": m.subject,
            }
            for m in sent
        ],
        columns=["alert", "key", "destination", "status", "since", "delivered_at", "detail"],
    )
    return AlertRun(day, tuple(checks), tuple(messages), tuple(sent), tuple(errors), state)
