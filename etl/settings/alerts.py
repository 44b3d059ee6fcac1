"""Alert subscriptions and mail settings of socialcare.toml (`[[alerts]]`, `[smtp]`).

```toml
[[alerts]]
name = "social SLA"
kpi = "sla_met_rate"              # a KPI id, or "incidents"
slice = { channel = "social" }    # optional: channel, brand, category, agent, team
when = "red"                      # "red", "below 0.8", "above 3600", "severity >= high"
to = ["mailto:ops@example.com", "https://hooks.example.com/T0/B0", "file:alerts.jsonl"]

[smtp]
host = "smtp.example.com"
port = 587
starttls = true
user = "socialcare"
password_env = "SOCIALCARE_SMTP_PASSWORD"   # the password itself never sits in the file
from = "socialcare@example.com"
```
Parsers raise ValueError with one sentence naming the alert; etl/settings/config.py turns it into a
ConfigError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SLICE_KEYS = ("channel", "brand", "category", "agent", "team")
SEVERITIES = ("low", "medium", "high")
_WHEN = re.compile(r"^(?:red|(below|above)\s+(-?\d+(?:\.\d+)?)|severity\s*>=\s*(low|medium|high))$")
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class AlertRule:
    """One subscription: a KPI (or incidents) in a slice, a condition, and where to send it."""

    name: str
    kpi: str
    when: str = "red"
    slice: tuple[tuple[str, str], ...] = ()
    to: tuple[str, ...] = ()

    @property
    def condition(self) -> tuple[str, float | None]:
        """('red', None), ('below', x), ('above', x) or ('severity', rank 0-2)."""
        m = _WHEN.match(self.when)
        if m is None:  # validated at load; kept total for callers
            return "red", None
        if m[1]:
            return m[1], float(m[2])
        if m[3]:
            return "severity", float(SEVERITIES.index(m[3]))
        return "red", None


@dataclass(frozen=True)
class SmtpSettings:
    """Where alert and report mail goes out (the password comes from an environment variable)."""

    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password_env: str | None = None
    sender: str = "socialcare@localhost"
    timeout_s: float = 30.0


def _destination(value: Any, alert: str) -> str:
    if isinstance(value, str):
        v = value.strip()
        if (
            _MAILTO.match(v)
            or re.match(r"^https?://[^\s/]+", v)
            or (v.startswith("file:") and len(v) > 5)
        ):
            return v
    raise ValueError(
        f"alert {alert!r}: destination {value!r} is not mailto:ADDRESS, an http(s):// URL "
        "or file:PATH; fix its `to` list."
    )


def alert_rules(raw: Any) -> tuple[AlertRule, ...]:
    """Validated `[[alerts]]` tables."""
    if not isinstance(raw, list):
        raise ValueError(
            "alerts must be an array of tables: [[alerts]] name = ..., kpi = ..., to = [...]."
        )
    out, names = [], set()
    for i, a in enumerate(raw, 1):
        if not isinstance(a, dict):
            raise ValueError(f"alert number {i} must be a table with name, kpi, when and to.")
        unknown = set(a) - {"name", "kpi", "slice", "when", "to"}
        name = str(a.get("name") or f"alert {i}")
        if unknown:
            raise ValueError(
                f"alert {name!r}: unknown key {sorted(unknown)[0]!r}; allowed: name, kpi, slice, when, to."
            )
        if not a.get("name") or not isinstance(a["name"], str):
            raise ValueError(
                f"alert number {i} needs a name (a short text shown in every message)."
            )
        if name in names:
            raise ValueError(f"alert {name!r} is defined twice; give each alert its own name.")
        names.add(name)
        kpi = a.get("kpi")
        if not isinstance(kpi, str) or not kpi:
            raise ValueError(
                f"alert {name!r}: kpi must be a KPI id such as 'sla_met_rate', or 'incidents'."
            )
        when = str(a.get("when", "red")).strip().lower()
        if not _WHEN.match(when):
            raise ValueError(
                f"alert {name!r}: when = {a.get('when')!r} must be 'red', 'below X', 'above X' "
                "or 'severity >= low|medium|high'."
            )
        if when.startswith("severity") != (kpi == "incidents"):
            raise ValueError(
                f"alert {name!r}: 'severity >= ...' goes with kpi = 'incidents', and a KPI takes "
                "'red', 'below X' or 'above X'."
            )
        sl = a.get("slice", {})
        if not isinstance(sl, dict) or any(
            k not in SLICE_KEYS or not isinstance(v, str) for k, v in sl.items()
        ):
            raise ValueError(
                f'alert {name!r}: slice must be a table of {", ".join(SLICE_KEYS)} = "value".'
            )
        to = a.get("to")
        if not isinstance(to, list) or not to:
            raise ValueError(f"alert {name!r}: to must list at least one destination.")
        out.append(
            AlertRule(
                name, kpi, when, tuple(sorted(sl.items())), tuple(_destination(t, name) for t in to)
            )
        )
    return tuple(out)


def smtp_settings(raw: Any) -> SmtpSettings:
    """Validated `[smtp]` table."""
    if not isinstance(raw, dict):
        raise ValueError("smtp must be a table: [smtp] host = ..., port = ...")
    if "password" in raw:
        raise ValueError(
            "smtp.password: put the password in an environment variable and name it in smtp.password_env."
        )
    allowed = {"host", "port", "starttls", "user", "password_env", "from", "timeout_s"}
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(
            f"unknown key 'smtp.{sorted(unknown)[0]}'; allowed here: {', '.join(sorted(allowed))}."
        )
    port = raw.get("port", 25)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"smtp.port must be a port number, got {port!r}.")
    return SmtpSettings(
        host=str(raw.get("host", "localhost")),
        port=port,
        starttls=bool(raw.get("starttls", False)),
        user=raw.get("user"),
        password_env=raw.get("password_env"),
        sender=str(raw.get("from", "socialcare@localhost")),
        timeout_s=float(raw.get("timeout_s", 30.0)),
    )
